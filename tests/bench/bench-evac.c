/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-evac.c: a host evacuation arriving at this host (issue 10)
 *
 * 50 incoming guests at once, each hook run as libvirt runs it
 * (`virt-cpreg hook NAME migrate begin -`, the domain XML on stdin), with
 * the real qemu-system-aarch64 under TCG as the guests' emulator, allowed
 * by emulators=, no host-profile= (every hook needs this host's profile
 * from a probe), a cold cache, the default time budget and
 * on-internal-error=deny. The guests come in three vCPU configurations,
 * so single flight should start three scratch QEMUs, not 50. Then 200
 * more at once with the cache warm.
 *
 * Each answer is classed as a real verdict (allow: the rewritten XML on
 * stdout, the journal says allow; veto: our summary on stderr) or as
 * on-internal-error's (stderr and the journal say so). Prints the time of
 * the last answer of each wave and, as the floor, one cold hook alone in
 * the same run.
 *
 * With --check, exits 1 when any answer is not a real verdict. That is a
 * correctness property, not a speed one, so a slow machine must not fail
 * it: when one cold hook alone takes more than a quarter of the budget,
 * or the bare start of the binary is so slow that 200 hooks could not
 * run in half of it, the run raises time-budget-ms in proportion and
 * says so (--default-budget keeps 5000 ms whatever the machine). Neither
 * measure depends on the hook's own work. Exits 77 without QEMU.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cpreg-domain-edit.h"
#include "testutils.h"

#define QEMU "/usr/bin/qemu-system-aarch64"
#define COLD_GUESTS 50
#define WARM_GUESTS 200
#define DEFAULT_BUDGET_MS 5000
#define BARE_SAMPLES 5

/* The vCPU configurations of the evacuated guests, by source profile. */
static const char *const configs[] = { "pauth,pmu,sve", "pmu,sve", "pmu" };

typedef enum { ANSWER_ALLOW, ANSWER_VETO, ANSWER_ERROR, ANSWER_OTHER, ANSWER_LAST } AnswerKind;

typedef struct {
    char *dir;            /* scratch: guests, answers, sockets */
    char *conf;           /* cpreg.conf of the run */
    char *guests[G_N_ELEMENTS(configs)];   /* a stamped XML per config */
} Bench;

typedef struct {
    guint count[ANSWER_LAST];
    double lastMs;        /* the last answer, from the start signal */
    double cpuMs;         /* user + system of all hooks and children */
} Wave;

/* A profile of this host's QEMU with @features, from `virt-cpreg probe`
 * into a cache of its own, so that the run's cache stays cold. */
static virCpregProfile *
sourceProfile(const Bench *b, const char *features)
{
    g_autofree char *cache = g_build_filename(b->dir, "source-cache", NULL);
    g_autofree char *opt = g_strdup_printf("--features=%s", features);
    const char *argv[] = { VIRT_CPREG, "probe", "--via", "qemu", "--emulator", QEMU,
                           "--accel", "tcg", "--cpu", "max", opt, NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "VIRT_CPREG_CACHE_DIR", cache, TRUE);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                      &status, &error) || !g_spawn_check_wait_status(status, NULL))
        g_error("virt-cpreg probe %s: %s", opt, error ? error->message : err);
    return virCpregProfileParse("probe", out, strlen(out), NULL);
}

static char *
guestXml(const virCpregProfile *source)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'>\n  <name>evacuee</name>\n"
        "  <uuid>4b7e2d0c-9a51-4f3e-8c6d-1e2f3a4b5c6d</uuid>\n"
        "  <memory unit='KiB'>1048576</memory>\n"
        "  <os><type arch='aarch64' machine='virt'>hvm</type></os>\n"
        "  <cpu mode='custom'><model>max</model></cpu>\n"
        "  <devices><emulator>" QEMU "</emulator></devices>\n</domain>\n");
    virCpregDomainEdit edit = { .profile = source };

    return testRewrite(xml, strlen(xml), &edit);
}

static void
writeConf(Bench *b, guint budgetMs, const char *cache)
{
    g_autoptr(GString) text = g_string_new(NULL);

    g_string_printf(text, "[hook]\nemulators=" QEMU "\non-internal-error=deny\n"
                    "policy-dirs=\ncache-dir=%s\n", cache);
    if (budgetMs != DEFAULT_BUDGET_MS)
        g_string_append_printf(text, "time-budget-ms=%u\n", budgetMs);
    g_free(b->conf);
    b->conf = g_build_filename(b->dir, "cpreg.conf", NULL);
    if (!g_file_set_contents(b->conf, text->str, -1, NULL))
        g_error("cannot write %s", b->conf);
}

/* The child: wait for the start, then become the hook. */
static G_GNUC_NORETURN void
hookChild(const Bench *b, guint i, const char *input, int startFd)
{
    g_autofree char *out = g_strdup_printf("%s/out-%u", b->dir, i);
    g_autofree char *err = g_strdup_printf("%s/err-%u", b->dir, i);
    g_autofree char *sock = g_strdup_printf("%s/j-%u", b->dir, i);
    g_autofree char *name = g_strdup_printf("evacuee-%u", i);
    char c;

    if (dup2(open(input, O_RDONLY), 0) < 0 ||
        dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), 1) < 0 ||
        dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600), 2) < 0)
        _exit(126);
    setenv("VIRT_CPREG_CONF", b->conf, 1);
    setenv("VIRT_CPREG_JOURNAL_SOCKET", sock, 1);
    setenv("LC_ALL", "C", 1);
    unsetenv("VIRT_CPREG_CACHE_DIR");
    if (read(startFd, &c, 1) < 0)
        _exit(126);
    execl(VIRT_CPREG, VIRT_CPREG, "hook", name, "migrate", "begin", "-", (char *)NULL);
    _exit(127);
}

static AnswerKind
classify(const Bench *b, guint i, int status, const char *journal)
{
    g_autofree char *outPath = g_strdup_printf("%s/out-%u", b->dir, i);
    g_autofree char *errPath = g_strdup_printf("%s/err-%u", b->dir, i);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_file_get_contents(outPath, &out, NULL, NULL);
    g_file_get_contents(errPath, &err, NULL, NULL);
    if (!out || !err || !WIFEXITED(status))
        return ANSWER_OTHER;
    if (strstr(err, "on-internal-error=") || strstr(journal, "CPREG_VERDICT=error-"))
        return ANSWER_ERROR;
    if (WEXITSTATUS(status) == 0 && strstr(out, "<domain") &&
        (strstr(journal, "CPREG_VERDICT=allow") || strstr(journal, "CPREG_VERDICT=uncertain")))
        return ANSWER_ALLOW;
    if (WEXITSTATUS(status) == 1 && g_str_has_prefix(err, "migration vetoed: ") &&
        strstr(journal, "CPREG_VERDICT=veto"))
        return ANSWER_VETO;
    return ANSWER_OTHER;
}

/* @n hooks started at once, guest i of config i % 3. */
static void
runWave(const Bench *b, guint n, Wave *w)
{
    g_autofree pid_t *pids = g_new0(pid_t, n);
    g_autofree int *socks = g_new0(int, n);
    g_autofree int *statuses = g_new0(int, n);
    int start[2];
    gint64 t0;
    guint i, left = n;

    memset(w, 0, sizeof(*w));
    if (pipe(start) < 0)
        g_error("pipe: %s", g_strerror(errno));
    for (i = 0; i < n; i++) {
        g_autofree char *sock = g_strdup_printf("%s/j-%u", b->dir, i);
        socks[i] = testJournalSocket(sock);
        fflush(NULL);
        if ((pids[i] = fork()) == 0) {
            close(start[1]);
            hookChild(b, i, b->guests[i % G_N_ELEMENTS(configs)], start[0]);
        }
    }
    close(start[0]);
    t0 = g_get_monotonic_time();
    close(start[1]);        /* all of them at once */
    while (left) {
        struct rusage ru;
        int status;
        pid_t pid = wait4(-1, &status, 0, &ru);
        if (pid < 0)
            g_error("wait4: %s", g_strerror(errno));
        for (i = 0; i < n && pids[i] != pid; i++)
            ;
        if (i == n)
            continue;
        w->lastMs = (double)(g_get_monotonic_time() - t0) / 1000.0;
        w->cpuMs += (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
        statuses[i] = status;
        left--;
    }
    for (i = 0; i < n; i++) {
        g_autofree char *journal = testJournalDrain(socks[i]);
        w->count[classify(b, i, statuses[i], journal)]++;
        close(socks[i]);
    }
}

static int
compareDoubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* `virt-cpreg --version`, start to exit. */
static double
bareStartMs(void)
{
    const char *argv[] = { VIRT_CPREG, "--version", NULL };
    gint64 start = g_get_monotonic_time();
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                      NULL, NULL, &status, NULL))
        g_error("cannot run %s --version", VIRT_CPREG);
    return (double)(g_get_monotonic_time() - start) / 1000.0;
}

static guint
cacheEntries(const char *cache)
{
    g_autoptr(GDir) d = g_dir_open(cache, 0, NULL);
    const char *name;
    guint n = 0;

    while (d && (name = g_dir_read_name(d)))
        n += g_str_has_prefix(name, "profile-") && g_str_has_suffix(name, ".regs");
    return n;
}

static void
printWave(const char *what, guint n, const Wave *w, double floorMs)
{
    printf("%s: %u hooks: %u real verdicts (%u allow, %u veto), %u from on-internal-error, "
           "%u other; last answer after %.0f ms (%.1fx one cold hook alone), %.0f ms CPU\n",
           what, n, w->count[ANSWER_ALLOW] + w->count[ANSWER_VETO], w->count[ANSWER_ALLOW],
           w->count[ANSWER_VETO], w->count[ANSWER_ERROR], w->count[ANSWER_OTHER], w->lastMs,
           w->lastMs / floorMs, w->cpuMs);
}

int
main(int argc, char **argv)
{
    gboolean check = FALSE, keepBudget = FALSE;
    Bench b = { .dir = g_dir_make_tmp("cpreg-evac-XXXXXX", NULL) };
    g_autofree char *single = g_build_filename(b.dir, "cache-single", NULL);
    g_autofree char *cache = g_build_filename(b.dir, "cache", NULL);
    long ncpu = MAX(sysconf(_SC_NPROCESSORS_ONLN), 1);
    guint budget = DEFAULT_BUDGET_MS;
    double bare[BARE_SAMPLES];
    double need;
    Wave one, warmOne, cold, warm;
    gboolean ok;
    guint i;

    for (i = 1; i < (guint)argc; i++) {
        check = check || g_str_equal(argv[i], "--check");
        keepBudget = keepBudget || g_str_equal(argv[i], "--default-budget");
    }
    if (!g_file_test(QEMU, G_FILE_TEST_IS_EXECUTABLE)) {
        printf("SKIP: no %s\n", QEMU);
        return 77;
    }
    for (i = 0; i < G_N_ELEMENTS(configs); i++) {
        g_autoptr(virCpregProfile) src = sourceProfile(&b, configs[i]);
        g_autofree char *xml = guestXml(src);
        g_autofree char *name = g_strdup_printf("guest-%u.xml", i);
        b.guests[i] = g_build_filename(b.dir, name, NULL);
        if (!g_file_set_contents(b.guests[i], xml, -1, NULL))
            g_error("cannot write %s", b.guests[i]);
    }

    /* the floor: one cold hook alone (and one warm), then the machine:
     * the bare start of the same binary */
    writeConf(&b, budget, single);
    runWave(&b, 1, &one);
    runWave(&b, 1, &warmOne);
    for (i = 0; i < BARE_SAMPLES; i++)
        bare[i] = bareStartMs();
    qsort(bare, BARE_SAMPLES, sizeof(double), compareDoubles);
    /* Never fail for a slow or busy machine, judged by what does not
     * depend on the hook's own work: a cold probe within a quarter of the
     * budget, and 200 processes of three bare starts each, over the CPUs,
     * within half of it. */
    need = MAX(one.lastMs * 4, bare[BARE_SAMPLES / 2] * 3 * WARM_GUESTS / ncpu * 2);
    if (need > budget && !keepBudget) {
        budget = (guint)MIN(need + 1, 600000);
        printf("slow machine: one cold hook takes %.0f ms, a bare start of virt-cpreg %.1f ms, "
               "on %ld CPUs: time-budget-ms raised from %u to %u for this run\n",
               one.lastMs, bare[BARE_SAMPLES / 2], ncpu, DEFAULT_BUDGET_MS, budget);
    }
    printf("floor: one cold hook alone answers after %.0f ms (warm: %.1f ms; bare start "
           "%.1f ms); budget %u ms, on-internal-error=deny, emulator %s under TCG\n",
           one.lastMs, warmOne.lastMs, bare[BARE_SAMPLES / 2], budget, QEMU);

    writeConf(&b, budget, cache);
    runWave(&b, COLD_GUESTS, &cold);
    printWave("cold cache", COLD_GUESTS, &cold, one.lastMs);
    printf("cold cache: %u probed profiles cached for %zu vCPU configurations\n",
           cacheEntries(cache), G_N_ELEMENTS(configs));
    runWave(&b, WARM_GUESTS, &warm);
    printWave("warm cache", WARM_GUESTS, &warm, one.lastMs);

    ok = cold.count[ANSWER_ALLOW] + cold.count[ANSWER_VETO] == COLD_GUESTS &&
         warm.count[ANSWER_ALLOW] + warm.count[ANSWER_VETO] == WARM_GUESTS;
    printf("%s\n", ok ? "every guest got a real verdict" :
                        "FAILED: some guests got no real verdict");
    if (!g_getenv("BENCH_KEEP"))
        testRemoveTree(b.dir);
    else
        printf("kept %s\n", b.dir);
    for (i = 0; i < G_N_ELEMENTS(configs); i++)
        g_free(b.guests[i]);
    g_free(b.conf);
    g_free(b.dir);
    return check && !ok;
}
