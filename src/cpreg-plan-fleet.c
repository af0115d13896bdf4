/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-plan-fleet.c: a fleet directory for virt-cpreg plan
 *
 *   DIR/hosts/NAME.regs|.json     each host's measured profile
 *   DIR/fleet.conf                optional: [NAME] qemu=, kernel-image=,
 *                                 kernel-profile=
 *   DIR/guests/NAME/DOMAIN.xml    stamped domain XMLs of NAME's guests
 *   DIR/predicted/NAME.regs|.json optional: NAME's profile on the new kernel
 *
 * Everything in DIR is untrusted: names are checked, no path leaves DIR
 * (no absolute path, no "..", no symbolic link), only regular files are
 * read, and counts and sizes are bounded.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>

#include "cpreg-plan.h"
#include "cpreg-error.h"
#include "cpreg-qemu.h"
#include "cpreg-text.h"

#define NAME_MAX_LEN 64

static const char *const profileExts[] = { ".regs", ".json" };

static void
guestFree(gpointer data)
{
    virCpregPlanGuest *g = data;

    g_free(g->name);
    g_free(g->file);
    virCpregDomainFree(g->domain);
    virCpregProfileFree(g->profile);
    g_free(g);
}

static void
hostFree(gpointer data)
{
    virCpregPlanHost *h = data;

    g_free(h->name);
    g_free(h->qemu);
    virCpregProfileFree(h->current);
    virCpregProfileFree(h->predicted);
    g_free(h->kernel_image);
    g_free(h->kernel_profile);
    g_free(h->predicted_file);
    g_ptr_array_unref(h->guests);
    g_free(h);
}

void
virCpregPlanFleetFree(virCpregPlanFleet *fleet)
{
    if (!fleet)
        return;
    g_free(fleet->dir);
    g_clear_pointer(&fleet->hosts, g_ptr_array_unref);
    g_clear_pointer(&fleet->upgrade, g_ptr_array_unref);
    g_free(fleet);
}

static gboolean
fleetError(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The message of a bad fleet directory: what it quotes of the directory
 * (names, fleet.conf values) is the directory's, so control characters
 * are shown as '?' and the whole is bounded. */
#define FLEET_MESSAGE_MAX 512

static gboolean
fleetError(GError **error, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    char *p;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    for (p = msg; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f)
            *p = '?';
    }
    if (strlen(msg) > FLEET_MESSAGE_MAX) {
        /* cut at a character's start, leaving room for the dots */
        char *cut = g_utf8_find_prev_char(msg, msg + FLEET_MESSAGE_MAX - 3);
        strcpy(cut ? cut : msg, "...");
    }
    g_set_error_literal(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT, msg);
    return FALSE;
}

/* A host's or guest's name: letters, digits, '.', '_', '-', not hidden. */
static gboolean
nameValid(const char *name)
{
    const char *p;

    if (!*name || *name == '.' || strlen(name) > NAME_MAX_LEN)
        return FALSE;
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("._-", *p))
            return FALSE;
    }
    return TRUE;
}

/* lstat @path: 'f' a regular file, 'd' a directory, 0 absent, else -1
 * with @error set (a symbolic link or anything else). */
static int
entryKind(const char *path, const char *shown, GError **error)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        fleetError(error, _("fleet: cannot read '%1$s': %2$s"), shown, g_strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode))
        return 'f';
    if (S_ISDIR(st.st_mode))
        return 'd';
    fleetError(error, _("fleet: '%s' is a symbolic link or a special file: the fleet directory holds regular files and directories only"),
               shown);
    return -1;
}

char *
virCpregPlanFleetPath(const virCpregPlanFleet *fleet, const char *rel,
                      GError **error)
{
    g_auto(GStrv) parts = NULL;
    g_autofree char *path = g_strdup(fleet->dir);
    guint i, n;

    if (!*rel || g_path_is_absolute(rel) || strlen(rel) > 1024) {
        fleetError(error, _("fleet: '%s' is not a path inside the fleet directory"), rel);
        return NULL;
    }
    parts = g_strsplit(rel, "/", -1);
    n = g_strv_length(parts);
    if (!*parts[n - 1] || g_str_equal(parts[n - 1], ".")) {
        fleetError(error, _("fleet: '%s' is not a file inside the fleet directory"), rel);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        g_autofree char *next = NULL;
        int kind;
        if (g_str_equal(parts[i], "..")) {
            fleetError(error, _("fleet: '%s' leaves the fleet directory"), rel);
            return NULL;
        }
        if (!*parts[i] || g_str_equal(parts[i], "."))
            continue;
        next = g_build_filename(path, parts[i], NULL);
        kind = entryKind(next, rel, error);
        if (kind < 0)
            return NULL;
        if (kind != (i + 1 == n ? 'f' : 'd')) {
            fleetError(error, _("fleet: '%s' is not a file inside the fleet directory"), rel);
            return NULL;
        }
        g_free(path);
        path = g_steal_pointer(&next);
    }
    return g_steal_pointer(&path);
}

static gint
compareNames(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/SUB/NAME.regs or NAME.json, whichever exists (not both), or NULL. */
static gboolean
findProfile(const virCpregPlanFleet *fleet, const char *sub, const char *name,
            char **found, GError **error)
{
    g_autofree char *subdir = g_build_filename(fleet->dir, sub, NULL);
    size_t i;
    int kind = entryKind(subdir, sub, error);

    *found = NULL;
    if (kind <= 0)
        return kind == 0;
    if (kind != 'd')
        return fleetError(error, _("fleet: %s is not a directory"), sub);
    for (i = 0; i < G_N_ELEMENTS(profileExts); i++) {
        g_autofree char *rel = g_strconcat(sub, "/", name, profileExts[i], NULL);
        g_autofree char *path = g_build_filename(fleet->dir, rel, NULL);
        int fkind = entryKind(path, rel, error);
        if (fkind < 0)
            return FALSE;
        if (!fkind)
            continue;
        if (fkind != 'f' || *found) {
            g_clear_pointer(found, g_free);
            return fleetError(error, _("fleet: host '%1$s' has more than one profile in %2$s/, or one that is not a file"),
                              name, sub);
        }
        *found = g_steal_pointer(&path);
    }
    return TRUE;
}

/* The sorted names of DIR/SUB's entries ending in @ext (without it),
 * each checked; @max bounds their number. */
static GPtrArray *
listNames(const char *dir, const char *shown, const char *const *exts,
          size_t nexts, guint max, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    if (!d)
        return NULL;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *name = NULL;
        size_t i;
        for (i = 0; i < nexts && !name; i++) {
            if (g_str_has_suffix(entry, exts[i]))
                name = g_strndup(entry, strlen(entry) - strlen(exts[i]));
        }
        if (!name)
            continue;
        if (!nameValid(name)) {
            fleetError(error, _("fleet: '%1$s/%2$s': a name is letters, digits, '.', '_' and '-' (at most 64, not starting with '.')"),
                       shown, entry);
            return NULL;
        }
        if (names->len >= max) {
            fleetError(error, _("fleet: %1$s holds more than %2$u entries"), shown, max);
            return NULL;
        }
        g_ptr_array_add(names, g_steal_pointer(&name));
    }
    g_ptr_array_sort(names, compareNames);
    return g_steal_pointer(&names);
}

static gboolean
loadHosts(virCpregPlanFleet *fleet, GError **error)
{
    g_autofree char *dir = g_build_filename(fleet->dir, "hosts", NULL);
    g_autoptr(GPtrArray) names = NULL;
    guint i;
    int kind = entryKind(dir, "hosts", error);

    if (kind < 0)
        return FALSE;
    if (kind != 'd')
        return fleetError(error, _("fleet: '%s' has no hosts/ directory (one profile per host: hosts/NAME.regs or hosts/NAME.json)"),
                          fleet->dir);
    if (!(names = listNames(dir, "hosts", profileExts, G_N_ELEMENTS(profileExts),
                            VIR_CPREG_PLAN_MAX_HOSTS, error)))
        return FALSE;
    for (i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];
        g_autofree char *path = NULL;
        g_autoptr(virCpregProfile) p = NULL;
        virCpregPlanHost *h;
        if (i && g_str_equal(name, names->pdata[i - 1]))
            return fleetError(error, _("fleet: host '%s' has more than one profile in hosts/"), name);
        if (!findProfile(fleet, "hosts", name, &path, error) ||
            !(p = virCpregProfileLoad(path, error)))
            return FALSE;
        h = g_new0(virCpregPlanHost, 1);
        h->name = g_strdup(name);
        h->current = virCpregProfileQemuView(p);
        h->guests = g_ptr_array_new_with_free_func(guestFree);
        g_ptr_array_add(fleet->hosts, h);
        if (!findProfile(fleet, "predicted", name, &h->predicted_file, error))
            return FALSE;
    }
    if (!fleet->hosts->len)
        return fleetError(error, _("fleet: '%s' has no host profiles in hosts/"), fleet->dir);
    return TRUE;
}

virCpregPlanHost *
virCpregPlanFleetHost(const virCpregPlanFleet *fleet, const char *name)
{
    guint i;

    for (i = 0; i < fleet->hosts->len; i++) {
        virCpregPlanHost *h = fleet->hosts->pdata[i];
        if (g_str_equal(h->name, name))
            return h;
    }
    return NULL;
}

static gboolean
confPath(const virCpregPlanFleet *fleet, GKeyFile *kf, const char *group,
         const char *key, char **out, GError **error)
{
    g_autofree char *rel = g_key_file_get_string(kf, group, key, NULL);

    if (!rel)
        return TRUE;
    if (!(*out = virCpregPlanFleetPath(fleet, rel, error)))
        g_prefix_error(error, _("fleet.conf [%1$s] %2$s: "), group, key);
    return *out != NULL;
}

/* [NAME] qemu=, kernel-image=, kernel-profile=; every group a host. */
static gboolean
loadConf(virCpregPlanFleet *fleet, GError **error)
{
    g_autofree char *path = g_build_filename(fleet->dir, "fleet.conf", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) groups = NULL;
    gsize len, i;
    int kind = entryKind(path, "fleet.conf", error);

    if (kind <= 0)
        return kind == 0;
    if (kind != 'f')
        return fleetError(error, "%s", _("fleet: fleet.conf is not a file"));
    if (!virCpregTextReadFile(path, VIR_CPREG_PLAN_MAX_CONF, &text, &len, error) ||
        !virCpregTextCheckUTF8("fleet.conf", text, len, error))
        return FALSE;
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, error)) {
        g_prefix_error(error, "%s", _("fleet.conf: "));
        return FALSE;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (i = 0; groups[i]; i++) {
        virCpregPlanHost *h = virCpregPlanFleetHost(fleet, groups[i]);
        if (!h)
            return fleetError(error, _("fleet.conf: [%s] is not a host of hosts/"), groups[i]);
        h->qemu = g_key_file_get_string(kf, groups[i], "qemu", NULL);
        if (!confPath(fleet, kf, groups[i], "kernel-image", &h->kernel_image, error) ||
            !confPath(fleet, kf, groups[i], "kernel-profile", &h->kernel_profile, error))
            return FALSE;
    }
    return TRUE;
}

/* qemu= wins over the profile's; one of them is needed. */
static gboolean
settleQemu(virCpregPlanFleet *fleet, GError **error)
{
    guint i;

    for (i = 0; i < fleet->hosts->len; i++) {
        virCpregPlanHost *h = fleet->hosts->pdata[i];
        unsigned int major, minor;
        if (!h->qemu && h->current->ident.qemu)
            h->qemu = g_strdup(h->current->ident.qemu);
        if (!h->qemu)
            return fleetError(error, _("fleet: no QEMU version for host '%1$s': its profile names none; set it in fleet.conf: [%1$s] qemu=10.0"),
                              h->name);
        if (strlen(h->qemu) > 64 || !virCpregQemuParseVersion(h->qemu, &major, &minor))
            return fleetError(error, _("fleet.conf: [%1$s] qemu='%2$s' is not a QEMU version (MAJOR.MINOR)"),
                              h->name, h->qemu);
    }
    return TRUE;
}

static gboolean
loadGuest(virCpregPlanFleet *fleet, virCpregPlanHost *h, const char *name,
          GError **error)
{
    g_autofree char *rel = g_strdup_printf("guests/%s/%s.xml", h->name, name);
    g_autofree char *path = virCpregPlanFleetPath(fleet, rel, error);
    g_autoptr(virCpregDomain) d = NULL;
    g_autoptr(virCpregProfile) p = NULL;
    virCpregPlanGuest *g;

    if (!path || !(d = virCpregDomainLoad(path, error)))
        return FALSE;
    if (!d->profile_text)
        return fleetError(error, _("fleet: %s carries no profile in its metadata: stamp it (virt-cpreg stamp) when it starts"),
                          rel);
    if (!(p = virCpregProfileParse(rel, d->profile_text, strlen(d->profile_text), error)))
        return FALSE;
    if (!virCpregProfileSameFeatures(p, h->current))
        return fleetError(error, _("fleet: %1$s was stamped with another vCPU configuration than host '%2$s''s profile: the fleet's profiles are of one configuration"),
                          rel, h->name);
    if (!virCpregDomainCheckFeatures(d, (const char *const *)p->ident.features,
                                     rel, error))
        return FALSE;
    g = g_new0(virCpregPlanGuest, 1);
    g->name = g_strdup(d->name && nameValid(d->name) ? d->name : name);
    g->file = g_steal_pointer(&rel);
    g->domain = g_steal_pointer(&d);
    g->profile = virCpregProfileQemuView(p);
    g_ptr_array_add(h->guests, g);
    return TRUE;
}

/* Every entry of guests/ is a host's: a typo would hide its guests. */
static gboolean
checkGuestDirs(const virCpregPlanFleet *fleet, const char *top, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(top, 0, error);
    const char *entry;

    if (!d)
        return FALSE;
    while ((entry = g_dir_read_name(d))) {
        if (!virCpregPlanFleetHost(fleet, entry))
            return fleetError(error, _("fleet: guests/%s is not a host of hosts/"), entry);
    }
    return TRUE;
}

static gboolean
loadGuests(virCpregPlanFleet *fleet, GError **error)
{
    static const char *const xml[] = { ".xml" };
    g_autofree char *top = g_build_filename(fleet->dir, "guests", NULL);
    guint i, j, total = 0;
    int kind = entryKind(top, "guests", error);

    if (kind <= 0)
        return kind == 0;
    if (kind != 'd')
        return fleetError(error, "%s", _("fleet: guests is not a directory"));
    for (i = 0; i < fleet->hosts->len; i++) {
        virCpregPlanHost *h = fleet->hosts->pdata[i];
        g_autofree char *rel = g_strdup_printf("guests/%s", h->name);
        g_autofree char *dir = g_build_filename(fleet->dir, rel, NULL);
        g_autoptr(GPtrArray) names = NULL;
        if ((kind = entryKind(dir, rel, error)) <= 0) {
            if (kind < 0)
                return FALSE;
            continue;
        }
        if (kind != 'd')
            return fleetError(error, _("fleet: %s is not a directory"), rel);
        if (!(names = listNames(dir, rel, xml, 1, VIR_CPREG_PLAN_MAX_GUESTS - total, error)))
            return FALSE;
        for (j = 0; j < names->len; j++) {
            if (!loadGuest(fleet, h, names->pdata[j], error))
                return FALSE;
        }
        total += names->len;
    }
    return checkGuestDirs(fleet, top, error);
}

/* Every host's profile is of one vCPU configuration. */
static gboolean
checkFeatures(const virCpregPlanFleet *fleet, GError **error)
{
    const virCpregPlanHost *first = fleet->hosts->pdata[0];
    guint i;

    for (i = 1; i < fleet->hosts->len; i++) {
        const virCpregPlanHost *h = fleet->hosts->pdata[i];
        if (!virCpregProfileSameFeatures(first->current, h->current))
            return fleetError(error, _("fleet: hosts '%1$s' and '%2$s' have profiles of different vCPU configurations: probe every host with the same --features"),
                              first->name, h->name);
    }
    return TRUE;
}

virCpregPlanFleet *
virCpregPlanFleetLoad(const char *dir, GError **error)
{
    g_autoptr(virCpregPlanFleet) fleet = g_new0(virCpregPlanFleet, 1);

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        fleetError(error, _("fleet: '%s' is not a directory"), dir);
        return NULL;
    }
    fleet->dir = g_strdup(dir);
    fleet->hosts = g_ptr_array_new_with_free_func(hostFree);
    fleet->upgrade = g_ptr_array_new();
    if (!loadHosts(fleet, error) || !loadConf(fleet, error) ||
        !settleQemu(fleet, error) || !checkFeatures(fleet, error) ||
        !loadGuests(fleet, error))
        return NULL;
    return g_steal_pointer(&fleet);
}

gboolean
virCpregPlanFleetSetUpgrade(virCpregPlanFleet *fleet, const char *const *names,
                            GError **error)
{
    guint i;

    for (i = 0; names && names[i]; i++) {
        virCpregPlanHost *h = virCpregPlanFleetHost(fleet, names[i]);
        if (!h) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                        _("--upgrade: '%s' is not a host of the fleet (hosts/NAME.regs)"),
                        names[i]);
            return FALSE;
        }
        if (h->step) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                        _("--upgrade: host '%s' is named twice"), names[i]);
            return FALSE;
        }
        h->step = i + 1;
        g_ptr_array_add(fleet->upgrade, h);
    }
    if (!fleet->upgrade->len) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE, "%s",
                    _("--upgrade: name at least one host"));
        return FALSE;
    }
    return TRUE;
}
