/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-verdict.c: the verdict engine on real kernels' profiles
 *
 * The expectations below were derived by hand from the kernel and QEMU
 * facts (FACTS.md, the notes on cpu_post_load per QEMU release) and the
 * fixtures' data, not produced by the code under test:
 *  - QEMU <= 10.2 refuses a stream longer than the destination's list
 *    (6.1: 241, 6.12: 258, 7.2: 256 registers in QEMU's view), and its
 *    loop never looks at incoming ids past the destination's last id;
 *  - 11.0 fails on every register the destination lacks; 11.1 tolerates
 *    TCR2/PIRE0/PIR on either side and VENDOR_HYP_BMAP_2 at 0;
 *  - 6.12 does not let userspace change ID_AA64MMFR1_EL1.HCX (its mask
 *    0xfffff0f00ffff00f) nor ID_AA64MMFR2_EL1.NV; 7.2 lets HCX be lowered
 *    and ignores the host's own NV; 6.1 (no masks, before 6.7 and 6.3)
 *    takes neither other ID values nor other cache geometry;
 *  - PSCI: 6.1 and 6.12 implement up to 1.1, 7.2 defaults to 1.3;
 *  - TCG (tests/tcg, real migrations between Debian's QEMU 7.2 and
 *    10.0.2 under -machine virt-7.2): every cross-release load fails for
 *    cortex-a57, neoverse-n1 and max, every same-release one loads; the
 *    AArch32 ID_DFR0 (CP15_0_C0_C1_2_NS) differs both ways, and 7.2's
 *    streams lack RMR_EL1, constant 1 on 10.0.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-error.h"
#include <glib/gstdio.h>

#include "cpreg-qemu.h"
#include "cpreg-verdict.h"
#include "testutils.h"

typedef struct {
    const char *name;
    const char *src, *dst;        /* lab kernels */
    const char *qemu;
    virCpregVerdictKind kind;
    /* exactly these blocking registers (sorted, space-separated), or NULL */
    const char *blocking;
    /* at least these, and none of "absent" (when blocking is NULL) */
    const char *includes;
    const char *absent;
} LabCase;

#define VETO VIR_CPREG_VERDICT_VETO
#define ALLOW VIR_CPREG_VERDICT_ALLOW
#define CHANGES VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES

#define SAME(k, q) { k " -> " k " on QEMU " q ": the control", k, k, q, ALLOW, "", NULL, NULL }

static const LabCase labCases[] = {
    SAME("6.1", "10.0"), SAME("6.1", "10.2"), SAME("6.1", "11.0"), SAME("6.1", "11.1"),
    SAME("6.12", "10.0"), SAME("6.12", "10.2"), SAME("6.12", "11.0"), SAME("6.12", "11.1"),
    SAME("7.2", "10.0"), SAME("7.2", "10.2"), SAME("7.2", "11.0"), SAME("7.2", "11.1"),

    /* 6.12 exposes HCX and does not let userspace hide it */
    { "6.1 -> 6.12 on 10.0: HCX", "6.1", "6.12", "10.0", VETO, "ID_AA64MMFR1_EL1", NULL, NULL },
    { "6.1 -> 6.12 on 10.2: HCX", "6.1", "6.12", "10.2", VETO, "ID_AA64MMFR1_EL1", NULL, NULL },
    { "6.1 -> 6.12 on 11.0: HCX", "6.1", "6.12", "11.0", VETO, "ID_AA64MMFR1_EL1", NULL, NULL },
    { "6.1 -> 6.12 on 11.1: HCX", "6.1", "6.12", "11.1", VETO, "ID_AA64MMFR1_EL1", NULL, NULL },

    /* forward to 7.2: everything lowers or is ignored; the PSCI pin needs 11.0 */
    { "6.1 -> 7.2 on 10.0: allowed, no pin possible", "6.1", "7.2", "10.0", ALLOW, "", NULL, NULL },
    { "6.1 -> 7.2 on 10.2: allowed, no pin possible", "6.1", "7.2", "10.2", ALLOW, "", NULL, NULL },
    { "6.1 -> 7.2 on 11.0: pin PSCI 1.1", "6.1", "7.2", "11.0", CHANGES, "", NULL, NULL },
    { "6.1 -> 7.2 on 11.1: pin PSCI 1.1", "6.1", "7.2", "11.1", CHANGES, "", NULL, NULL },

    /* backward to 6.1: everything at once */
    { "6.12 -> 6.1 on 10.0: length, lists, values", "6.12", "6.1", "10.0", VETO, NULL,
      "cpreg_vmstate_array_len CCSIDR_L1D CCSIDR_L7I TCR2_EL1 PIR_EL1 CNTPCT_EL0 CLIDR_EL1 ID_AA64MMFR1_EL1",
      NULL },
    { "6.12 -> 6.1 on 10.2", "6.12", "6.1", "10.2", VETO, NULL,
      "cpreg_vmstate_array_len CCSIDR_L7I TCR2_EL1 CLIDR_EL1", NULL },
    { "6.12 -> 6.1 on 11.0: no length check", "6.12", "6.1", "11.0", VETO, NULL,
      "CCSIDR_L7I TCR2_EL1 PIRE0_EL1 CNTP_CVAL_EL0", "cpreg_vmstate_array_len" },
    { "6.12 -> 6.1 on 11.1: TCR2/PIR tolerated", "6.12", "6.1", "11.1", VETO, NULL,
      "CCSIDR_L7I CNTP_CTL_EL0 CLIDR_EL1", "cpreg_vmstate_array_len TCR2_EL1 PIRE0_EL1 PIR_EL1" },

    /* the headline case */
    { "6.12 -> 7.2 on 10.0: TCR2/PIR and the length check", "6.12", "7.2", "10.0", VETO,
      "PIRE0_EL1 PIR_EL1 TCR2_EL1 cpreg_vmstate_array_len", NULL, NULL },
    { "6.12 -> 7.2 on 10.2: TCR2/PIR and the length check", "6.12", "7.2", "10.2", VETO,
      "PIRE0_EL1 PIR_EL1 TCR2_EL1 cpreg_vmstate_array_len", NULL, NULL },
    { "6.12 -> 7.2 on 11.0: TCR2/PIR", "6.12", "7.2", "11.0", VETO,
      "PIRE0_EL1 PIR_EL1 TCR2_EL1", NULL, NULL },
    { "6.12 -> 7.2 on 11.1: tolerated; pin PSCI 1.1", "6.12", "7.2", "11.1", CHANGES, "", NULL, NULL },

    /* 7.2 -> 6.1 */
    { "7.2 -> 6.1 on 10.0: BMAP_2 past the end is dropped", "7.2", "6.1", "10.0", VETO, NULL,
      "cpreg_vmstate_array_len KVM_REG_ARM_PSCI_VERSION CCSIDR_L2I CNTPCT_EL0 CLIDR_EL1",
      "KVM_REG_ARM_VENDOR_HYP_BMAP_2" },
    { "7.2 -> 6.1 on 11.0: BMAP_2 unknown", "7.2", "6.1", "11.0", VETO, NULL,
      "KVM_REG_ARM_PSCI_VERSION KVM_REG_ARM_VENDOR_HYP_BMAP_2 CCSIDR_L2I",
      "cpreg_vmstate_array_len" },
    { "7.2 -> 6.1 on 11.1: BMAP_2 at 0 tolerated", "7.2", "6.1", "11.1", VETO, NULL,
      "KVM_REG_ARM_PSCI_VERSION CCSIDR_L2I", "KVM_REG_ARM_VENDOR_HYP_BMAP_2" },

    /* 7.2 -> 6.12: what the lab's trial writes rejected */
    { "7.2 -> 6.12 on 10.0: PSCI and NV", "7.2", "6.12", "10.0", VETO,
      "ID_AA64MMFR2_EL1 KVM_REG_ARM_PSCI_VERSION", NULL, NULL },
    { "7.2 -> 6.12 on 10.2: PSCI and NV", "7.2", "6.12", "10.2", VETO,
      "ID_AA64MMFR2_EL1 KVM_REG_ARM_PSCI_VERSION", NULL, NULL },
    { "7.2 -> 6.12 on 11.0: PSCI, NV and BMAP_2", "7.2", "6.12", "11.0", VETO,
      "ID_AA64MMFR2_EL1 KVM_REG_ARM_PSCI_VERSION KVM_REG_ARM_VENDOR_HYP_BMAP_2", NULL, NULL },
    { "7.2 -> 6.12 on 11.1: PSCI and NV", "7.2", "6.12", "11.1", VETO,
      "ID_AA64MMFR2_EL1 KVM_REG_ARM_PSCI_VERSION", NULL, NULL },
};

static virCpregProfile *
loadFixture(const char *rel)
{
    g_autofree char *path = testFixture(rel);
    g_autoptr(GError) error = NULL;
    virCpregProfile *p = virCpregProfileLoad(path, &error);

    if (!p)
        fail_msg("%s", error->message);
    return p;
}

static virCpregProfile *
loadLab(const char *kernel, const char *config)
{
    g_autofree char *rel = g_strdup_printf("lab/linux-%s-max-%s.regs", kernel, config);

    return loadFixture(rel);
}

/* The blocking registers, each once, sorted, space-separated. */
static char *
blockingNames(const virCpregVerdict *v)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        char *name;
        if (f->severity != VIR_CPREG_SEVERITY_BLOCKING)
            continue;
        name = virCpregFindingName(f);
        if (g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
            g_free(name);
        else
            g_ptr_array_add(names, name);
    }
    g_ptr_array_sort(names, testCompareStrings);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static gboolean
hasWord(const char *list, const char *word)
{
    g_auto(GStrv) words = g_strsplit(list, " ", -1);

    return g_strv_contains((const char *const *)words, word);
}

/* The summary names every blocking register, or says how many it leaves out. */
static void
checkSummary(const virCpregVerdict *v, const char *blocking)
{
    g_autofree char *summary = virCpregVerdictSummary(v);
    g_auto(GStrv) names = g_strsplit(blocking, " ", -1);
    guint i;

    if (strlen(summary) > 200)
        fail_msg("summary of %zu bytes: %s", strlen(summary), summary);
    if (strstr(summary, " more "))
        return;
    for (i = 0; names[i]; i++) {
        if (*names[i] && !strstr(summary, names[i]))
            fail_msg("summary lacks %s: %s", names[i], summary);
    }
}

/* Every finding's rule is one for the destination's accelerator, and
 * under TCG neither a message nor a remedy names a kernel. */
static void
checkAccel(const virCpregVerdict *v)
{
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        g_autofree char *msg = virCpregFindingMessage(v, f);
        g_autofree char *remedy = virCpregFindingRemedy(v, f);
        g_autofree char *lower = g_ascii_strdown(remedy ? remedy : "", -1);
        g_autofree char *lowerMsg = g_ascii_strdown(msg, -1);

        if (!virCpregRuleAppliesTo(f->rule, v->tcg))
            fail_msg("%s, a rule for %s, judged a %s destination", virCpregRuleGet(f->rule)->name,
                     virCpregAccelToString(virCpregRuleGet(f->rule)->accel), v->tcg ? "TCG" : "KVM");
        if (v->tcg && (strstr(lower, "kernel") || strstr(lowerMsg, "kernel")))
            fail_msg("a TCG finding names a kernel: %s / %s", msg, remedy ? remedy : "");
    }
}

static void
testLabCase(void **state)
{
    const LabCase *c = *state;
    g_autoptr(virCpregProfile) src = loadLab(c->src, "pmu");
    g_autoptr(virCpregProfile) dst = loadLab(c->dst, "pmu");
    virCpregCheckOptions opts = { .dest_qemu = c->qemu };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, &error);
    g_autofree char *got = NULL;

    if (!v)
        fail_msg("%s", error->message);
    got = blockingNames(v);
    if (v->kind != c->kind)
        fail_msg("verdict %s, want %s; blocking: %s",
                 virCpregVerdictKindToString(v->kind),
                 virCpregVerdictKindToString(c->kind), got);
    if (c->blocking && !g_str_equal(got, c->blocking))
        fail_msg("blocking '%s', want '%s'", got, c->blocking);
    if (c->includes) {
        g_auto(GStrv) want = g_strsplit(c->includes, " ", -1);
        guint i;
        for (i = 0; want[i]; i++) {
            if (!hasWord(got, want[i]))
                fail_msg("%s is not blocking; blocking: %s", want[i], got);
        }
    }
    if (c->absent) {
        g_auto(GStrv) nope = g_strsplit(c->absent, " ", -1);
        guint i;
        for (i = 0; nope[i]; i++) {
            if (hasWord(got, nope[i]))
                fail_msg("%s should not block; blocking: %s", nope[i], got);
        }
    }
    assert_string_equal(v->qemu_model, c->qemu);
    checkSummary(v, got);
    checkAccel(v);
    /* a pin change only where the guest is allowed and keeps an older PSCI */
    assert_int_equal(v->changes->len, c->kind == CHANGES);
}

/* 7.2 -> 6.12: the fix names PSCI 1.1 on the source. */
static void
testPsciRemedy(void **state)
{
    g_autoptr(virCpregProfile) src = loadLab("7.2", "pmu");
    g_autoptr(virCpregProfile) dst = loadLab("6.12", "pmu");
    virCpregCheckOptions opts = { .dest_qemu = "11.1" };
    g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, NULL);
    g_autofree char *summary = virCpregVerdictSummary(v);
    guint i;
    gboolean seen = FALSE;

    (void)state;
    assert_non_null(v);
    assert_non_null(strstr(summary, "kvm-psci-version=1.1"));
    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        g_autofree char *remedy = NULL;
        if (f->id != VIR_CPREG_PSCI_VERSION)
            continue;
        remedy = virCpregFindingRemedy(v, f);
        assert_string_equal(remedy, "start the guest on the source with kvm-psci-version=1.1");
        seen = TRUE;
    }
    assert_true(seen);
}

/* 6.12 -> 7.2 on 11.1: the change pins what the stream carries. */
static void
testPinChange(void **state)
{
    g_autoptr(virCpregProfile) src = loadLab("6.12", "pmu");
    g_autoptr(virCpregProfile) dst = loadLab("7.2", "pmu");
    virCpregCheckOptions opts = { .dest_qemu = "11.1.0" };
    g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, NULL);
    const virCpregChange *c;

    (void)state;
    assert_non_null(v);
    assert_int_equal(v->kind, CHANGES);
    c = v->changes->pdata[0];
    assert_string_equal(c->property, "kvm-psci-version");
    assert_string_equal(c->value, "1.1");
    assert_null(v->qemu_note);
}

/* pmu=off (sve+pauth): the same kernel facts, another register set. */
static void
testPmuOff(void **state)
{
    g_autoptr(virCpregProfile) a = loadLab("6.12", "sve-ptrauth");
    g_autoptr(virCpregProfile) b = loadLab("7.2", "sve-ptrauth");
    virCpregCheckOptions opts = { .dest_qemu = "10.0" };
    g_autoptr(virCpregVerdict) v = virCpregCheck(a, b, &opts, NULL);
    g_autofree char *got = NULL;

    (void)state;
    assert_non_null(v);
    got = blockingNames(v);
    assert_int_equal(v->kind, VETO);
    assert_true(hasWord(got, "TCR2_EL1"));
    assert_true(hasWord(got, "PIR_EL1"));
}

/* Different vCPU features: an input error, not a verdict. */
static void
testNotComparable(void **state)
{
    g_autoptr(virCpregProfile) a = loadLab("7.2", "pmu");
    g_autoptr(virCpregProfile) b = loadLab("7.2", "pmu-sve");
    virCpregCheckOptions opts = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregVerdict) v = virCpregCheck(a, b, &opts, &error);

    (void)state;
    assert_null(v);
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    assert_non_null(strstr(error->message, "source: pmu, destination: pmu+sve"));
}

/* An unknown or unparseable QEMU version is modelled, and says so. */
static void
testQemuVersions(void **state)
{
    static const struct { const char *version; const char *model; gboolean note; } cases[] = {
        { "10.0.2", "10.0", FALSE }, { "1:10.0.2+ds-1~bpo12+1", "10.0", FALSE },
        { "10.1.3", "10.0", TRUE }, { "9.2.0", "9.2", FALSE }, { "11.2.0", "11.1", TRUE },
        { "12.0", "11.1", TRUE }, { "garbage", "7.2", TRUE }, { NULL, "7.2", TRUE },
        /* the distributions' releases (issue 12) */
        { "1:7.2+dfsg-7+deb12u18", "7.2", FALSE }, { "8.2.2", "8.2", FALSE },
        { "9.1.0", "9.1", FALSE }, { "9.0.0", "8.2", TRUE }, { "6.2.0", "7.2", TRUE },
    };
    g_autoptr(virCpregProfile) a = loadLab("7.2", "pmu");
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        virCpregCheckOptions opts = { .dest_qemu = cases[i].version };
        g_autoptr(virCpregVerdict) v = virCpregCheck(a, a, &opts, NULL);
        assert_non_null(v);
        assert_string_equal(v->qemu_model, cases[i].model);
        assert_int_equal(v->qemu_note != NULL, cases[i].note);
    }
}

/* An emulator's own --version, bounded in time. */
static void
testBinaryVersion(void **state)
{
    g_autofree char *good = testWriteTemp("qemu-good",
        "#!/bin/sh\necho 'QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-1~bpo12+1)'\n", -1);
    g_autofree char *hung = testWriteTemp("qemu-hung", "#!/bin/sh\nexec sleep 60\n", -1);
    g_autofree char *version = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start;

    (void)state;
    g_chmod(good, 0755);
    g_chmod(hung, 0755);
    version = virCpregQemuBinaryVersion(good, &error);
    assert_string_equal(version, "10.0.2");
    start = g_get_monotonic_time();
    assert_null(virCpregQemuBinaryVersion(hung, &error));
    assert_true(g_get_monotonic_time() - start < 7 * G_USEC_PER_SEC);
    g_clear_error(&error);
    assert_null(virCpregQemuBinaryVersion("/nonexistent/qemu", &error));
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED));
}

/*
 * Firecracker's Neoverse hosts: every ordered pair of one CPU gets a
 * verdict with reasons; going back to an older kernel always vetoes,
 * naming registers.
 */
static void
testFirecracker(void **state)
{
    static const char *const cpus[] = { "N1", "V1", "V2" };
    static const char *const kernels[] = { "5.10", "6.1", "6.18" };   /* oldest first */
    size_t c, a, b;

    (void)state;
    for (c = 0; c < G_N_ELEMENTS(cpus); c++) {
        for (a = 0; a < G_N_ELEMENTS(kernels); a++) {
            for (b = 0; b < G_N_ELEMENTS(kernels); b++) {
                g_autofree char *pa = g_strdup_printf("firecracker/fingerprint_ARM_NEOVERSE_%s_%shost.json", cpus[c], kernels[a]);
                g_autofree char *pb = g_strdup_printf("firecracker/fingerprint_ARM_NEOVERSE_%s_%shost.json", cpus[c], kernels[b]);
                g_autofree char *fa = testFixture(pa);
                g_autofree char *fb = testFixture(pb);
                g_autoptr(virCpregProfile) src = virCpregProfileLoad(fa, NULL);
                g_autoptr(virCpregProfile) dst = virCpregProfileLoad(fb, NULL);
                virCpregCheckOptions opts = { .dest_qemu = "11.1" };
                g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, NULL);
                g_autofree char *got = NULL;

                assert_non_null(v);
                got = blockingNames(v);
                if (a == b) {
                    assert_int_equal(v->kind, ALLOW);
                    continue;
                }
                if (v->kind == ALLOW)
                    fail_msg("%s %s -> %s: allowed without a finding", cpus[c], kernels[a], kernels[b]);
                if (a > b && (v->kind != VETO || !*got))
                    fail_msg("%s %s -> %s: %s, blocking '%s'", cpus[c], kernels[a], kernels[b],
                             virCpregVerdictKindToString(v->kind), got);
                checkSummary(v, got);
            }
        }
    }
}

/* ---- TCG: QEMU's own lists (tests/fixtures/tcg: real probes) -------- */

static virCpregProfile *
loadTcg(const char *qemu, const char *cpu, const char *machine)
{
    g_autofree char *rel = g_strdup_printf("tcg/qemu-%s-%s-%s.json", qemu, cpu,
                                           machine);

    return loadFixture(rel);
}

#define CP15_ID_DFR0 0x40200000200f0082ULL
#define RMR_EL1 0x603000000013c602ULL

/*
 * QEMU 7.2 <-> 10.0 under TCG, each CPU model: the real outcomes, the
 * registers behind them, and remedies that name a QEMU release, never a
 * kernel, nor the CPU model both sides already run.
 */
static void
testTcgReleases(void **state)
{
    static const char *const cpus[] = { "cortex-a57", "neoverse-n1", "max" };
    static const char *const qemus[] = { "7.2", "10.0" };
    size_t c, i, j, k;

    (void)state;
    for (c = 0; c < G_N_ELEMENTS(cpus); c++) {
        for (i = 0; i < G_N_ELEMENTS(qemus); i++) {
            for (j = 0; j < G_N_ELEMENTS(qemus); j++) {
                g_autoptr(virCpregProfile) src = loadTcg(qemus[i], cpus[c], "virt-7.2");
                g_autoptr(virCpregProfile) dst = loadTcg(qemus[j], cpus[c], "virt-7.2");
                virCpregCheckOptions opts = { .dest_qemu = qemus[j] };
                g_autoptr(GError) error = NULL;
                g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, &error);

                if (!v)
                    fail_msg("%s %s -> %s: %s", cpus[c], qemus[i], qemus[j], error->message);
                assert_true(v->tcg);
                assert_string_equal(v->qemu_model, qemus[j]);
                assert_int_equal(v->kind, i == j ? ALLOW : VETO);
                /* no other QEMU release can be modelled on QEMU's own list */
                assert_null(v->fix_qemu);
                checkAccel(v);
                if (i != j && !virCpregVerdictBlocking(v, CP15_ID_DFR0))
                    fail_msg("%s %s -> %s: the AArch32 ID_DFR0 does not block", cpus[c],
                             qemus[i], qemus[j]);
                if (i < j && !virCpregVerdictBlocking(v, RMR_EL1))
                    fail_msg("%s %s -> %s: RMR_EL1 does not block", cpus[c], qemus[i], qemus[j]);
                for (k = 0; k < v->findings->len; k++) {
                    const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, k);
                    g_autofree char *remedy = virCpregFindingRemedy(v, f);
                    if (remedy && strstr(remedy, "same QEMU CPU model"))
                        fail_msg("%s %s -> %s: a moot remedy: %s", cpus[c], qemus[i],
                                 qemus[j], remedy);
                }
            }
        }
    }
}

/* A TCG guest's stream (tests/fixtures/streams: QEMU 10.0, virt-10.0)
 * against a profile of its machine type, and of another one, which the
 * verdict says is not the guest's: uncertain, not a veto. */
static void
testTcgMachineType(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) src = loadFixture("streams/virt-max-smp2.qemu");
    g_autoptr(virCpregProfile) same = loadTcg("10.0", "max", "virt-10.0");
    g_autoptr(virCpregProfile) other = loadTcg("10.0", "max", "virt-7.2");
    virCpregCheckOptions opts = { .dest_qemu = "10.0" };
    g_autoptr(virCpregVerdict) v = NULL;
    g_autoptr(virCpregVerdict) w = NULL;
    const virCpregFinding *f;
    g_autofree char *remedy = NULL;

    (void)state;
    assert_non_null(src);
    v = virCpregCheck(src, same, &opts, &error);
    assert_non_null(v);
    assert_int_equal(v->kind, ALLOW);
    assert_int_equal(v->findings->len, 0);
    /* 10.0's max under virt-7.2 has another ID_AA64ISAR1_EL1: the guest
     * will not meet it, so it cannot block */
    w = virCpregCheck(src, other, &opts, &error);
    assert_non_null(w);
    checkAccel(w);
    assert_int_equal(w->kind, VIR_CPREG_VERDICT_UNCERTAIN);
    assert_int_equal(w->findings->len, 2);
    f = &g_array_index(w->findings, virCpregFinding, 0);
    assert_int_equal(f->rule, VIR_CPREG_RULE_TCG_MACHINE_TYPE);
    remedy = virCpregFindingRemedy(w, f);
    assert_non_null(strstr(remedy, "probe --machine virt-10.0"));
    f = &g_array_index(w->findings, virCpregFinding, 1);
    assert_int_equal(f->rule, VIR_CPREG_RULE_TCG_CONSTANT);
    assert_int_equal(f->severity, VIR_CPREG_SEVERITY_UNCERTAIN);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testPsciRemedy),
        cmocka_unit_test(testPinChange),
        cmocka_unit_test(testPmuOff),
        cmocka_unit_test(testNotComparable),
        cmocka_unit_test(testQemuVersions),
        cmocka_unit_test(testFirecracker),
        cmocka_unit_test(testBinaryVersion),
        cmocka_unit_test(testTcgReleases),
        cmocka_unit_test(testTcgMachineType),
    };
    size_t i;

    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
    for (i = 0; i < G_N_ELEMENTS(labCases); i++) {
        struct CMUnitTest t = {
            .name = labCases[i].name,
            .test_func = testLabCase,
            .initial_state = (void *)&labCases[i],
        };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("verdict", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
