/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-util.h: what the libFuzzer harnesses share
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* @data as a file for the readers that take a path: a memfd, named by
 * /proc/self/fd; the caller closes *fd. */
static inline char *
fuzzAsFile(const uint8_t *data, size_t size, int *fd)
{
    *fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (*fd < 0 || write(*fd, data, size) != (ssize_t)size)
        abort();
    return g_strdup_printf("/proc/self/fd/%d", *fd);
}

/* A harness's own invariant broken: a crash libFuzzer keeps. */
#define FUZZ_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "fuzz: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__); \
            fputc('\n', stderr); \
            abort(); \
        } \
    } while (0)

/* The hook's journal entries go nowhere (and not to syslog). */
static inline void
fuzzQuietJournal(void)
{
    g_setenv("VIRT_CPREG_JOURNAL_SOCKET", "/nonexistent/fuzz-journal", TRUE);
    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
}
