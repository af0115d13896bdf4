/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-diff.c: named differences between real kernels' profiles
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-diff.h"
#include "cpreg-id.h"
#include "cpreg-value.h"
#include "testutils.h"

static virCpregProfile *
loadQemuView(const char *relative)
{
    g_autofree char *path = testFixture(relative);
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, &error);

    if (!p)
        fail_msg("%s", error->message);
    return virCpregProfileQemuView(p);
}

static GString *
namesOf(const GArray *items, virCpregDiffKind kind)
{
    GString *s = g_string_new(NULL);
    char buf[VIR_CPREG_NAME_MAX];
    guint i;

    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        if (it->kind != kind)
            continue;
        if (s->len)
            g_string_append_c(s, ' ');
        g_string_append(s, virCpregIdFormat(it->a ? it->a->id : it->b->id, buf));
    }
    return s;
}

static const virCpregDiffItem *
findItem(const GArray *items, guint64 id)
{
    guint i;

    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        if ((it->a ? it->a->id : it->b->id) == id)
            return it;
    }
    return NULL;
}

/*
 * 6.12 → 7.2, `-cpu max` with a PMU: 6.12 lists the S1PIE/TCR2 registers
 * whatever the CPU; 7.2 adds VENDOR_HYP_BMAP_2 and defaults PSCI to 1.3
 * (FACTS §3). On this CPU 7.2 stops advertising nested virtualisation
 * (ID_AA64MMFR2_EL1.NV 2 → 0), read from the fixtures by hand.
 */
static void
testLab612To72(void **state)
{
    g_autoptr(virCpregProfile) a = loadQemuView("lab/linux-6.12-max-pmu.regs");
    g_autoptr(virCpregProfile) b = loadQemuView("lab/linux-7.2-max-pmu.regs");
    g_autoptr(GArray) items = virCpregDiff(a, b);
    g_autoptr(GString) onlyA = namesOf(items, VIR_CPREG_DIFF_ONLY_A);
    g_autoptr(GString) onlyB = namesOf(items, VIR_CPREG_DIFF_ONLY_B);
    const virCpregDiffItem *psci, *mmfr2;
    virCpregFieldChange fields[8];
    g_autofree char *va = NULL;
    g_autofree char *vb = NULL;

    (void)state;
    assert_string_equal(onlyA->str, "TCR2_EL1 PIRE0_EL1 PIR_EL1");
    assert_string_equal(onlyB->str, "KVM_REG_ARM_VENDOR_HYP_BMAP_2");

    psci = findItem(items, VIR_CPREG_PSCI_VERSION);
    assert_non_null(psci);
    assert_int_equal(psci->kind, VIR_CPREG_DIFF_CHANGED);
    va = virCpregValueFormat(psci->a->id, psci->a->value);
    vb = virCpregValueFormat(psci->b->id, psci->b->value);
    assert_string_equal(va, "1.1");
    assert_string_equal(vb, "1.3");

    mmfr2 = findItem(items, VIR_CPREG_SYSREG(3, 0, 0, 7, 2));
    assert_non_null(mmfr2);
    assert_int_equal(virCpregDiffFields(mmfr2->a, mmfr2->b, fields, 8), 1);
    assert_string_equal(fields[0].field->name, "NV");
    assert_int_equal(fields[0].a, 2);
    assert_int_equal(fields[0].b, 0);
    /* 7.2's mask for ID_AA64MMFR2_EL1 is 0xf0ff000ff00fffff: NV (27:24) is
     * not in it */
    assert_int_equal(fields[0].writable_on_b, 0);
}

/* The reverse direction swaps the sides, nothing else. */
static void
testSymmetry(void **state)
{
    g_autoptr(virCpregProfile) a = loadQemuView("lab/linux-6.1-max-pmu.regs");
    g_autoptr(virCpregProfile) b = loadQemuView("lab/linux-7.2-max-pmu.regs");
    g_autoptr(GArray) ab = virCpregDiff(a, b);
    g_autoptr(GArray) ba = virCpregDiff(b, a);
    g_autoptr(GString) onlyA = namesOf(ab, VIR_CPREG_DIFF_ONLY_A);
    g_autoptr(GString) onlyB = namesOf(ba, VIR_CPREG_DIFF_ONLY_B);

    (void)state;
    assert_int_equal(ab->len, ba->len);
    assert_string_equal(onlyA->str, onlyB->str);
}

static void
testIdentical(void **state)
{
    g_autoptr(virCpregProfile) a = loadQemuView("lab/linux-7.2-n1-pmu.regs");
    g_autoptr(virCpregProfile) b = loadQemuView("lab/linux-7.2-n1-pmu.regs");
    g_autoptr(GArray) items = virCpregDiff(a, b);

    (void)state;
    assert_int_equal(items->len, 0);
}

/* 6.1 lists CCSIDRs for the host's caches only; 6.3+ lists all 14. */
static void
testCcsidr61(void **state)
{
    g_autoptr(virCpregProfile) a = loadQemuView("lab/linux-6.1-max-pmu.regs");
    g_autoptr(virCpregProfile) b = loadQemuView("lab/linux-6.12-max-pmu.regs");
    g_autoptr(GArray) items = virCpregDiff(a, b);
    guint i, ccsidrOnlyB = 0;

    (void)state;
    for (i = 0; i < 14; i++) {
        const virCpregDiffItem *it = findItem(items, VIR_CPREG_CCSIDR_BASE | i);
        assert_non_null(virCpregProfileFind(b, VIR_CPREG_CCSIDR_BASE | i));
        ccsidrOnlyB += it && it->kind == VIR_CPREG_DIFF_ONLY_B;
    }
    assert_true(ccsidrOnlyB > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testLab612To72),
        cmocka_unit_test(testSymmetry),
        cmocka_unit_test(testIdentical),
        cmocka_unit_test(testCcsidr61),
    };

    return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
