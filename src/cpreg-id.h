/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-id.h: arm64 KVM register ids: decode, name, parse
 *
 * A KVM register id (linux/kvm.h, arch/arm64/include/uapi/asm/kvm.h) packs
 * the architecture (bits 56..63), the value size (bits 52..55, bytes =
 * 1 << field), a coprocessor/class (bits 16..27) and a class-specific index.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIR_CPREG_ARCH_MASK       0xff00000000000000ULL
#define VIR_CPREG_ARCH_ARM64      0x6000000000000000ULL   /* KVM_REG_ARM64 */
#define VIR_CPREG_ARCH_ARM        0x4000000000000000ULL   /* KVM_REG_ARM */
#define VIR_CPREG_SIZE_SHIFT      52
#define VIR_CPREG_SIZE_MASK       0x00f0000000000000ULL
#define VIR_CPREG_COPROC_SHIFT    16
#define VIR_CPREG_COPROC_MASK     0x000000000fff0000ULL

#define VIR_CPREG_SIZE_U32        (2ULL << VIR_CPREG_SIZE_SHIFT)
#define VIR_CPREG_SIZE_U64        (3ULL << VIR_CPREG_SIZE_SHIFT)

/* KVM SYSREG id of an AArch64 system register encoding. */
#define VIR_CPREG_SYSREG_BASE     0x6030000000130000ULL
#define VIR_CPREG_SYSREG(op0, op1, crn, crm, op2) \
    (VIR_CPREG_SYSREG_BASE | ((guint64)(op0) << 14) | ((guint64)(op1) << 11) | \
     ((guint64)(crn) << 7) | ((guint64)(crm) << 3) | (guint64)(op2))

#define VIR_CPREG_FW_BASE         0x6030000000140000ULL
#define VIR_CPREG_FW_FEAT_BASE    0x6030000000160000ULL
#define VIR_CPREG_CCSIDR_BASE     0x6020000000110000ULL

#define VIR_CPREG_PSCI_VERSION               (VIR_CPREG_FW_BASE | 0)
#define VIR_CPREG_SMCCC_ARCH_WORKAROUND_1    (VIR_CPREG_FW_BASE | 1)
#define VIR_CPREG_SMCCC_ARCH_WORKAROUND_2    (VIR_CPREG_FW_BASE | 2)
#define VIR_CPREG_SMCCC_ARCH_WORKAROUND_3    (VIR_CPREG_FW_BASE | 3)
#define VIR_CPREG_STD_BMAP                   (VIR_CPREG_FW_FEAT_BASE | 0)
#define VIR_CPREG_STD_HYP_BMAP               (VIR_CPREG_FW_FEAT_BASE | 1)
#define VIR_CPREG_VENDOR_HYP_BMAP            (VIR_CPREG_FW_FEAT_BASE | 2)
#define VIR_CPREG_VENDOR_HYP_BMAP_2          (VIR_CPREG_FW_FEAT_BASE | 3)

/* Room for any name virCpregIdFormat() produces, NUL included. */
#define VIR_CPREG_NAME_MAX 48

typedef enum {
    VIR_CPREG_CLASS_CORE,         /* struct kvm_regs member (coproc 0x10) */
    VIR_CPREG_CLASS_CCSIDR,       /* DEMUX CCSIDR (coproc 0x11) */
    VIR_CPREG_CLASS_SYSREG,       /* AArch64 system register (coproc 0x13) */
    VIR_CPREG_CLASS_FW,           /* firmware pseudo-register (coproc 0x14) */
    VIR_CPREG_CLASS_SVE,          /* SVE Z/P/FFR/VLS (coproc 0x15) */
    VIR_CPREG_CLASS_FW_FEAT_BMAP, /* hypercall bitmap (coproc 0x16) */
    VIR_CPREG_CLASS_AARCH32,      /* KVM_REG_ARM cp14/cp15 (QEMU TCG) */
    VIR_CPREG_CLASS_OTHER,        /* arm id of no class above */
    VIR_CPREG_CLASS_LAST
} virCpregClass;

const char *virCpregClassToString(virCpregClass klass);

typedef enum {
    VIR_CPREG_FIELD_UNSIGNED,     /* unsigned enumeration: lower is safe */
    VIR_CPREG_FIELD_SIGNED,       /* signed enumeration */
    VIR_CPREG_FIELD_ENUM,         /* enumeration without an order */
    VIR_CPREG_FIELD_PLAIN,        /* a number or bit pattern */
    VIR_CPREG_FIELD_RES0,
    VIR_CPREG_FIELD_RES1,
    VIR_CPREG_FIELD_RAZ,
    VIR_CPREG_FIELD_UNKN,
    VIR_CPREG_FIELD_LAST
} virCpregFieldKind;

const char *virCpregFieldKindToString(virCpregFieldKind kind);

typedef struct {
    const char *name;
    unsigned char msb;
    unsigned char lsb;
    virCpregFieldKind kind;
} virCpregField;

typedef struct {
    guint64 id;
    virCpregClass klass;
    unsigned int bytes;       /* value size */
    /* FALSE when the id has bits its class does not define, or a size its
     * member does not have: it is then only ever named by its hex form. */
    gboolean canonical;
    /* Known name (static storage) or NULL; never a generic name. */
    const char *name;
    /* Extra words on the meaning (the KVM timer ABI quirk...) or NULL. */
    const char *note;
    /* SYSREG: an ID-register slot (op0 3, op1 0, CRn 0, CRm 0..7) */
    gboolean id_reg;
    /* ... that the architecture does not allocate (reads as zero) */
    gboolean id_reg_unallocated;
    union {
        struct { unsigned int op0, op1, crn, crm, op2; } sys;
        struct { unsigned int offset; } core;        /* 32-bit words */
        struct { unsigned int index; } fw;           /* FW, FW_FEAT_BMAP */
        struct { unsigned int csselr, level; gboolean instruction; } ccsidr;
        struct { char kind; unsigned int n, slice; } sve; /* Z P F(FR) V(LS) */
        struct {
            unsigned int cp, opc1, crn, crm, opc2;
            gboolean is64, ns;
        } cp;
    } u;
} virCpregIdInfo;

gboolean virCpregIdDecode(guint64 id, virCpregIdInfo *info);
gboolean virCpregIdIsArm(guint64 id);
gboolean virCpregIdInQemuList(guint64 id);
gboolean virCpregIdIsIdReg(guint64 id);
const char *virCpregIdName(guint64 id);
const char *virCpregIdFormat(guint64 id, char buf[VIR_CPREG_NAME_MAX]);
void virCpregIdFormatEncoding(const virCpregIdInfo *info,
                              char buf[VIR_CPREG_NAME_MAX]);
gboolean virCpregIdParse(const char *str, guint64 *id, GError **error);
const virCpregField *virCpregIdFields(guint64 id, size_t *nfields);

G_END_DECLS
