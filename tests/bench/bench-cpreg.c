/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-cpreg.c: per-operation costs of the foundation, each against a
 * floor timed in the same run (bench-floor.h)
 *
 *   decode:  every fixture id decoded and named; floor: a binary search of
 *            each id in the sorted ids (the least a name table costs)
 *            (old target, for information: >= 5 M ids/s)
 *   diff:    one diff of two ~350-register profiles; floor: a merge walk
 *            over their (id, value) lists (old target: <= 20 us)
 *
 * With --check, exits 1 when a ratio to its floor exceeds its limit (a
 * wide margin over what it measures today); never on an absolute time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpreg-diff.h"
#include "cpreg-id.h"
#include "cpreg-profile.h"
#include "testutils.h"
#include "bench-floor.h"

#define DECODE_TARGET_PER_S 5e6
#define DIFF_TARGET_US 20.0
/* --check limits: about three times the ratios measured on a shared 2-core
 * VM at a load average of 13 to 70 (decode 3.1-3.3, diff 2.3-2.6) */
#define DECODE_RATIO_LIMIT 10.0
#define DIFF_RATIO_LIMIT 8.0
#define MIN_S 0.02

static volatile guint64 sink;

static GArray *
allFixtureIds(void)
{
    g_autoptr(GPtrArray) files = testFixtureFiles();
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    guint i, j;

    for (i = 0; i < files->len; i++) {
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(files->pdata[i], NULL);
        g_assert_nonnull(p);
        for (j = 0; j < virCpregProfileCount(p); j++)
            g_array_append_val(ids, virCpregProfileEntry(p, j)->id);
    }
    return ids;
}

static int
compareIds(const void *a, const void *b)
{
    guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

    return x < y ? -1 : x > y;
}

typedef struct {
    GArray *ids;         /* every fixture's ids, in fixture order */
    GArray *sorted;      /* the same, sorted */
} DecodeData;

static void
decodeAll(gpointer opaque)
{
    const DecodeData *d = opaque;
    char buf[VIR_CPREG_NAME_MAX];
    guint i;

    for (i = 0; i < d->ids->len; i++) {
        const char *name = virCpregIdFormat(g_array_index(d->ids, guint64, i), buf);
        sink += (guint64)(unsigned char)name[0];
    }
}

static void
lookUpAll(gpointer opaque)
{
    const DecodeData *d = opaque;
    guint i;

    for (i = 0; i < d->ids->len; i++) {
        const guint64 *hit = bsearch(&g_array_index(d->ids, guint64, i), d->sorted->data,
                                     d->sorted->len, sizeof(guint64), compareIds);
        sink += hit != NULL;
    }
}

static BenchPair
benchDecode(guint *n)
{
    g_autoptr(GArray) ids = allFixtureIds();
    g_autoptr(GArray) sorted = g_array_copy(ids);
    DecodeData d = { ids, sorted };
    BenchPair r;

    g_array_sort(sorted, compareIds);
    r = benchAgainstFloor(decodeAll, lookUpAll, &d, MIN_S);
    *n = ids->len;
    r.subject /= ids->len;     /* per id */
    r.floor /= ids->len;
    return r;
}

static virCpregProfile *
load(const char *relative)
{
    g_autofree char *path = testFixture(relative);

    return virCpregProfileLoad(path, NULL);
}

typedef struct {
    virCpregProfile *a, *b;
    GArray *ra, *rb;
} DiffData;

static void
diffOnce(gpointer opaque)
{
    const DiffData *d = opaque;
    GArray *items = virCpregDiff(d->a, d->b);

    sink += items->len;
    g_array_unref(items);
}

static void
walkOnce(gpointer opaque)
{
    const DiffData *d = opaque;

    sink += benchWalk(d->ra, d->rb);
}

static BenchPair
benchDiff(guint *na, guint *nb)
{
    g_autoptr(virCpregProfile) a = load("lab/linux-6.12-max-pmu-sve.regs");
    g_autoptr(virCpregProfile) b = load("lab/linux-7.2-max-pmu-sve.regs");
    g_autoptr(GArray) ra = NULL;
    g_autoptr(GArray) rb = NULL;
    DiffData d;

    g_assert_nonnull(a);
    g_assert_nonnull(b);
    ra = benchRegs(a);
    rb = benchRegs(b);
    d = (DiffData){ a, b, ra, rb };
    *na = virCpregProfileCount(a);
    *nb = virCpregProfileCount(b);
    return benchAgainstFloor(diffOnce, walkOnce, &d, MIN_S);
}

int
main(int argc, char **argv)
{
    gboolean check = argc > 1 && g_str_equal(argv[1], "--check");
    guint n, na, nb;
    BenchPair dec = benchDecode(&n);
    BenchPair diff = benchDiff(&na, &nb);
    gboolean ok = dec.ratio <= DECODE_RATIO_LIMIT && diff.ratio <= DIFF_RATIO_LIMIT;

    printf("decode+name, %u ids: %.1f ns/id CPU, %.1f M ids/s (old target >= %.0f M/s: %s)\n",
           n, dec.subject * 1e9, 1e-6 / dec.subject, DECODE_TARGET_PER_S / 1e6,
           1 / dec.subject >= DECODE_TARGET_PER_S ? "met" : "missed");
    printf("  floor, bsearch of each id in the sorted ids: %.1f ns/id\n", dec.floor * 1e9);
    printf("  ratio to the floor: %.2f (--check limit %.0f)\n", dec.ratio, DECODE_RATIO_LIMIT);
    printf("diff %u x %u registers: %.2f us CPU (old target <= %.0f us: %s)\n",
           na, nb, diff.subject * 1e6, DIFF_TARGET_US,
           diff.subject * 1e6 <= DIFF_TARGET_US ? "met" : "missed");
    printf("  floor, a merge walk over both (id, value) lists: %.2f us\n", diff.floor * 1e6);
    printf("  ratio to the floor: %.2f (--check limit %.0f)\n", diff.ratio, DIFF_RATIO_LIMIT);
    if (check && !ok)
        printf("FAIL: a ratio to its floor is over its limit\n");
    return check && !ok;
}
