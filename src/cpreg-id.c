/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-id.c: arm64 KVM register ids: decode, name, parse
 *
 * Facts from the kernel's uapi (arch/arm64/include/uapi/asm/kvm.h) and from
 * QEMU's cpreg encoding (target/arm/cpregs.h ENCODE_CP_REG). Every special
 * name lives in one table below; the generic forms (S3_0_C2_C0_3,
 * CP14_3_C0_C5_0_NS, hex) parse back to the same id.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-id.h"
#include "cpreg-error.h"
#include "cpreg-knowledge.h"
#include "cpreg-regtables.h"
#include "cpreg-util.h"

enum {
    COPROC_CORE = 0x10,
    COPROC_DEMUX = 0x11,
    COPROC_SYSREG = 0x13,
    COPROC_FW = 0x14,
    COPROC_SVE = 0x15,
    COPROC_FW_FEAT_BMAP = 0x16,
};

VIR_CPREG_ENUM_IMPL(virCpregClass, virCpregClass, VIR_CPREG_CLASS_LAST,
                    "core", "ccsidr", "sysreg", "fw", "sve", "fw-feat-bmap", "aarch32", "other");

VIR_CPREG_ENUM_IMPL(virCpregFieldKind, virCpregFieldKind, VIR_CPREG_FIELD_LAST,
                    "unsigned-enum", "signed-enum", "enum", "field", "res0", "res1", "raz", "unkn");

/* ---- CORE: struct kvm_regs members, offsets in 32-bit words ---------- */

#define CORE_X_LAST 30           /* x0..x30 at 2n */
#define CORE_V_BASE 0x54         /* v0..v31 (U128) at 0x54 + 4n */

static const char *const coreXNames[] = {
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21",
    "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
};

static const char *const coreVNames[] = {
    "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
    "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",
    "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31",
};

typedef struct {
    unsigned int offset;
    unsigned int bytes;
    const char *name;
} virCpregCoreReg;

/* The members that are not x<n> or v<n>; spsr[] is indexed by KVM_SPSR_*. */
static const virCpregCoreReg coreNamed[] = {
    { 0x3e, 8, "sp" },
    { 0x40, 8, "pc" },
    { 0x42, 8, "pstate" },
    { 0x44, 8, "sp_el1" },
    { 0x46, 8, "elr_el1" },
    { 0x48, 8, "spsr[EL1]" },
    { 0x4a, 8, "spsr[ABT]" },
    { 0x4c, 8, "spsr[UND]" },
    { 0x4e, 8, "spsr[IRQ]" },
    { 0x50, 8, "spsr[FIQ]" },
    { 0xd4, 4, "fpsr" },
    { 0xd5, 4, "fpcr" },
};

static gboolean
coreLookup(unsigned int offset, const char **name, unsigned int *bytes)
{
    size_t i;

    if (offset <= 2 * CORE_X_LAST && offset % 2 == 0) {
        *name = coreXNames[offset / 2];
        *bytes = 8;
        return TRUE;
    }
    if (offset >= CORE_V_BASE && offset < CORE_V_BASE + 4 * 32 &&
        (offset - CORE_V_BASE) % 4 == 0) {
        *name = coreVNames[(offset - CORE_V_BASE) / 4];
        *bytes = 16;
        return TRUE;
    }
    for (i = 0; i < G_N_ELEMENTS(coreNamed); i++) {
        if (coreNamed[i].offset == offset) {
            *name = coreNamed[i].name;
            *bytes = coreNamed[i].bytes;
            return TRUE;
        }
    }
    return FALSE;
}

/* ---- FW and FW_FEAT_BMAP pseudo-registers ----------------------------- */

/* Their names are in their rows of cpreg-knowledge.c. */
#define FW_PREFIX "KVM_REG_ARM_"

static const char *
fwLookup(guint64 id)
{
    const virCpregRegInfo *info = virCpregKnowledgeReg(id);

    return info && !info->mask && g_str_has_prefix(info->name, FW_PREFIX) ? info->name : NULL;
}

/* ---- SYSREG ------------------------------------------------------------ */

#define ENC(op0, op1, crn, crm, op2) \
    ((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))

typedef struct {
    unsigned short enc;
    const char *name;
    const char *note;
} virCpregSysregOverride;

/*
 * KVM's timer ABI (uapi asm/kvm.h KVM_REG_ARM_TIMER_CVAL/CNT) froze two
 * swapped encodings in 2013: the KVM id of (3,3,14,0,2) carries
 * CNTV_CVAL_EL0 and the id of (3,3,14,3,2) carries CNTVCT_EL0. Name them
 * by what they hold.
 */
static const virCpregSysregOverride sysregOverrides[] = {
    { ENC(3, 3, 14, 0, 2), "CNTV_CVAL_EL0",
      N_("KVM timer ABI: this id holds CNTV_CVAL_EL0 (the architecture encodes CNTVCT_EL0 here)") },
    { ENC(3, 3, 14, 3, 2), "CNTVCT_EL0",
      N_("KVM timer ABI: this id holds CNTVCT_EL0 (the architecture encodes CNTV_CVAL_EL0 here)") },
};

static int
compareSysregEnc(const void *key, const void *elem)
{
    unsigned int enc = *(const unsigned int *)key;
    unsigned int other = ((const virCpregSysreg *)elem)->enc;

    return enc < other ? -1 : enc > other;
}

static const virCpregSysreg *
sysregByEnc(unsigned int enc)
{
    return bsearch(&enc, virCpregSysregTable, virCpregSysregTableLen,
                   sizeof(virCpregSysregTable[0]), compareSysregEnc);
}

/* virCpregSysregByName: indexes into the table, in the order of names */
static int
compareSysregName(const void *key, const void *elem)
{
    return strcmp(key, virCpregSysregTable[*(const unsigned short *)elem].name);
}

static const virCpregSysreg *
sysregByName(const char *upper)
{
    const unsigned short *i = bsearch(upper, virCpregSysregByName, virCpregSysregTableLen,
                                      sizeof(virCpregSysregByName[0]), compareSysregName);

    return i ? &virCpregSysregTable[*i] : NULL;
}

static void
sysregName(virCpregIdInfo *info, unsigned int enc)
{
    const virCpregSysreg *r;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(sysregOverrides); i++) {
        if (sysregOverrides[i].enc == enc) {
            info->name = sysregOverrides[i].name;
            info->note = _(sysregOverrides[i].note);
            return;
        }
    }
    if ((r = sysregByEnc(enc)))
        info->name = r->name;
}

/* ---- AArch32 (KVM_REG_ARM, QEMU's TCG cpreg ids) ---------------------- */

/*
 * QEMU ENCODE_CP_REG: ns<<29 | cp<<16 | is64<<15 | crn<<11 | crm<<7 |
 * opc1<<3 | opc2. Its cpreg_to_kvm_id() drops is64 and says it with the
 * size instead (U64), as KVM's own AArch32 ids did; 64-bit accesses have
 * neither CRn nor opc2. The names come from src/data/aarch32-cpregs.tsv:
 * NAME is the Non-secure bank (or the only one), NAME_S the Secure bank.
 */
#define CP_NS (1U << 29)
#define CP_IS64 (1U << 15)
#define CP_LOW_MASK 0x7fffU      /* crn, crm, opc1, opc2 */

typedef struct {
    guint64 id;
    const char *name;
    const char *note;
} virCpregAarch32Reg;

/* Ids whose name is not the table's, or that need a note. */
static const virCpregAarch32Reg aarch32Regs[] = {
    /* QEMU's DBGDTRTX_EL0 is ARM_CP_STATE_BOTH with opc1 3, so TCG also
     * lists an AArch32 cp14 view that no architecture defines; QEMU 11.1
     * tolerates it missing on either side. */
    { 0x40200000200e0298ULL, "DBGDTRTX",
      N_("QEMU's AArch32 view of DBGDTRTX_EL0 (cp14, opc1 3), listed under TCG only") },
};

/* QEMU's ENCODE_CP_REG of a 32-bit register, without the NS bit. */
#define CP32_KEY(cp, opc1, crn, crm, opc2) \
    ((cp) << 16 | (crn) << 11 | (crm) << 7 | (opc1) << 3 | (opc2))

/* Where a table name is QEMU's rather than the architecture's. */
static const struct {
    unsigned int key;
    const char *note;
} aarch32Notes[] = {
    { CP32_KEY(14, 0, 7, 0, 0),
      N_("QEMU's encoding of DBGDEVID2 (the architecture's is cp14, opc1 0, CRn 7, CRm 0, opc2 7)") },
    { CP32_KEY(14, 0, 7, 0, 1),
      N_("QEMU's encoding of DBGDEVID1 (the architecture's is cp14, opc1 0, CRn 7, CRm 1, opc2 7)") },
    { CP32_KEY(14, 0, 7, 0, 2),
      N_("QEMU's encoding of DBGDEVID (the architecture's is cp14, opc1 0, CRn 7, CRm 2, opc2 7)") },
};

#define RES0_PREFIX "RES_0_"

static unsigned int
aarch32Key(const virCpregIdInfo *info, guint64 id)
{
    return info->u.cp.cp << 16 | (info->u.cp.is64 ? CP_IS64 : 0) |
           (unsigned int)(id & CP_LOW_MASK);
}

static int
compareAarch32Key(const void *key, const void *elem)
{
    unsigned int k = *(const unsigned int *)key;
    unsigned int other = ((const virCpregAarch32Name *)elem)->key;

    return k < other ? -1 : k > other;
}

static int
compareAarch32Name(const void *key, const void *elem)
{
    return g_ascii_strcasecmp(key, virCpregAarch32Table[*(const unsigned short *)elem].name);
}

/* NAME is the Non-secure bank (or the only one), NAME_S the Secure one. */
static const virCpregAarch32Name *
aarch32ByName(const char *name, gboolean *ns)
{
    size_t n = strlen(name);
    g_autofree char *bank = NULL;
    const unsigned short *i;

    *ns = TRUE;
    i = bsearch(name, virCpregAarch32ByName, virCpregAarch32TableLen,
                sizeof(virCpregAarch32ByName[0]), compareAarch32Name);
    if (!i && n > 2 && g_ascii_strcasecmp(name + n - 2, "_S") == 0) {
        bank = g_strndup(name, n - 2);
        *ns = FALSE;
        i = bsearch(bank, virCpregAarch32ByName, virCpregAarch32TableLen,
                    sizeof(virCpregAarch32ByName[0]), compareAarch32Name);
    }
    return i ? &virCpregAarch32Table[*i] : NULL;
}

static void
aarch32Name(virCpregIdInfo *info)
{
    unsigned int key = aarch32Key(info, info->id);
    const virCpregAarch32Name *r;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(aarch32Regs); i++) {
        if (aarch32Regs[i].id == info->id) {
            info->name = aarch32Regs[i].name;
            info->note = _(aarch32Regs[i].note);
            return;
        }
    }
    r = bsearch(&key, virCpregAarch32Table, virCpregAarch32TableLen,
                sizeof(virCpregAarch32Table[0]), compareAarch32Key);
    if (!r)
        return;
    info->name = info->u.cp.ns ? r->name : r->name_s;
    if (g_str_has_prefix(r->name, RES0_PREFIX))
        info->note = _("a reserved slot of the AArch32 ID space (reads as zero): QEMU's name, the architecture has none");
    for (i = 0; i < G_N_ELEMENTS(aarch32Notes); i++) {
        if (aarch32Notes[i].key == key)
            info->note = _(aarch32Notes[i].note);
    }
}

static void
aarch32Decode(virCpregIdInfo *info)
{
    guint64 id = info->id;
    guint64 size = id & VIR_CPREG_SIZE_MASK;

    info->klass = VIR_CPREG_CLASS_AARCH32;
    info->u.cp.cp = (id >> 16) & 0xfff;
    info->u.cp.ns = !!(id & CP_NS);
    info->u.cp.is64 = size == VIR_CPREG_SIZE_U64;
    info->u.cp.opc2 = id & 7;
    info->u.cp.opc1 = (id >> 3) & 0xf;
    info->u.cp.crm = (id >> 7) & 0xf;
    info->u.cp.crn = (id >> 11) & 0xf;
    if (info->u.cp.is64)
        info->canonical = (id & (CP_IS64 | 0x7807)) == 0;
    else
        info->canonical = size == VIR_CPREG_SIZE_U32 && (id & CP_IS64) == 0;
    info->canonical = info->canonical &&
                      (id & ~(VIR_CPREG_ARCH_MASK | VIR_CPREG_SIZE_MASK |
                              CP_NS | 0x0fffffffULL)) == 0;
    if (info->canonical)
        aarch32Name(info);
}

/* ---- decode ------------------------------------------------------------ */

gboolean
virCpregIdIsArm(guint64 id)
{
    guint64 arch = id & VIR_CPREG_ARCH_MASK;

    return arch == VIR_CPREG_ARCH_ARM64 || arch == VIR_CPREG_ARCH_ARM;
}

static void
sysregDecode(virCpregIdInfo *info)
{
    unsigned int enc = info->id & 0xffff;

    info->canonical = (info->id & ~0xffffULL) == VIR_CPREG_SYSREG_BASE;
    info->u.sys.op0 = enc >> 14;
    info->u.sys.op1 = (enc >> 11) & 7;
    info->u.sys.crn = (enc >> 7) & 15;
    info->u.sys.crm = (enc >> 3) & 15;
    info->u.sys.op2 = enc & 7;
    if (!info->canonical)
        return;
    sysregName(info, enc);
    info->id_reg = info->u.sys.op0 == 3 && info->u.sys.op1 == 0 &&
                   info->u.sys.crn == 0 && info->u.sys.crm <= 7;
    info->id_reg_unallocated = info->id_reg && !info->name;
}

static void
coreDecode(virCpregIdInfo *info)
{
    unsigned int bytes;
    const char *name;

    info->u.core.offset = info->id & 0xffff;
    if ((info->id & 0xffffffff0000ULL) != (guint64)COPROC_CORE << 16 ||
        !coreLookup(info->u.core.offset, &name, &bytes) ||
        bytes != info->bytes)
        return;
    info->canonical = TRUE;
    info->name = name;
}

static void
ccsidrDecode(virCpregIdInfo *info)
{
    unsigned int csselr = info->id & 0xff;

    /* KVM_REG_ARM_DEMUX_ID_CCSIDR is 0; csselr = (level - 1) << 1 | InD */
    info->u.ccsidr.csselr = csselr;
    info->u.ccsidr.level = (csselr >> 1) + 1;
    info->u.ccsidr.instruction = csselr & 1;
    info->canonical = (info->id & ~0xffULL) == VIR_CPREG_CCSIDR_BASE &&
                      csselr <= 13;
}

static void
fwDecode(virCpregIdInfo *info, unsigned int coproc)
{
    info->u.fw.index = info->id & 0xffff;
    info->canonical = (info->id & ~0xffffULL) ==
        (VIR_CPREG_ARCH_ARM64 | VIR_CPREG_SIZE_U64 | (guint64)coproc << 16);
    if (info->canonical)
        info->name = fwLookup(info->id);
}

typedef struct {
    char kind;
    unsigned int base;     /* low 16 bits */
    unsigned int count;    /* registers of this kind */
    unsigned int bytes;
} virCpregSveKind;

/* KVM_REG_ARM64_SVE_{ZREG,PREG,FFR}(n, slice) and _VLS; slice in bits 0..4 */
static const virCpregSveKind sveKinds[] = {
    { 'Z', 0x000, 32, 256 },
    { 'P', 0x400, 16, 32 },
    { 'F', 0x600, 1, 32 },
};

static void
sveDecode(virCpregIdInfo *info)
{
    unsigned int low = info->id & 0xffff;
    size_t i;

    info->canonical = FALSE;
    if ((info->id & 0xffffffff0000ULL) != (guint64)COPROC_SVE << 16)
        return;
    if (low == 0xffff) {
        info->u.sve.kind = 'V';
        info->canonical = info->bytes == 64;
        return;
    }
    for (i = 0; i < G_N_ELEMENTS(sveKinds); i++) {
        const virCpregSveKind *k = &sveKinds[i];
        if (low < k->base || low >= k->base + k->count * 32)
            continue;
        info->u.sve.kind = k->kind;
        info->u.sve.n = (low - k->base) >> 5;
        info->u.sve.slice = low & 31;
        /* only slice 0 exists for the vector lengths KVM supports */
        info->canonical = info->bytes == k->bytes && info->u.sve.slice == 0;
        return;
    }
}

gboolean
virCpregIdDecode(guint64 id, virCpregIdInfo *info)
{
    unsigned int coproc = (id & VIR_CPREG_COPROC_MASK) >> VIR_CPREG_COPROC_SHIFT;

    memset(info, 0, sizeof(*info));
    info->id = id;
    info->klass = VIR_CPREG_CLASS_OTHER;
    info->bytes = 1U << ((id & VIR_CPREG_SIZE_MASK) >> VIR_CPREG_SIZE_SHIFT);
    if (!virCpregIdIsArm(id))
        return FALSE;
    if ((id & VIR_CPREG_ARCH_MASK) == VIR_CPREG_ARCH_ARM) {
        if (coproc <= 15)
            aarch32Decode(info);
        return TRUE;
    }
    switch (coproc) {
    case COPROC_CORE:
        info->klass = VIR_CPREG_CLASS_CORE;
        coreDecode(info);
        break;
    case COPROC_DEMUX:
        info->klass = VIR_CPREG_CLASS_CCSIDR;
        ccsidrDecode(info);
        break;
    case COPROC_SYSREG:
        info->klass = VIR_CPREG_CLASS_SYSREG;
        sysregDecode(info);
        break;
    case COPROC_FW:
        info->klass = VIR_CPREG_CLASS_FW;
        fwDecode(info, coproc);
        break;
    case COPROC_FW_FEAT_BMAP:
        info->klass = VIR_CPREG_CLASS_FW_FEAT_BMAP;
        fwDecode(info, coproc);
        break;
    case COPROC_SVE:
        info->klass = VIR_CPREG_CLASS_SVE;
        sveDecode(info);
        break;
    default:
        break;
    }
    return TRUE;
}

/*
 * QEMU's cpreg list (target/arm/kvm.c kvm_arm_init_cpreg_list) leaves out
 * CORE and SVE registers: they migrate as separate vmstate fields.
 */
gboolean
virCpregIdInQemuList(guint64 id)
{
    unsigned int coproc = (id & VIR_CPREG_COPROC_MASK) >> VIR_CPREG_COPROC_SHIFT;

    if ((id & VIR_CPREG_ARCH_MASK) != VIR_CPREG_ARCH_ARM64)
        return TRUE;
    return coproc != COPROC_CORE && coproc != COPROC_SVE;
}

gboolean
virCpregIdIsIdReg(guint64 id)
{
    return (id & ~0x3fULL) == VIR_CPREG_SYSREG(3, 0, 0, 0, 0);
}

const char *
virCpregIdName(guint64 id)
{
    virCpregIdInfo info;

    virCpregIdDecode(id, &info);
    return info.name;
}

/* ---- format ------------------------------------------------------------ */

void
virCpregIdFormatEncoding(const virCpregIdInfo *info,
                         char buf[VIR_CPREG_NAME_MAX])
{
    if (info->klass == VIR_CPREG_CLASS_SYSREG)
        g_snprintf(buf, VIR_CPREG_NAME_MAX, "S%u_%u_C%u_C%u_%u",
                   info->u.sys.op0, info->u.sys.op1, info->u.sys.crn,
                   info->u.sys.crm, info->u.sys.op2);
    else if (info->klass == VIR_CPREG_CLASS_AARCH32 && info->u.cp.is64)
        g_snprintf(buf, VIR_CPREG_NAME_MAX, "CP%u_64_%u_C%u%s",
                   info->u.cp.cp, info->u.cp.opc1, info->u.cp.crm,
                   info->u.cp.ns ? "_NS" : "");
    else if (info->klass == VIR_CPREG_CLASS_AARCH32)
        g_snprintf(buf, VIR_CPREG_NAME_MAX, "CP%u_%u_C%u_C%u_%u%s",
                   info->u.cp.cp, info->u.cp.opc1, info->u.cp.crn,
                   info->u.cp.crm, info->u.cp.opc2,
                   info->u.cp.ns ? "_NS" : "");
    else
        g_snprintf(buf, VIR_CPREG_NAME_MAX, "0x%016" PRIx64, info->id);
}

static void
formatGeneric(const virCpregIdInfo *info, char buf[VIR_CPREG_NAME_MAX])
{
    switch (info->klass) {
    case VIR_CPREG_CLASS_CCSIDR:
        g_snprintf(buf, VIR_CPREG_NAME_MAX, "CCSIDR_L%u%c",
                   info->u.ccsidr.level,
                   info->u.ccsidr.instruction ? 'I' : 'D');
        return;
    case VIR_CPREG_CLASS_FW:
        g_snprintf(buf, VIR_CPREG_NAME_MAX, FW_PREFIX "FW_REG(%u)",
                   info->u.fw.index);
        return;
    case VIR_CPREG_CLASS_FW_FEAT_BMAP:
        g_snprintf(buf, VIR_CPREG_NAME_MAX, FW_PREFIX "FW_FEAT_BMAP_REG(%u)",
                   info->u.fw.index);
        return;
    case VIR_CPREG_CLASS_SVE:
        if (info->u.sve.kind == 'V')
            g_strlcpy(buf, "SVE_VLS", VIR_CPREG_NAME_MAX);
        else if (info->u.sve.kind == 'F')
            g_strlcpy(buf, "SVE_FFR", VIR_CPREG_NAME_MAX);
        else
            g_snprintf(buf, VIR_CPREG_NAME_MAX, "SVE_%c%u",
                       info->u.sve.kind, info->u.sve.n);
        return;
    case VIR_CPREG_CLASS_CORE:
    case VIR_CPREG_CLASS_SYSREG:
    case VIR_CPREG_CLASS_AARCH32:
    case VIR_CPREG_CLASS_OTHER:
    case VIR_CPREG_CLASS_LAST:
        break;
    }
    virCpregIdFormatEncoding(info, buf);
}

/*
 * The name a user reads: the known name, else the generic one of the class,
 * else hex. virCpregIdParse() maps every result back to @id. Returns either
 * a static string or @buf.
 */
const char *
virCpregIdFormat(guint64 id, char buf[VIR_CPREG_NAME_MAX])
{
    virCpregIdInfo info;

    if (!virCpregIdDecode(id, &info) || !info.canonical) {
        g_snprintf(buf, VIR_CPREG_NAME_MAX, "0x%016" PRIx64, id);
        return buf;
    }
    if (info.name)
        return info.name;
    formatGeneric(&info, buf);
    return buf;
}

/* ---- parse ------------------------------------------------------------- */

/* Reads a decimal number of at most @max from *p; advances *p. */
static gboolean
parseDec(const char **p, unsigned int max, unsigned int *out)
{
    unsigned int v = 0;
    const char *s = *p;

    if (!g_ascii_isdigit(*s))
        return FALSE;
    while (g_ascii_isdigit(*s)) {
        v = v * 10 + (unsigned int)(*s - '0');
        if (v > max)
            return FALSE;
        s++;
    }
    *p = s;
    *out = v;
    return TRUE;
}

/* Matches a literal prefix, case-insensitively, advancing *p. */
static gboolean
parseLit(const char **p, const char *lit)
{
    size_t n = strlen(lit);

    if (g_ascii_strncasecmp(*p, lit, n) != 0)
        return FALSE;
    *p += n;
    return TRUE;
}

static gboolean
parseHex(const char *s, guint64 *id)
{
    const char *p = s;
    guint64 v = 0;
    int digits = 0;

    if (!parseLit(&p, "0x"))
        return FALSE;
    for (; *p; p++, digits++) {
        int d = g_ascii_xdigit_value(*p);
        if (d < 0 || digits == 16)
            return FALSE;
        v = v << 4 | (guint64)d;
    }
    if (digits == 0)
        return FALSE;
    *id = v;
    return TRUE;
}

static gboolean
parseCore(const char *s, guint64 *id)
{
    unsigned int off;

    /* struct kvm_regs member names are lower case; "SP_EL1" is a sysreg */
    for (off = 0; off < 0x100; off++) {
        const char *name;
        unsigned int bytes;
        if (coreLookup(off, &name, &bytes) && strcmp(name, s) == 0) {
            *id = VIR_CPREG_ARCH_ARM64 |
                  ((guint64)g_bit_storage(bytes) - 1) << VIR_CPREG_SIZE_SHIFT |
                  (guint64)COPROC_CORE << 16 | off;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
parseFw(const char *s, guint64 *id)
{
    static const struct { unsigned int coproc; const char *generic; } kinds[] = {
        { COPROC_FW, "FW_REG(" },
        { COPROC_FW_FEAT_BMAP, "FW_FEAT_BMAP_REG(" },
    };
    const char *p = s;
    unsigned int index;
    size_t n, i;
    const virCpregRegInfo *regs = virCpregKnowledgeRegs(&n);

    parseLit(&p, FW_PREFIX);
    for (i = 0; i < n; i++) {
        if (fwLookup(regs[i].id) == regs[i].name &&
            g_ascii_strcasecmp(p, regs[i].name + strlen(FW_PREFIX)) == 0) {
            *id = regs[i].id;
            return TRUE;
        }
    }
    for (i = 0; i < G_N_ELEMENTS(kinds); i++) {
        const char *q = p;
        if (parseLit(&q, kinds[i].generic) && parseDec(&q, 0xffff, &index) &&
            strcmp(q, ")") == 0) {
            *id = VIR_CPREG_ARCH_ARM64 | VIR_CPREG_SIZE_U64 |
                  (guint64)kinds[i].coproc << 16 | index;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
parseCcsidr(const char *s, guint64 *id)
{
    const char *p = s;
    unsigned int level;
    char kind;

    if (!parseLit(&p, "CCSIDR_L") || !parseDec(&p, 7, &level) || level == 0)
        return FALSE;
    kind = g_ascii_toupper(*p);
    if ((kind != 'D' && kind != 'I') || p[1] != '\0')
        return FALSE;
    *id = VIR_CPREG_CCSIDR_BASE | (level - 1) << 1 | (kind == 'I');
    return TRUE;
}

static gboolean
parseSve(const char *s, guint64 *id)
{
    const guint64 base = VIR_CPREG_ARCH_ARM64 | (guint64)COPROC_SVE << 16;
    const char *p = s;
    unsigned int n;
    size_t i;

    parseLit(&p, "KVM_REG_ARM64_");
    if (!parseLit(&p, "SVE_"))
        return FALSE;
    if (g_ascii_strcasecmp(p, "VLS") == 0) {
        *id = base | 6ULL << VIR_CPREG_SIZE_SHIFT | 0xffff;
        return TRUE;
    }
    if (g_ascii_strcasecmp(p, "FFR") == 0) {
        *id = base | 5ULL << VIR_CPREG_SIZE_SHIFT | 0x600;
        return TRUE;
    }
    for (i = 0; i < G_N_ELEMENTS(sveKinds); i++) {
        const virCpregSveKind *k = &sveKinds[i];
        const char *q = p + 1;
        if (g_ascii_toupper(*p) != k->kind || k->count == 1 ||
            !parseDec(&q, k->count - 1, &n) || *q)
            continue;
        *id = base | (guint64)(g_bit_storage(k->bytes) - 1) << VIR_CPREG_SIZE_SHIFT |
              (k->base + (n << 5));
        return TRUE;
    }
    return FALSE;
}

static gboolean
parseSysregEncoding(const char *s, guint64 *id)
{
    const char *p = s;
    unsigned int op0, op1, crn, crm, op2;

    if (!parseLit(&p, "S") || !parseDec(&p, 3, &op0) ||
        !parseLit(&p, "_") || !parseDec(&p, 7, &op1) ||
        !parseLit(&p, "_C") || !parseDec(&p, 15, &crn) ||
        !parseLit(&p, "_C") || !parseDec(&p, 15, &crm) ||
        !parseLit(&p, "_") || !parseDec(&p, 7, &op2) || *p)
        return FALSE;
    *id = VIR_CPREG_SYSREG(op0, op1, crn, crm, op2);
    return TRUE;
}

/* An AArch32 id from its coordinates (see ENCODE_CP_REG above). */
static guint64
aarch32Id(unsigned int key, gboolean ns)
{
    gboolean is64 = !!(key & CP_IS64);

    return VIR_CPREG_ARCH_ARM | (is64 ? VIR_CPREG_SIZE_U64 : VIR_CPREG_SIZE_U32) |
           (ns ? CP_NS : 0) | (guint64)(key >> 16) << 16 | (key & CP_LOW_MASK);
}

static gboolean
parseAarch32Name(const char *s, guint64 *id)
{
    const virCpregAarch32Name *r;
    gboolean ns;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(aarch32Regs); i++) {
        if (g_ascii_strcasecmp(s, aarch32Regs[i].name) == 0) {
            *id = aarch32Regs[i].id;
            return TRUE;
        }
    }
    if (!(r = aarch32ByName(s, &ns)))
        return FALSE;
    *id = aarch32Id(r->key, ns);
    return TRUE;
}

static gboolean
parseAarch32(const char *s, guint64 *id)
{
    const char *p = s;
    unsigned int cp, opc1, crn = 0, crm, opc2 = 0;
    gboolean is64;

    if (parseAarch32Name(s, id))
        return TRUE;
    if (!parseLit(&p, "CP") || !parseDec(&p, 15, &cp) || !parseLit(&p, "_"))
        return FALSE;
    is64 = parseLit(&p, "64_");
    if (!parseDec(&p, 15, &opc1))
        return FALSE;
    if (!is64 && (!parseLit(&p, "_C") || !parseDec(&p, 15, &crn)))
        return FALSE;
    if (!parseLit(&p, "_C") || !parseDec(&p, 15, &crm))
        return FALSE;
    if (!is64 && (!parseLit(&p, "_") || !parseDec(&p, 7, &opc2)))
        return FALSE;
    *id = aarch32Id(cp << 16 | (is64 ? CP_IS64 : 0) | crn << 11 | crm << 7 |
                    opc1 << 3 | opc2, parseLit(&p, "_NS"));
    return *p == '\0';
}

static gboolean
parseSysregName(const char *s, guint64 *id)
{
    char upper[VIR_CPREG_NAME_MAX];
    const virCpregSysreg *r;
    size_t i;

    if (strlen(s) >= sizeof(upper))
        return FALSE;
    for (i = 0; s[i]; i++)
        upper[i] = g_ascii_toupper(s[i]);
    upper[i] = '\0';
    for (i = 0; i < G_N_ELEMENTS(sysregOverrides); i++) {
        if (strcmp(upper, sysregOverrides[i].name) == 0) {
            *id = VIR_CPREG_SYSREG_BASE | sysregOverrides[i].enc;
            return TRUE;
        }
    }
    if (!(r = sysregByName(upper)))
        return FALSE;
    *id = VIR_CPREG_SYSREG_BASE | r->enc;
    return TRUE;
}

typedef gboolean (*virCpregIdParser)(const char *s, guint64 *id);

/* Tried in order: the first that recognises the whole string wins. */
static const virCpregIdParser idParsers[] = {
    parseHex,
    parseCore,
    parseFw,
    parseCcsidr,
    parseSve,
    parseSysregEncoding,
    parseAarch32,
    parseSysregName,
};

gboolean
virCpregIdParse(const char *str, guint64 *id, GError **error)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(idParsers); i++) {
        if (!idParsers[i](str, id))
            continue;
        if (!virCpregIdIsArm(*id)) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("'%s' is not an arm64 KVM register id"), str);
            return FALSE;
        }
        return TRUE;
    }
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("unknown register '%s'"), str);
    return FALSE;
}

/* ---- fields ------------------------------------------------------------ */

/*
 * The bit fields of a register's value: a SYSREG with field data, or a
 * CCSIDR demux register, whose value is a CCSIDR_EL1.
 */
const virCpregField *
virCpregIdFields(guint64 id, size_t *nfields)
{
    const virCpregSysreg *r = NULL;
    virCpregIdInfo info;

    *nfields = 0;
    if (!virCpregIdDecode(id, &info) || !info.canonical)
        return NULL;
    if (info.klass == VIR_CPREG_CLASS_SYSREG && info.name && !info.note)
        r = sysregByEnc(id & 0xffff);
    else if (info.klass == VIR_CPREG_CLASS_CCSIDR)
        r = sysregByEnc(ENC(3, 1, 0, 0, 0));
    if (!r || r->nfields == 0)
        return NULL;
    *nfields = r->nfields;
    return &virCpregFieldTable[r->field];
}
