/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-rules.c: every rule of cpreg-rules.h, fired by a real situation
 *
 * One row per rule: the situation (real profiles from tests/fixtures, a
 * few edited where the fixtures hold no such host), the destination
 * QEMU, the domain and policy, and the register the rule must decide
 * with its severity and JSON name. The expectation comes from the
 * kernel, QEMU and lab facts the row's comment gives, not from running
 * the code:
 *  - QEMU up to 10.2 refuses a stream longer than its own list
 *    (VMSTATE_INT32_POSITIVE_LE) and never looks at incoming ids past its
 *    last id; 11.0 fails on any id it does not list; 11.1 tolerates
 *    TCR2_EL1/PIRE0_EL1/PIR_EL1 on either side and VENDOR_HYP_BMAP_2 = 0
 *    in the stream; kvm-psci-version exists from 11.0, on KVM's host vCPU;
 *  - kernel 6.1 lists neither TCR2_EL1 nor the PIR registers (6.5-6.12 do,
 *    7.2 does not on these hosts), 7.2 lists VENDOR_HYP_BMAP_2 (6.15);
 *    PSCI: 5.10 implements up to 1.0, 6.1 and 6.12 up to 1.1, 7.2 1.3;
 *  - hypercalls.c: firmware levels and bitmaps take at most what the
 *    destination offers; sys_regs.c: ID registers writable from 6.7
 *    (masks reported from 6.8) and only towards "less", MIDR/REVIDR/AIDR
 *    never (QEMU does not enable WRITABLE_IMP_ID_REGS), cache geometry
 *    from 6.3 without reserved bits (set_clidr: CLIDR_EL1[63:47] RES0);
 *    a host without AArch32 EL0 ignores AArch32 ID registers; 6.10 hides
 *    MPAM and 6.15 NV, accepting the host's own value;
 *  - under TCG, QEMU reads a constant register back and fails on another
 *    value (write_list_to_cpustate); the list is QEMU's own for the vCPU
 *    model, and a register the stream lacks is written back from a slot
 *    TCG never filled (tests/tcg: what 7.2 and 10.0 really do).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-id.h"
#include "cpreg-verdict.h"
#include "testutils.h"

typedef void (*RuleEdit)(virCpregProfile *src, virCpregProfile *dst);

typedef struct {
    const char *name;             /* the real situation */
    const char *src, *dst;        /* fixtures */
    const char *qemu;             /* the destination's QEMU */
    const char *domain;           /* a domain XML case, or NULL */
    const char *policy;           /* a policy file's rules, or NULL */
    RuleEdit edit;                /* where no fixture holds such a host */
    const char *reg;              /* the register; NULL: the stream */
    virCpregFindingKind kind;
    const char *field;            /* the ID-register field, or NULL */
    const char *rule_name;        /* its name in JSON */
    virCpregSeverity severity;
} RuleCase;

#define LAB(k, f) "lab/linux-" k "-max-" f ".regs"
#define LABN1(k, f) "lab/linux-" k "-n1-" f ".regs"
#define FC(cpu, k) "firecracker/fingerprint_ARM_NEOVERSE_" cpu "_" k "host.json"
/* scratch-QEMU probes under TCG, -machine virt-7.2 (tests/fixtures/tcg) */
#define TCG(qemu, cpu) "tcg/qemu-" qemu "-" cpu "-virt-7.2.json"

#define BLOCK VIR_CPREG_SEVERITY_BLOCKING
#define UNCERTAIN VIR_CPREG_SEVERITY_UNCERTAIN
#define WARN VIR_CPREG_SEVERITY_WARNING
#define INFO VIR_CPREG_SEVERITY_INFO

#define STREAM VIR_CPREG_FINDING_STREAM
#define ONLY_SRC VIR_CPREG_FINDING_ONLY_SOURCE
#define ONLY_DST VIR_CPREG_FINDING_ONLY_DEST
#define VALUE VIR_CPREG_FINDING_VALUE
#define PIN VIR_CPREG_FINDING_PIN

/* The lab's domain cases (tests/lab/judge.py, tests/golden/domains). */
#define DOMAIN_PSCI(v) \
    "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>" \
    "<name>g</name><os><type arch='aarch64' machine='virt'>hvm</type></os>" \
    "<cpu mode='host-passthrough'/><qemu:commandline><qemu:arg value='-global'/>" \
    "<qemu:arg value='host-arm-cpu.kvm-psci-version=" v "'/></qemu:commandline></domain>"
#define DOMAIN_TCG \
    "<domain type='qemu'><name>g</name><os><type arch='aarch64' machine='virt'>hvm</type></os>" \
    "<cpu mode='custom'><model>max</model></cpu></domain>"

/* ---- edits: hosts no fixture holds ----------------------------------- */

static virCpregEntry *
entry(virCpregProfile *p, guint64 id)
{
    virCpregEntry *e = (virCpregEntry *)virCpregProfileFind(p, id);

    assert_non_null(e);
    return e;
}

/* A destination kernel built without PV time (STD_HYP_BMAP offers 0). */
static void
editNoPvTime(virCpregProfile *src, virCpregProfile *dst)
{
    assert_int_equal(entry(src, VIR_CPREG_STD_HYP_BMAP)->value, 0x1);
    entry(dst, VIR_CPREG_STD_HYP_BMAP)->value = 0;
}

/* A source whose CLIDR_EL1 sets bit 47, a field the destination's kernel
 * reserves (a newer architecture revision's field on the source host). */
static void
editClidrBit47(virCpregProfile *src, virCpregProfile *dst)
{
    (void)dst;
    entry(src, VIR_CPREG_SYSREG(3, 1, 0, 0, 1))->value |= 1ULL << 47;
}

/* probe --trial on the destination: the kernel refused the source's
 * ID_AA64MMFR1_EL1 with EINVAL. */
static void
editTrialRejected(virCpregProfile *src, virCpregProfile *dst)
{
    guint64 id = VIR_CPREG_SYSREG(3, 0, 0, 7, 1);
    virCpregTrial t = { .id = id, .value = entry(src, id)->value,
                        .result = VIR_CPREG_TRIAL_REJECTED, .err = "EINVAL" };

    g_array_append_val(dst->trials, t);
}

/* probe --trial on 7.2: it accepted 6.12's ID_AA64MMFR2_EL1 and reads
 * back its own (NV hidden): the lab's measurement. */
static void
editTrialChanged(virCpregProfile *src, virCpregProfile *dst)
{
    guint64 id = VIR_CPREG_SYSREG(3, 0, 0, 7, 2);
    virCpregTrial t = { .id = id, .value = entry(src, id)->value,
                        .readback = entry(dst, id)->value, .has_readback = TRUE,
                        .result = VIR_CPREG_TRIAL_ACCEPTED };

    assert_int_not_equal(t.value, t.readback);
    g_array_append_val(dst->trials, t);
}

/* A source known only by KVM_GET_REG_LIST: ids, no values. */
static void
editNoValues(virCpregProfile *src, virCpregProfile *dst)
{
    guint i;

    (void)dst;
    for (i = 0; i < src->entries->len; i++)
        g_array_index(src->entries, virCpregEntry, i).flags &= ~VIR_CPREG_ENTRY_VALUE;
}

/* The destination runs its guests under TCG. */
static void
editTcg(virCpregProfile *src, virCpregProfile *dst)
{
    (void)src;
    g_free(dst->ident.accel);
    dst->ident.accel = g_strdup("tcg");
}

/* A source guest whose VMM enabled DISCOVER_IMPL_VER (bit 0). */
static void
editBmap2Enabled(virCpregProfile *src, virCpregProfile *dst)
{
    (void)dst;
    entry(src, VIR_CPREG_VENDOR_HYP_BMAP_2)->value = 0x1;
}

/* A predicted destination, unsure of its workaround level. */
static void
editPredictedLevel(virCpregProfile *src, virCpregProfile *dst)
{
    virCpregEntry *e = entry(dst, VIR_CPREG_SMCCC_ARCH_WORKAROUND_1);

    (void)src;
    e->flags |= VIR_CPREG_ENTRY_PREDICTED;
    e->uncertain = ~0ULL;
}

/* A predicted destination, unsure of ID_AA64MMFR1_EL1.HCX (43:40). */
static void
editPredictedHcx(virCpregProfile *src, virCpregProfile *dst)
{
    virCpregEntry *e = entry(dst, VIR_CPREG_SYSREG(3, 0, 0, 7, 1));

    (void)src;
    e->flags |= VIR_CPREG_ENTRY_PREDICTED;
    e->uncertain = 0xfULL << 40;
}

/* ---- the table --------------------------------------------------------- */

static const RuleCase ruleCases[VIR_CPREG_RULE_LAST] = {
    [VIR_CPREG_RULE_QEMU_LENGTH_CHECK] = {
        "6.12 -> 6.1 on QEMU 10.0: 258 registers into a list of 241",
        LAB("6.12", "pmu"), LAB("6.1", "pmu"), "10.0", NULL, NULL, NULL,
        NULL, STREAM, NULL, "qemu-length-check", BLOCK },
    [VIR_CPREG_RULE_QEMU_UNKNOWN] = {
        "6.12 -> 6.1 on QEMU 11.0: CCSIDR_L7I, a cache level 6.1 does not list, and no QEMU tolerates",
        LAB("6.12", "pmu"), LAB("6.1", "pmu"), "11.0", NULL, NULL, NULL,
        "CCSIDR_L7I", ONLY_SRC, NULL, "qemu-unknown-register", BLOCK },
    [VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER] = {
        "6.12 -> 7.2 on QEMU 11.0: TCR2_EL1 unknown to the destination, tolerated from 11.1",
        LAB("6.12", "pmu"), LAB("7.2", "pmu"), "11.0", NULL, NULL, NULL,
        "TCR2_EL1", ONLY_SRC, NULL, "qemu-unknown-register", BLOCK },
    [VIR_CPREG_RULE_QEMU_UNKNOWN_TCG] = {
        "TCG cortex-a57, QEMU 7.2 -> 10.0: 7.2's PAR (CP15_0_C7_C4_0_NS), which 10.0 does not list",
        TCG("7.2", "cortex-a57"), TCG("10.0", "cortex-a57"), "10.0", NULL, NULL, NULL,
        "CP15_0_C7_C4_0_NS", ONLY_SRC, NULL, "qemu-unknown-register", BLOCK },
    [VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER_TCG] = {
        "TCG max, QEMU 10.0.2 -> 7.2: the bogus AArch32 DBGDTRTX, which 11.1 tolerates",
        TCG("10.0", "max"), TCG("7.2", "max"), "7.2", NULL, NULL, NULL,
        "DBGDTRTX", ONLY_SRC, NULL, "qemu-unknown-register", BLOCK },
    [VIR_CPREG_RULE_QEMU_PAST_END_DROPPED] = {
        "7.2 -> 6.12 on QEMU 10.0: VENDOR_HYP_BMAP_2 sorts after 6.12's last register",
        LAB("7.2", "pmu"), LAB("6.12", "pmu"), "10.0", NULL, NULL, NULL,
        "KVM_REG_ARM_VENDOR_HYP_BMAP_2", ONLY_SRC, NULL, "qemu-past-end-dropped", WARN },
    [VIR_CPREG_RULE_QEMU_TOLERATED] = {
        "6.12 -> 7.2 on QEMU 11.1: TCR2_EL1 in the stream only, tolerated",
        LAB("6.12", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, NULL,
        "TCR2_EL1", ONLY_SRC, NULL, "qemu-tolerated", INFO },
    [VIR_CPREG_RULE_QEMU_MISSING_IN_STREAM] = {
        "6.1 -> 6.12 on QEMU 11.0: TCR2_EL1 (listed from 6.5) keeps its reset value",
        LAB("6.1", "pmu"), LAB("6.12", "pmu"), "11.0", NULL, NULL, NULL,
        "TCR2_EL1", ONLY_DST, NULL, "qemu-missing-in-stream", WARN },
    [VIR_CPREG_RULE_KVM_PSCI_VERSION] = {
        "7.2 -> 6.12 on QEMU 11.1, no pin: PSCI 1.3 is newer than 6.12's 1.1",
        LAB("7.2", "pmu"), LAB("6.12", "pmu"), "11.1", NULL, NULL, NULL,
        "KVM_REG_ARM_PSCI_VERSION", VALUE, NULL, "kvm-psci-version", BLOCK },
    [VIR_CPREG_RULE_KVM_WORKAROUND_LEVEL] = {
        "6.1 TCG max (not affected by Spectre-BHB) -> Graviton2 5.10: WORKAROUND_3 above the host's level",
        LAB("6.1", "base"), FC("N1", "5.10"), "11.1", NULL, NULL, NULL,
        "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3", VALUE, NULL, "kvm-workaround-level", BLOCK },
    [VIR_CPREG_RULE_KVM_BITMAP] = {
        "7.2 -> a 7.2 kernel without PV time: STD_HYP_BMAP enables a service the destination lacks",
        LAB("7.2", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editNoPvTime,
        "KVM_REG_ARM_STD_HYP_BMAP", VALUE, NULL, "kvm-hypercall-bitmap", BLOCK },
    [VIR_CPREG_RULE_KVM_IMP_ID] = {
        "Graviton2 (N1) 5.10 -> Graviton3 (V1) 5.10: MIDR_EL1 differs",
        FC("N1", "5.10"), FC("V1", "5.10"), "11.1", NULL, NULL, NULL,
        "MIDR_EL1", VALUE, NULL, "kvm-implementation-id", BLOCK },
    [VIR_CPREG_RULE_KVM_ID_FIXED] = {
        "6.1 -> 6.12: ID_AA64MMFR1_EL1.HCX, which 6.12 does not let userspace change",
        LAB("6.1", "pmu"), LAB("6.12", "pmu"), "11.1", NULL, NULL, NULL,
        "ID_AA64MMFR1_EL1", VALUE, "HCX", "kvm-id-field-fixed", BLOCK },
    [VIR_CPREG_RULE_KVM_ID_RAISED] = {
        "Graviton2 5.10 -> 6.12 TCG max: ID_AA64PFR0_EL1.EL3 of N1 is above the destination's",
        FC("N1", "5.10"), LAB("6.12", "base"), "11.1", NULL, NULL, NULL,
        "ID_AA64PFR0_EL1", VALUE, "EL3", "kvm-id-field-raised", BLOCK },
    [VIR_CPREG_RULE_KVM_ID_LOWERED] = {
        "6.1 -> 7.2: ID_AA64MMFR1_EL1.HCX, 7.2 lets userspace lower it",
        LAB("6.1", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, NULL,
        "ID_AA64MMFR1_EL1", VALUE, "HCX", "kvm-id-field-lowered", INFO },
    [VIR_CPREG_RULE_KVM_ID_UNORDERED] = {
        "Graviton2 5.10 -> 6.12 TCG max: ID_DFR0_EL1.MMapTrc, an Enum without order (arch/arm64/tools/sysreg)",
        FC("N1", "5.10"), LAB("6.12", "base"), "11.1", NULL, NULL, NULL,
        "ID_DFR0_EL1", VALUE, "MMapTrc", "kvm-id-field-unordered", UNCERTAIN },
    [VIR_CPREG_RULE_KVM_ID_INVARIANT] = {
        "6.12 -> 6.1: ID_AA64MMFR1_EL1 differs and 6.1 (before 6.7) takes only its own",
        LAB("6.12", "pmu"), LAB("6.1", "pmu"), "11.1", NULL, NULL, NULL,
        "ID_AA64MMFR1_EL1", VALUE, "HCX", "kvm-id-invariant", BLOCK },
    [VIR_CPREG_RULE_KVM_ID_NO_MASK] = {
        "Graviton2 5.10 -> Graviton2 6.18 (Firecracker, no writable masks): ID_AA64DFR0_EL1 differs",
        FC("N1", "5.10"), FC("N1", "6.18"), "11.1", NULL, NULL, NULL,
        "ID_AA64DFR0_EL1", VALUE, NULL, "kvm-id-no-mask", UNCERTAIN },
    [VIR_CPREG_RULE_KVM_AARCH32_IGNORED] = {
        "Graviton2 5.10 -> Graviton4 (V2, AArch64-only EL0) 5.10: ID_PFR0_EL1 ignored",
        FC("N1", "5.10"), FC("V2", "5.10"), "11.1", NULL, NULL, NULL,
        "ID_PFR0_EL1", VALUE, NULL, "kvm-aarch32-id-ignored", INFO },
    [VIR_CPREG_RULE_KVM_HOST_VALUE_IGNORED] = {
        "6.1 -> 7.2, same CPU: ID_AA64MMFR2_EL1.NV, the host's own value, accepted and ignored by 7.2",
        LAB("6.1", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, NULL,
        "ID_AA64MMFR2_EL1", VALUE, "NV", "kvm-host-value-ignored", INFO },
    [VIR_CPREG_RULE_KVM_HOST_VALUE_UNKNOWN] = {
        "Graviton3 (V1) 5.10 -> 6.12 TCG max: ID_AA64PFR0_EL1.MPAM of another CPU",
        FC("V1", "5.10"), LAB("6.12", "base"), "11.1", NULL, NULL, NULL,
        "ID_AA64PFR0_EL1", VALUE, "MPAM", "kvm-host-value-unknown", UNCERTAIN },
    [VIR_CPREG_RULE_KVM_CACHE_INVARIANT] = {
        "Graviton2 (N1) 5.10 -> Graviton3 (V1) 5.10: CCSIDR_L1D, another geometry before 6.3",
        FC("N1", "5.10"), FC("V1", "5.10"), "11.1", NULL, NULL, NULL,
        "CCSIDR_L1D", VALUE, NULL, "kvm-cache-invariant", BLOCK },
    [VIR_CPREG_RULE_KVM_CACHE_RES0] = {
        "a source whose CLIDR_EL1 sets bit 47 -> 7.2: set_clidr refuses reserved bits",
        LAB("7.2", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editClidrBit47,
        "CLIDR_EL1", VALUE, NULL, "kvm-cache-reserved-bits", BLOCK },
    [VIR_CPREG_RULE_KVM_TRIAL_REJECTED] = {
        "6.1 -> 7.2 with the destination's trial: its kernel refused ID_AA64MMFR1_EL1 (EINVAL)",
        LAB("6.1", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editTrialRejected,
        "ID_AA64MMFR1_EL1", VALUE, NULL, "kvm-trial-rejected", BLOCK },
    [VIR_CPREG_RULE_KVM_TRIAL_CHANGED] = {
        "6.12 -> 7.2 with the destination's trial: ID_AA64MMFR2_EL1 accepted, NV reads back hidden",
        LAB("6.12", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editTrialChanged,
        "ID_AA64MMFR2_EL1", VALUE, NULL, "kvm-trial-changed", INFO },
    [VIR_CPREG_RULE_KVM_NO_VALUE] = {
        "a KVM_GET_REG_LIST of 7.2 without values -> 7.2: MIDR_EL1 cannot be judged",
        LAB("7.2", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editNoValues,
        "MIDR_EL1", VALUE, NULL, "kvm-no-value", UNCERTAIN },
    [VIR_CPREG_RULE_TCG_CONSTANT] = {
        "TCG cortex-a57, QEMU 7.2 -> 10.0: the AArch32 ID_DFR0 (CP15_0_C0_C1_2_NS) 10.0 changed",
        TCG("7.2", "cortex-a57"), TCG("10.0", "cortex-a57"), "10.0", NULL, NULL, NULL,
        "CP15_0_C0_C1_2_NS", VALUE, NULL, "tcg-constant", BLOCK },
    [VIR_CPREG_RULE_TCG_CONSTANT_CPU] = {
        "7.2 -cpu neoverse-n1 -> a TCG -cpu max destination: MIDR_EL1 is a constant there",
        LABN1("7.2", "base"), LAB("7.2", "base"), "11.1", NULL, NULL, editTcg,
        "MIDR_EL1", VALUE, NULL, "tcg-constant", BLOCK },
    [VIR_CPREG_RULE_TCG_MISSING_CONSTANT] = {
        "TCG cortex-a57, QEMU 7.2 -> 10.0: RMR_EL1, constant 1 on 10.0, not in 7.2's stream",
        TCG("7.2", "cortex-a57"), TCG("10.0", "cortex-a57"), "10.0", NULL, NULL, NULL,
        "S3_0_C12_C0_2", ONLY_DST, NULL, "tcg-missing-constant", BLOCK },
    [VIR_CPREG_RULE_TCG_MISSING_IN_STREAM] = {
        "TCG cortex-a57, QEMU 7.2 -> 10.0: OSDTRRX_EL1, new in 10.0, gets an uninitialised value",
        TCG("7.2", "cortex-a57"), TCG("10.0", "cortex-a57"), "10.0", NULL, NULL, NULL,
        "OSDTRRX_EL1", ONLY_DST, NULL, "tcg-missing-in-stream", UNCERTAIN },
    [VIR_CPREG_RULE_TCG_NO_VALUE] = {
        "TCG cortex-a57, a source list without values -> 10.0: the AArch32 ID_DFR0 cannot be judged",
        TCG("7.2", "cortex-a57"), TCG("10.0", "cortex-a57"), "10.0", NULL, NULL, editNoValues,
        "CP15_0_C0_C1_2_NS", VALUE, NULL, "tcg-no-value", UNCERTAIN },
    [VIR_CPREG_RULE_TCG_MACHINE_TYPE] = {
        "TCG max, a QEMU 10.0 stream of virt-10.0 -> a 10.0 profile of virt-7.2: not the guest's registers",
        "streams/virt-max-smp2.qemu", TCG("10.0", "max"), "10.0", NULL, NULL, NULL,
        NULL, STREAM, NULL, "tcg-machine-type", UNCERTAIN },
    [VIR_CPREG_RULE_POLICY_DENY] = {
        "6.1 -> 7.2, the site denies any ID_AA64MMFR1_EL1 difference",
        LAB("6.1", "pmu"), LAB("7.2", "pmu"), "11.1", NULL,
        "{\"register\": \"ID_AA64MMFR1_EL1\", \"action\": \"deny\", \"reason\": \"site\"}", NULL,
        "ID_AA64MMFR1_EL1", VALUE, NULL, "policy-deny", BLOCK },
    [VIR_CPREG_RULE_POLICY_VALUE] = {
        "7.2 -> 7.2, the guest enabled DISCOVER_IMPL_VER: VENDOR_HYP_BMAP_2 = 1, the built-in policy wants 0",
        LAB("7.2", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editBmap2Enabled,
        "KVM_REG_ARM_VENDOR_HYP_BMAP_2", VALUE, NULL, "policy-value", BLOCK },
    [VIR_CPREG_RULE_POLICY_WARN] = {
        "6.1 -> 7.2, the site warns on any ID_AA64MMFR1_EL1 difference",
        LAB("6.1", "pmu"), LAB("7.2", "pmu"), "11.1", NULL,
        "{\"register\": \"ID_AA64MMFR1_EL1\", \"action\": \"warn\", \"reason\": \"site\"}", NULL,
        "ID_AA64MMFR1_EL1", VALUE, NULL, "policy-warn", WARN },
    [VIR_CPREG_RULE_PIN_PSCI] = {
        "6.12 -> 7.2 on QEMU 11.1: pin kvm-psci-version=1.1 on the destination",
        LAB("6.12", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, NULL,
        "KVM_REG_ARM_PSCI_VERSION", PIN, NULL, "pin-psci-version", INFO },
    [VIR_CPREG_RULE_PIN_UNAVAILABLE] = {
        "6.1 -> 7.2 on QEMU 10.0: PSCI 1.1 arrives, 10.0 has no kvm-psci-version to keep it",
        LAB("6.1", "pmu"), LAB("7.2", "pmu"), "10.0", NULL, NULL, NULL,
        "KVM_REG_ARM_PSCI_VERSION", PIN, NULL, "pin-unavailable", WARN },
    [VIR_CPREG_RULE_PIN_REFUSED] = {
        "6.12 -> 6.12, the domain pins kvm-psci-version=1.3, which 6.12 does not implement",
        LAB("6.12", "pmu"), LAB("6.12", "pmu"), "11.1", DOMAIN_PSCI("1.3"), NULL, NULL,
        "KVM_REG_ARM_PSCI_VERSION", PIN, NULL, "pin-refused", BLOCK },
    [VIR_CPREG_RULE_PIN_NO_PROPERTY] = {
        "7.2 -> 6.12 on QEMU 10.0, the domain pins kvm-psci-version=1.1, a property 10.0 lacks",
        LAB("7.2", "pmu"), LAB("6.12", "pmu"), "10.0", DOMAIN_PSCI("1.1"), NULL, NULL,
        "KVM_REG_ARM_PSCI_VERSION", PIN, NULL, "pin-no-property", BLOCK },
    [VIR_CPREG_RULE_PIN_NOT_APPLICABLE] = {
        "6.12 -> 7.2 on QEMU 11.1, a TCG guest: no kvm-psci-version to pin PSCI 1.1",
        LAB("6.12", "pmu"), LAB("7.2", "pmu"), "11.1", DOMAIN_TCG, NULL, NULL,
        "KVM_REG_ARM_PSCI_VERSION", PIN, NULL, "pin-not-applicable", WARN },
    [VIR_CPREG_RULE_PREDICTED_UNCERTAIN] = {
        "7.2 -> 7.2 predicted: WORKAROUND_1 uncertain, and a level decides KVM's write",
        LAB("7.2", "pmu"), LAB("7.2", "pmu"), "11.1", NULL, NULL, editPredictedLevel,
        "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", VALUE, NULL, "predicted-uncertain", UNCERTAIN },
    [VIR_CPREG_RULE_PREDICTED_UNCERTAIN_FIELD] = {
        "6.1 -> 6.12 predicted: the refused ID_AA64MMFR1_EL1.HCX is uncertain",
        LAB("6.1", "pmu"), LAB("6.12", "pmu"), "11.1", NULL, NULL, editPredictedHcx,
        "ID_AA64MMFR1_EL1", VALUE, "HCX", "predicted-uncertain", UNCERTAIN },
};

static virCpregProfile *
load(const char *relative)
{
    g_autofree char *path = testFixture(relative);
    g_autoptr(GError) error = NULL;
    virCpregProfile *p = virCpregProfileLoad(path, &error);

    if (!p)
        fail_msg("%s: %s", relative, error->message);
    return p;
}

static virCpregPolicy *
policyFor(const RuleCase *c)
{
    virCpregPolicy *policy = virCpregPolicyNew();
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;

    if (!c->policy)
        return policy;
    text = g_strdup_printf("{\"libvirt-cpreg-policy\": 1, \"rules\": [%s]}", c->policy);
    path = testWriteTemp("rules-policy.json", text, -1);
    if (!virCpregPolicyLoadFile(policy, path, &error))
        fail_msg("%s: %s", c->name, error->message);
    return policy;
}

static const char *
findingField(const virCpregFinding *f)
{
    return f->field ? f->field->name : NULL;
}

static virCpregVerdict *
runCase(const RuleCase *c, gboolean edited)
{
    g_autoptr(virCpregProfile) src = load(c->src);
    g_autoptr(virCpregProfile) dst = load(c->dst);
    g_autoptr(virCpregPolicy) policy = policyFor(c);
    g_autoptr(virCpregDomain) domain = NULL;
    g_autoptr(GError) error = NULL;
    virCpregCheckOptions opts = { .dest_qemu = c->qemu, .policy = policy };
    virCpregVerdict *v;

    if (c->domain &&
        !(domain = virCpregDomainParse("domain.xml", c->domain, strlen(c->domain), &error)))
        fail_msg("%s: %s", c->name, error->message);
    opts.domain = domain;
    if (edited && c->edit)
        c->edit(src, dst);
    if (!(v = virCpregCheck(src, dst, &opts, &error)))
        fail_msg("%s: %s", c->name, error->message);
    return v;
}

static gboolean
onRegister(const RuleCase *c, guint64 id, const virCpregFinding *f)
{
    return f->id == id && f->kind == c->kind && g_strcmp0(findingField(f), c->field) == 0;
}

/* The rule's texts have every placeholder filled: the finding carries
 * each value its rule's text asks for (a release, a fix, an errno...). */
static void
checkTexts(const RuleCase *c, const virCpregVerdict *v, const virCpregFinding *f)
{
    g_autofree char *msg = virCpregFindingMessage(v, f);
    g_autofree char *remedy = virCpregFindingRemedy(v, f);

    if (strchr(msg, '{') || (remedy && strchr(remedy, '{')))
        fail_msg("%s: a placeholder is left: %s / %s", c->name, msg, remedy ? remedy : "");
    if (!virCpregRuleAppliesTo(f->rule, v->tcg))
        fail_msg("%s: %s judged a %s destination", c->name, virCpregRuleGet(f->rule)->name,
                 v->tcg ? "TCG" : "KVM");
}

/*
 * Every finding on the row's register (and field, and kind) names the
 * row's rule, with the row's severity; there is at least one. A row that
 * edits a fixture also shows that without the edit the rule stays quiet
 * there: the edited fact is what fires it.
 */
static void
checkCase(const RuleCase *c, virCpregRule rule)
{
    g_autoptr(virCpregVerdict) v = runCase(c, TRUE);
    g_autoptr(GError) error = NULL;
    guint64 id = 0;
    guint i, matched = 0;

    if (c->reg && !virCpregIdParse(c->reg, &id, &error))
        fail_msg("%s: %s", c->name, error->message);
    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        if (!onRegister(c, id, f))
            continue;
        matched++;
        checkTexts(c, v, f);
        if (f->rule != rule || f->severity != c->severity)
            fail_msg("%s: %s%s%s fired %s (%s), expected %s (%s)", c->name,
                     c->reg ? c->reg : "the stream", c->field ? "." : "",
                     c->field ? c->field : "", virCpregRuleGet(f->rule)->name,
                     virCpregSeverityToString(f->severity), c->rule_name,
                     virCpregSeverityToString(c->severity));
    }
    if (!matched)
        fail_msg("%s: no %s finding on %s%s%s (verdict %s)", c->name,
                 virCpregFindingKindToString(c->kind), c->reg ? c->reg : "the stream",
                 c->field ? "." : "", c->field ? c->field : "",
                 virCpregVerdictKindToString(v->kind));
    assert_string_equal(virCpregRuleGet(rule)->name, c->rule_name);
    assert_int_equal(virCpregRuleGet(rule)->severity, c->severity);

    if (c->edit) {
        g_autoptr(virCpregVerdict) control = runCase(c, FALSE);
        for (i = 0; i < control->findings->len; i++) {
            const virCpregFinding *f = &g_array_index(control->findings, virCpregFinding, i);
            if (onRegister(c, id, f) && f->rule == rule)
                fail_msg("%s: %s fires without the edit too", c->name, c->rule_name);
        }
    }
}

static void
testRule(void **state)
{
    virCpregRule rule = (virCpregRule)GPOINTER_TO_INT(*state);

    checkCase(&ruleCases[rule], rule);
}

/* A rule added to cpreg-rules.h without a row here fails. */
static void
testEveryRuleHasARow(void **state)
{
    int rule;

    (void)state;
    for (rule = 0; rule < VIR_CPREG_RULE_LAST; rule++) {
        if (!ruleCases[rule].name)
            fail_msg("rule %s has no row in test-rules.c",
                     virCpregRuleGet(rule)->name);
    }
}

/*
 * Which rules judge which accelerator: the kernel's (kvm-*, and the QEMU
 * rules whose texts name the destination's kernel) only KVM, the TCG
 * write-back's only TCG; under TCG the kernel is irrelevant, so no TCG
 * rule's text names one.
 */
static void
testRuleAccelerators(void **state)
{
    int rule;

    (void)state;
    for (rule = 0; rule < VIR_CPREG_RULE_LAST; rule++) {
        const virCpregRuleInfo *r = virCpregRuleGet(rule);
        gboolean kernel = strstr(r->message, "kernel") || (r->remedy && strstr(r->remedy, "kernel"));

        if (g_str_has_prefix(r->name, "kvm-") && r->accel != VIR_CPREG_ACCEL_KVM)
            fail_msg("%s is a kernel rule, for %s", r->name, virCpregAccelToString(r->accel));
        if (g_str_has_prefix(r->name, "tcg-") && r->accel != VIR_CPREG_ACCEL_TCG)
            fail_msg("%s is a TCG rule, for %s", r->name, virCpregAccelToString(r->accel));
        if (kernel && r->accel != VIR_CPREG_ACCEL_KVM)
            fail_msg("%s names a kernel but judges %s destinations", r->name,
                     virCpregAccelToString(r->accel));
        assert_int_equal(virCpregRuleAppliesTo(rule, TRUE), r->accel != VIR_CPREG_ACCEL_KVM);
        assert_int_equal(virCpregRuleAppliesTo(rule, FALSE), r->accel != VIR_CPREG_ACCEL_TCG);
    }
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    struct CMUnitTest every = cmocka_unit_test(testEveryRuleHasARow);
    struct CMUnitTest accel = cmocka_unit_test(testRuleAccelerators);
    int rule;

    g_array_append_val(tests, every);
    g_array_append_val(tests, accel);
    for (rule = 0; rule < VIR_CPREG_RULE_LAST; rule++) {
        struct CMUnitTest t = cmocka_unit_test_prestate(testRule, GINT_TO_POINTER(rule));
        if (!ruleCases[rule].name)
            continue;
        t.name = ruleCases[rule].name;
        g_array_append_val(tests, t);
    }
    return _cmocka_run_group_tests("rules", (const struct CMUnitTest *)(gpointer)tests->data,
                                   tests->len, NULL, NULL);
}
