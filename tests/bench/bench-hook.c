/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-hook.c: the whole hook process, as libvirt runs it on every
 * incoming migration: the domain XML of a guest with 40 disks, whose
 * metadata carries the source profile as virt-cpregd stamps it, this host's profile configured
 * as `virt-cpreg probe -o host.regs` writes it. Two paths: a veto (6.12
 * source, 7.2 destination, QEMU 10.0) and an allow that rewrites the XML
 * (the same 420-register SVE profile on both sides, QEMU 11.1).
 * Its floor is the bare start of the same binary, `virt-cpreg --version`,
 * exec'd the same way (same input, output and environment) and
 * interleaved with it: 51 runs of each per round, 3 rounds. Prints the
 * best medians of wall and CPU time (the old target, for information:
 * hook median <= 5 ms) and the ratio of the CPU medians, hook over floor.
 *
 * With --check, exits 1 only when that ratio exceeds RATIO_LIMIT, a wide
 * margin over what it is today; never on an absolute time.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpreg-domain-edit.h"
#include "testutils.h"

#define RUNS 51
#define ROUNDS 3
#define TARGET_MS 5.0
#define DISKS 40     /* 8 KB of devices */
/* Several times the ratio measured on a shared 2-core VM (RATIO_SEEN):
 * the hook is its work on top of the floor's start. */
#define RATIO_SEEN "1.4"
#define RATIO_LIMIT 6.0

/* A guest with 40 disks (8 KB of devices), stamped with @source: about
 * 30 KB of XML when the metadata was JSON, 17 KB as a dump. */
static char *
guestXml(const virCpregProfile *source)
{
    g_autoptr(GString) xml = g_string_new("<domain type='kvm'>\n  <name>bench</name>\n"
                                "  <uuid>6f1a9d2c-8a4e-4c5b-9c1d-0e2f3a4b5c6d</uuid>\n"
                                "  <memory unit='KiB'>4194304</memory>\n"
                                "  <os><type arch='aarch64' machine='virt-10.0'>hvm</type></os>\n"
                                "  <cpu mode='host-passthrough'/>\n  <devices>\n"
                                "    <emulator>/usr/bin/qemu-system-aarch64</emulator>\n");
    virCpregDomainEdit edit = { .profile = source };
    guint i;

    for (i = 0; i < DISKS; i++)
        g_string_append_printf(xml,
            "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            "<source file='/var/lib/libvirt/images/disk%u.qcow2'/>"
            "<target dev='vd%c%c' bus='virtio'/></disk>\n", i, 'a' + i / 26, 'a' + i % 26);
    g_string_append(xml, "  </devices>\n</domain>\n");
    return testRewrite(xml->str, xml->len, &edit);
}

static const char *const hookArgs[] = { "hook", "bench", "migrate", "begin", "-", NULL };
static const char *const floorArgs[] = { "--version", NULL };

typedef struct {
    double wall[RUNS];   /* ms */
    double cpu[RUNS];    /* ms: user + system of the process and its children,
                          * which another load on the machine does not inflate */
} Times;

/* Runs virt-cpreg ARGS... with @input on stdin and its output discarded. */
static void
runOnce(const char *conf, const char *input, const char *const *args, int expect,
        double *wall, double *cpu)
{
    gint64 start = g_get_monotonic_time();
    pid_t pid = fork();
    struct rusage ru;
    int status;

    if (pid == 0) {
        const char *argv[8] = { VIRT_CPREG };
        int fd = open(input, O_RDONLY);
        int null = open("/dev/null", O_WRONLY);
        guint i;
        for (i = 0; args[i] && i + 2 < G_N_ELEMENTS(argv); i++)
            argv[i + 1] = args[i];
        dup2(fd, 0);
        dup2(null, 1);
        dup2(null, 2);
        setenv("VIRT_CPREG_CONF", conf, 1);
        setenv("VIRT_CPREG_JOURNAL_SOCKET", "/nonexistent", 1);
        setenv("LC_ALL", "C", 1);
        execv(VIRT_CPREG, (char **)argv);
        _exit(127);
    }
    wait4(pid, &status, 0, &ru);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == expect);
    /* the hook's worker is its child: its time is in RUSAGE_CHILDREN of
     * the hook, which wait4 folds into @ru */
    *cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    *wall = (double)(g_get_monotonic_time() - start) / 1000.0;
}

static int
compareDoubles(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

typedef struct {
    const char *name;
    const char *source;       /* lab fixtures */
    const char *dest;
    const char *qemu;         /* qemu-version= */
    int expect;               /* the hook's exit status */
} Scenario;

static const Scenario scenarios[] = {
    { "veto", "lab/linux-6.12-max-pmu.regs", "lab/linux-7.2-max-pmu.regs", "10.0.2", 1 },
    { "allow", "lab/linux-7.2-max-pmu-sve-ptrauth.regs",
      "lab/linux-7.2-max-pmu-sve-ptrauth.regs", "11.1.0", 0 },
};

/* The best (of ROUNDS) medians of the hook and of the floor. */
typedef struct {
    double wall, cpu, floorWall, floorCpu;
} Best;

static void
measure(const char *conf, const char *input, int expect, Best *b)
{
    Times hook, bare;
    guint round;

    *b = (Best) { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE };
    /* three rounds; the best median stands for the machine without the
     * noise of whatever else ran in a round */
    for (round = 0; round < ROUNDS; round++) {
        guint i;

        for (i = 0; i < RUNS; i++) {
            runOnce(conf, input, floorArgs, 0, &bare.wall[i], &bare.cpu[i]);
            runOnce(conf, input, hookArgs, expect, &hook.wall[i], &hook.cpu[i]);
        }
        qsort(hook.wall, RUNS, sizeof(double), (GCompareFunc)compareDoubles);
        qsort(hook.cpu, RUNS, sizeof(double), (GCompareFunc)compareDoubles);
        qsort(bare.wall, RUNS, sizeof(double), (GCompareFunc)compareDoubles);
        qsort(bare.cpu, RUNS, sizeof(double), (GCompareFunc)compareDoubles);
        printf("  round %u: hook median %.2f ms wall (min %.2f, max %.2f), %.2f ms CPU; "
               "--version median %.2f ms wall, %.2f ms CPU\n", round + 1,
               hook.wall[RUNS / 2], hook.wall[0], hook.wall[RUNS - 1], hook.cpu[RUNS / 2],
               bare.wall[RUNS / 2], bare.cpu[RUNS / 2]);
        b->wall = MIN(b->wall, hook.wall[RUNS / 2]);
        b->cpu = MIN(b->cpu, hook.cpu[RUNS / 2]);
        b->floorWall = MIN(b->floorWall, bare.wall[RUNS / 2]);
        b->floorCpu = MIN(b->floorCpu, bare.cpu[RUNS / 2]);
    }
}

/* Runs one scenario; returns its CPU ratio to the floor. */
static double
runScenario(const Scenario *sc)
{
    g_autofree char *srcPath = testFixture(sc->source);
    g_autofree char *dstPath = testFixture(sc->dest);
    g_autoptr(virCpregProfile) src = virCpregProfileLoad(srcPath, NULL);
    g_autoptr(virCpregProfile) dst = virCpregProfileLoad(dstPath, NULL);
    g_autofree char *host = testWriteTemp("host.regs", "", 0);
    g_autofree char *confText = g_strdup_printf("[hook]\nhost-profile=%s\nqemu-version=%s\n"
                                                "policy-dirs=\n", host, sc->qemu);
    g_autofree char *conf = testWriteTemp("bench.conf", confText, -1);
    g_autofree char *xml = guestXml(src);
    g_autofree char *input = testWriteTemp("guest.xml", xml, -1);
    Best b;

    g_assert_true(virCpregProfileSave(dst, host, NULL));
    printf("%s: %zu-byte domain XML, %u-register source profile\n", sc->name,
           strlen(xml), virCpregProfileCount(src));
    measure(conf, input, sc->expect, &b);
    printf("%s: hook process best median %.2f ms wall, %.2f ms CPU (old target median "
           "<= %.0f ms: %s); floor, virt-cpreg --version started the same way: %.2f ms "
           "wall, %.2f ms CPU\n", sc->name, b.wall, b.cpu, TARGET_MS,
           b.wall <= TARGET_MS ? "met" : "missed", b.floorWall, b.floorCpu);
    printf("%s: ratio to the floor: %.2f CPU, %.2f wall (--check limit %.0f on CPU; "
           "%s when measured)\n", sc->name, b.cpu / b.floorCpu, b.wall / b.floorWall,
           RATIO_LIMIT, RATIO_SEEN);
    return b.cpu / b.floorCpu;
}

int
main(int argc, char **argv)
{
    gboolean check = argc > 1 && g_str_equal(argv[1], "--check");
    gboolean failed = FALSE;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(scenarios); i++) {
        if (runScenario(&scenarios[i]) > RATIO_LIMIT) {
            printf("FAIL: %s: the hook costs more than %.0f times the bare start\n",
                   scenarios[i].name, RATIO_LIMIT);
            failed = TRUE;
        }
    }
    return check && failed;
}
