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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-hook.h"
#include "cpreg-log.h"

#define OUTPUT_MAX (32 * 1024 * 1024)

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

static gint64
msLeft(gint64 deadline)
{
    return (deadline - g_get_monotonic_time()) / 1000;
}

/*
 * Reads stdin until EOF, keeping at most @max bytes (the rest is read and
 * dropped so that libvirt's writer finishes). FALSE past the deadline.
 */
static gboolean
readStdin(GString *buf, gsize max, gboolean *truncated, gint64 deadline)
{
    char chunk[65536];

    *truncated = FALSE;
    for (;;) {
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        gint64 left = msLeft(deadline);
        ssize_t n;
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
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
collect(int outfd, int errfd, virCpregHookAnswer *answer, gint64 deadline)
{
    struct pollfd pfd[2] = { { .fd = outfd, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
    GString *bufs[2] = { answer->out, answer->err };
    char chunk[65536];

    while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
        gint64 left = msLeft(deadline);
        int i;
        if (left <= 0 || poll(pfd, 2, (int)left) <= 0)
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
       const GString *xml, gint64 deadline, virCpregHookAnswer *answer,
       char **why)
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
    if (!done) {
        *why = g_strdup_printf(_("no answer within the time budget of %u ms"),
                               conf->time_budget_ms);
        return FALSE;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        *why = WIFSIGNALED(status) ?
            g_strdup_printf(_("the check died of signal %d"), WTERMSIG(status)) :
            g_strdup_printf(_("the check failed with status %d"), WEXITSTATUS(status));
        return FALSE;
    }
    answer->status = WEXITSTATUS(status);
    return TRUE;
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

int
cliHook(int argc, char **argv)
{
    g_autoptr(virCpregConf) conf = NULL;
    g_autofree char *problems = NULL;
    g_autoptr(GString) xml = g_string_new(NULL);
    g_auto(virCpregHookAnswer) answer = { 0 };
    g_autofree char *why = NULL;
    virCpregHookHandler handler;
    gboolean truncated;
    gint64 deadline;

    /* the contract is positional: NAME OP SUBOP EXTRA; never fail a
     * reconnect, whatever else is wrong */
    if (argc >= 3 && g_str_equal(argv[2], "reconnect"))
        return VIR_CPREG_EXIT_OK;
    if (argc != 5)
        return cliUsage("hook", "%s", _("expected NAME OP SUBOP EXTRA, as libvirt passes them"));
    if (!(handler = handlerFor(argv[2], argv[3])))
        return VIR_CPREG_EXIT_OK;
    virCpregHookAnswerInit(&answer);
    conf = virCpregConfLoad();
    deadline = g_get_monotonic_time() + (gint64)conf->time_budget_ms * 1000;
    if ((problems = virCpregConfProblemsText(conf)))
        virCpregLog(LOG_WARNING, problems, NULL, 0);
    if (!readStdin(xml, VIR_CPREG_DOMAIN_MAX_BYTES, &truncated, deadline))
        virCpregHookInternalError(conf, argv[2], _("the domain XML did not arrive in time"), &answer);
    else if (truncated)
        virCpregHookInternalError(conf, argv[2], _("the domain XML is larger than 8 MiB"), &answer);
    else if (!decide(handler, conf, argv[2], xml, deadline, &answer, &why))
        virCpregHookInternalError(conf, argv[2], why, &answer);
    reply(&answer);
    return answer.status;
}
