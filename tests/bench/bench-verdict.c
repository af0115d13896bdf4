/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-verdict.c: the verdict engine's costs, each against a floor timed
 * in the same run (bench-floor.h): a plain merge walk over the same two
 * (id, value) lists, the least that comparing two profiles costs
 *
 *   check:   one full check (QEMU views, findings, summary) of two loaded
 *            lab profiles (old target, for information: <= 50 us)
 *   matrix:  1000 synthetic profiles, every ordered pair (1 M verdicts)
 *            on one core (old target: <= 3 s); its floor is the walk over
 *            the pairs of the first rows, per pair
 *
 * With --check, exits 1 when a ratio to its floor exceeds its limit (a
 * wide margin over what it measures today); never on an absolute time.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpreg-verdict.h"
#include "testutils.h"
#include "bench-floor.h"

#define CHECK_TARGET_US 50.0
#define MATRIX_TARGET_S 3.0
#define FLEET 1000
#define FLOOR_ROWS 50           /* the matrix floor: 50 x 1000 pairs */
/* --check limits: about three times the ratios measured on a shared 2-core
 * VM at a load average of 13 to 70 (check 42-46, matrix 3.4-4.2) */
#define CHECK_RATIO_LIMIT 120.0
#define MATRIX_RATIO_LIMIT 12.0

static volatile guint64 sink;

static virCpregProfile *
loadQemuView(const char *kernel)
{
    g_autofree char *rel = g_strdup_printf("lab/linux-%s-max-pmu.regs", kernel);
    g_autofree char *path = testFixture(rel);
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);

    g_assert_nonnull(p);
    return virCpregProfileQemuView(p);
}

typedef struct {
    virCpregProfile *a, *b;
    GArray *ra, *rb;
    virCpregCheckOptions opts;
} CheckData;

static void
checkOnce(gpointer opaque)
{
    const CheckData *d = opaque;
    g_autoptr(virCpregVerdict) v = virCpregCheck(d->a, d->b, &d->opts, NULL);
    g_autofree char *summary = virCpregVerdictSummary(v);

    sink += strlen(summary);
}

static void
walkOnce(gpointer opaque)
{
    const CheckData *d = opaque;

    sink += benchWalk(d->ra, d->rb);
}

static BenchPair
benchCheck(void)
{
    g_autoptr(virCpregProfile) a = loadQemuView("6.12");
    g_autoptr(virCpregProfile) b = loadQemuView("7.2");
    g_autoptr(GArray) ra = benchRegs(a);
    g_autoptr(GArray) rb = benchRegs(b);
    CheckData d = { a, b, ra, rb, { .dest_qemu = "10.0" } };

    return benchAgainstFloor(checkOnce, walkOnce, &d, 0.02);
}

/*
 * A fleet of hosts like the lab's: each starts from one of the three
 * kernels and differs in a few deterministic ways (a register missing, an
 * ID field lowered, another PSCI default, a counter).
 */
static GPtrArray *
syntheticFleet(void)
{
    static const char *const kernels[] = { "6.1", "6.12", "7.2" };
    GPtrArray *fleet = g_ptr_array_new_with_free_func((GDestroyNotify)virCpregProfileFree);
    virCpregProfile *base[3];
    guint k, i;

    for (k = 0; k < 3; k++)
        base[k] = loadQemuView(kernels[k]);
    for (k = 0; k < FLEET; k++) {
        virCpregProfile *p = virCpregProfileQemuView(base[k % 3]);
        guint32 seed = g_int_hash(&k);
        for (i = 0; i < virCpregProfileCount(p); i++) {
            virCpregEntry *e = &g_array_index(p->entries, virCpregEntry, i);
            guint32 h = seed ^ (guint32)(e->id * 2654435761u);
            if (h % 97 == 0 && !(e->flags & VIR_CPREG_ENTRY_WRITABLE))
                e->value ^= 1;          /* a state register's reset value */
            if ((e->flags & VIR_CPREG_ENTRY_WRITABLE) && h % 13 == 0)
                e->value &= ~(e->writable & 0xf0ULL);   /* a feature lowered */
        }
        if (seed % 5 == 0)
            g_array_remove_index(p->entries, seed % virCpregProfileCount(p));
        g_ptr_array_add(fleet, p);
    }
    for (k = 0; k < 3; k++)
        virCpregProfileFree(base[k]);
    return fleet;
}

/* The matrix and its floor, in CPU seconds. */
typedef struct {
    double matrix_s;     /* all FLEET x FLEET pairs */
    double pair;         /* seconds per pair */
    double floor;        /* seconds per pair of the merge walk */
    guint vetoes;
} MatrixTimes;

static double
walkRows(GPtrArray *regs)
{
    double start = benchCpuNow();
    guint i, j;

    for (i = 0; i < FLOOR_ROWS; i++) {
        for (j = 0; j < regs->len; j++)
            sink += benchWalk(regs->pdata[i], regs->pdata[j]);
    }
    return (benchCpuNow() - start) / (FLOOR_ROWS * regs->len);
}

static MatrixTimes
benchMatrix(void)
{
    g_autoptr(GPtrArray) fleet = syntheticFleet();
    g_autoptr(GPtrArray) regs = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    g_autoptr(virCpregChecker) checker = virCpregCheckerNew("11.1", NULL);
    MatrixTimes t = { 0, 0, G_MAXDOUBLE, 0 };
    double start;
    guint i, j;

    for (i = 0; i < fleet->len; i++)
        g_ptr_array_add(regs, benchRegs(fleet->pdata[i]));
    /* the floor before and after, its best standing for the machine */
    t.floor = walkRows(regs);
    start = benchCpuNow();
    for (i = 0; i < fleet->len; i++) {
        for (j = 0; j < fleet->len; j++) {
            const virCpregFinding *first;
            t.vetoes += virCpregCheckerRun(checker, fleet->pdata[i], fleet->pdata[j],
                                           &first) == VIR_CPREG_VERDICT_VETO;
        }
    }
    t.matrix_s = benchCpuNow() - start;
    t.pair = t.matrix_s / (FLEET * FLEET);
    t.floor = MIN(t.floor, walkRows(regs));
    return t;
}

int
main(int argc, char **argv)
{
    gboolean check = argc > 1 && g_str_equal(argv[1], "--check");
    BenchPair one;
    MatrixTimes m;
    double matrixRatio;
    gboolean ok;

    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
    one = benchCheck();
    m = benchMatrix();
    matrixRatio = m.pair / m.floor;
    ok = one.ratio <= CHECK_RATIO_LIMIT && matrixRatio <= MATRIX_RATIO_LIMIT;
    printf("check 6.12 -> 7.2 (full verdict and summary): %.2f us CPU (old target <= %.0f us: %s)\n",
           one.subject * 1e6, CHECK_TARGET_US,
           one.subject * 1e6 <= CHECK_TARGET_US ? "met" : "missed");
    printf("  floor, a merge walk over both (id, value) lists: %.2f us\n", one.floor * 1e6);
    printf("  ratio to the floor: %.2f (--check limit %.0f)\n", one.ratio, CHECK_RATIO_LIMIT);
    printf("matrix %u x %u synthetic profiles: %.2f s CPU, %.0f ns per pair, %u vetoes "
           "(old target <= %.0f s: %s)\n", FLEET, FLEET, m.matrix_s, m.pair * 1e9,
           m.vetoes, MATRIX_TARGET_S, m.matrix_s <= MATRIX_TARGET_S ? "met" : "missed");
    printf("  floor, the merge walk over %u x %u of the pairs: %.0f ns per pair\n",
           FLOOR_ROWS, FLEET, m.floor * 1e9);
    printf("  ratio to the floor: %.2f (--check limit %.0f)\n", matrixRatio,
           MATRIX_RATIO_LIMIT);
    if (check && !ok)
        printf("FAIL: a ratio to its floor is over its limit\n");
    return check && !ok;
}
