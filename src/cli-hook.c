/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-hook.c: virt-cpreg hook NAME OP SUBOP EXTRA, libvirt's qemu hook
 *
 * libvirt waits for the hook without a time limit (virhook.c), so the
 * hook keeps its own: the decision runs in a child process group, and
 * past the budget the group is killed and on-internal-error answers.
 * "reconnect" never fails: a non-zero exit there kills the running QEMU.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-cache.h"
#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-hook.h"
#include "cpreg-log.h"
#include "cpreg-qemu-probe.h"
#include "cpreg-util.h"

#define OUTPUT_MAX (32 * 1024 * 1024)
/* cpreg.conf is read within the default budget; its own counts from the
 * same start */
#define CONF_LOAD_MS 5000

typedef void (*virCpregHookHandler)(const virCpregConf *conf, const char *op,
                                    const char *xml, gsize len,
                                    virCpregHookAnswer *answer);

/* The operations that decide; every other one answers 0 at once. */
static const struct {
    const char *op;
    const char *subop;
    virCpregHookHandler handler;
} hookOps[] = {
    { "migrate", "begin", virCpregHookIncoming },
    { "restore", "begin", virCpregHookIncoming },
};

static virCpregHookHandler
handlerFor(const char *op, const char *subop)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(hookOps); i++) {
        if (g_str_equal(hookOps[i].op, op) && g_str_equal(hookOps[i].subop, subop))
            return hookOps[i].handler;
    }
    return NULL;
}

/*
 * Reads stdin until EOF, keeping at most @max bytes (the rest is read and
 * dropped so that libvirt's writer finishes). FALSE past the deadline.
 */
static gboolean
readStdin(GString *buf, gsize max, gboolean *truncated, virCpregDeadline deadline)
{
    char chunk[65536];

    *truncated = FALSE;
    for (;;) {
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        int left = virCpregDeadlineRemainingMs(deadline);
        ssize_t n;
        if (left == 0 || poll(&pfd, 1, left) <= 0)
            return FALSE;
        n = read(STDIN_FILENO, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return TRUE;
        if (buf->len + (gsize)n > max)
            *truncated = TRUE;
        else
            g_string_append_len(buf, chunk, n);
    }
}

/* The child: decide, then hand the answer over the pipes. */
static G_GNUC_NORETURN void
runWorker(virCpregHookHandler handler, const virCpregConf *conf, const char *op,
          const GString *xml, int outfd, int errfd)
{
    g_auto(virCpregHookAnswer) answer = { 0 };

    setpgid(0, 0);
    virCpregHookAnswerInit(&answer);
    handler(conf, op, xml->str, xml->len, &answer);
    if (write(outfd, answer.out->str, answer.out->len) != (ssize_t)answer.out->len ||
        write(errfd, answer.err->str, answer.err->len) != (ssize_t)answer.err->len)
        _exit(125);
    _exit(answer.status);
}

/* Collects the worker's stdout and stderr until both close or time is up. */
static gboolean
collect(int outfd, int errfd, virCpregHookAnswer *answer,
        virCpregDeadline deadline)
{
    struct pollfd pfd[2] = { { .fd = outfd, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
    GString *bufs[2] = { answer->out, answer->err };
    char chunk[65536];

    while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
        int left = virCpregDeadlineRemainingMs(deadline);
        int i;
        if (left == 0 || poll(pfd, 2, left) <= 0)
            return FALSE;
        for (i = 0; i < 2; i++) {
            ssize_t n;
            if (pfd[i].fd < 0 || !pfd[i].revents)
                continue;
            n = read(pfd[i].fd, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || bufs[i]->len + (gsize)n > OUTPUT_MAX) {
                pfd[i].fd = -1;
                continue;
            }
            g_string_append_len(bufs[i], chunk, n);
        }
    }
    return TRUE;
}

/*
 * Runs @handler in a child process group within the budget. FALSE (with
 * *why) when it crashed or ran out of time; then nothing it said counts.
 */
static gboolean
decide(virCpregHookHandler handler, const virCpregConf *conf, const char *op,
       const GString *xml, virCpregDeadline deadline,
       virCpregHookAnswer *answer, char **why)
{
    int outp[2], errp[2], status = 0;
    gboolean done;
    pid_t pid;

    if (pipe(outp) < 0 || pipe(errp) < 0) {
        *why = g_strdup(g_strerror(errno));
        return FALSE;
    }
    fflush(NULL);
    if ((pid = fork()) < 0) {
        *why = g_strdup(g_strerror(errno));
        return FALSE;
    }
    if (pid == 0) {
        close(outp[0]);
        close(errp[0]);
        runWorker(handler, conf, op, xml, outp[1], errp[1]);
    }
    setpgid(pid, pid);
    close(outp[1]);
    close(errp[1]);
    done = collect(outp[0], errp[0], answer, deadline);
    close(outp[0]);
    close(errp[0]);
    if (!done) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    waitpid(pid, &status, 0);
    /* a scratch QEMU dies with the worker (PR_SET_PDEATHSIG); its
     * directory is ours to remove */
    if (!done)
        virCpregQemuProbeRemoveLeftovers(pid);
    if (!done) {
        *why = g_strdup_printf(_("no answer within the time budget of %u ms"),
                               conf->time_budget_ms);
        return FALSE;
    }
    /* the worker answers 0 or 1 (cpreg-exit.c); anything else is a failure */
    if (!WIFEXITED(status) || WEXITSTATUS(status) > VIR_CPREG_EXIT_VETO) {
        *why = WIFSIGNALED(status) ?
            g_strdup_printf(_("the check died of signal %d"), WTERMSIG(status)) :
            g_strdup_printf(_("the check failed with status %d"), WEXITSTATUS(status));
        return FALSE;
    }
    answer->status = WEXITSTATUS(status);
    return TRUE;
}

typedef struct {
    GMutex lock;
    GCond cond;
    virCpregConf *conf;
} ConfLoad;

static gpointer
confLoadThread(gpointer opaque)
{
    ConfLoad *load = opaque;
    virCpregConf *conf = virCpregConfLoad();

    g_mutex_lock(&load->lock);
    load->conf = conf;
    g_cond_signal(&load->cond);
    g_mutex_unlock(&load->lock);
    return NULL;
}

/*
 * cpreg.conf, read by a thread so that a file that never answers (a FIFO,
 * a hung file system) cannot hold libvirt: past @deadline it is left
 * behind and NULL returned.
 */
static virCpregConf *
loadConfBy(virCpregDeadline deadline)
{
    static ConfLoad load;   /* outlives a thread left behind */
    GThread *thread = g_thread_new("cpreg-conf", confLoadThread, &load);
    virCpregConf *conf;

    g_mutex_lock(&load.lock);
    while (!load.conf && g_cond_wait_until(&load.cond, &load.lock, deadline.end_us))
        ;
    conf = g_steal_pointer(&load.conf);
    g_mutex_unlock(&load.lock);
    if (conf)
        g_thread_join(thread);
    else
        g_thread_unref(thread);
    return conf;
}

/* What a configuration that cannot be read means: every key's
 * compiled-in fallback (README), so on-internal-error=deny. */
static virCpregConf *
unreadableConf(void)
{
    virCpregConf *conf = virCpregConfLoadData(_("cpreg.conf"), "", 0);

    conf->on_internal_error = VIR_CPREG_ON_DENY;
    return conf;
}

static void
reply(const virCpregHookAnswer *answer)
{
    if (answer->out->len)
        fwrite(answer->out->str, 1, answer->out->len, stdout);
    if (answer->err->len)
        fwrite(answer->err->str, 1, answer->err->len, stderr);
    fflush(NULL);
}

/*
 * With host-profile= and qemu-version= the check runs nothing (no probe,
 * no `--version`), so there is no process group to kill at the deadline:
 * it runs in this process, which saves a fork and a second process (about
 * a third of the hook's own time), and a watchdog thread answers for it
 * at the deadline and exits. A crash answers through a signal handler
 * with on-internal-error's status and a preformatted message (the journal
 * does not hear of it: nothing else is safe there).
 */
enum { CHECK_RUNNING, CHECK_ANSWERED, CHECK_EXPIRED };

typedef struct {
    const virCpregConf *conf;
    const char *op;
    virCpregDeadline deadline;
    gint state;
} Watchdog;

static char *crashText;
static size_t crashLen;
static int crashStatus;

static void
onCrash(int sig)
{
    (void)sig;
    if (write(STDERR_FILENO, crashText, crashLen) < 0) {
        /* nothing else to do: the status answers */
    }
    _exit(crashStatus);
}

static void
catchCrashes(const virCpregConf *conf)
{
    static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    static char altstack[64 * 1024];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    gboolean deny = conf->on_internal_error == VIR_CPREG_ON_DENY;
    struct sigaction sa = { .sa_handler = onCrash, .sa_flags = SA_ONSTACK | SA_RESETHAND };
    size_t i;

    crashText = g_strdup_printf("%s\n", deny ?
        _("libvirt-cpreg: the check of the guest's vCPU registers crashed, refusing it (on-internal-error=deny)") :
        _("libvirt-cpreg: the check of the guest's vCPU registers crashed, letting it in unchecked (on-internal-error=allow)"));
    crashLen = strlen(crashText);
    crashStatus = virCpregExitForAction(conf->on_internal_error);
    sigaltstack(&ss, NULL);     /* a stack overflow still answers */
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < G_N_ELEMENTS(signals); i++)
        sigaction(signals[i], &sa, NULL);
}

static void *
watchdog(void *opaque)
{
    Watchdog *w = opaque;
    struct timespec ts = { .tv_sec = w->deadline.end_us / G_USEC_PER_SEC,
                           .tv_nsec = (w->deadline.end_us % G_USEC_PER_SEC) * 1000 };
    g_auto(virCpregHookAnswer) answer = { 0 };
    g_autofree char *why = NULL;

    /* g_get_monotonic_time() is CLOCK_MONOTONIC */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    if (!g_atomic_int_compare_and_exchange(&w->state, CHECK_RUNNING, CHECK_EXPIRED))
        return NULL;
    virCpregHookAnswerInit(&answer);
    why = g_strdup_printf(_("no answer within the time budget of %u ms"),
                          w->conf->time_budget_ms);
    virCpregHookInternalError(w->conf, w->op, why, &answer);
    reply(&answer);
    _exit(answer.status);
}

/* decide(), in this process; FALSE if the watchdog cannot start. */
static gboolean
decideHere(virCpregHookHandler handler, const virCpregConf *conf, const char *op,
           const GString *xml, virCpregDeadline deadline,
           virCpregHookAnswer *answer)
{
    static Watchdog w;
    pthread_attr_t attr;
    pthread_t tid;
    int err;

    w = (Watchdog){ .conf = conf, .op = op, .deadline = deadline, .state = CHECK_RUNNING };
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    err = pthread_create(&tid, &attr, watchdog, &w);
    pthread_attr_destroy(&attr);
    if (err != 0)
        return FALSE;
    catchCrashes(conf);
    handler(conf, op, xml->str, xml->len, answer);
    if (!g_atomic_int_compare_and_exchange(&w.state, CHECK_RUNNING, CHECK_ANSWERED)) {
        for (;;)
            pause();    /* the watchdog answers and exits */
    }
    return TRUE;
}

/* virt-cpreg hook --help: the hook takes no options; GOption prints the
 * help and exits 0, like every verb's */
static int
hookHelp(int argc, char **argv)
{
    GOptionEntry none[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
    g_autoptr(GError) error = NULL;

    if (!cliParseOptions(cliVerb("hook"), none, &argc, &argv, &error))
        return cliFail(error);
    return VIR_CPREG_EXIT_OK;
}

/*
 * When this process was exec'd, on g_get_monotonic_time()'s clock: the
 * kernel's start time (/proc/self/stat, in clock ticks since boot) set
 * against CLOCK_BOOTTIME, so the dynamic loader's time counts too. The
 * tick rounds the start down, so the budget can only end early, never
 * late; without /proc, now.
 */
static gint64
processStart(void)
{
    g_autofree char *stat = NULL;
    struct timespec boot;
    const char *p;
    guint64 ticks;
    gint64 now = g_get_monotonic_time();
    long hz = sysconf(_SC_CLK_TCK);
    int field;

    if (hz <= 0 || !g_file_get_contents("/proc/self/stat", &stat, NULL, NULL) ||
        !(p = strrchr(stat, ')')) || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
        return now;
    /* field 22 is starttime; the last ')' closes field 2, and each space
     * found opens the next field */
    for (field = 2; field < 22 && (p = strchr(p + 1, ' ')); field++)
        ;
    if (!p || field != 22)
        return now;
    ticks = g_ascii_strtoull(p + 1, NULL, 10);
    return now - MIN(((gint64)boot.tv_sec * G_USEC_PER_SEC + boot.tv_nsec / 1000) -
                     (gint64)(ticks * G_USEC_PER_SEC / (guint64)hz), G_USEC_PER_SEC);
}

int
cliHook(int argc, char **argv)
{
    /* the budget covers the hook from its exec, configuration included */
    gint64 start = processStart();
    g_autoptr(virCpregConf) conf = NULL;
    g_autofree char *problems = NULL;
    g_autoptr(GString) xml = g_string_new(NULL);
    g_auto(virCpregHookAnswer) answer = { 0 };
    g_autofree char *why = NULL;
    virCpregHookHandler handler;
    gboolean truncated;
    virCpregDeadline deadline;

    /* the contract is positional: NAME OP SUBOP EXTRA; never fail a
     * reconnect, whatever else is wrong */
    if (argc >= 3 && g_str_equal(argv[2], "reconnect"))
        return VIR_CPREG_EXIT_OK;
    /* libvirt always passes four arguments: one alone asks for help */
    if (argc == 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h")))
        return hookHelp(argc, argv);
    if (argc != 5)
        return cliUsage("hook", "%s", _("expected NAME OP SUBOP EXTRA, as libvirt passes them"));
    if (!(handler = handlerFor(argv[2], argv[3])))
        return VIR_CPREG_EXIT_OK;
    virCpregHookAnswerInit(&answer);
    if (!(conf = loadConfBy(virCpregDeadlineFrom(start, CONF_LOAD_MS)))) {
        conf = unreadableConf();
        why = g_strdup_printf(_("the configuration could not be read within %d ms"), CONF_LOAD_MS);
        virCpregHookInternalError(conf, argv[2], why, &answer);
        reply(&answer);
        return answer.status;
    }
    deadline = virCpregDeadlineFrom(start, conf->time_budget_ms);
    virCpregCacheSetDeadline(deadline.end_us);
    if ((problems = virCpregConfProblemsText(conf)))
        virCpregLog(LOG_WARNING, problems, NULL, 0);
    if (virCpregDeadlineExpired(deadline))
        virCpregHookInternalError(conf, argv[2], _("reading the configuration took the whole time budget"), &answer);
    else if (!readStdin(xml, VIR_CPREG_DOMAIN_MAX_BYTES, &truncated, deadline))
        virCpregHookInternalError(conf, argv[2], _("the domain XML did not arrive in time"), &answer);
    else if (truncated)
        virCpregHookInternalError(conf, argv[2], _("the domain XML is larger than 8 MiB"), &answer);
    else if (!(conf->host_profile && conf->qemu_version &&
               decideHere(handler, conf, argv[2], xml, deadline, &answer)) &&
             !decide(handler, conf, argv[2], xml, deadline, &answer, &why))
        virCpregHookInternalError(conf, argv[2], why, &answer);
    reply(&answer);
    return answer.status;
}
