/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-id.c: register ids: every class, every example of the facts we
 * model, and every id of every real fixture
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-engine.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-knowledge.h"
#include "cpreg-profile.h"
#include "cpreg-regtables.h"
#include "testutils.h"

typedef struct {
    const char *input;        /* what a user types */
    guint64 id;               /* the KVM id, from the uapi by hand */
    const char *name;         /* what virCpregIdFormat() must say */
    virCpregClass klass;
} IdCase;

/* Expected ids computed by hand from the uapi formulas (FACTS §1). */
static const IdCase idCases[] = {
    /* SYSREG: 0x6030000000130000 | op0<<14 | op1<<11 | CRn<<7 | CRm<<3 | op2 */
    { "MIDR_EL1", 0x603000000013c000ULL, "MIDR_EL1", VIR_CPREG_CLASS_SYSREG },
    { "TCR2_EL1", 0x603000000013c103ULL, "TCR2_EL1", VIR_CPREG_CLASS_SYSREG },
    { "S3_0_C2_C0_3", 0x603000000013c103ULL, "TCR2_EL1", VIR_CPREG_CLASS_SYSREG },
    { "tcr2_el1", 0x603000000013c103ULL, "TCR2_EL1", VIR_CPREG_CLASS_SYSREG },
    { "PIRE0_EL1", 0x603000000013c512ULL, "PIRE0_EL1", VIR_CPREG_CLASS_SYSREG },
    { "PIR_EL1", 0x603000000013c513ULL, "PIR_EL1", VIR_CPREG_CLASS_SYSREG },
    { "POR_EL1", 0x603000000013c514ULL, "POR_EL1", VIR_CPREG_CLASS_SYSREG },
    { "SCTLR2_EL1", 0x603000000013c083ULL, "SCTLR2_EL1", VIR_CPREG_CLASS_SYSREG },
    { "ID_AA64MMFR2_EL1", 0x603000000013c03aULL, "ID_AA64MMFR2_EL1", VIR_CPREG_CLASS_SYSREG },
    /* the KVM timer ABI: named by meaning, not by the architectural encoding */
    { "CNTV_CTL_EL0", 0x603000000013df19ULL, "CNTV_CTL_EL0", VIR_CPREG_CLASS_SYSREG },
    { "CNTV_CVAL_EL0", 0x603000000013df02ULL, "CNTV_CVAL_EL0", VIR_CPREG_CLASS_SYSREG },
    { "CNTVCT_EL0", 0x603000000013df1aULL, "CNTVCT_EL0", VIR_CPREG_CLASS_SYSREG },
    { "S3_3_C14_C0_2", 0x603000000013df02ULL, "CNTV_CVAL_EL0", VIR_CPREG_CLASS_SYSREG },
    /* no known name: the generic form */
    { "S3_6_C15_C15_7", 0x603000000013f7ffULL, "S3_6_C15_C15_7", VIR_CPREG_CLASS_SYSREG },
    { "0x603000000013f7ff", 0x603000000013f7ffULL, "S3_6_C15_C15_7", VIR_CPREG_CLASS_SYSREG },
    /* CORE: 0x6030000000100000 + offset/4 into struct kvm_regs */
    { "x0", 0x6030000000100000ULL, "x0", VIR_CPREG_CLASS_CORE },
    { "x30", 0x603000000010003cULL, "x30", VIR_CPREG_CLASS_CORE },
    { "sp", 0x603000000010003eULL, "sp", VIR_CPREG_CLASS_CORE },
    { "pc", 0x6030000000100040ULL, "pc", VIR_CPREG_CLASS_CORE },
    { "pstate", 0x6030000000100042ULL, "pstate", VIR_CPREG_CLASS_CORE },
    { "sp_el1", 0x6030000000100044ULL, "sp_el1", VIR_CPREG_CLASS_CORE },
    { "elr_el1", 0x6030000000100046ULL, "elr_el1", VIR_CPREG_CLASS_CORE },
    { "spsr[EL1]", 0x6030000000100048ULL, "spsr[EL1]", VIR_CPREG_CLASS_CORE },
    { "spsr[FIQ]", 0x6030000000100050ULL, "spsr[FIQ]", VIR_CPREG_CLASS_CORE },
    { "v0", 0x6040000000100054ULL, "v0", VIR_CPREG_CLASS_CORE },
    { "v31", 0x60400000001000d0ULL, "v31", VIR_CPREG_CLASS_CORE },
    { "fpsr", 0x60200000001000d4ULL, "fpsr", VIR_CPREG_CLASS_CORE },
    { "fpcr", 0x60200000001000d5ULL, "fpcr", VIR_CPREG_CLASS_CORE },
    /* "SP_EL1" in capitals is the system register (3,4,4,1,0), not CORE */
    { "SP_EL1", 0x603000000013e208ULL, "SP_EL1", VIR_CPREG_CLASS_SYSREG },
    /* DEMUX CCSIDR: 0x6020000000110000 | (level-1)<<1 | InD */
    { "CCSIDR_L1D", 0x6020000000110000ULL, "CCSIDR_L1D", VIR_CPREG_CLASS_CCSIDR },
    { "CCSIDR_L1I", 0x6020000000110001ULL, "CCSIDR_L1I", VIR_CPREG_CLASS_CCSIDR },
    { "0x602000000011000d", 0x602000000011000dULL, "CCSIDR_L7I", VIR_CPREG_CLASS_CCSIDR },
    /* FW and FW_FEAT_BMAP */
    { "PSCI_VERSION", 0x6030000000140000ULL, "KVM_REG_ARM_PSCI_VERSION", VIR_CPREG_CLASS_FW },
    { "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", 0x6030000000140001ULL,
      "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", VIR_CPREG_CLASS_FW },
    { "SMCCC_ARCH_WORKAROUND_2", 0x6030000000140002ULL,
      "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2", VIR_CPREG_CLASS_FW },
    { "SMCCC_ARCH_WORKAROUND_3", 0x6030000000140003ULL,
      "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3", VIR_CPREG_CLASS_FW },
    { "0x6030000000140004", 0x6030000000140004ULL, "KVM_REG_ARM_FW_REG(4)", VIR_CPREG_CLASS_FW },
    { "STD_BMAP", 0x6030000000160000ULL, "KVM_REG_ARM_STD_BMAP", VIR_CPREG_CLASS_FW_FEAT_BMAP },
    { "STD_HYP_BMAP", 0x6030000000160001ULL, "KVM_REG_ARM_STD_HYP_BMAP",
      VIR_CPREG_CLASS_FW_FEAT_BMAP },
    { "VENDOR_HYP_BMAP", 0x6030000000160002ULL, "KVM_REG_ARM_VENDOR_HYP_BMAP",
      VIR_CPREG_CLASS_FW_FEAT_BMAP },
    { "KVM_REG_ARM_VENDOR_HYP_BMAP_2", 0x6030000000160003ULL,
      "KVM_REG_ARM_VENDOR_HYP_BMAP_2", VIR_CPREG_CLASS_FW_FEAT_BMAP },
    { "VENDOR_HYP_BMAP_2", 0x6030000000160003ULL, "KVM_REG_ARM_VENDOR_HYP_BMAP_2",
      VIR_CPREG_CLASS_FW_FEAT_BMAP },
    /* SVE */
    { "SVE_Z0", 0x6080000000150000ULL, "SVE_Z0", VIR_CPREG_CLASS_SVE },
    { "SVE_Z31", 0x60800000001503e0ULL, "SVE_Z31", VIR_CPREG_CLASS_SVE },
    { "SVE_P0", 0x6050000000150400ULL, "SVE_P0", VIR_CPREG_CLASS_SVE },
    { "SVE_P15", 0x60500000001505e0ULL, "SVE_P15", VIR_CPREG_CLASS_SVE },
    { "SVE_FFR", 0x6050000000150600ULL, "SVE_FFR", VIR_CPREG_CLASS_SVE },
    { "KVM_REG_ARM64_SVE_VLS", 0x606000000015ffffULL, "SVE_VLS", VIR_CPREG_CLASS_SVE },
    /* QEMU's AArch32 ids under KVM_REG_ARM */
    { "0x40200000200e0298", 0x40200000200e0298ULL, "DBGDTRTX", VIR_CPREG_CLASS_AARCH32 },
    { "DBGDTRTX", 0x40200000200e0298ULL, "DBGDTRTX", VIR_CPREG_CLASS_AARCH32 },
    /* cp15 c1 c0 0 (SCTLR), non-secure: 15<<16 | 1<<11 | 1<<29 */
    { "CP15_0_C1_C0_0_NS", 0x40200000200f0800ULL, "SCTLR", VIR_CPREG_CLASS_AARCH32 },
    /* the Secure bank: no NS bit, QEMU's NAME_S */
    { "CP15_0_C13_C0_1", 0x40200000000f6801ULL, "CONTEXTIDR_S", VIR_CPREG_CLASS_AARCH32 },
    { "CONTEXTIDR", 0x40200000200f6801ULL, "CONTEXTIDR", VIR_CPREG_CLASS_AARCH32 },
    { "CP14_0_C0_C0_0_NS", 0x40200000200e0000ULL, "DBGDIDR", VIR_CPREG_CLASS_AARCH32 },
    { "dbgdscrext", 0x40200000200e0102ULL, "DBGDSCRext", VIR_CPREG_CLASS_AARCH32 },
    /* PMEVCNTR<n>: CRn 14 (0x7000), CRm 8 + n/8 (11: 0x580), opc2 n%8 */
    { "PMEVCNTR30", 0x40200000200f7586ULL, "PMEVCNTR30", VIR_CPREG_CLASS_AARCH32 },
    /* 64-bit cp15 opc1 0 CRm 2 (TTBR0): QEMU's cpreg_to_kvm_id() drops
     * is64 (bit 15) and says U64; CRm<<7 */
    { "CP15_64_0_C2", 0x40300000000f0100ULL, "TTBR0_64_S", VIR_CPREG_CLASS_AARCH32 },
    { "PAR_64", 0x40300000200f0380ULL, "PAR_64", VIR_CPREG_CLASS_AARCH32 },
    /* an encoding no table names keeps its generic form */
    { "CP15_7_C15_C15_7_NS", 0x40200000200f7fbfULL, "CP15_7_C15_C15_7_NS", VIR_CPREG_CLASS_AARCH32 },
};

static void
testIdCase(void **state)
{
    const IdCase *c = *state;
    char buf[VIR_CPREG_NAME_MAX];
    virCpregIdInfo info;
    g_autoptr(GError) error = NULL;
    guint64 id = 0;

    assert_true(virCpregIdParse(c->input, &id, &error));
    assert_null(error);
    assert_int_equal(id, c->id);
    assert_true(virCpregIdDecode(id, &info));
    assert_true(info.canonical);
    assert_int_equal(info.klass, c->klass);
    assert_string_equal(virCpregIdFormat(id, buf), c->name);
    /* the name a user reads parses back to the same id */
    assert_true(virCpregIdParse(virCpregIdFormat(id, buf), &id, NULL));
    assert_int_equal(id, c->id);
}

static const char *const badInputs[] = {
    "", "0x", "0x1g", "0x12345678901234567", "S4_0_C0_C0_0", "S3_8_C0_C0_0",
    "S3_0_C16_C0_0", "x31", "X0", "CCSIDR_L8D", "CCSIDR_L0D", "SVE_Z32",
    "SVE_P16", "spsr[XYZ]", "TCR2_EL1 ", "KVM_REG_ARM_FW_REG(65536)",
    /* an x86 KVM id: another architecture */
    "0x2030000000000000",
};

static void
testParseRejects(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(badInputs); i++) {
        g_autoptr(GError) error = NULL;
        guint64 id;
        if (virCpregIdParse(badInputs[i], &id, &error))
            fail_msg("'%s' parsed as 0x%" G_GINT64_MODIFIER "x", badInputs[i], id);
        assert_non_null(error);
        assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    }
}

static void
testNotCanonical(void **state)
{
    /* a SYSREG coproc with a 32-bit size; a CORE id inside x0 */
    static const guint64 odd[] = {
        0x602000000013c000ULL, 0x6030000000100001ULL, 0x6030000000150000ULL,
        0x6030000000130000ULL | (1ULL << 30), 0x6030000000170000ULL,
    };
    char buf[VIR_CPREG_NAME_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(odd); i++) {
        virCpregIdInfo info;
        guint64 id;
        assert_true(virCpregIdDecode(odd[i], &info));
        assert_false(info.canonical);
        assert_true(g_str_has_prefix(virCpregIdFormat(odd[i], buf), "0x"));
        assert_true(virCpregIdParse(buf, &id, NULL));
        assert_int_equal(id, odd[i]);
    }
    assert_false(virCpregIdDecode(0x2030000000000000ULL, &(virCpregIdInfo){ 0 }));
}

static void
testIdRegisters(void **state)
{
    virCpregIdInfo info;
    const virCpregField *fields;
    size_t n, i;
    gboolean found = FALSE;

    (void)state;
    /* (3,0,0,3,3) is not allocated by the architecture */
    assert_true(virCpregIdDecode(VIR_CPREG_SYSREG(3, 0, 0, 3, 3), &info));
    assert_true(info.id_reg);
    assert_true(info.id_reg_unallocated);
    assert_null(info.name);
    /* ID_AA64PFR0_EL1 (3,0,0,4,0): SVE is bits 35:32 */
    assert_true(virCpregIdDecode(VIR_CPREG_SYSREG(3, 0, 0, 4, 0), &info));
    assert_true(info.id_reg);
    assert_false(info.id_reg_unallocated);
    fields = virCpregIdFields(info.id, &n);
    for (i = 0; i < n; i++) {
        if (g_str_equal(fields[i].name, "SVE")) {
            assert_int_equal(fields[i].msb, 35);
            assert_int_equal(fields[i].lsb, 32);
            assert_int_equal(fields[i].kind, VIR_CPREG_FIELD_UNSIGNED);
            found = TRUE;
        }
    }
    assert_true(found);
    /* TCR_EL1 is no ID register */
    assert_true(virCpregIdDecode(VIR_CPREG_SYSREG(3, 0, 2, 0, 2), &info));
    assert_false(info.id_reg);
    /* a CCSIDR demux value is a CCSIDR_EL1 */
    fields = virCpregIdFields(VIR_CPREG_CCSIDR_BASE, &n);
    assert_non_null(fields);
    assert_true(n > 0);
}

/*
 * The names in src/data/arm64-sysregs.tsv, read here by the test itself
 * (not through the generated tables): encoding → first (primary) name.
 */
static GHashTable *
loadTsvNames(void)
{
    g_autofree char *path = g_build_filename(DATADIR, "arm64-sysregs.tsv", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GHashTable *names = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                              g_free, g_free);
    guint i;

    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (i = 1; lines[i] && *lines[i]; i++) {
        g_auto(GStrv) cols = g_strsplit(lines[i], "\t", -1);
        gint64 *key = g_new(gint64, 1);
        assert_int_equal(g_strv_length(cols), 7);
        *key = (gint64)VIR_CPREG_SYSREG(atoi(cols[1]), atoi(cols[2]),
                                        atoi(cols[3]), atoi(cols[4]),
                                        atoi(cols[5]));
        if (g_hash_table_contains(names, key))
            g_free(key);
        else
            g_hash_table_insert(names, key, g_ascii_strup(cols[0], -1));
    }
    return names;
}

static void
checkFixtureId(GHashTable *tsv, guint64 id, const char *file)
{
    char buf[VIR_CPREG_NAME_MAX];
    virCpregIdInfo info;
    const char *name;
    gint64 key = (gint64)id;
    guint64 back = 0;

    assert_true(virCpregIdDecode(id, &info));
    if (!info.canonical)
        fail_msg("%s: 0x%016" G_GINT64_MODIFIER "x is not a well-formed id", file, id);
    name = virCpregIdFormat(id, buf);
    switch (info.klass) {
    case VIR_CPREG_CLASS_SYSREG:
        /* the two timer ids are named by meaning, on purpose */
        if (g_hash_table_contains(tsv, &key) && !info.note &&
            !g_str_equal(name, g_hash_table_lookup(tsv, &key)))
            fail_msg("%s: %s named %s, TSV says %s", file, buf, name,
                     (char *)g_hash_table_lookup(tsv, &key));
        break;
    case VIR_CPREG_CLASS_CORE:
    case VIR_CPREG_CLASS_FW:
    case VIR_CPREG_CLASS_FW_FEAT_BMAP:
    case VIR_CPREG_CLASS_CCSIDR:
    case VIR_CPREG_CLASS_SVE:
        if (g_str_has_prefix(name, "0x"))
            fail_msg("%s: 0x%016" G_GINT64_MODIFIER "x has no KVM name", file, id);
        break;
    default:
        fail_msg("%s: unexpected class for 0x%016" G_GINT64_MODIFIER "x", file, id);
    }
    if (!virCpregIdParse(name, &back, NULL) || back != id)
        fail_msg("%s: parse(format(0x%016" G_GINT64_MODIFIER "x)) = '%s' -> 0x%016"
                 G_GINT64_MODIFIER "x", file, id, name, back);
}

static void
testEveryFixtureId(void **state)
{
    g_autoptr(GHashTable) tsv = loadTsvNames();
    g_autoptr(GPtrArray) files = testFixtureFiles();
    guint i, j, ids = 0, named = 0;

    (void)state;
    assert_true(files->len >= 33);
    for (i = 0; i < files->len; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(files->pdata[i], &error);
        if (!p)
            fail_msg("%s", error->message);
        for (j = 0; j < virCpregProfileCount(p); j++) {
            guint64 id = virCpregProfileEntry(p, j)->id;
            checkFixtureId(tsv, id, files->pdata[i]);
            named += virCpregIdName(id) != NULL;
            ids++;
        }
    }
    /* nearly every real id has a name; the rest are unallocated ID slots */
    assert_true(named * 10 > ids * 8);
}

/* Every AArch32 table name, both banks, parses back to its own id. */
static void
testAarch32Table(void **state)
{
    size_t i;

    (void)state;
    assert_true(virCpregAarch32TableLen > 300);
    for (i = 0; i < virCpregAarch32TableLen; i++) {
        const virCpregAarch32Name *r = &virCpregAarch32Table[i];
        const char *names[] = { r->name, r->name_s };
        size_t b;

        for (b = 0; b < G_N_ELEMENTS(names); b++) {
            g_autofree char *lower = g_ascii_strdown(names[b], -1);
            guint64 id = 0;

            if (!virCpregIdParse(lower, &id, NULL))
                fail_msg("%s does not parse", names[b]);
            assert_string_equal(virCpregIdName(id), names[b]);
        }
    }
}

/*
 * Every AArch32 id QEMU lists under TCG has its architectural name: QEMU
 * 7.2's and 10.0.2's own lists (max, cortex-a57, neoverse-n1) and QEMU 10.0's
 * stream.
 */
static void
testTcgAarch32Named(void **state)
{
    static const char *const files[] = {
        "tcg/qemu-7.2-max-virt-7.2.json", "tcg/qemu-7.2-cortex-a57-virt-7.2.json",
        "tcg/qemu-7.2-neoverse-n1-virt-7.2.json", "tcg/qemu-10.0-max-virt-7.2.json",
        "tcg/qemu-10.0-max-virt-10.0.json", "tcg/qemu-10.0-cortex-a57-virt-7.2.json",
        "tcg/qemu-10.0-neoverse-n1-virt-7.2.json", "streams/virt-max-smp2.qemu",
    };
    size_t i;
    guint j, aarch32 = 0;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = testFixture(files[i]);
        g_autoptr(GError) error = NULL;
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, &error);
        guint here = 0;

        if (!p)
            fail_msg("%s", error->message);
        for (j = 0; j < virCpregProfileCount(p); j++) {
            guint64 id = virCpregProfileEntry(p, j)->id, back = 0;
            virCpregIdInfo info;

            if (!virCpregIdDecode(id, &info) || info.klass != VIR_CPREG_CLASS_AARCH32)
                continue;
            if (!info.canonical || !info.name)
                fail_msg("%s: 0x%016" G_GINT64_MODIFIER "x has no name", files[i], id);
            if (!virCpregIdParse(info.name, &back, NULL) || back != id)
                fail_msg("%s: %s does not parse back", files[i], info.name);
            here++;
        }
        /* each list holds some 100 of them: a list without any is wrong */
        assert_true(here > 90);
        aarch32 += here;
    }
    assert_true(aarch32 > 400);
}

/* Register rows: cited, named as the uapi and the architecture name them. */
static void
testKnowledgeRegisters(void **state)
{
    size_t n, i;
    const virCpregRegInfo *regs = virCpregKnowledgeRegs(&n);

    (void)state;
    for (i = 0; i < n; i++) {
        const virCpregRegInfo *r = &regs[i];
        guint64 id;
        g_autoptr(GError) error = NULL;

        g_autofree char *reason = virCpregKnowledgeReason(r->id);

        if (!r->name || !r->cite || (r->policy.set && !reason))
            fail_msg("register row %zu: a name, a citation and a policy's reason", i);
        if (r->mask)
            continue;       /* a class of registers */
        if (!virCpregIdParse(r->name, &id, &error))
            fail_msg("%s: %s", r->name, error->message);
        assert_true(id == r->id);
        assert_string_equal(virCpregIdName(r->id), r->name);
        assert_ptr_equal(virCpregKnowledgeReg(r->id), r);
    }
}

/* Kernel rows: a release, a citation, and a field the register has. */
static void
testKnowledgeKernels(void **state)
{
    size_t n, i, nf, j;
    const virCpregKernelRow *rows = virCpregKnowledgeKernel(&n);

    (void)state;
    for (i = 0; i < n; i++) {
        const virCpregKernelRow *r = &rows[i];
        const virCpregField *fields;
        gboolean found = FALSE;

        assert_true(virCpregKernelParse(r->release).known);
        assert_non_null(r->cite);
        /* a range of releases ends where a row says the listing stops */
        if (r->change == VIR_CPREG_KERNEL_LISTS_ALWAYS) {
            assert_true(virCpregKernelParse(r->last).known);
            assert_non_null(virCpregKnowledgeKernelFor(VIR_CPREG_KERNEL_UNLISTS, r->id));
        }
        if (r->change != VIR_CPREG_KERNEL_HIDES)
            continue;
        assert_non_null(r->why);
        fields = virCpregIdFields(r->id, &nf);
        for (j = 0; j < nf; j++)
            found = found || !r->field || g_str_equal(fields[j].name, r->field);
        if (!found)
            fail_msg("kernel %s row: %s has no field %s", r->release,
                     virCpregIdName(r->id), r->field);
    }
}

/* QEMU rows: oldest first, the version as its numbers say, cited, and
 * tolerances of named registers with a reason (theirs or the kernel's). */
static void
testKnowledgeQemu(void **state)
{
    size_t n, i;
    const virCpregQemuModel *m = virCpregKnowledgeQemu(&n);

    (void)state;
    for (i = 0; i < n; i++) {
        g_autofree char *version = g_strdup_printf("%u.%u", m[i].major, m[i].minor);
        const virCpregTolerance *t;

        assert_string_equal(m[i].version, version);
        assert_non_null(m[i].cite);
        if (i)
            assert_true(m[i].major > m[i - 1].major ||
                        (m[i].major == m[i - 1].major && m[i].minor > m[i - 1].minor));
        for (t = m[i].tolerates; t && t->id; t++) {
            char buf[VIR_CPREG_NAME_MAX];
            g_autofree char *why = virCpregKnowledgeToleranceWhy(t);
            g_autofree char *named = g_strdup_printf("%s: ", virCpregIdFormat(t->id, buf));
            assert_true(g_str_has_prefix(why, named) || t->tcg);
            assert_true(strlen(why) > strlen(named));
        }
    }
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testParseRejects),
        cmocka_unit_test(testNotCanonical),
        cmocka_unit_test(testIdRegisters),
        cmocka_unit_test(testEveryFixtureId),
        cmocka_unit_test(testTcgAarch32Named),
        cmocka_unit_test(testAarch32Table),
        cmocka_unit_test(testKnowledgeRegisters),
        cmocka_unit_test(testKnowledgeKernels),
        cmocka_unit_test(testKnowledgeQemu),
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(idCases); i++) {
        struct CMUnitTest t = {
            .name = idCases[i].input,
            .test_func = testIdCase,
            .initial_state = (void *)&idCases[i],
        };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("id", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
