/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-stream.c: stream reader throughput against `cat FILE >/dev/null`
 *
 *   bench-stream [--check] [--keep] [STREAM]
 *
 * Without STREAM, makes a real one of more than 1 GiB: QEMU under TCG with
 * 1200 MiB of guest RAM backed by a file of non-zero bytes
 * (-object memory-backend-file,share=off: the guest starts with that
 * content, so every page goes into the stream as a normal page), migrated
 * to a file as the probe does it: a file: URI on QEMU 8.2 and later, else
 * (7.2) the file handed over with getfd and the fd: transport. Both readers run on the file in the page cache, best of
 * three, interleaved; the ratio is the reader's throughput per CPU second
 * (user + system) over cat's, measured in the same run (target >= 0.8).
 * Wall times are printed too.
 *
 * With --check, exits 1 only when that ratio is below CHECK_FLOOR, half the
 * target: a wide margin, never an absolute time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cpreg-qemu.h"
#include "cpreg-qmp.h"
#include "cpreg-stream.h"

#define RAM_MIB 1200
#define TARGET 0.8
#define CHECK_FLOOR 0.4

static gboolean
fillFile(const char *path, gsize bytes)
{
    g_autofree char *chunk = g_malloc(1 << 20);
    FILE *f = fopen(path, "wb");
    gsize i;

    if (!f)
        return FALSE;
    for (i = 0; i < (1 << 20); i++)
        chunk[i] = (char)(0x41 + (i * 7) % 26);      /* no zero pages */
    for (i = 0; i < bytes >> 20; i++)
        fwrite(chunk, 1, 1 << 20, f);
    return fclose(f) == 0;
}

/* The migration URI for a stream into @out: file: where QEMU has it (8.2
 * and later), else the file opened here and passed to QEMU as "stream". */
static char *
streamUri(virCpregQmp *qmp, const char *out, GError **error)
{
    json_object *args, *r;
    unsigned int major = 0, minor = 0;
    gboolean ok;
    int fd;

    if (virCpregQemuParseVersion(virCpregQmpVersion(qmp), &major, &minor) &&
        (major > 8 || (major == 8 && minor >= 2)))
        return g_strconcat("file:", out, NULL);
    fd = g_open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    "%s: %s", out, g_strerror(err));
        return NULL;
    }
    args = json_object_new_object();
    json_object_object_add(args, "fdname", json_object_new_string("stream"));
    r = virCpregQmpCommandWithFd(qmp, "getfd", args, fd, 10000, error);
    close(fd);
    ok = r != NULL;
    json_object_put(r);
    return ok ? g_strdup("fd:stream") : NULL;
}

static gboolean
makeStream(const char *dir, const char *out)
{
    g_autofree char *fill = g_build_filename(dir, "ram", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp", NULL);
    g_autofree char *mem = g_strdup_printf("memory-backend-file,id=ram,size=%dM,"
                                           "mem-path=%s,share=off", RAM_MIB, fill);
    g_autofree char *qmpopt = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    g_autofree char *size = g_strdup_printf("%dM", RAM_MIB);
    const char *argv[] = { "qemu-system-aarch64", "-S", "-nodefaults", "-display", "none",
                           "-machine", "virt,memory-backend=ram", "-accel", "tcg",
                           "-cpu", "max", "-m", size, "-object", mem, "-qmp", qmpopt, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregQmp) qmp = NULL;
    g_autofree char *uri = NULL;
    json_object *args, *r;
    gboolean ok = FALSE;
    GPid pid;
    int status;

    if (!fillFile(fill, (gsize)RAM_MIB << 20) ||
        !g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                       NULL, NULL, &pid, &error))
        return FALSE;
    if (!(qmp = virCpregQmpConnect(sock, 20000, NULL, NULL, &error)) ||
        !(uri = streamUri(qmp, out, &error)))
        goto done;
    args = json_object_new_object();
    json_object_object_add(args, "uri", json_object_new_string(uri));
    if (!(r = virCpregQmpCommand(qmp, "migrate", args, 10000, &error)))
        goto done;
    json_object_put(r);
    while ((r = virCpregQmpCommand(qmp, "query-migrate", NULL, 10000, &error))) {
        json_object *st;
        const char *s = json_object_object_get_ex(r, "status", &st) ?
                        json_object_get_string(st) : "";
        gboolean done = g_str_equal(s, "completed") || g_str_equal(s, "failed");
        ok = g_str_equal(s, "completed");
        json_object_put(r);
        if (done)
            break;
        g_usleep(50000);
    }
 done:
    if (error)
        fprintf(stderr, "bench-stream: %s\n", error->message);
    g_clear_pointer(&qmp, virCpregQmpFree);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    g_unlink(fill);
    g_unlink(sock);
    return ok;
}

/* Wall and CPU (user + system) seconds of one read of the stream. */
typedef struct {
    double wall, cpu;
} Times;

static double
cpuSeconds(int who)
{
    struct rusage ru;

    getrusage(who, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
keepBest(Times *best, double wall, double cpu)
{
    best->wall = MIN(best->wall, wall);
    best->cpu = MIN(best->cpu, cpu);
}

/* cat's CPU time is in RUSAGE_CHILDREN once the shell has reaped it and
 * we have reaped the shell */
static void
timeCat(const char *path, Times *best)
{
    g_autofree char *cmd = g_strdup_printf("cat '%s' > /dev/null", path);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    double cpu0 = cpuSeconds(RUSAGE_CHILDREN);
    gint64 t0 = g_get_monotonic_time();

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                 NULL, NULL, NULL);
    keepBest(best, (g_get_monotonic_time() - t0) / 1e6, cpuSeconds(RUSAGE_CHILDREN) - cpu0);
}

static void
timeReader(const char *path, guint *regs, Times *best)
{
    g_autoptr(GError) error = NULL;
    double cpu0 = cpuSeconds(RUSAGE_SELF);
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(virCpregStreamInfo) info = virCpregStreamRead(path, 0, &error);
    const virCpregStreamCpu *cpu;

    keepBest(best, (g_get_monotonic_time() - t0) / 1e6, cpuSeconds(RUSAGE_SELF) - cpu0);
    if (!info) {
        fprintf(stderr, "bench-stream: %s\n", error->message);
        exit(1);
    }
    cpu = g_ptr_array_index(info->cpus, 0);
    *regs = cpu->ids->len;
}

int
main(int argc, char **argv)
{
    gboolean check = FALSE, keep = FALSE;
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    Times cat = { 1e9, 1e9 }, reader = { 1e9, 1e9 }, warm = { 1e9, 1e9 };
    double gib, ratio;
    GStatBuf st;
    guint regs = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "--check"))
            check = TRUE;
        else if (g_str_equal(argv[i], "--keep"))
            keep = TRUE;
        else
            path = g_strdup(argv[i]);
    }
    if (!path) {
        g_autofree char *qemu = g_find_program_in_path("qemu-system-aarch64");
        if (!qemu) {
            printf("SKIP: qemu-system-aarch64 is not installed\n");
            return 77;
        }
        dir = g_dir_make_tmp("cpreg-bench-XXXXXX", NULL);
        path = g_build_filename(dir, "stream", NULL);
        if (!makeStream(dir, path)) {
            fprintf(stderr, "bench-stream: could not make a stream with QEMU\n");
            return 1;
        }
    }
    if (g_stat(path, &st) < 0)
        return 1;
    timeCat(path, &warm);      /* into the page cache */
    for (i = 0; i < 3; i++) {
        timeCat(path, &cat);
        timeReader(path, &regs, &reader);
    }
    gib = st.st_size / (double)(1 << 30);
    /* CPU time: another load on the machine does not inflate it */
    ratio = cat.cpu / reader.cpu;
    printf("stream: %s, %.2f GiB, vCPU 0: %u registers\n", path, gib, regs);
    printf("cat >/dev/null:  %.3f s wall, %.3f s CPU, %.2f GiB/s of CPU\n", cat.wall, cat.cpu,
           gib / cat.cpu);
    printf("stream reader:   %.3f s wall, %.3f s CPU, %.2f GiB/s of CPU\n", reader.wall,
           reader.cpu, gib / reader.cpu);
    printf("ratio to cat (throughput per CPU second): %.2f, wall %.2f (target >= %.2f: %s; "
           "--check fails below %.2f)\n", ratio, cat.wall / reader.wall, TARGET,
           ratio >= TARGET ? "met" : "missed", CHECK_FLOOR);
    if (dir && !keep) {
        g_unlink(path);
        g_rmdir(dir);
    }
    if (st.st_size < (1 << 30))
        printf("note: the stream is smaller than 1 GiB\n");
    return check && ratio < CHECK_FLOOR ? 1 : 0;
}
