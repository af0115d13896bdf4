/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-cpreg.c: per-operation costs of the foundation
 *
 *   decode:  ids decoded and named per second (target >= 5 M/s)
 *   diff:    one diff of two ~350-register profiles (target <= 20 us)
 *
 * With --check, exits 1 when a target is missed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cpreg-diff.h"
#include "cpreg-id.h"
#include "cpreg-profile.h"
#include "testutils.h"

#define DECODE_TARGET_PER_S 5e6
#define DIFF_TARGET_US 20.0

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

static double
benchDecode(void)
{
    g_autoptr(GArray) ids = allFixtureIds();
    char buf[VIR_CPREG_NAME_MAX];
    gint64 start = g_get_monotonic_time(), elapsed;
    guint64 n = 0;
    guint i;

    do {
        for (i = 0; i < ids->len; i++) {
            const char *name = virCpregIdFormat(g_array_index(ids, guint64, i), buf);
            sink += (guint64)(unsigned char)name[0];
        }
        n += ids->len;
        elapsed = g_get_monotonic_time() - start;
    } while (elapsed < 500000);
    return (double)n / ((double)elapsed / 1e6);
}

static virCpregProfile *
load(const char *relative)
{
    g_autofree char *path = testFixture(relative);

    return virCpregProfileLoad(path, NULL);
}

static double
benchDiff(guint *na, guint *nb)
{
    g_autoptr(virCpregProfile) a = load("lab/linux-6.12-max-pmu-sve.regs");
    g_autoptr(virCpregProfile) b = load("lab/linux-7.2-max-pmu-sve.regs");
    const guint rounds = 200000;
    gint64 start;
    guint i;

    g_assert_nonnull(a);
    g_assert_nonnull(b);
    *na = virCpregProfileCount(a);
    *nb = virCpregProfileCount(b);
    start = g_get_monotonic_time();
    for (i = 0; i < rounds; i++) {
        GArray *items = virCpregDiff(a, b);
        sink += items->len;
        g_array_unref(items);
    }
    return (double)(g_get_monotonic_time() - start) / rounds;
}

int
main(int argc, char **argv)
{
    gboolean check = argc > 1 && g_str_equal(argv[1], "--check");
    double rate = benchDecode();
    guint na, nb;
    double us = benchDiff(&na, &nb);
    gboolean ok = rate >= DECODE_TARGET_PER_S && us <= DIFF_TARGET_US;

    printf("decode+name: %.1f M ids/s (%.1f ns/id; target >= %.0f M/s: %.1fx)\n",
           rate / 1e6, 1e9 / rate, DECODE_TARGET_PER_S / 1e6,
           rate / DECODE_TARGET_PER_S);
    printf("diff %u x %u registers: %.2f us (target <= %.0f us: %.1fx)\n",
           na, nb, us, DIFF_TARGET_US, DIFF_TARGET_US / us);
    return check && !ok;
}
