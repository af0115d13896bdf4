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
 * to a file: URI. Both readers run on the file in the page cache, best of
 * three; the ratio is the reader's throughput over cat's (target >= 0.8).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cpreg-qmp.h"
#include "cpreg-stream.h"

#define RAM_MIB 1200
#define TARGET 0.8

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

static gboolean
makeStream(const char *dir, const char *out)
{
    g_autofree char *fill = g_build_filename(dir, "ram", NULL);
    g_autofree char *sock = g_build_filename(dir, "qmp", NULL);
    g_autofree char *mem = g_strdup_printf("memory-backend-file,id=ram,size=%dM,"
                                           "mem-path=%s,share=off", RAM_MIB, fill);
    g_autofree char *qmpopt = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    g_autofree char *size = g_strdup_printf("%dM", RAM_MIB);
    g_autofree char *uri = g_strconcat("file:", out, NULL);
    const char *argv[] = { "qemu-system-aarch64", "-S", "-nodefaults", "-display", "none",
                           "-machine", "virt,memory-backend=ram", "-accel", "tcg",
                           "-cpu", "max", "-m", size, "-object", mem, "-qmp", qmpopt, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregQmp) qmp = NULL;
    json_object *args = json_object_new_object(), *r;
    gboolean ok = FALSE;
    GPid pid;
    int status;

    if (!fillFile(fill, (gsize)RAM_MIB << 20) ||
        !g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                       NULL, NULL, &pid, &error))
        return FALSE;
    json_object_object_add(args, "uri", json_object_new_string(uri));
    if ((qmp = virCpregQmpConnect(sock, 20000, NULL, NULL, &error)) &&
        (r = virCpregQmpCommand(qmp, "migrate", args, 10000, &error))) {
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
    } else {
        json_object_put(args);
    }
    if (error)
        fprintf(stderr, "bench-stream: %s\n", error->message);
    g_clear_pointer(&qmp, virCpregQmpFree);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    g_unlink(fill);
    g_unlink(sock);
    return ok;
}

static double
timeCat(const char *path)
{
    g_autofree char *cmd = g_strdup_printf("cat '%s' > /dev/null", path);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    gint64 t0 = g_get_monotonic_time();

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                 NULL, NULL, NULL);
    return (g_get_monotonic_time() - t0) / 1e6;
}

static double
timeReader(const char *path, guint *regs)
{
    g_autoptr(GError) error = NULL;
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(virCpregStreamInfo) info = virCpregStreamRead(path, 0, &error);
    double t = (g_get_monotonic_time() - t0) / 1e6;
    const virCpregStreamCpu *cpu;

    if (!info) {
        fprintf(stderr, "bench-stream: %s\n", error->message);
        exit(1);
    }
    cpu = g_ptr_array_index(info->cpus, 0);
    *regs = cpu->ids->len;
    return t;
}

int
main(int argc, char **argv)
{
    gboolean check = FALSE, keep = FALSE;
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    double cat = 1e9, reader = 1e9, ratio;
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
    timeCat(path);             /* into the page cache */
    for (i = 0; i < 3; i++) {
        cat = MIN(cat, timeCat(path));
        reader = MIN(reader, timeReader(path, &regs));
    }
    ratio = cat / reader;
    printf("stream: %s, %.2f GiB, vCPU 0: %u registers\n", path,
           st.st_size / (double)(1 << 30), regs);
    printf("cat >/dev/null:  %.3f s  %.2f GiB/s\n", cat, st.st_size / cat / (1 << 30));
    printf("stream reader:   %.3f s  %.2f GiB/s\n", reader, st.st_size / reader / (1 << 30));
    printf("ratio: %.2f (target >= %.2f)\n", ratio, TARGET);
    if (dir && !keep) {
        g_unlink(path);
        g_rmdir(dir);
    }
    if (st.st_size < (1 << 30))
        printf("note: the stream is smaller than 1 GiB\n");
    return check && ratio < TARGET ? 1 : 0;
}
