/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-stream.c: the QEMU stream / libvirt save image reader on arbitrary
 * bytes (libFuzzer)
 *
 * Each input is read twice: from memory, and from a file through the
 * buffered reader (built with a 512-byte buffer here, so that records
 * straddle refills). Both must reach the same verdict and message.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpreg-error.h"
#include "cpreg-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
asFile(const uint8_t *data, size_t size, int *fd)
{
    *fd = memfd_create("fuzz-stream", MFD_CLOEXEC);
    if (*fd < 0 || write(*fd, data, size) != (ssize_t)size)
        abort();
    return g_strdup_printf("/proc/self/fd/%d", *fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autofree char *path = NULL;
    g_autoptr(virCpregStreamInfo) a = NULL;
    g_autoptr(virCpregStreamInfo) b = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    gboolean differ;
    guint i, ids, values;
    int fd;

    path = asFile(data, size, &fd);
    a = virCpregStreamParse(path, data, size, &e1);
    /* compressed images are read through their tool, from files only: do
     * not run decompressors here */
    if (e1 && e1->code == VIR_CPREG_ERROR_UNSUPPORTED) {
        close(fd);
        return 0;
    }
    b = virCpregStreamRead(path, 1000, &e2);
    close(fd);
    if (!a != !b || (e1 && strcmp(e1->message, e2->message) != 0)) {
        fprintf(stderr, "memory: %s\nfile: %s\n", e1 ? e1->message : "ok",
                e2 ? e2->message : "ok");
        abort();
    }
    if (!a)
        return 0;
    profile = virCpregStreamToProfile(a, &differ, NULL);
    for (i = 1; i < a->cpus->len; i++)
        virCpregStreamCpuCompare(a, i, &ids, &values);
    return 0;
}
