/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-knowledge.c: what each register is, and what each kernel and each
 * QEMU release does with it (see cpreg-knowledge.h)
 *
 * Sources: the kernel's uapi arch/arm64/include/uapi/asm/kvm.h,
 * Documentation/virt/kvm/arm/fw-pseudo-registers.rst, arch/arm64/kvm/
 * hypercalls.c (firmware registers) and sys_regs.c (ID and cache
 * registers); QEMU's target/arm/machine.c (cpu_post_load), kvm.c and
 * cpu64.c (kvm_arm_set_cpreg_mig_tolerances). A new kernel or QEMU fact is
 * a new row here, and nothing else.
 */
#include "config.h"

#include "cpreg-knowledge.h"

/* tests/test-knowledge.c builds this file with one extra row */
#ifdef VIR_CPREG_TEST_ROWS
# include VIR_CPREG_TEST_ROWS
#endif

/* ---- registers ------------------------------------------------------------ */

#define ID_AA64MMFR2_EL1 VIR_CPREG_SYSREG(3, 0, 0, 7, 2)
#define ID_AA64PFR0_EL1 VIR_CPREG_SYSREG(3, 0, 0, 4, 0)
#define ID_AA64PFR1_EL1 VIR_CPREG_SYSREG(3, 0, 0, 4, 1)

/* QEMU's TCG ids of 32-bit AArch32 registers (QEMU's ENCODE_CP_REG) */
#define AARCH32_REG(cp, opc1, crn, crm, opc2) \
    (VIR_CPREG_ARCH_ARM | VIR_CPREG_SIZE_U32 | (guint64)(cp) << 16 | \
     (guint64)(crn) << 11 | (guint64)(crm) << 7 | (guint64)(opc1) << 3 | (guint64)(opc2))
#define AARCH32_NS (1ULL << 29)
#define AARCH32_CRM (0xfULL << 7)
#define AARCH32_OPC2 0x7ULL

#define TCR2_EL1 VIR_CPREG_SYSREG(3, 0, 2, 0, 3)
#define PIRE0_EL1 VIR_CPREG_SYSREG(3, 0, 10, 2, 2)
#define PIR_EL1 VIR_CPREG_SYSREG(3, 0, 10, 2, 3)

/* Registers some kernels list whatever the CPU (see the kernel rows). */
#define LISTED_WHATEVER_THE_CPU(reg, enc) { \
    .name = reg, .id = enc, .write = VIR_CPREG_WRITE_STATE, \
    .policy = { .set = TRUE, .action = VIR_CPREG_POLICY_IGNORE_IF_PRESENT }, \
    .cite = "sys_regs.c sys_reg_descs", \
}

/*
 * The built-in policy has three categories of troublesome register:
 * a. controls: the value selects what the guest sees; pin it.
 * b. exposed but should not have been: ignore if present.
 * c. newly exposed: ignore if present at its safe default.
 * First match wins for the write rule; a register no row matches holds
 * guest state, which KVM stores whatever the value.
 */
static const virCpregRegInfo regInfo[] = {
    {
        .name = "KVM_REG_ARM_PSCI_VERSION", .id = VIR_CPREG_PSCI_VERSION,
        .value = VIR_CPREG_VALUE_PSCI, .write = VIR_CPREG_WRITE_PSCI,
        .policy = { .set = TRUE, .action = VIR_CPREG_POLICY_PIN },
        .cite = "hypercalls.c kvm_arm_set_fw_reg",
    },
    {
        .name = "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", .id = VIR_CPREG_SMCCC_ARCH_WORKAROUND_1,
        .value = VIR_CPREG_VALUE_LEVEL, .names = { "NOT_AVAIL", "AVAIL", "NOT_REQUIRED" },
        .write = VIR_CPREG_WRITE_LEVEL,
        .cite = "hypercalls.c kvm_arm_set_fw_reg",
    },
    {
        .name = "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2", .id = VIR_CPREG_SMCCC_ARCH_WORKAROUND_2,
        .value = VIR_CPREG_VALUE_LEVEL,
        .names = { "NOT_AVAIL", "UNKNOWN", "AVAIL", "NOT_REQUIRED" },
        .write = VIR_CPREG_WRITE_LEVEL_WA2,
        .cite = "hypercalls.c kvm_arm_set_fw_reg",
    },
    {
        /* 5.17, stable backports */
        .name = "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3", .id = VIR_CPREG_SMCCC_ARCH_WORKAROUND_3,
        .value = VIR_CPREG_VALUE_LEVEL, .names = { "NOT_AVAIL", "AVAIL", "NOT_REQUIRED" },
        .write = VIR_CPREG_WRITE_LEVEL,
        .cite = "hypercalls.c kvm_arm_set_fw_reg",
    },
    /* The hypercall bitmaps reset to every service the kernel offers. */
    {
        .name = "KVM_REG_ARM_STD_BMAP", .id = VIR_CPREG_STD_BMAP,
        .value = VIR_CPREG_VALUE_BITMAP, .names = { "TRNG_V1_0" },
        .write = VIR_CPREG_WRITE_BITMAP,
        .cite = "hypercalls.c kvm_arm_set_fw_reg_bmap",
    },
    {
        .name = "KVM_REG_ARM_STD_HYP_BMAP", .id = VIR_CPREG_STD_HYP_BMAP,
        .value = VIR_CPREG_VALUE_BITMAP, .names = { "PV_TIME" },
        .write = VIR_CPREG_WRITE_BITMAP,
        .cite = "hypercalls.c kvm_arm_set_fw_reg_bmap",
    },
    {
        .name = "KVM_REG_ARM_VENDOR_HYP_BMAP", .id = VIR_CPREG_VENDOR_HYP_BMAP,
        .value = VIR_CPREG_VALUE_BITMAP, .names = { "FUNC_FEAT", "PTP" },
        .write = VIR_CPREG_WRITE_BITMAP,
        .cite = "hypercalls.c kvm_arm_set_fw_reg_bmap",
    },
    {
        /* resets to 0, takes the bits it knows */
        .name = "KVM_REG_ARM_VENDOR_HYP_BMAP_2", .id = VIR_CPREG_VENDOR_HYP_BMAP_2,
        .value = VIR_CPREG_VALUE_BITMAP, .names = { "DISCOVER_IMPL_VER", "DISCOVER_IMPL_CPUS" },
        .write = VIR_CPREG_WRITE_BITMAP_KNOWN,
        .policy = { .set = TRUE, .action = VIR_CPREG_POLICY_IGNORE_IF_PRESENT, .has_value = TRUE,
                    .value = 0 },
        .cite = "hypercalls.c kvm_arm_set_fw_reg_bmap",
    },
    LISTED_WHATEVER_THE_CPU("TCR2_EL1", TCR2_EL1),
    LISTED_WHATEVER_THE_CPU("PIRE0_EL1", PIRE0_EL1),
    LISTED_WHATEVER_THE_CPU("PIR_EL1", PIR_EL1),
    /* Writable since 6.15 only once the VMM enables
     * KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, which QEMU does not. Under TCG
     * the ID registers are ARM_CP_CONST (QEMU's helper.c, cpu64.c). */
    { .name = "MIDR_EL1", .id = VIR_CPREG_SYSREG(3, 0, 0, 0, 0),
      .write = VIR_CPREG_WRITE_IMP_ID, .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "sys_regs.c set_imp_id_reg" },
    { .name = "REVIDR_EL1", .id = VIR_CPREG_SYSREG(3, 0, 0, 0, 6),
      .write = VIR_CPREG_WRITE_IMP_ID, .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "sys_regs.c set_imp_id_reg" },
    { .name = "AIDR_EL1", .id = VIR_CPREG_SYSREG(3, 1, 0, 0, 7),
      .write = VIR_CPREG_WRITE_IMP_ID, .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "sys_regs.c set_imp_id_reg" },
    { .name = "MPIDR_EL1", .id = VIR_CPREG_SYSREG(3, 0, 0, 0, 5),
      .write = VIR_CPREG_WRITE_PER_VCPU, .cite = "sys_regs.c reset_mpidr" },
    { .name = "CLIDR_EL1", .id = VIR_CPREG_SYSREG(3, 1, 0, 0, 1),
      .write = VIR_CPREG_WRITE_CACHE, .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "sys_regs.c set_clidr" },
    { .name = "CCSIDR (demux)", .id = VIR_CPREG_CCSIDR_BASE, .mask = ~0xffULL,
      .write = VIR_CPREG_WRITE_CACHE, .cite = "sys_regs.c set_ccsidr" },
    { .name = "ID registers (op0 3, op1 0, CRn 0, CRm 0..7)",
      .id = VIR_CPREG_SYSREG(3, 0, 0, 0, 0), .mask = ~0x3fULL,
      .write = VIR_CPREG_WRITE_ID_FIELDS, .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "sys_regs.c set_id_reg, arm64_check_features" },
    { .name = "CTR_EL0", .id = VIR_CPREG_SYSREG(3, 3, 0, 0, 1),
      .write = VIR_CPREG_WRITE_ID_FIELDS, .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "sys_regs.c set_ctr_el0" },
    /* The generic timer's counters and timers (CRm 0..3; the PMU's event
     * counters follow in CRm 8..15): the value is the moment's (the lab's
     * probes of one kernel differ in CNTPCT_EL0 and in KVM's CNTVCT id);
     * KVM stores any value (guest state). */
    { .name = "generic timer registers (op0 3, op1 3, CRn 14, CRm 0..3)",
      .id = VIR_CPREG_SYSREG(3, 3, 14, 0, 0), .mask = ~0x1fULL,
      .write = VIR_CPREG_WRITE_STATE, .transient = TRUE,
      .cite = "arch_timer.c kvm_arm_timer_set_reg" },
    /*
     * Registers only QEMU's TCG lists (KVM never lists them, so their KVM
     * write rule is moot). RMR_EL1 and its AArch32 view RMR: ARM_CP_CONST
     * 1 for an AArch64 CPU without EL2 and EL3 (helper.c el1_reset_regs,
     * 10.0; not in 7.2's list). A mask of all ones keeps this row of one
     * register out of the naming (cpreg-id.c names RMR_EL1).
     */
    { .name = "RMR_EL1", .id = VIR_CPREG_SYSREG(3, 0, 12, 0, 2), .mask = ~0ULL,
      .tcg = VIR_CPREG_TCG_CONSTANT, .cite = "QEMU helper.c el1_reset_regs (ARM_CP_CONST)" },
    /* the IMPLEMENTATION DEFINED space: QEMU defines every register of
     * it as ARM_CP_CONST (cortex-regs.c, tcg/cpu64.c: 7.2, 10.0, 10.2) */
    { .name = "IMPLEMENTATION DEFINED registers (op0 3, CRn 15)",
      .id = VIR_CPREG_SYSREG(3, 0, 15, 0, 0), .mask = ~0x387fULL,
      .tcg = VIR_CPREG_TCG_CONSTANT, .cite = "QEMU cortex-regs.c, tcg/cpu64.c (ARM_CP_CONST)" },
    /* AArch32 views (QEMU's ids: KVM_REG_ARM | U32 | ns<<29 | cp<<16 |
     * crn<<11 | crm<<7 | opc1<<3 | opc2); the rows cover both banks */
    { .name = "RMR (AArch32)", .id = AARCH32_REG(15, 0, 12, 0, 2), .mask = ~AARCH32_NS,
      .tcg = VIR_CPREG_TCG_CONSTANT, .cite = "QEMU helper.c el1_reset_regs (ARM_CP_STATE_BOTH)" },
    { .name = "AArch32 ID registers (cp15, opc1 0, CRn 0)",
      .id = AARCH32_REG(15, 0, 0, 0, 0), .mask = ~(AARCH32_NS | AARCH32_CRM | AARCH32_OPC2),
      .tcg = VIR_CPREG_TCG_CONSTANT, .cite = "QEMU helper.c, cpu64.c: v6/v8 ID registers (ARM_CP_CONST)" },
    { .name = "AArch32 cache ID registers (cp15, opc1 1, CRn 0, CRm 0: CLIDR, AIDR)",
      .id = AARCH32_REG(15, 1, 0, 0, 0), .mask = ~(AARCH32_NS | AARCH32_OPC2),
      .tcg = VIR_CPREG_TCG_CONSTANT, .cite = "QEMU helper.c CLIDR, AIDR (ARM_CP_CONST)" },
    { .name = "DBGDIDR", .id = AARCH32_REG(14, 0, 0, 0, 0), .mask = ~AARCH32_NS,
      .tcg = VIR_CPREG_TCG_CONSTANT, .cite = "QEMU debug_helper.c DBGDIDR (ARM_CP_CONST)" },
    /* QEMU encodes them CRn 7, CRm 0, opc2 0..2 */
    { .name = "DBGDEVID2, DBGDEVID1, DBGDEVID", .id = AARCH32_REG(14, 0, 7, 0, 0),
      .mask = ~(AARCH32_NS | 0x3ULL), .tcg = VIR_CPREG_TCG_CONSTANT,
      .cite = "QEMU debug_helper.c DBGDEVID, DBGDEVID1, DBGDEVID2 (ARM_CP_CONST)" },
};

#undef LISTED_WHATEVER_THE_CPU

/* The first row covering @id, or NULL. */
const virCpregRegInfo *
virCpregKnowledgeReg(guint64 id)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(regInfo); i++) {
        const virCpregRegInfo *r = &regInfo[i];
        if (r->mask ? (id & r->mask) == r->id : id == r->id)
            return r;
    }
    return NULL;
}

const virCpregRegInfo *
virCpregKnowledgeRegs(size_t *count)
{
    *count = G_N_ELEMENTS(regInfo);
    return regInfo;
}

/* ---- kernel releases ------------------------------------------------------ */

/*
 * What a kernel release changed. Fields older kernels leaked to userspace
 * and newer ones hide: a write of the host's own value is accepted and
 * ignored (sys_regs.c set_id_reg). ID_AA64MMFR2_EL1.NV: 6.12 reports the
 * host's NV, 7.2 hides it and accepts 6.12's value (measured in the lab).
 */
static const virCpregKernelRow kernelRows[] = {
    { .release = "6.3", .change = VIR_CPREG_KERNEL_CACHE_WRITABLE,
      .cite = "sys_regs.c set_ccsidr, set_clidr" },
    { .release = "6.7", .change = VIR_CPREG_KERNEL_ID_WRITABLE,
      .cite = "sys_regs.c set_id_reg, arm64_check_features" },
    { .release = "6.8", .change = VIR_CPREG_KERNEL_ID_MASKS,
      .cite = "KVM_ARM_GET_REG_WRITABLE_MASKS" },
    { .release = "6.10", .change = VIR_CPREG_KERNEL_HIDES,
      .id = ID_AA64PFR0_EL1, .field = "MPAM",
      .why = "MPAM is hidden from guests unless enabled",
      .cite = "sys_regs.c sanitise_id_aa64pfr0_el1" },
    { .release = "6.10", .change = VIR_CPREG_KERNEL_HIDES,
      .id = ID_AA64PFR1_EL1, .field = "MPAM_frac",
      .why = "MPAM is hidden from guests unless enabled",
      .cite = "sys_regs.c set_id_aa64pfr1_el1" },
    { .release = "6.15", .change = VIR_CPREG_KERNEL_HIDES,
      .id = ID_AA64MMFR2_EL1, .field = "NV",
      .why = "the deprecated NV field is hidden from guests",
      .cite = "sys_regs.c sanitise_id_aa64mmfr2_el1" },
    /* TCR2_EL1 and the S1PIE registers, listed whatever the CPU, then
     * only for a CPU that has the feature */
    { .release = "6.5", .last = "6.12", .change = VIR_CPREG_KERNEL_LISTS_ALWAYS,
      .id = TCR2_EL1, .cite = "sys_regs.c sys_reg_descs (FEAT_TCR2)" },
    { .release = "6.5", .last = "6.12", .change = VIR_CPREG_KERNEL_LISTS_ALWAYS,
      .id = PIRE0_EL1, .cite = "sys_regs.c sys_reg_descs (FEAT_S1PIE)" },
    { .release = "6.5", .last = "6.12", .change = VIR_CPREG_KERNEL_LISTS_ALWAYS,
      .id = PIR_EL1, .cite = "sys_regs.c sys_reg_descs (FEAT_S1PIE)" },
    { .release = "6.13", .change = VIR_CPREG_KERNEL_UNLISTS, .id = TCR2_EL1,
      .cite = "0fcb4eea5345" },
    { .release = "6.13", .change = VIR_CPREG_KERNEL_UNLISTS, .id = PIRE0_EL1,
      .cite = "a68cddbe47ef" },
    { .release = "6.13", .change = VIR_CPREG_KERNEL_UNLISTS, .id = PIR_EL1,
      .cite = "a68cddbe47ef" },
    { .release = "6.15", .change = VIR_CPREG_KERNEL_ADDS, .id = VIR_CPREG_VENDOR_HYP_BMAP_2,
      .cite = "hypercalls.c KVM_REG_ARM_VENDOR_HYP_BMAP_2" },
    /* the PSCI version a vCPU gets, the newest the kernel implements */
    { .release = "5.18", .change = VIR_CPREG_KERNEL_PSCI_DEFAULT, .id = VIR_CPREG_PSCI_VERSION,
      .value = 0x10001, .cite = "psci.h KVM_ARM_PSCI_LATEST (PSCI 1.1)" },
    { .release = "6.13", .change = VIR_CPREG_KERNEL_PSCI_DEFAULT, .id = VIR_CPREG_PSCI_VERSION,
      .value = 0x10003, .cite = "psci.h KVM_ARM_PSCI_LATEST (PSCI 1.3)" },
#ifdef VIR_CPREG_TEST_KERNEL_ROW
    VIR_CPREG_TEST_KERNEL_ROW,
#endif
};

const virCpregKernelRow *
virCpregKnowledgeKernel(size_t *count)
{
    *count = G_N_ELEMENTS(kernelRows);
    return kernelRows;
}

/* The first release that made @change (one that is not per register). */
const virCpregKernelRow *
virCpregKnowledgeKernelFirst(virCpregKernelChange change)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(kernelRows); i++) {
        if (kernelRows[i].change == change)
            return &kernelRows[i];
    }
    g_return_val_if_reached(NULL);
}

/* The newest row of @change about @id (rows come oldest first), or NULL. */
const virCpregKernelRow *
virCpregKnowledgeKernelFor(virCpregKernelChange change, guint64 id)
{
    const virCpregKernelRow *r = kernelRows + G_N_ELEMENTS(kernelRows);

    while (r-- > kernelRows) {
        if (r->change == change && r->id == id)
            return r;
    }
    return NULL;
}

/* ---- QEMU releases -------------------------------------------------------- */

/*
 * Oldest first. A release keeps the tolerances of the ones before it.
 * KVM tolerances are registered by aarch64_host_initfn, so they cover
 * -cpu host and -cpu max under KVM.
 */
#define LENGTH_ERROR "Failed to load cpu:cpreg_vmstate_array_len"

/*
 * 7.2 to 10.0: the same for KVM, read in each release's target/arm/
 * machine.c (cpu_post_load), kvm.c (write_list_to_kvmstate) and
 * migration/vmstate-types.c (get_int32_le). Fixed-size arrays, bounded by
 * the destination's own list length; one walk over both sorted lists
 * that ends with the destination's, so incoming ids past its last id are
 * dropped unseen, an incoming id it does not list fails the load unnamed,
 * and a register missing from the stream keeps its reset value; every
 * register of the destination's list is written back at load. No
 * tolerances, no kvm-psci-version. The sources read are cited per row
 * (Debian's and the releases' own trees; upstream hashes where known).
 */
static const virCpregQemuModel qemuReleases[] = {
    {
        /* a register KVM refuses when the vCPU starts is dropped silently
         * (kvm-all.c ignores kvm_arch_put_registers' result): not a load
         * verdict. No file: migration transport. */
        .version = "7.2", .major = 7, .minor = 2,
        .length_check = TRUE, .length_error = LENGTH_ERROR,
        .cite = "7.2.0 and Debian 1:7.2+dfsg-7+deb12u18 (7.2.22): machine.c cpu_post_load",
    },
    {
        /* a refused put at vCPU start is fatal ("Failed to put registers
         * after init"); TCG lists the bogus AArch32 DBGDTRTX from here */
        .version = "8.2", .major = 8, .minor = 2,
        .length_check = TRUE, .length_error = LENGTH_ERROR,
        .cite = "8.2.2: machine.c cpu_post_load, accel/kvm/kvm-all.c",
    },
    {
        /* migrate-incoming gains exit-on-error (default true) */
        .version = "9.1", .major = 9, .minor = 1,
        .length_check = TRUE, .length_error = LENGTH_ERROR,
        .cite = "9.0.0 and 9.2.4 identical in cpu_post_load and kvm.c; qapi/migration.json exit-on-error (since 9.1)",
    },
    {
        .version = "9.2", .major = 9, .minor = 2,
        .length_check = TRUE, .length_error = LENGTH_ERROR,
        .cite = "9.2.4: machine.c cpu_post_load, kvm.c write_list_to_kvmstate",
    },
    {
        .version = "10.0", .major = 10, .minor = 0,
        .length_check = TRUE, .length_error = LENGTH_ERROR,
        .cite = "Debian 1:10.0.13+ds-0+deb13u1: machine.c cpu_post_load up to 10.1",
    },
    {
        /* write_list_to_kvmstate names the register it cannot set
         * (target-arm.next, September 2025), and the migration core
         * chains its errors: the same verdicts, other messages */
        .version = "10.2", .major = 10, .minor = 2,
        .length_check = TRUE,
        .length_error = "Failed to load element of type int32 le for cpreg_vmstate_array_len: -22",
        .cite = "Debian 1:10.2.2+ds-1: kvm.c write_list_to_kvmstate names failures; vmstate.c Error chains",
    },
    {
        /* no length check; both lists are walked to their ends and every
         * unknown register is reported; kvm-psci-version (Sebastian Ott,
         * v6 February 2026) */
        .version = "11.0", .major = 11, .minor = 0,
        .checks_past_end = TRUE, .psci_property = TRUE,
        .cite = "ab2ddc7b66 VMSTATE_VARRAY_INT32_ALLOC; kvm-psci-version property",
    },
    {
        .version = "11.1", .major = 11, .minor = 1,
        .checks_past_end = TRUE, .psci_property = TRUE,
        .tolerates = (const virCpregTolerance[]) {
            /* the kernel rows say why */
            { .id = TCR2_EL1, .how = VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS },
            { .id = PIRE0_EL1, .how = VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS },
            { .id = PIR_EL1, .how = VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS },
            { .id = VIR_CPREG_VENDOR_HYP_BMAP_2, .how = VIR_CPREG_TOLERATE_SRC_VALUE,
              .mask = G_MAXUINT64, .value = 0 },
            { .id = 0x40200000200e0298ULL, .how = VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS, .tcg = TRUE,
              .why = "QEMU's bogus AArch32 DBGDTRTX (TCG), removed by 202126dcb9d6" },
            { 0 },
        },
        .cite = "bb36be6fd799..234b3eaddd4f cpreg migration tolerances",
    },
#ifdef VIR_CPREG_TEST_QEMU_ROW
    VIR_CPREG_TEST_QEMU_ROW,
#endif
};

const virCpregQemuModel *
virCpregKnowledgeQemu(size_t *count)
{
    *count = G_N_ELEMENTS(qemuReleases);
    return qemuReleases;
}

/* The oldest modelled release with @change, or NULL. */
const virCpregQemuModel *
virCpregKnowledgeQemuFirst(virCpregQemuChange change)
{
    const virCpregQemuModel *m = qemuReleases;
    const virCpregQemuModel *end = qemuReleases + G_N_ELEMENTS(qemuReleases);

    while (m < end &&
           !(change == VIR_CPREG_QEMU_PSCI_PROPERTY ? m->psci_property : !m->length_check))
        m++;
    return m < end ? m : NULL;
}
