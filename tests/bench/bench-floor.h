/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-floor.h: what the benchmarks measure their subjects against.
 *
 * A benchmark's absolute time says as much about the machine (and whoever
 * else uses it) as about the code. Each benchmark therefore also times a
 * floor in the same process, the same way and interleaved with its
 * subject: the least work that could stand in for the subject (a table
 * lookup of each id, a plain merge walk over two register lists). The
 * ratio subject / floor stays put when the machine is slow or busy and
 * grows when the algorithm does; --check judges only that ratio.
 */
#pragma once

#include <time.h>
#include <glib.h>

#include "cpreg-profile.h"

#define BENCH_ROUNDS 15

/* One register of a plain (id, value) list, ascending id. */
typedef struct {
    guint64 id;
    guint64 value;
} BenchReg;

static inline GArray *
benchRegs(const virCpregProfile *p)
{
    GArray *regs = g_array_sized_new(FALSE, FALSE, sizeof(BenchReg),
                                      virCpregProfileCount(p));
    guint i;

    for (i = 0; i < virCpregProfileCount(p); i++) {
        const virCpregEntry *e = virCpregProfileEntry(p, i);
        BenchReg r = { e->id, e->value };
        g_array_append_val(regs, r);
    }
    return regs;
}

/* The floor of comparing two profiles: one merge walk over both sorted
 * lists, counting the ids only one has and the values that differ. */
static inline guint
benchWalk(const GArray *a, const GArray *b)
{
    const BenchReg *x = (const BenchReg *)(const void *)a->data;
    const BenchReg *y = (const BenchReg *)(const void *)b->data;
    guint i = 0, j = 0, n = 0;

    while (i < a->len && j < b->len) {
        if (x[i].id < y[j].id) {
            n++;
            i++;
        } else if (x[i].id > y[j].id) {
            n++;
            j++;
        } else {
            n += x[i].value != y[j].value;
            i++;
            j++;
        }
    }
    return n + (a->len - i) + (b->len - j);
}

/* The CPU time of this thread, in seconds: unlike the wall clock it does
 * not count the time other processes had the core. */
static inline double
benchCpuNow(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef void (*BenchFunc)(gpointer data);

/* CPU seconds per call of @fn: calls in doubling batches until one batch
 * takes at least @min_s. */
static inline double
benchPerCall(BenchFunc fn, gpointer data, double min_s)
{
    guint64 batch = 1, i;

    for (;;) {
        double t0 = benchCpuNow();
        double s;
        for (i = 0; i < batch; i++)
            fn(data);
        s = benchCpuNow() - t0;
        if (s >= min_s)
            return s / (double)batch;
        batch *= 2;
    }
}

/* A subject against its floor, in BENCH_ROUNDS short rounds, each timing
 * the floor then the subject: the best time of each stands for the
 * machine undisturbed by other load, and the ratio is best over best. */
typedef struct {
    double subject;      /* CPU seconds per call, best round */
    double floor;
    double ratio;        /* subject / floor */
} BenchPair;

static inline BenchPair
benchAgainstFloor(BenchFunc subject, BenchFunc floor, gpointer data, double min_s)
{
    BenchPair r = { G_MAXDOUBLE, G_MAXDOUBLE, 0 };
    guint round;

    for (round = 0; round < BENCH_ROUNDS; round++) {
        double f = benchPerCall(floor, data, min_s);
        double s = benchPerCall(subject, data, min_s);
        r.floor = MIN(r.floor, f);
        r.subject = MIN(r.subject, s);
    }
    r.ratio = r.subject / r.floor;
    return r;
}
