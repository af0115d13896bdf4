/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-verdict.c: the verdict engine's costs
 *
 *   check:   one full check (QEMU views, findings, summary) of two loaded
 *            lab profiles (target <= 50 us)
 *   matrix:  1000 synthetic profiles, every ordered pair (1 M verdicts)
 *            on one core (target <= 3 s)
 *
 * With --check, exits 1 when a target is missed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpreg-verdict.h"
#include "testutils.h"

#define CHECK_TARGET_US 50.0
#define MATRIX_TARGET_S 3.0
#define FLEET 1000

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

static double
benchCheck(void)
{
    g_autoptr(virCpregProfile) a = loadQemuView("6.12");
    g_autoptr(virCpregProfile) b = loadQemuView("7.2");
    virCpregCheckOptions opts = { .dest_qemu = "10.0" };
    const guint rounds = 20000;
    gint64 start = g_get_monotonic_time();
    guint i;

    for (i = 0; i < rounds; i++) {
        g_autoptr(virCpregVerdict) v = virCpregCheck(a, b, &opts, NULL);
        g_autofree char *summary = virCpregVerdictSummary(v);
        sink += strlen(summary);
    }
    return (double)(g_get_monotonic_time() - start) / rounds;
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

static double
benchMatrix(guint *vetoes)
{
    g_autoptr(GPtrArray) fleet = syntheticFleet();
    g_autoptr(virCpregChecker) checker = virCpregCheckerNew("11.1", NULL);
    gint64 start = g_get_monotonic_time();
    guint i, j;

    *vetoes = 0;
    for (i = 0; i < fleet->len; i++) {
        for (j = 0; j < fleet->len; j++) {
            const virCpregFinding *first;
            *vetoes += virCpregCheckerRun(checker, fleet->pdata[i], fleet->pdata[j],
                                          &first) == VIR_CPREG_VERDICT_VETO;
        }
    }
    return (double)(g_get_monotonic_time() - start) / 1e6;
}

int
main(int argc, char **argv)
{
    gboolean check = argc > 1 && g_str_equal(argv[1], "--check");
    double us, s;
    guint vetoes;

    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
    us = benchCheck();
    s = benchMatrix(&vetoes);
    printf("check 6.12 -> 7.2 (full verdict and summary): %.2f us (target <= %.0f us: %.1fx)\n",
           us, CHECK_TARGET_US, CHECK_TARGET_US / us);
    printf("matrix %u x %u synthetic profiles: %.2f s, %.0f ns per pair, %u vetoes "
           "(target <= %.0f s: %.1fx)\n", FLEET, FLEET, s, s * 1e9 / (FLEET * FLEET),
           vetoes, MATRIX_TARGET_S, MATRIX_TARGET_S / s);
    return check && (us > CHECK_TARGET_US || s > MATRIX_TARGET_S);
}
