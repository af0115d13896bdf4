/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-conf.c: /etc/libvirt-cpreg/cpreg.conf (GKeyFile, group [hook])
 *
 *   [hook]
 *   host-profile=/var/lib/libvirt-cpreg/host.json
 *   qemu-version=10.0.2
 *   policy-dirs=/usr/share/libvirt-cpreg/policy.d;/etc/libvirt-cpreg/policy.d
 *   cache-dir=/run/libvirt-cpreg
 *   emulators=/usr/bin/qemu-system-aarch64;/usr/libexec/qemu-kvm
 *   on-missing-profile=allow
 *   on-internal-error=allow
 *   time-budget-ms=5000
 *
 * VIRT_CPREG_CONF names another file. A missing file means the defaults.
 *
 * A typo must never weaken the decision the admin configured, so the file
 * is read line by line, each line of [hook] through GKeyFile on its own:
 * a valid line is honoured whatever the others hold, and an invalid one
 * gives its key the compiled-in fallback of the table below and a
 * problem (journal, `virt-cpreg validate`). For the two decisions the
 * fallback is deny: the admin meant something, we cannot tell what, and
 * refusing is the answer that can be corrected. A file that exists but
 * cannot be read makes every key invalid.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>

#include "cpreg-conf.h"
#include "cpreg-error.h"
#include "cpreg-text.h"
#include "cpreg-util.h"

#define GROUP "hook"
#define CONF_DEFAULT_PATH SYSCONFDIR "/libvirt-cpreg/cpreg.conf"
#define CONF_MAX_BYTES (64 * 1024)
#define BUDGET_DEFAULT_MS 5000
#define BUDGET_MIN_MS 100
#define BUDGET_MAX_MS 600000

/* The distributions' own QEMU: Debian, Ubuntu, Fedora; RHEL and its kin. */
static const char *const emulatorsDefault[] = {
    "/usr/bin/qemu-system-aarch64", "/usr/libexec/qemu-kvm", NULL,
};

typedef gboolean (*ConfParse)(virCpregConf *conf, const char *value, char **why);
typedef void (*ConfFallback)(virCpregConf *conf);

typedef struct {
    const char *key;
    ConfParse parse;
    ConfFallback fallback;      /* what an invalid line means */
    const char *fallback_text;  /* says so, for the problem */
} ConfKey;

static gboolean
absolutePath(const char *value, char **why)
{
    if (g_path_is_absolute(value))
        return TRUE;
    *why = g_strdup_printf(_("'%s' is not an absolute path"), value);
    return FALSE;
}

static gboolean
parsePathList(const char *value, char ***out, char **why)
{
    g_auto(GStrv) list = g_strsplit(value, ";", -1);
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; list[i]; i++) {
        g_strstrip(list[i]);
        if (!*list[i])
            continue;
        if (!absolutePath(list[i], why))
            return FALSE;
        g_ptr_array_add(kept, g_strdup(list[i]));
    }
    if (!kept->len) {
        *why = g_strdup(_("the list is empty"));
        return FALSE;
    }
    g_ptr_array_add(kept, NULL);
    g_strfreev(*out);
    *out = (char **)g_ptr_array_free(g_steal_pointer(&kept), FALSE);
    return TRUE;
}

VIR_CPREG_ENUM_IMPL(virCpregOnAction, virCpregOnAction, VIR_CPREG_ON_LAST,
                    "allow", "deny");

static gboolean
parseOn(const char *value, virCpregOnAction *out, char **why)
{
    int action = virCpregOnActionFromString(value);

    if (action < 0) {
        *why = g_strdup_printf(_("expected allow or deny, not '%s'"), value);
        return FALSE;
    }
    *out = action;
    return TRUE;
}

static gboolean
parseHostProfile(virCpregConf *conf, const char *value, char **why)
{
    if (!absolutePath(value, why))
        return FALSE;
    g_free(conf->host_profile);
    conf->host_profile = g_strdup(value);
    return TRUE;
}

/* "10.0" or "10.0.2": two or three numbers of one to three digits (a
 * loop, not a regex: compiling one costs the hook more than its check) */
static gboolean
isQemuVersion(const char *s)
{
    guint numbers = 0;

    for (;;) {
        size_t n = strspn(s, "0123456789");
        if (n < 1 || n > 3)
            return FALSE;
        numbers++;
        s += n;
        if (!*s)
            return numbers >= 2;
        if (*s != '.' || numbers == 3)
            return FALSE;
        s++;
    }
}

static gboolean
parseQemuVersion(virCpregConf *conf, const char *value, char **why)
{
    if (!isQemuVersion(value)) {
        *why = g_strdup_printf(_("expected a QEMU version such as 10.0.2, not '%s'"), value);
        return FALSE;
    }
    g_free(conf->qemu_version);
    conf->qemu_version = g_strdup(value);
    return TRUE;
}

static gboolean
parsePolicyDirs(virCpregConf *conf, const char *value, char **why)
{
    return parsePathList(value, &conf->policy_dirs, why);
}

static gboolean
parseCacheDir(virCpregConf *conf, const char *value, char **why)
{
    if (!absolutePath(value, why))
        return FALSE;
    g_free(conf->cache_dir);
    conf->cache_dir = g_strdup(value);
    return TRUE;
}

static gboolean
parseEmulators(virCpregConf *conf, const char *value, char **why)
{
    return parsePathList(value, &conf->emulators, why);
}

static gboolean
parseOnMissingProfile(virCpregConf *conf, const char *value, char **why)
{
    return parseOn(value, &conf->on_missing_profile, why);
}

static gboolean
parseOnInternalError(virCpregConf *conf, const char *value, char **why)
{
    return parseOn(value, &conf->on_internal_error, why);
}

static gboolean
parseTimeBudget(virCpregConf *conf, const char *value, char **why)
{
    char *end;
    guint64 ms = g_ascii_strtoull(value, &end, 10);

    if (*end || end == value || ms < BUDGET_MIN_MS || ms > BUDGET_MAX_MS) {
        *why = g_strdup_printf(_("expected %1$d to %2$d, not '%3$s'"),
                               BUDGET_MIN_MS, BUDGET_MAX_MS, value);
        return FALSE;
    }
    conf->time_budget_ms = (unsigned int)ms;
    return TRUE;
}

static void
fallbackHostProfile(virCpregConf *conf)
{
    g_clear_pointer(&conf->host_profile, g_free);
}

static void
fallbackQemuVersion(virCpregConf *conf)
{
    g_clear_pointer(&conf->qemu_version, g_free);
}

static const char *const policyDirsDefault[] = {
    PKGDATADIR "/policy.d", SYSCONFDIR "/libvirt-cpreg/policy.d", NULL,
};

static void
fallbackPolicyDirs(virCpregConf *conf)
{
    g_clear_pointer(&conf->policy_dirs, g_strfreev);
}

/* The policy directories, in order: policy-dirs=, else (and for a NULL
 * @conf) the installed ones. */
const char *const *
virCpregConfPolicyDirs(const virCpregConf *conf)
{
    return conf && conf->policy_dirs ? (const char *const *)conf->policy_dirs :
                                       policyDirsDefault;
}

static void
fallbackCacheDir(virCpregConf *conf)
{
    g_clear_pointer(&conf->cache_dir, g_free);
}

static void
fallbackEmulators(virCpregConf *conf)
{
    g_strfreev(conf->emulators);
    conf->emulators = g_strdupv((char **)emulatorsDefault);
}

static void
fallbackOnMissingProfile(virCpregConf *conf)
{
    conf->on_missing_profile = VIR_CPREG_ON_DENY;
}

static void
fallbackOnInternalError(virCpregConf *conf)
{
    conf->on_internal_error = VIR_CPREG_ON_DENY;
}

static void
fallbackTimeBudget(virCpregConf *conf)
{
    conf->time_budget_ms = BUDGET_DEFAULT_MS;
}

/* Every key, its parser and what an invalid line falls back to. */
static const ConfKey confKeys[] = {
    { "host-profile", parseHostProfile, fallbackHostProfile, N_("a probe of this host") },
    { "qemu-version", parseQemuVersion, fallbackQemuVersion, N_("the guest's emulator's version") },
    { "policy-dirs", parsePolicyDirs, fallbackPolicyDirs, N_("the default policy directories") },
    { "cache-dir", parseCacheDir, fallbackCacheDir, N_("the default cache directory") },
    { "emulators", parseEmulators, fallbackEmulators, N_("the distribution's own QEMU paths") },
    { "on-missing-profile", parseOnMissingProfile, fallbackOnMissingProfile, N_("deny") },
    { "on-internal-error", parseOnInternalError, fallbackOnInternalError, N_("deny") },
    { "time-budget-ms", parseTimeBudget, fallbackTimeBudget, N_("5000") },
};

/* The keys of confKeys, in its order, NULL-terminated. */
const char *const *
virCpregConfKeys(void)
{
    static const char *names[G_N_ELEMENTS(confKeys) + 1];
    static gsize done;
    guint i;

    if (g_once_init_enter(&done)) {
        for (i = 0; i < G_N_ELEMENTS(confKeys); i++)
            names[i] = confKeys[i].key;
        g_once_init_leave(&done, 1);
    }
    return names;
}

static const ConfKey *
confKeyFind(const char *key)
{
    guint i;

    for (i = 0; i < G_N_ELEMENTS(confKeys); i++) {
        if (g_str_equal(confKeys[i].key, key))
            return &confKeys[i];
    }
    return NULL;
}

static void
problemFree(gpointer p)
{
    virCpregConfProblem *problem = p;

    g_free(problem->key);
    g_free(problem->message);
    g_free(problem);
}

static void
addProblem(virCpregConf *conf, const char *key, guint line, char *message)
{
    virCpregConfProblem *problem = g_new0(virCpregConfProblem, 1);

    problem->key = g_strdup(key);
    problem->line = line;
    problem->message = message;
    g_ptr_array_add(conf->problems, problem);
}

void
virCpregConfFree(virCpregConf *conf)
{
    if (!conf)
        return;
    g_free(conf->path);
    g_free(conf->host_profile);
    g_free(conf->qemu_version);
    g_strfreev(conf->policy_dirs);
    g_free(conf->cache_dir);
    g_strfreev(conf->emulators);
    g_ptr_array_unref(conf->problems);
    g_free(conf);
}

static virCpregConf *
confDefaults(void)
{
    virCpregConf *conf = g_new0(virCpregConf, 1);

    conf->on_missing_profile = VIR_CPREG_ON_ALLOW;
    conf->on_internal_error = VIR_CPREG_ON_ALLOW;
    conf->time_budget_ms = BUDGET_DEFAULT_MS;
    conf->emulators = g_strdupv((char **)emulatorsDefault);
    conf->problems = g_ptr_array_new_with_free_func(problemFree);
    return conf;
}

static void
applyInvalid(virCpregConf *conf, const ConfKey *k, const char *origin,
             guint line, const char *why)
{
    k->fallback(conf);
    addProblem(conf, k->key, line,
               g_strdup_printf(_("%1$s, line %2$u: %3$s: %4$s; using %5$s instead"),
                               origin, line, k->key, why, _(k->fallback_text)));
}

/* One line of [hook], through GKeyFile on its own. */
static void
confLine(virCpregConf *conf, const char *origin, guint line, const char *text)
{
    g_autofree char *data = g_strdup_printf("[" GROUP "]\n%s\n", text);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) keys = NULL;
    g_autofree char *value = NULL;
    g_autofree char *why = NULL;
    g_autofree char *name = NULL;
    const ConfKey *k;

    if (!g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, &err) ||
        !(keys = g_key_file_get_keys(kf, GROUP, NULL, NULL)) || !keys[0]) {
        name = g_strndup(text, strcspn(text, "= \t"));
        if ((k = confKeyFind(name)))
            return applyInvalid(conf, k, origin, line,
                                err ? err->message : _("not a key=value line"));
        return addProblem(conf, NULL, line,
                          g_strdup_printf(_("%1$s, line %2$u: %3$s"), origin, line,
                                          err ? err->message : _("not a key=value line")));
    }
    if (!(k = confKeyFind(keys[0])))
        return addProblem(conf, keys[0], line,
                          g_strdup_printf(_("%1$s, line %2$u: unknown key '%3$s' in [hook]"),
                                          origin, line, keys[0]));
    if (!(value = g_key_file_get_string(kf, GROUP, keys[0], &err)))
        return applyInvalid(conf, k, origin, line, err->message);
    g_strstrip(value);
    if (!k->parse(conf, value, &why))
        applyInvalid(conf, k, origin, line, why);
}

/*
 * A line outside [hook] (before any group, or under a mistyped header
 * such as [Hook]): what it says is not read, but when it names one of
 * our keys the admin meant it, so that key takes its fallback, as an
 * invalid line would give it, rather than its default.
 */
static void
strayLine(virCpregConf *conf, const char *origin, guint line, const char *text)
{
    g_autofree char *name = g_strndup(text, strcspn(text, "= \t"));
    const ConfKey *k = confKeyFind(name);

    if (k)
        return applyInvalid(conf, k, origin, line, _("the line is outside [hook]"));
    addProblem(conf, NULL, line,
               g_strdup_printf(_("%1$s, line %2$u: a line outside [hook]"), origin, line));
}

virCpregConf *
virCpregConfLoadData(const char *origin, const char *data, gsize len)
{
    g_autoptr(virCpregConf) conf = confDefaults();
    g_autoptr(GError) err = NULL;
    g_autofree char *copy = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *group = NULL;
    guint i;

    conf->path = g_strdup(origin);
    if (!virCpregTextCheckUTF8(origin, data, len, &err) || memchr(data, '\0', len)) {
        for (i = 0; i < G_N_ELEMENTS(confKeys); i++)
            confKeys[i].fallback(conf);
        addProblem(conf, NULL, 0, g_strdup_printf(_("%1$s: not a text file; every key falls back"),
                                                  origin));
        return g_steal_pointer(&conf);
    }
    /* @len bytes, not a C string; a UTF-8 byte order mark is no part of
     * the first line */
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }
    copy = g_strndup(data, len);
    lines = g_strsplit(copy, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char *text = g_strstrip(lines[i]);

        if (!*text || *text == '#')
            continue;
        if (*text == '[') {
            g_free(group);
            group = g_strdup(text);
            if (!g_str_equal(text, "[" GROUP "]"))
                addProblem(conf, NULL, i + 1,
                           g_strdup_printf(_("%1$s, line %2$u: unknown group %3$s; only [hook] is read"),
                                           origin, i + 1, text));
        } else if (group && g_str_equal(group, "[" GROUP "]")) {
            confLine(conf, origin, i + 1, text);
        } else {
            strayLine(conf, origin, i + 1, text);
        }
    }
    return g_steal_pointer(&conf);
}

virCpregConf *
virCpregConfLoadFile(const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    virCpregConf *conf;
    gsize len;
    guint i;
    struct stat st;

    if (stat(path, &st) < 0 && errno == ENOENT)
        return confDefaults();
    if (virCpregTextReadFile(path, CONF_MAX_BYTES, &data, &len, &err))
        return virCpregConfLoadData(path, data, len);
    conf = confDefaults();
    conf->path = g_strdup(path);
    for (i = 0; i < G_N_ELEMENTS(confKeys); i++)
        confKeys[i].fallback(conf);
    addProblem(conf, NULL, 0,
               g_strdup_printf(_("%1$s; every key falls back (on-internal-error and on-missing-profile to deny)"),
                               err->message));
    return conf;
}

virCpregConf *
virCpregConfLoad(void)
{
    const char *path = g_getenv(VIR_CPREG_CONF_ENV);

    return virCpregConfLoadFile(path ? path : CONF_DEFAULT_PATH);
}

const virCpregConfProblem *
virCpregConfProblemFor(const virCpregConf *conf, const char *key)
{
    guint i;

    for (i = 0; i < conf->problems->len; i++) {
        const virCpregConfProblem *p = conf->problems->pdata[i];
        if (g_strcmp0(p->key, key) == 0)
            return p;
    }
    return NULL;
}

/* Every problem, one a line, or NULL when the file is valid. */
char *
virCpregConfProblemsText(const virCpregConf *conf)
{
    g_autoptr(GString) s = NULL;
    guint i;

    if (!conf->problems->len)
        return NULL;
    s = g_string_new(NULL);
    for (i = 0; i < conf->problems->len; i++) {
        const virCpregConfProblem *p = conf->problems->pdata[i];
        g_string_append_printf(s, "%s%s", i ? "\n" : "", p->message);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static gboolean
rootOwnedNotWritable(const char *path, const char *shown, GError **error)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%1$s': %2$s"), shown, g_strerror(errno));
        return FALSE;
    }
    /* a sticky directory (/tmp) is fine: nobody else can replace root's
     * entries there */
    if (st.st_uid != 0 ||
        ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%1$s': %2$s must be owned by root and writable by nobody else"),
                    shown, path);
        return FALSE;
    }
    return TRUE;
}

/* Every directory from @path's up to /: root's, writable by nobody else. */
static gboolean
ancestorsRootOwned(const char *path, const char *shown, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);

    for (;;) {
        char *up;
        if (!rootOwnedNotWritable(dir, shown, error))
            return FALSE;
        if (g_str_equal(dir, "/"))
            return TRUE;
        up = g_path_get_dirname(dir);
        g_free(dir);
        dir = up;
    }
}

/*
 * The trust boundary for executing (README "Trust model"): the hook
 * trusts its configuration and the root-owned files it names, nothing a
 * domain XML, its metadata, a save image, a stream, QMP or a profile
 * says. So a path taken from a domain XML is run only when it is one of
 * emulators= exactly, an absolute path to a regular file that root owns
 * in a directory root owns, neither writable by anyone else. Everything
 * else is refused with the reason. Every caller that would run an
 * emulator it did not get from root (the hook, virt-cpregd, stamp,
 * probe --domain, check --domain) asks here first.
 */
gboolean
virCpregConfEmulatorAllowed(const virCpregConf *conf, const char *path,
                            GError **error)
{
    g_autofree char *shown = g_strescape(path ? path : "", NULL);
    g_autofree char *real = NULL;
    g_autofree char *allowed = g_strjoinv(";", conf->emulators);
    struct stat st;

    if (!path || !g_path_is_absolute(path) ||
        !g_strv_contains((const char *const *)conf->emulators, path)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%1$s' is not in the allow-list (emulators=%2$s)"),
                    shown, allowed);
        return FALSE;
    }
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%s' is not a regular file"), shown);
        return FALSE;
    }
    if (!(real = realpath(path, NULL))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%1$s': %2$s"), shown, g_strerror(errno));
        return FALSE;
    }
    /* both the name and what it resolves to: a symlink is only as safe
     * as every directory on its way */
    return rootOwnedNotWritable(real, shown, error) &&
           ancestorsRootOwned(path, shown, error) &&
           ancestorsRootOwned(real, shown, error);
}

/*
 * What to stamp into guests: this host's profile as QEMU's list sees it,
 * from @path if given, else from host-profile=; *profile stays NULL when
 * neither is set, meaning "probe for each guest" (in *cacheDir, from
 * cache-dir=).
 */
gboolean
virCpregConfStampSource(const char *path, virCpregProfile **profile,
                        char **cacheDir, GError **error)
{
    g_autoptr(virCpregConf) conf = NULL;
    g_autoptr(virCpregProfile) loaded = NULL;

    *profile = NULL;
    *cacheDir = NULL;
    if (!path) {
        conf = virCpregConfLoad();
        *cacheDir = g_strdup(conf->cache_dir);
        if (!(path = conf->host_profile))
            return TRUE;
    }
    if (!(loaded = virCpregProfileLoad(path, error)) ||
        !virCpregProfileRefuseMarks(loaded, path, error))
        return FALSE;
    *profile = virCpregProfileQemuView(loaded);
    return TRUE;
}
