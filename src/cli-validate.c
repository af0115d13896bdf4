/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-validate.c: virt-cpreg validate, in the spirit of virt-host-validate
 *
 * One line per check, PASS, WARN or FAIL, each WARN and FAIL with its
 * fix: the hook (present, executable, where the running daemon reads it,
 * and active: libvirt looks for hooks only when it starts), cpreg.conf
 * key by key, this host's profile and the QEMU model the hook will use,
 * the policy files, the probe cache's directory, virt-cpregd, the running
 * aarch64 guests' metadata (through virt-cpreg-libvirt: this binary does
 * not link libvirt), KVM and its writable ID-register masks.
 *
 * It changes nothing but the probe cache (the KVM probe on an arm64 KVM
 * host, cached like the hook's), starts no daemon, and never runs an
 * emulator that is not in emulators= (virCpregConfEmulatorAllowed).
 * Exit status: 0 when nothing fails, 1 when something does, 2 bad usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "cpreg-hook.h"
#include "cpreg-cache.h"
#include "cpreg-conf.h"
#include "cpreg-hostprobe.h"
#include "cpreg-qemu.h"
#include "cpreg-util.h"

/* The system daemon's hooks: libvirt's own sysconfdir, not ours. */
#define LIBVIRT_HOOK_DIR "/etc/libvirt/hooks/qemu.d"
#define HOOK_NAME "50-cpreg"
#define HOOK_MARK "virt-cpreg hook"
#define HOOK_SNIFF_BYTES 4096
#define HELPER_TIMEOUT_MS 30000
#define HELPER_MAX_BYTES (1024 * 1024)
#define TITLE_WIDTH 52

#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
# define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230 /* Linux 6.7 */
#endif

typedef enum {
    CHECK_PASS,
    CHECK_WARN,
    CHECK_FAIL,
    CHECK_LAST
} CheckStatus;

VIR_CPREG_ENUM_IMPL(checkStatus, CheckStatus, CHECK_LAST, "PASS", "WARN", "FAIL");

typedef struct {
    char *id;
    char *title;
    CheckStatus status;
    char *message;
    char *fix;                  /* NULL for PASS */
} CheckResult;

/* libvirtd or virtqemud: the process that reads our hook directory. */
typedef struct {
    pid_t pid;                  /* 0: none runs */
    char *name;
    gint64 start_ns;            /* CLOCK_REALTIME, tick precision */
    gint64 tick_ns;
} Daemon;

typedef struct {
    const char *hookDir;
    const char *uri;
    virCpregConf *conf;
    char *hookPath;             /* ours in hookDir, or NULL */
    Daemon daemon;
    GPtrArray *results;         /* of CheckResult * */
} Validate;

static void
resultFree(gpointer p)
{
    CheckResult *r = p;

    g_free(r->id);
    g_free(r->title);
    g_free(r->message);
    g_free(r->fix);
    g_free(r);
}

static void G_GNUC_PRINTF(5, 6)
report(Validate *v, const char *id, const char *title, const char *fix,
       const char *fmt, ...)
{
    CheckResult *r = g_new0(CheckResult, 1);
    va_list ap;

    va_start(ap, fmt);
    r->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r->id = g_strdup(id);
    r->title = g_strdup(title);
    r->fix = g_strdup(fix);
    r->status = CHECK_PASS;
    g_ptr_array_add(v->results, r);
}

/* The last result becomes a WARN or FAIL. */
static void
demote(Validate *v, CheckStatus status)
{
    CheckResult *r = v->results->pdata[v->results->len - 1];

    r->status = status;
}

#define PASS(v, id, title, ...) report(v, id, title, NULL, __VA_ARGS__)
#define NOT_OK(v, status, id, title, fix, ...) \
    (report(v, id, title, fix, __VA_ARGS__), demote(v, status))

static gboolean
arm64KvmHost(void)
{
    struct utsname u;

    return uname(&u) == 0 && g_str_equal(u.machine, "aarch64") &&
           g_access("/dev/kvm", R_OK | W_OK) == 0;
}

static char *
notArm64KvmHost(void)
{
    struct utsname u;

    if (uname(&u) == 0 && !g_str_equal(u.machine, "aarch64"))
        return g_strdup_printf(_("not an arm64 KVM host (this machine is %s)"), u.machine);
    return g_strdup(_("not an arm64 KVM host (no usable /dev/kvm)"));
}

/* "2026-11-30 06:03:10.156", local time */
static char *
formatTime(gint64 ns)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(ns / G_GINT64_CONSTANT(1000000000));
    g_autofree char *s = t ? g_date_time_format(t, "%F %T") : NULL;

    if (!s)
        return g_strdup("?");
    return g_strdup_printf("%s.%03d", s, (int)(ns % G_GINT64_CONSTANT(1000000000) / 1000000));
}

static gint64
changeTime(const struct stat *st)
{
    gint64 c = st->st_ctim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_ctim.tv_nsec;
    gint64 m = st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec;

    return MAX(c, m);
}

/* When @path last appeared or changed: the entry, or what it links to. */
static gint64
pathChangeTime(const char *path)
{
    struct stat entry, target;

    if (lstat(path, &entry) < 0)
        return -1;
    if (stat(path, &target) < 0)
        return changeTime(&entry);
    return MAX(changeTime(&entry), changeTime(&target));
}

/* The status of the check @id reported so far, or -1. */
static int
statusOf(const Validate *v, const char *id)
{
    guint i;

    for (i = 0; i < v->results->len; i++) {
        const CheckResult *r = v->results->pdata[i];
        if (g_str_equal(r->id, id))
            return r->status;
    }
    return -1;
}

/* ---- processes ---------------------------------------------------------- */

/* The content of /proc/PID/NAME, stripped. */
static char *
procRead(const char *pid, const char *name)
{
    g_autofree char *path = g_build_filename("/proc", pid, name, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

/* Whether @pid sees our files: the same mount namespace (or unknown). */
static gboolean
procSameMounts(const char *pid)
{
    g_autofree char *path = g_build_filename("/proc", pid, "ns", "mnt", NULL);
    g_autofree char *theirs = g_file_read_link(path, NULL);
    g_autofree char *ours = g_file_read_link("/proc/self/ns/mnt", NULL);

    return !theirs || !ours || g_str_equal(theirs, ours);
}

/* The first process named one of @names in our mount namespace, root's
 * first; its pid, or 0. */
static pid_t
procFind(const char *const *names, char **found)
{
    g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
    const char *pid;
    pid_t best = 0;
    gboolean bestRoot = FALSE;

    while (dir && (pid = g_dir_read_name(dir))) {
        g_autofree char *comm = NULL;
        g_autofree char *path = g_build_filename("/proc", pid, NULL);
        struct stat st;
        if (!g_ascii_isdigit(*pid) || !(comm = procRead(pid, "comm")) ||
            !g_strv_contains(names, comm) || !procSameMounts(pid) || stat(path, &st) < 0)
            continue;
        if (best && (bestRoot || st.st_uid != 0))
            continue;
        best = (pid_t)g_ascii_strtoll(pid, NULL, 10);
        bestRoot = st.st_uid == 0;
        g_free(*found);
        *found = g_steal_pointer(&comm);
    }
    return best;
}

/* When @pid started, on the realtime clock: field 22 of /proc/PID/stat
 * counts clock ticks since boot (CLOCK_BOOTTIME). */
static gboolean
procStartTime(pid_t pid, gint64 *start_ns, gint64 *tick_ns)
{
    g_autofree char *name = g_strdup_printf("%d", (int)pid);
    g_autofree char *stat = procRead(name, "stat");
    g_auto(GStrv) fields = NULL;
    const char *rest = stat ? strrchr(stat, ')') : NULL;
    struct timespec real, boot;
    long hz = sysconf(_SC_CLK_TCK);
    guint64 ticks;

    if (!rest || hz <= 0 || clock_gettime(CLOCK_REALTIME, &real) < 0 ||
        clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
        return FALSE;
    fields = g_strsplit(rest + 2, " ", 0);
    /* fields[0] is field 3 (state): field 22 is fields[19] */
    if (g_strv_length(fields) < 20)
        return FALSE;
    ticks = g_ascii_strtoull(fields[19], NULL, 10);
    *tick_ns = G_GINT64_CONSTANT(1000000000) / hz;
    *start_ns = (real.tv_sec - boot.tv_sec) * G_GINT64_CONSTANT(1000000000) +
                (real.tv_nsec - boot.tv_nsec) + (gint64)ticks * *tick_ns;
    return TRUE;
}

static void
findDaemon(Daemon *d)
{
    static const char *const daemons[] = { "libvirtd", "virtqemud", NULL };

    d->pid = procFind(daemons, &d->name);
    if (d->pid && !procStartTime(d->pid, &d->start_ns, &d->tick_ns))
        d->start_ns = 0;
}

/* ---- the hook ----------------------------------------------------------- */

/* The start of the regular file @path, as a string, or NULL. */
static char *
hookHead(const char *path)
{
    char buf[HOOK_SNIFF_BYTES];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    ssize_t n = -1;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        n = read(fd, buf, sizeof(buf));
    close(fd);
    return n > 0 ? g_strndup(buf, n) : NULL;
}

/* Whether @path is a regular file whose start runs virt-cpreg hook. */
static gboolean
isOurHook(const char *path)
{
    g_autofree char *head = hookHead(path);

    return head && strstr(head, HOOK_MARK);
}

/* Ours in @dir: 50-cpreg, else any entry that runs virt-cpreg hook. */
static char *
findHook(const char *dir)
{
    g_autofree char *named = g_build_filename(dir, HOOK_NAME, NULL);
    g_autoptr(GDir) d = NULL;
    const char *name;
    struct stat st;

    if (lstat(named, &st) == 0)
        return g_steal_pointer(&named);
    d = g_dir_open(dir, 0, NULL);
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (isOurHook(path))
            return g_steal_pointer(&path);
    }
    return NULL;
}

static void
checkHookPresent(Validate *v)
{
    const char *title = _("the hook is installed where libvirt reads it");
    g_autofree char *installed = g_build_filename(SYSCONFDIR, "libvirt", "hooks", "qemu.d",
                                                  HOOK_NAME, NULL);
    g_autofree char *fix = NULL;

    if ((v->hookPath = findHook(v->hookDir)))
        return PASS(v, "hook-present", title, "%s", v->hookPath);
    fix = g_strdup_printf(_("install it as %1$s/%2$s (mode 755), then restart libvirtd or virtqemud"),
                          v->hookDir, HOOK_NAME);
    if (!g_str_has_prefix(installed, v->hookDir) && g_file_test(installed, G_FILE_TEST_EXISTS))
        return NOT_OK(v, CHECK_FAIL, "hook-present", title, fix,
                      _("no hook in %1$s; it is installed as %2$s, where libvirt never looks"),
                      v->hookDir, installed);
    NOT_OK(v, CHECK_FAIL, "hook-present", title, fix, _("no hook in %s"), v->hookDir);
}

static void
checkHookExecutable(Validate *v)
{
    const char *title = _("the hook is executable and root's alone");
    g_autofree char *fix = NULL;
    struct stat st;

    if (!v->hookPath)
        return NOT_OK(v, CHECK_WARN, "hook-executable", title, _("see the check above"),
                      "%s", _("cannot tell: no hook"));
    fix = g_strdup_printf(_("chown root:root %1$s && chmod 755 %1$s, then restart libvirtd or virtqemud"),
                          v->hookPath);
    if (stat(v->hookPath, &st) < 0 || !S_ISREG(st.st_mode) || access(v->hookPath, X_OK) < 0)
        return NOT_OK(v, CHECK_FAIL, "hook-executable", title, fix,
                      _("%s is not an executable file: libvirt skips it"), v->hookPath);
    if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return NOT_OK(v, CHECK_FAIL, "hook-executable", title, fix,
                      _("%s can be changed by others than root, and libvirt runs it as root"),
                      v->hookPath);
    PASS(v, "hook-executable", title, _("mode %1$04o, owner root"), st.st_mode & 07777);
}

/*
 * The program the hook execs ("exec /usr/bin/virt-cpreg hook"). The
 * drop-in answers every other operation itself, so without it only
 * incoming guests are affected: let in unchecked, or refused where
 * cpreg.conf says on-internal-error=deny.
 */
static void
checkHookTarget(Validate *v)
{
    const char *title = _("the hook runs an installed virt-cpreg");
    g_autofree char *head = v->hookPath ? hookHead(v->hookPath) : NULL;
    g_autoptr(GRegex) re = g_regex_new("^\\s*exec\\s+(/\\S+)\\s+hook\\b", G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    g_autofree char *target = NULL;
    g_autofree char *fix = NULL;

    if (!head || !g_regex_match(re, head, 0, &match))
        return NOT_OK(v, CHECK_WARN, "hook-target", title, _("see the checks above"), "%s",
                      v->hookPath ? _("cannot tell: the hook has no 'exec /PATH/virt-cpreg hook' line") :
                      _("cannot tell: no hook"));
    target = g_match_info_fetch(match, 1);
    if (g_file_test(target, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test(target, G_FILE_TEST_IS_DIR))
        return PASS(v, "hook-target", title, "%s", target);
    fix = g_strdup_printf(_("reinstall libvirt-cpreg, or correct the exec line of %s"), v->hookPath);
    NOT_OK(v, CHECK_FAIL, "hook-target", title, fix,
           _("the hook runs %s, which is not an executable file: incoming guests are let in unchecked, or refused where on-internal-error=deny"),
           target);
}

static void
checkDaemon(Validate *v)
{
    const char *title = _("libvirtd or virtqemud runs");
    g_autofree char *since = NULL;

    findDaemon(&v->daemon);
    if (!v->daemon.pid)
        return NOT_OK(v, CHECK_FAIL, "daemon", title,
                      _("start it: systemctl start libvirtd (or virtqemud on a host with the modular daemons)"),
                      "%s", _("neither libvirtd nor virtqemud runs here"));
    since = formatTime(v->daemon.start_ns);
    PASS(v, "daemon", title, _("%1$s, pid %2$d, started %3$s"),
         v->daemon.name, (int)v->daemon.pid, since);
}

/* Another qemu hook libvirt had found at its start, which makes it run
 * every executable of qemu.d on each call (virHookCheck, virHookCall). */
static char *
otherHookBefore(Validate *v)
{
    g_autofree char *script = g_str_has_suffix(v->hookDir, ".d") ?
        g_strndup(v->hookDir, strlen(v->hookDir) - 2) : NULL;
    g_autoptr(GDir) d = g_dir_open(v->hookDir, 0, NULL);
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    guint i;

    if (script)
        g_ptr_array_add(paths, g_steal_pointer(&script));
    while (d && (name = g_dir_read_name(d)))
        g_ptr_array_add(paths, g_build_filename(v->hookDir, name, NULL));
    for (i = 0; i < paths->len; i++) {
        const char *path = paths->pdata[i];
        struct stat st;
        if (g_str_equal(path, v->hookPath) || stat(path, &st) < 0 ||
            !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
            continue;
        if (pathChangeTime(path) < v->daemon.start_ns)
            return g_strdup(path);
    }
    return NULL;
}

static void
checkHookActive(Validate *v)
{
    const char *title = _("the hook is active (the daemon found it)");
    g_autofree char *restart = g_strdup_printf(_("restart the daemon, which looks for hooks only when it starts: systemctl restart %s (running guests keep running)"),
                                               v->daemon.name ? v->daemon.name : "libvirtd");
    g_autofree char *other = NULL;
    g_autofree char *hookAt = NULL;
    g_autofree char *daemonAt = formatTime(v->daemon.start_ns);
    gint64 hookTime = v->hookPath ? pathChangeTime(v->hookPath) : -1;

    if (hookTime < 0 || !v->daemon.pid || !v->daemon.start_ns)
        return NOT_OK(v, CHECK_WARN, "hook-active", title, _("see the checks above"), "%s",
                      !v->hookPath ? _("cannot tell: no hook") :
                      !v->daemon.pid ? _("cannot tell: no daemon runs; the hook becomes active when it starts") :
                      _("cannot tell: the daemon's start time or the hook's times cannot be read"));
    hookAt = formatTime(hookTime);
    if (hookTime < v->daemon.start_ns)
        return PASS(v, "hook-active", title, _("%1$s started at %2$s, after the hook was put in place (%3$s)"),
                    v->daemon.name, daemonAt, hookAt);
    if ((other = otherHookBefore(v)))
        return PASS(v, "hook-active", title,
                    _("the hook changed at %1$s, after %2$s started, but %3$s was there at its start, so libvirt runs every hook of %4$s"),
                    hookAt, v->daemon.name, other, v->hookDir);
    if (hookTime < v->daemon.start_ns + v->daemon.tick_ns)
        return NOT_OK(v, CHECK_WARN, "hook-active", title, restart,
                      _("cannot tell: the hook (%1$s) and %2$s appeared within the same clock tick"),
                      hookAt, v->daemon.name);
    NOT_OK(v, CHECK_FAIL, "hook-active", title, restart,
           _("not active: the hook appeared or changed at %1$s, after %2$s (pid %3$d) started at %4$s; libvirt does not run it"),
           hookAt, v->daemon.name, (int)v->daemon.pid, daemonAt);
}

/* ---- cpreg.conf --------------------------------------------------------- */

static const char *
confPath(const virCpregConf *conf)
{
    const char *env = g_getenv(VIR_CPREG_CONF_ENV);

    return conf->path ? conf->path : env ? env : SYSCONFDIR "/libvirt-cpreg/cpreg.conf";
}

/* The problems that are no known key's: the file, groups, unknown keys. */
static char *
fileProblems(const virCpregConf *conf)
{
    const char *const *keys = virCpregConfKeys();
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    for (i = 0; i < conf->problems->len; i++) {
        const virCpregConfProblem *p = conf->problems->pdata[i];
        if (p->key && g_strv_contains(keys, p->key))
            continue;
        g_string_append_printf(s, "%s%s", s->len ? "; " : "", p->message);
    }
    return s->len ? g_string_free(g_steal_pointer(&s), FALSE) : NULL;
}

static void
checkConf(Validate *v)
{
    const char *const *keys = virCpregConfKeys();
    const char *path = confPath(v->conf);
    g_autofree char *problems = fileProblems(v->conf);
    g_autofree char *fix = g_strdup_printf(_("edit %s: only the keys of virt-cpreg(1), CONFIGURATION, in [hook]"), path);
    guint i;

    if (problems)
        NOT_OK(v, CHECK_FAIL, "conf", _("cpreg.conf"), fix, "%s", problems);
    else
        PASS(v, "conf", _("cpreg.conf"), "%s", v->conf->path ? path :
             _("no file: every key at its default"));
    for (i = 0; keys[i]; i++) {
        const virCpregConfProblem *p = virCpregConfProblemFor(v->conf, keys[i]);
        g_autofree char *id = g_strconcat("conf:", keys[i], NULL);
        g_autofree char *title = g_strdup_printf(_("cpreg.conf %s="), keys[i]);
        g_autofree char *keyFix = NULL;
        if (!p) {
            PASS(v, id, title, "%s", _("valid"));
            continue;
        }
        keyFix = g_strdup_printf(_("correct line %1$u of %2$s (virt-cpreg(1), CONFIGURATION)"),
                                 p->line, path);
        NOT_OK(v, CHECK_FAIL, id, title, keyFix, "%s", p->message);
    }
}

/* ---- this host's profile and QEMU model -------------------------------- */

/* Does @path start as a register dump? (It has loaded: it is readable.) */
static gboolean
isDumpFile(const char *path)
{
    char head[4096];
    ssize_t n = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        while ((n = read(fd, head, sizeof(head))) < 0 && errno == EINTR)
            ;
        close(fd);
    }
    return n > 0 && virCpregProfileDetect(head, (gsize)n) == VIR_CPREG_PROFILE_FORMAT_DUMP;
}

static void
checkHostProfile(Validate *v)
{
    const char *title = _("this host's register profile can be had");
    g_autoptr(virCpregProfile) profile = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *fix = NULL;
    g_autofree char *notKvm = NULL;
    virCpregHostProbe req = { .via = "kvm", .cache_dir = v->conf->cache_dir };
    gboolean hit;

    if (v->conf->host_profile) {
        fix = g_strdup_printf(_("write it on this host with: virt-cpreg probe -o %s"),
                              v->conf->host_profile);
        if (!(profile = virCpregProfileLoad(v->conf->host_profile, &error)))
            return NOT_OK(v, CHECK_FAIL, "host-profile", title, fix, "%s", error->message);
        if (!isDumpFile(v->conf->host_profile))
            return NOT_OK(v, CHECK_WARN, "host-profile", title,
                          _("write it as a register dump, which the hook reads five times faster: virt-cpreg probe -o FILE.regs, and point host-profile= at it"),
                          _("host-profile=%1$s: kernel %2$s, %3$u registers, not a register dump"),
                          v->conf->host_profile,
                          profile->ident.kernel ? profile->ident.kernel : "?",
                          profile->entries->len);
        return PASS(v, "host-profile", title, _("host-profile=%1$s: kernel %2$s, %3$u registers"),
                    v->conf->host_profile, profile->ident.kernel ? profile->ident.kernel : "?",
                    profile->entries->len);
    }
    if (!arm64KvmHost()) {
        notKvm = notArm64KvmHost();
        return NOT_OK(v, CHECK_WARN, "host-profile", title,
                      _("on an arm64 KVM host the KVM probe answers; elsewhere set host-profile= to a profile of the host"),
                      _("%s: without host-profile= the hook probes each guest with a scratch QEMU like the guest's (an emulator of emulators=, under TCG)"),
                      notKvm);
    }
    if (statusOf(v, "cache-dir") == CHECK_FAIL)
        return NOT_OK(v, CHECK_WARN, "host-profile", title, _("see the probe cache's check above"),
                      "%s", _("not probed: the probe cache's directory is unsafe"));
    if (!(profile = virCpregHostProbeProfile(&req, &hit, &error)))
        return NOT_OK(v, CHECK_FAIL, "host-profile", title,
                      _("run virt-cpreg probe to see why, or set host-profile="), "%s", error->message);
    PASS(v, "host-profile", title, _("the KVM probe: kernel %1$s, %2$u registers"),
         profile->ident.kernel ? profile->ident.kernel : "?", profile->entries->len);
}

/* The version the hook would model for a guest of the first emulator of
 * emulators= that may be run. */
static char *
allowedEmulatorVersion(const virCpregConf *conf, const char **used, char **why)
{
    g_autoptr(GString) refused = g_string_new(NULL);
    guint i;

    for (i = 0; conf->emulators && conf->emulators[i]; i++) {
        g_autoptr(GError) error = NULL;
        char *version = virCpregHookQemuVersion(conf, conf->emulators[i], &error);
        if (version) {
            *used = conf->emulators[i];
            return version;
        }
        g_string_append_printf(refused, "%s%s", refused->len ? "; " : "", error->message);
    }
    *why = g_string_free(g_steal_pointer(&refused), FALSE);
    return NULL;
}

static void
checkQemuModel(Validate *v)
{
    const char *title = _("the QEMU model the hook will use");
    const char *from = "qemu-version=";
    const char *note = NULL;
    g_autofree char *why = NULL;
    g_autofree char *version = v->conf->qemu_version ? g_strdup(v->conf->qemu_version) :
                               allowedEmulatorVersion(v->conf, &from, &why);
    const virCpregQemuModel *model = virCpregQemuModelFor(version, &note);
    unsigned int major = 0, minor = 0;

    if (!version)
        return NOT_OK(v, CHECK_WARN, "qemu-model", title,
                      _("install QEMU (qemu-system-arm), list it in emulators=, or set qemu-version="),
                      _("no QEMU version (%s): the hook cannot model the destination, and on-internal-error answers"),
                      why && *why ? why : _("emulators= is empty"));
    virCpregQemuParseVersion(version, &major, &minor);
    if (model->major > major || (model->major == major && model->minor > minor))
        return NOT_OK(v, CHECK_WARN, "qemu-model", title,
                      _("the verdicts for QEMU older than the oldest model are approximate; set qemu-version= if the destinations run another QEMU"),
                      _("QEMU %1$s (%2$s): %3$s (%4$s)"), version, from, note, model->version);
    PASS(v, "qemu-model", title, _("QEMU %1$s (%2$s): modelled as %3$s%4$s%5$s"), version, from,
         model->version, note ? "; " : "", note ? note : "");
}

/* ---- policy, cache, virt-cpregd ---------------------------------------- */

static int
comparePaths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json of the policy directories, in the hook's order. */
static GPtrArray *
policyFiles(const virCpregConf *conf, char **shown)
{
    const char *const *dirs = virCpregConfPolicyDirs(conf);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    guint i;

    *shown = g_strjoinv(";", (char **)dirs);
    for (i = 0; dirs[i]; i++) {
        g_autoptr(GDir) d = g_dir_open(dirs[i], 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            if (g_str_has_suffix(name, ".json"))
                g_ptr_array_add(names, g_build_filename(dirs[i], name, NULL));
        }
        g_ptr_array_sort(names, comparePaths);
        g_ptr_array_extend_and_steal(files, g_steal_pointer(&names));
    }
    return files;
}

static void
checkPolicy(Validate *v)
{
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    g_autofree char *dirs = NULL;
    g_autoptr(GPtrArray) files = policyFiles(v->conf, &dirs);
    guint i;

    if (!files->len)
        PASS(v, "policy", _("the policy files are valid"),
             _("no policy file in %s: the built-in policy alone"), dirs);
    for (i = 0; i < files->len; i++) {
        const char *path = files->pdata[i];
        g_autoptr(GError) error = NULL;
        g_autofree char *id = g_strconcat("policy:", path, NULL);
        g_autofree char *title = g_strdup_printf(_("policy %s"), path);
        if (virCpregPolicyLoadFile(policy, path, &error)) {
            PASS(v, id, title, "%s", _("valid"));
            continue;
        }
        NOT_OK(v, CHECK_FAIL, id, title,
               _("correct it (schemas/policy.schema.json) or remove it: while it is invalid, every check ends per on-internal-error"),
               "%s", error->message);
    }
}

/*
 * The probe cache's directory must be root's and writable by nobody else
 * (not a symlink): what it holds is taken as this host's profile. A local
 * check, so that validate does not depend on cpreg-cache.c's internals.
 */
static void
checkCacheDir(Validate *v)
{
    const char *title = _("the probe cache is root's alone");
    const char *env = g_getenv("VIRT_CPREG_CACHE_DIR");
    const char *dir = v->conf->cache_dir ? v->conf->cache_dir :
                      env && *env ? env : VIR_CPREG_CACHE_DIR;
    g_autofree char *fix = g_strdup_printf(_("remove %s; the next probe makes it anew, root's, mode 700"), dir);
    struct stat st;

    if (lstat(dir, &st) < 0 && errno == ENOENT)
        return PASS(v, "cache-dir", title, _("%s does not exist yet: the first probe makes it"), dir);
    if (lstat(dir, &st) < 0)
        return NOT_OK(v, CHECK_FAIL, "cache-dir", title, fix, "%1$s: %2$s", dir, g_strerror(errno));
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
        return NOT_OK(v, CHECK_FAIL, "cache-dir", title, fix,
                      S_ISLNK(st.st_mode) ? _("%s is a symbolic link") : _("%s is not a directory"), dir);
    if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
        return NOT_OK(v, CHECK_FAIL, "cache-dir", title, fix,
                      _("%1$s (owner uid %2$u, mode %3$04o) can be written by others than root"),
                      dir, (unsigned int)st.st_uid, st.st_mode & 07777);
    PASS(v, "cache-dir", title, _("%1$s, mode %2$04o"), dir, st.st_mode & 07777);
}

static void
checkCpregd(Validate *v)
{
    static const char *const names[] = { "virt-cpregd", NULL };
    g_autofree char *name = NULL;
    pid_t pid = procFind(names, &name);

    if (!pid)
        return NOT_OK(v, CHECK_FAIL, "virt-cpregd", _("virt-cpregd runs"),
                      _("systemctl enable --now virt-cpregd"), "%s",
                      _("virt-cpregd does not run: new guests are not stamped"));
    PASS(v, "virt-cpregd", _("virt-cpregd runs"), _("pid %d"), (int)pid);
}

/* ---- the running guests (through virt-cpreg-libvirt) ------------------- */

/* Reads @fd into @buf until EOF; FALSE past @deadline. */
static gboolean
readAll(int fd, GString *buf, virCpregDeadline deadline)
{
    char chunk[8192];

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int left = virCpregDeadlineRemainingMs(deadline);
        ssize_t n;
        if (left == 0 || poll(&pfd, 1, left) <= 0)
            return FALSE;
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return TRUE;
        if (buf->len < HELPER_MAX_BYTES)
            g_string_append_len(buf, chunk, n);
    }
}

/* In the child: its stderr into the stdout pipe, for the error's text. */
static void
stderrToStdout(gpointer unused G_GNUC_UNUSED)
{
    dup2(STDOUT_FILENO, STDERR_FILENO);
}

/* The helper's last line that is not a guest's: its error message. */
static char *
helperError(const char *out)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    guint n = g_strv_length(lines);

    while (n-- > 0) {
        if (*lines[n] && !g_str_has_prefix(lines[n], "stamped ") &&
            !g_str_has_prefix(lines[n], "unstamped "))
            return g_strdup(lines[n]);
    }
    return NULL;
}

/* virt-cpreg-libvirt unstamped URI: its output, or NULL and *why. */
static char *
listGuests(const char *uri, char **why)
{
    g_autofree char *tool = cliLibvirtToolPath();
    const char *argv[] = { tool, "unstamped", uri, NULL };
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    gboolean done;
    int outfd, status = 0;
    GPid pid;

    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, stderrToStdout,
                                  NULL, &pid, NULL, &outfd, NULL, &error)) {
        *why = g_strdup(error->message);
        return NULL;
    }
    done = readAll(outfd, out, virCpregDeadlineIn(HELPER_TIMEOUT_MS));
    close(outfd);
    if (!done)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return g_string_free(g_steal_pointer(&out), FALSE);
    if (!done)
        *why = g_strdup_printf(_("libvirt at %1$s did not answer within %2$d s"), uri,
                               HELPER_TIMEOUT_MS / 1000);
    else if (!(*why = helperError(out->str)))
        *why = g_strdup_printf(_("cannot list the running guests through %s"), uri);
    return NULL;
}

static void
checkGuests(Validate *v)
{
    const char *title = _("the running aarch64 guests carry our metadata");
    g_autofree char *why = NULL;
    g_autofree char *out = listGuests(v->uri, &why);
    g_auto(GStrv) lines = out ? g_strsplit(out, "\n", -1) : NULL;
    g_autoptr(GString) missing = g_string_new(NULL);
    guint i, total = 0, bare = 0;

    if (!out)
        return NOT_OK(v, CHECK_FAIL, "guests", title,
                      _("start libvirtd or virtqemud, or name the daemon with --connect URI"), "%s", why);
    for (i = 0; lines[i]; i++) {
        if (!*lines[i])
            continue;
        total++;
        if (g_str_has_prefix(lines[i], "unstamped ")) {
            bare++;
            g_string_append_printf(missing, "%s%s", missing->len ? ", " : "",
                                   lines[i] + strlen("unstamped "));
        }
    }
    if (!bare)
        return PASS(v, "guests", title, _("%u running aarch64 guest(s), all stamped"), total);
    NOT_OK(v, v->conf->on_missing_profile == VIR_CPREG_ON_DENY ? CHECK_FAIL : CHECK_WARN,
           "guests", title,
           _("stamp each with: virt-cpreg stamp NAME (virt-cpregd stamps guests as they start)"),
           v->conf->on_missing_profile == VIR_CPREG_ON_DENY ?
           _("%1$u of %2$u running aarch64 guest(s) carry no vCPU register profile, and on-missing-profile=deny refuses their migration: %3$s") :
           _("%1$u of %2$u running aarch64 guest(s) carry no vCPU register profile and would migrate unchecked: %3$s"),
           bare, total, missing->str);
}

/* ---- the kernel --------------------------------------------------------- */

static void
checkKvm(Validate *v)
{
    const char *title = _("the kernel offers KVM for arm64");
    g_autofree char *why = NULL;
    struct utsname u;

    if (uname(&u) == 0 && !g_str_equal(u.machine, "aarch64")) {
        why = notArm64KvmHost();
        return NOT_OK(v, CHECK_WARN, "kvm", title,
                      _("none here: the KVM checks apply on arm64 hosts"), "%s", why);
    }
    if (g_access("/dev/kvm", R_OK | W_OK) < 0)
        return NOT_OK(v, CHECK_FAIL, "kvm", title,
                      _("boot the host at EL2 with KVM enabled (modprobe kvm), and let root open /dev/kvm"),
                      _("/dev/kvm: %s"), g_strerror(errno));
    PASS(v, "kvm", title, "%s", "/dev/kvm");
}

/* Linux 6.7+: KVM_ARM_GET_REG_WRITABLE_MASKS, the writable ID registers. */
static void
checkMasks(Validate *v)
{
    const char *title = _("the kernel has writable ID-register masks (6.7+)");
    g_autofree char *why = NULL;
    struct utsname u;
    int fd, cap;

    if (!arm64KvmHost()) {
        why = notArm64KvmHost();
        return NOT_OK(v, CHECK_WARN, "kvm-masks", title,
                      _("none here: the KVM checks apply on arm64 hosts"), "%s", why);
    }
    fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    cap = fd < 0 ? -1 : ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES);
    if (fd >= 0)
        close(fd);
    if (cap > 0)
        return PASS(v, "kvm-masks", title, "%s", "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES");
    uname(&u);
    NOT_OK(v, CHECK_WARN, "kvm-masks", title,
           _("a kernel of 6.7 or later can give guests an older CPU's ID registers"),
           _("kernel %s lacks KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES: ID registers cannot be narrowed"),
           u.release);
}

/* ---- the verb ----------------------------------------------------------- */

typedef void (*CheckFunc)(Validate *v);

/* In order: a check may use what an earlier one found (hook, daemon). */
static const CheckFunc checks[] = {
    checkHookPresent,
    checkHookExecutable,
    checkHookTarget,
    checkDaemon,
    checkHookActive,
    checkConf,
    checkCacheDir,              /* before the probe that writes into it */
    checkHostProfile,
    checkQemuModel,
    checkPolicy,
    checkCpregd,
    checkGuests,
    checkKvm,
    checkMasks,
};

/* libvirt-cpreg: Checking TITLE ...: STATUS (message), the fix below. */
static void
printText(const GPtrArray *results)
{
    guint i;

    for (i = 0; i < results->len; i++) {
        const CheckResult *r = results->pdata[i];
        glong pad = TITLE_WIDTH - g_utf8_strlen(r->title, -1);
        printf(_("libvirt-cpreg: Checking %1$s%2$*3$s: %4$s (%5$s)\n"),
               r->title, "", (int)MAX(pad, 1), checkStatusToString(r->status), r->message);
        if (r->status != CHECK_PASS && r->fix)
            printf(_("    fix: %s\n"), r->fix);
    }
}

static void
printJSON(const GPtrArray *results)
{
    json_object *root = json_object_new_object();
    json_object *list = json_object_new_array();
    guint i;

    for (i = 0; i < results->len; i++) {
        const CheckResult *r = results->pdata[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(r->id));
        json_object_object_add(o, "title", json_object_new_string(r->title));
        json_object_object_add(o, "status", json_object_new_string(checkStatusToString(r->status)));
        json_object_object_add(o, "message", json_object_new_string(r->message));
        json_object_object_add(o, "fix", r->status != CHECK_PASS && r->fix ?
                               json_object_new_string(r->fix) : NULL);
        json_object_array_add(list, o);
    }
    json_object_object_add(root, "checks", list);
    cliPrintJSON(root);
    json_object_put(root);
}

int
cliValidate(int argc, char **argv)
{
    gboolean json = FALSE;
    g_autofree char *uri = NULL;
    g_autofree char *hookDir = NULL;
    GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the checks as JSON (schemas/validate.schema.json)"), NULL },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri, N_("libvirt URI (default: qemu:///system)"), N_("URI") },
        { "hook-dir", 0, 0, G_OPTION_ARG_FILENAME, &hookDir, N_("The qemu.d directory the daemon reads (default: /etc/libvirt/hooks/qemu.d)"), N_("DIR") },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregConf) conf = NULL;
    g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func(resultFree);
    Validate v = { 0 };
    gboolean failed = FALSE;
    guint i;

    if (!cliParseOptions(cliVerb("validate"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 1)
        return cliUsage("validate", "%s", _("expected no argument"));
    conf = virCpregConfLoad();
    v = (Validate) { .hookDir = hookDir ? hookDir : LIBVIRT_HOOK_DIR,
                     .uri = uri ? uri : "qemu:///system", .conf = conf, .results = results };
    for (i = 0; i < G_N_ELEMENTS(checks); i++)
        checks[i](&v);
    for (i = 0; i < results->len; i++)
        failed |= ((CheckResult *)results->pdata[i])->status == CHECK_FAIL;
    if (json)
        printJSON(results);
    else
        printText(results);
    g_free(v.hookPath);
    g_free(v.daemon.name);
    return failed ? VIR_CPREG_EXIT_VETO : VIR_CPREG_EXIT_OK;
}
