/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-qemu-probe.c: QEMU's own cpreg list, from a scratch QEMU
 *
 * The scratch QEMU gets the least privilege available: libvirt's QEMU
 * user (libvirt-qemu on Debian, qemu on Fedora and RHEL) when we are
 * root, QEMU's seccomp sandbox, no network, no display, its own process
 * group, and SIGKILL when the process that started it dies (a hook
 * killed at its budget never leaves a paused QEMU behind). Its private
 * directory is named after that process, so that the next probe (or the
 * hook that killed it) removes what a killed probe left.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cpreg-qemu-probe.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-qemu.h"
#include "cpreg-profile-priv.h"   /* json-c autoptr cleanups */
#include "cpreg-qemu.h"
#include "cpreg-qmp.h"
#include "cpreg-stream.h"
#include "cpreg-util.h"

#define DEFAULT_EMULATOR "qemu-system-aarch64"
#define DEFAULT_MACHINE "virt"
#define QMP_STEP_MS 10000        /* no single command takes longer */
#define STDERR_MAX 2048

/* The vCPU properties QEMU's Arm CPUs have for the features
 * (target/arm/cpu64.c: "pmu", "sve", "pauth"). */
static const char *const featureProps[] = { "pmu", "sve", "pauth" };

/* The users distributions run QEMU as (libvirt's qemu.conf): Debian's,
 * then Fedora's and RHEL's. */
static const char *const confineUsers[] = { "libvirt-qemu", "qemu" };

/* -sandbox: everything QEMU's seccomp filter can deny (qemu-options.hx);
 * spawn stays allowed only where the migration needs to run a command */
#define SANDBOX VIR_CPREG_QEMU_SANDBOX

/* What a probe leaves in the temporary directory while it runs:
 * LEFTOVER_PREFIX KIND "-" PID "-p" PID-NAMESPACE "-" XXXXXX */
#define LEFTOVER_PREFIX "virt-cpreg-"
static const char *const leftoverKinds[] = { "qemu", "trial", "emul" };

typedef virCpregQemuConfine Confine;

typedef struct {
    virCpregQemuChild child;
    char *dir;                   /* private temporary directory */
    char *sock;
    char *stream;
    char *errlog;
    virCpregDeadline deadline;
    virCpregQmp *qmp;
    Confine confine;
} QemuRun;

void
virCpregQemuFactsClear(virCpregQemuFacts *facts)
{
    g_free(facts->version);
    g_free(facts->package);
    g_free(facts->accel);
    g_free(facts->cpu_type);
    memset(facts, 0, sizeof(*facts));
}

static int
remainingMs(const QemuRun *run)
{
    return MIN(virCpregDeadlineRemainingMs(run->deadline), QMP_STEP_MS);
}

/* Whether @child still runs (reaped, not waited for, once it ended). */
gboolean
virCpregQemuChildRunning(virCpregQemuChild *child)
{
    if (!child->exited && waitpid(child->pid, &child->status, WNOHANG) == child->pid)
        child->exited = TRUE;
    return !child->exited;
}

/* Kills @child (with @group, what it spawned too: its process group), and
 * reaps it. */
void
virCpregQemuChildKill(virCpregQemuChild *child, gboolean group)
{
    if (child->pid && !child->exited) {
        if (group)
            kill(-child->pid, SIGKILL);
        kill(child->pid, SIGKILL);
        while (waitpid(child->pid, &child->status, 0) < 0 && errno == EINTR)
            ;
        child->exited = TRUE;
    }
    if (child->pid)
        g_spawn_close_pid(child->pid);
    child->pid = 0;
}

static gboolean
qemuAlive(gpointer opaque)
{
    QemuRun *run = opaque;

    return virCpregQemuChildRunning(&run->child);
}

/* Kills QEMU (if it still runs), reaps it, removes the directory. */
static void
runClear(QemuRun *run)
{
    g_clear_pointer(&run->qmp, virCpregQmpFree);
    virCpregQemuChildKill(&run->child, TRUE);
    if (run->dir) {
        const char *files[] = { run->sock, run->stream, run->errlog };
        size_t i;
        for (i = 0; i < G_N_ELEMENTS(files); i++) {
            if (files[i])
                g_unlink(files[i]);
        }
        g_rmdir(run->dir);
    }
    g_clear_pointer(&run->dir, g_free);
    g_clear_pointer(&run->sock, g_free);
    g_clear_pointer(&run->stream, g_free);
    g_clear_pointer(&run->errlog, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QemuRun, runClear);

/* What QEMU said on stderr, for an error message. */
/*
 * What a probe's QEMU wrote into its log @path, at most @max bytes, or
 * NULL. The log lives in a directory the QEMU user owns: a QEMU the guest
 * took over could have put a link there, so a link, or anything but a
 * regular file, is not read.
 */
char *
virCpregQemuReadLog(const char *path, gsize max, gsize *len)
{
    g_autofree char *text = g_malloc(max + 1);
    struct stat st;
    gsize got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    while (got < max) {
        ssize_t n = read(fd, text + got, max - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (gsize)n;
    }
    close(fd);
    text[got] = '\0';
    *len = got;
    return g_steal_pointer(&text);
}

static char *
qemuStderr(const QemuRun *run)
{
    gsize len = 0;
    g_autofree char *text = virCpregQemuReadLog(run->errlog, STDERR_MAX, &len);

    if (!text || !len)
        return g_strdup(_("no message"));
    return g_strdup(g_strstrip(text));
}

static gboolean
qemuFailed(QemuRun *run, const char *emulator, GError **prev, GError **error)
{
    g_autofree char *said = NULL;

    /* QEMU that closed QMP is often still exiting: give it a moment, so
     * that what it said on stderr is the message */
    virCpregDeadline until = virCpregDeadlineIn(MIN(200, remainingMs(run)));

    while (qemuAlive(run) && !virCpregDeadlineExpired(until))
        g_usleep(5000);
    if (!run->child.exited) {
        g_propagate_error(error, g_steal_pointer(prev));
        return FALSE;
    }
    said = qemuStderr(run);
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                _("'%1$s' exited (status 0x%2$x): %3$s"), emulator, run->child.status, said);
    g_clear_error(prev);
    return FALSE;
}

/* -cpu MODEL[,FEATURE=on|off...]: only values of the grammar reach argv */
static char *
cpuOption(const virCpregQemuProbeOptions *opts, const char *cpu, GError **error)
{
    g_autoptr(GString) s = g_string_new(cpu);
    size_t i;

    if (!virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, cpu, error))
        return NULL;
    for (i = 0; opts->features && i < G_N_ELEMENTS(featureProps); i++) {
        gboolean on = g_strv_contains(opts->features, featureProps[i]);
        g_autofree char *f = NULL;
        /* max and host have every property; a named core has pmu, and sve
         * or pauth only where it implements them (cortex-a57 has
         * neither): saying =off to a property it lacks stops QEMU */
        if (!on && !g_str_equal(featureProps[i], "pmu") &&
            !g_str_equal(cpu, "max") && !g_str_equal(cpu, "host"))
            continue;
        f = g_strdup_printf("%s=%s", featureProps[i], on ? "on" : "off");
        if (!virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_FEATURE, f, error))
            return NULL;
        g_string_append_printf(s, ",%s", f);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/*
 * Whom QEMU runs as: when we are root, the first of confineUsers that
 * exists, with its groups (kvm, for /dev/kvm); looked up here, since the
 * child may only make async-signal-safe calls.
 */
void
virCpregQemuConfineFor(virCpregQemuConfine *c)
{
    size_t i;

    memset(c, 0, sizeof(*c));
    c->parent = getpid();
    if (geteuid() != 0)
        return;
    for (i = 0; i < G_N_ELEMENTS(confineUsers); i++) {
        struct passwd *pw = getpwnam(confineUsers[i]);
        if (!pw || pw->pw_uid == 0)
            continue;
        c->ngroups = G_N_ELEMENTS(c->groups);
        if (getgrouplist(pw->pw_name, pw->pw_gid, c->groups, &c->ngroups) < 0) {
            c->groups[0] = pw->pw_gid;
            c->ngroups = 1;
        }
        c->uid = pw->pw_uid;
        c->gid = pw->pw_gid;
        c->drop = TRUE;
        return;
    }
}

/*
 * In the child, before exec: its own process group, the QEMU user, then
 * the parent-death signal (a change of credentials clears it), and no
 * exec at all if the parent is already gone.
 */
void
virCpregQemuConfineChild(gpointer opaque)
{
    static const char dropFailed[] = "libvirt-cpreg: cannot switch to the QEMU user\n";
    const Confine *c = opaque;

    setpgid(0, 0);
    if (c->drop &&
        (setgroups((size_t)c->ngroups, c->groups) < 0 || setgid(c->gid) < 0 ||
         setuid(c->uid) < 0 || setuid(0) == 0)) {
        if (write(STDERR_FILENO, dropFailed, sizeof(dropFailed) - 1) < 0)
            _exit(127);
        _exit(127);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != c->parent)
        _exit(127);
}

static gboolean
startQemu(QemuRun *run, const char *emulator, const char *accel,
          const char *cpu, const virCpregQemuProbeOptions *opts,
          const char *sandbox, GError **error)
{
    /* validated before anything runs (virCpregQemuProbe) */
    const char *machine = opts->machine ? opts->machine : DEFAULT_MACHINE;
    g_autofree char *cpuopt = cpuOption(opts, cpu, error);
    g_autofree char *qmpopt = g_strdup_printf("unix:%s,server=on,wait=off", run->sock);
    g_autofree char *smp = g_strdup_printf("%u", opts->smp ? opts->smp : 1);
    const char *argv[] = {
        emulator, "-S", "-nodefaults", "-no-user-config", "-display", "none",
        "-nic", "none", "-machine", machine, "-accel", accel, "-cpu", cpuopt,
        "-m", "64", "-smp", smp, "-qmp", qmpopt,
        sandbox ? "-sandbox" : NULL, sandbox, NULL,
    };

    if (!cpuopt ||
        !virCpregQemuSpawn(argv, &run->confine, run->errlog, &run->child, NULL, error))
        return FALSE;
    return TRUE;
}

/*
 * Starts a QEMU the probes run: confined (@confine), stdin /dev/null, its
 * stderr into @errlog (a new private file), its stdout a pipe read at
 * *@outfd, or /dev/null when @outfd is NULL. Not reaped: @child is the
 * caller's to wait for or kill.
 */
gboolean
virCpregQemuSpawn(const char *const *argv, virCpregQemuConfine *confine,
                  const char *errlog, virCpregQemuChild *child, int *outfd, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *shown = g_strescape(argv[0], NULL);
    int errfd = g_open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int devnull = g_open("/dev/null", O_RDWR | O_CLOEXEC, 0);
    gboolean ok;

    ok = errfd >= 0 && devnull >= 0 &&
         g_spawn_async_with_pipes_and_fds(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                          virCpregQemuConfineChild, confine,
                                          devnull, outfd ? -1 : devnull, errfd,
                                          NULL, NULL, 0, &child->pid, NULL, outfd, NULL, &err);
    child->exited = FALSE;
    if (errfd >= 0)
        close(errfd);
    if (devnull >= 0)
        close(devnull);
    if (!ok)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot run '%1$s': %2$s"), shown,
                    err ? err->message : g_strerror(errno));
    return ok;
}

/* QEMU exited at once, refusing -sandbox (built without seccomp). */
static gboolean
sandboxRefused(QemuRun *run)
{
    g_autofree char *said = NULL;

    qemuAlive(run);
    if (!run->child.exited)
        return FALSE;
    said = qemuStderr(run);
    return strstr(said, "sandbox") || strstr(said, "seccomp");
}

/* ---- what a killed probe leaves ----------------------------------------- */

/*
 * This process's PID namespace: a PID means something only within it, and
 * a temporary directory may be shared with other namespaces (containers,
 * libvirt in a private one), whose live probes must be left alone.
 */
static unsigned long
pidNamespace(void)
{
    struct stat st;

    return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* "virt-cpreg-qemu-1234-p4026531836-AbC123" → 1234, if it is one of ours
 * and PID 1234 is of our namespace */
static pid_t
leftoverOwner(const char *name, unsigned long ns)
{
    size_t i;

    if (!g_str_has_prefix(name, LEFTOVER_PREFIX))
        return 0;
    name += strlen(LEFTOVER_PREFIX);
    for (i = 0; i < G_N_ELEMENTS(leftoverKinds); i++) {
        size_t n = strlen(leftoverKinds[i]);
        char *end;
        long pid;
        if (strncmp(name, leftoverKinds[i], n) != 0 || name[n] != '-' ||
            !g_ascii_isdigit(name[n + 1]))
            continue;
        pid = strtol(name + n + 1, &end, 10);
        if (pid <= 0 || pid > G_MAXINT32 || !g_str_has_prefix(end, "-p") ||
            !g_ascii_isdigit(end[2]) || strtoul(end + 2, &end, 10) != ns || *end != '-')
            return 0;
        return (pid_t)pid;
    }
    return 0;
}

/* Removes @name under @tmpfd: a file, or a directory of files, never
 * following a symbolic link. */
static void
removeLeftover(int tmpfd, const char *name)
{
    struct dirent *e;
    DIR *dir;
    int fd;

    if (unlinkat(tmpfd, name, 0) == 0 || errno != EISDIR)
        return;
    if ((fd = openat(tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return;
    if (!(dir = fdopendir(fd))) {
        close(fd);
        return;
    }
    while ((e = readdir(dir))) {
        if (!g_str_equal(e->d_name, ".") && !g_str_equal(e->d_name, ".."))
            unlinkat(dirfd(dir), e->d_name, 0);
    }
    closedir(dir);
    unlinkat(tmpfd, name, AT_REMOVEDIR);
}

void
virCpregQemuProbeRemoveLeftovers(GPid owner)
{
    Confine confine;
    unsigned long ns = pidNamespace();
    struct dirent *e;
    DIR *dir;

    virCpregQemuConfineFor(&confine);
    if (!(dir = opendir(g_get_tmp_dir())))
        return;
    while ((e = readdir(dir))) {
        pid_t pid = leftoverOwner(e->d_name, ns);
        struct stat st;
        if (!pid || (owner ? pid != owner : kill(pid, 0) == 0 || errno != ESRCH) ||
            fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) ||
            (st.st_uid != geteuid() && !(confine.drop && st.st_uid == confine.uid)))
            continue;
        removeLeftover(dirfd(dir), e->d_name);
    }
    closedir(dir);
}

char *
virCpregQemuProbeTempName(const char *kind)
{
    return g_strdup_printf(LEFTOVER_PREFIX "%s-%d-p%lu-XXXXXX", kind, (int)getpid(),
                           pidNamespace());
}

/* ---- questions over QMP ------------------------------------------------- */

static json_object *
qmpCall(QemuRun *run, const char *command, json_object *args, GError **error)
{
    return virCpregQmpCommand(run->qmp, command, args, (guint)remainingMs(run), error);
}

static json_object *
qomArgs(const char *path, const char *property)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "path", json_object_new_string(path));
    json_object_object_add(args, "property", json_object_new_string(property));
    return args;
}

/* query-cpus-fast: the QOM path of vCPU 0. */
static char *
cpuPath(QemuRun *run, GError **error)
{
    g_autoptr(json_object) cpus = qmpCall(run, "query-cpus-fast", NULL, error);
    json_object *path;

    if (!cpus)
        return NULL;
    if (!json_object_is_type(cpus, json_type_array) || !json_object_array_length(cpus) ||
        !json_object_object_get_ex(json_object_array_get_idx(cpus, 0), "qom-path", &path) ||
        !json_object_is_type(path, json_type_string)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("query-cpus-fast returned no vCPU with a qom-path"));
        return NULL;
    }
    return g_strdup(json_object_get_string(path));
}

static gboolean
hasProperty(json_object *props, const char *name)
{
    size_t i;

    for (i = 0; props && json_object_is_type(props, json_type_array) &&
                i < json_object_array_length(props); i++) {
        json_object *n;
        if (json_object_object_get_ex(json_object_array_get_idx(props, i), "name", &n) &&
            json_object_is_type(n, json_type_string) &&
            g_str_equal(json_object_get_string(n), name))
            return TRUE;
    }
    return FALSE;
}

/* The vCPU's type, whether it can pin the PSCI version, its MIDR and which
 * features are on. */
static gboolean
askCpu(QemuRun *run, virCpregQemuFacts *facts, virCpregIdentity *ident,
       GError **error)
{
    g_autofree char *path = cpuPath(run, error);
    g_autoptr(json_object) type = NULL;
    g_autoptr(json_object) props = NULL;
    g_autoptr(json_object) midr = NULL;
    g_autoptr(GPtrArray) on = g_ptr_array_new_with_free_func(g_free);
    json_object *args;
    size_t i;

    if (!path || !(type = qmpCall(run, "qom-get", qomArgs(path, "type"), error)))
        return FALSE;
    facts->cpu_type = g_strdup(json_object_get_string(type));
    args = json_object_new_object();
    json_object_object_add(args, "typename", json_object_new_string(facts->cpu_type));
    if (!(props = qmpCall(run, "qom-list-properties", args, error)))
        return FALSE;
    facts->has_psci_property = hasProperty(props, "kvm-psci-version");
    if ((midr = qmpCall(run, "qom-get", qomArgs(path, "midr"), NULL)) &&
        json_object_is_type(midr, json_type_int)) {
        ident->has_midr = TRUE;
        ident->midr = (guint64)json_object_get_uint64(midr);
    }
    for (i = 0; i < G_N_ELEMENTS(featureProps); i++) {
        g_autoptr(json_object) v = NULL;
        if (hasProperty(props, featureProps[i]) &&
            (v = qmpCall(run, "qom-get", qomArgs(path, featureProps[i]), NULL)) &&
            json_object_get_boolean(v))
            g_ptr_array_add(on, g_strdup(featureProps[i]));
    }
    g_ptr_array_add(on, NULL);
    g_strfreev(ident->features);
    ident->features = g_strdupv((char **)on->pdata);
    return TRUE;
}

/*
 * Where the scratch QEMU's stream goes: a file: URI where QEMU has it
 * (8.2 and later; fd: to a plain file is deprecated there since 9.1).
 * Before 8.2 (bookworm's QEMU is 7.2) a file we open and hand over with
 * getfd, then the fd: transport. Not "exec:cat > FILE": QEMU SIGTERMs the
 * command as soon as it closes the pipe, so cat can lose the stream's
 * tail, and a QEMU that may not fork (-sandbox spawn=deny) cannot run it.
 */
static gboolean
hasFileTransport(const char *version)
{
    unsigned int major = 0, minor = 0;

    return virCpregQemuParseVersion(version, &major, &minor) &&
           (major > 8 || (major == 8 && minor >= 2));
}

static gboolean
handStreamFile(QemuRun *run, GError **error)
{
    g_autoptr(json_object) ret = NULL;
    json_object *args = json_object_new_object();
    int fd = g_open(run->stream, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0) {
        int err = errno;
        json_object_put(args);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("cannot create '%1$s': %2$s"), run->stream, g_strerror(err));
        return FALSE;
    }
    json_object_object_add(args, "fdname", json_object_new_string("cpreg-stream"));
    ret = virCpregQmpCommandWithFd(run->qmp, "getfd", args, fd,
                                   (guint)remainingMs(run), error);
    close(fd);
    return ret != NULL;
}

static gboolean
migrateToFile(QemuRun *run, const char *version, GError **error)
{
    g_autoptr(json_object) ret = NULL;
    g_autofree char *uri = NULL;
    json_object *args;

    if (hasFileTransport(version))
        uri = g_strdup_printf("file:%s", run->stream);
    else if (handStreamFile(run, error))
        uri = g_strdup("fd:cpreg-stream");
    else
        return FALSE;
    args = json_object_new_object();
    json_object_object_add(args, "uri", json_object_new_string(uri));
    if (!(ret = qmpCall(run, "migrate", args, error)))
        return FALSE;
    for (;;) {
        g_autoptr(json_object) st = qmpCall(run, "query-migrate", NULL, error);
        json_object *status;
        const char *s;
        if (!st)
            return FALSE;
        s = json_object_object_get_ex(st, "status", &status) ?
            json_object_get_string(status) : "";
        if (g_str_equal(s, "completed"))
            return TRUE;
        if (g_str_equal(s, "failed") || g_str_equal(s, "cancelled") || !remainingMs(run)) {
            json_object *desc;
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("migrating the scratch QEMU to a file: %s"),
                        json_object_object_get_ex(st, "error-desc", &desc) ?
                        json_object_get_string(desc) : (*s ? s : _("timed out")));
            return FALSE;
        }
        g_usleep(5000);
    }
}

/* ---- the probe ---------------------------------------------------------- */

static const char *
defaultAccel(void)
{
    struct utsname u;

    if (uname(&u) == 0 && g_str_equal(u.machine, "aarch64") &&
        g_access("/dev/kvm", R_OK | W_OK) == 0)
        return "kvm";
    return "tcg";
}

static gboolean
runProbe(QemuRun *run, const virCpregQemuProbeOptions *opts,
         const char *emulator, virCpregQemuFacts *facts,
         virCpregIdentity *ident, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(json_object) ver = NULL;
    /* neither file: nor getfd + fd: has QEMU spawn anything */
    const char *sandbox = SANDBOX "deny";

    if (!startQemu(run, emulator, facts->accel, ident->cpu, opts, sandbox, error))
        return FALSE;
    run->qmp = virCpregQmpConnect(run->sock, (guint)remainingMs(run), qemuAlive, run, &err);
    if (!run->qmp && sandboxRefused(run)) {
        /* a QEMU without seccomp: the user and the rest still confine it */
        virCpregQemuChildKill(&run->child, TRUE);
        g_clear_error(&err);
        if (!startQemu(run, emulator, facts->accel, ident->cpu, opts, NULL, error))
            return FALSE;
        run->qmp = virCpregQmpConnect(run->sock, (guint)remainingMs(run), qemuAlive, run, &err);
    }
    if (!run->qmp ||
        !(ver = qmpCall(run, "query-version", NULL, &err)) ||
        !askCpu(run, facts, ident, &err))
        return qemuFailed(run, emulator, &err, error);
    facts->version = g_strdup(virCpregQmpVersion(run->qmp));
    facts->package = g_strdup(virCpregQmpPackage(run->qmp));
    if (!migrateToFile(run, facts->version, &err))
        return qemuFailed(run, emulator, &err, error);
    /* done with QEMU: the stream is complete */
    g_clear_pointer(&run->qmp, virCpregQmpFree);
    virCpregQemuChildKill(&run->child, FALSE);
    return TRUE;
}

/*
 * A probe's private directory, named after @kind and this process (see
 * virCpregQemuProbeTempName; earlier ones whose process is gone are
 * removed first), owned by the QEMU user when QEMU runs as it (@confine,
 * filled in here).
 */
char *
virCpregQemuRunDir(const char *kind, virCpregQemuConfine *confine, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *name = virCpregQemuProbeTempName(kind);
    g_autofree char *dir = NULL;

    virCpregQemuProbeRemoveLeftovers(0);
    virCpregQemuConfineFor(confine);
    if (!(dir = g_dir_make_tmp(name, &err)) ||
        (confine->drop && chown(dir, confine->uid, confine->gid) < 0)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("cannot make a temporary directory: %s"),
                    err ? err->message : g_strerror(errno));
        if (dir)
            g_rmdir(dir);
        return NULL;
    }
    return g_steal_pointer(&dir);
}

/* The scratch probe's directory: its QMP socket, stream and log. */
static gboolean
makeRunDir(QemuRun *run, GError **error)
{
    if (!(run->dir = virCpregQemuRunDir("qemu", &run->confine, error)))
        return FALSE;
    run->sock = g_build_filename(run->dir, "qmp.sock", NULL);
    run->stream = g_build_filename(run->dir, "stream", NULL);
    run->errlog = g_build_filename(run->dir, "stderr", NULL);
    return TRUE;
}

static virCpregProfile *
streamProfile(QemuRun *run, const virCpregQemuProbeOptions *opts,
              virCpregQemuFacts *facts, GError **error)
{
    g_autoptr(virCpregStreamInfo) info = virCpregStreamRead(run->stream, 0, error);

    if (!info)
        return NULL;
    if (opts->stream_copy) {
        g_autofree char *data = NULL;
        gsize len;
        if (!g_file_get_contents(run->stream, &data, &len, NULL) ||
            !g_file_set_contents(opts->stream_copy, data, (gssize)len, NULL)) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("cannot copy the stream to '%s'"), opts->stream_copy);
            return NULL;
        }
    }
    facts->vcpus = info->cpus->len;
    return virCpregStreamToProfile(info, &facts->vcpus_differ, error);
}

virCpregProfile *
virCpregQemuProbe(const virCpregQemuProbeOptions *opts,
                  virCpregQemuFacts *facts, GError **error)
{
    g_auto(virCpregQemuFacts) myfacts = { 0 };
    g_auto(QemuRun) run = { 0 };
    g_autoptr(virCpregProfile) profile = NULL;
    virCpregIdentity ident = { 0 };
    g_autofree char *found = NULL;
    const char *emulator = opts->emulator;
    guint timeout = opts->timeout_ms ? opts->timeout_ms : VIR_CPREG_QEMU_PROBE_TIMEOUT_MS;
    struct utsname u;

    /* an emulator given is run as given, never looked up in PATH */
    if (!emulator && !(emulator = found = g_find_program_in_path(DEFAULT_EMULATOR))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot find %s in PATH"), DEFAULT_EMULATOR);
        return NULL;
    }
    if (!g_path_is_absolute(emulator)) {
        g_autofree char *shown = g_strescape(emulator, NULL);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%s' is not an absolute path"), shown);
        return NULL;
    }
    /* before anything runs, not only before argv */
    if ((opts->cpu && !virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, opts->cpu, error)) ||
        (opts->machine && !virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_MACHINE, opts->machine, error)))
        return NULL;
    if (!facts)
        facts = &myfacts;
    facts->accel = g_strdup(opts->accel ? opts->accel : defaultAccel());
    ident.cpu = g_strdup(opts->cpu ? opts->cpu :
                         g_str_equal(facts->accel, "kvm") ? "host" : "max");
    run.deadline = virCpregDeadlineIn(timeout);
    if (makeRunDir(&run, error) &&
        runProbe(&run, opts, emulator, facts, &ident, error))
        profile = streamProfile(&run, opts, facts, error);
    if (profile) {
        virCpregIdentitySetFeatures(&profile->ident,
                                    (const char *const *)ident.features);
        profile->ident.cpu = g_steal_pointer(&ident.cpu);
        profile->ident.has_midr = ident.has_midr;
        profile->ident.midr = ident.midr;
        profile->ident.qemu = g_strdup(facts->version);
        profile->ident.accel = g_strdup(facts->accel);
        g_free(profile->origin);
        profile->origin = g_strdup_printf("%s -machine %s -accel %s -cpu %s", emulator,
                                          opts->machine ? opts->machine : DEFAULT_MACHINE,
                                          facts->accel, profile->ident.cpu);
        if (g_str_equal(facts->accel, "kvm") && uname(&u) == 0)
            profile->ident.kernel = g_strdup(u.release);
    }
    g_free(ident.cpu);
    g_strfreev(ident.features);
    return g_steal_pointer(&profile);
}
