/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-knowledge.h: what each register is, and what each kernel and each
 * QEMU release does with it, as three tables of rows (internal)
 *
 * One fact is one row, in the style of QEMU's ARMCPRegInfo arrays:
 *  - a register row (or a row for a class or range of registers): its
 *    name, what its value means, the KVM write rule, the TCG write-back
 *    rule, its default policy;
 *  - a kernel row: a release that changed what KVM does (a register it
 *    adds, lists whatever the CPU or stops listing, a register or field
 *    it hides, a class it made writable), with the commit;
 *  - a QEMU row: a release's cpreg behaviour and the tolerances it added.
 * The engine (cpreg-kvm.c, cpreg-qemu.c, cpreg-policy.c, cpreg-verdict.c),
 * the names (cpreg-id.c, cpreg-value.c) and the rule texts
 * (cpreg-rules.c, through the findings) and the reasons of the built-in
 * policy and of QEMU's tolerances read these tables; none keeps a copy.
 */
#pragma once

#include <glib.h>

#include "cpreg-policy.h"
#include "cpreg-qemu.h"
#include "cpreg-value.h"

G_BEGIN_DECLS

/* How KVM_SET_ONE_REG judges a value (cpreg-kvm.c has one check each). */
typedef enum {
    VIR_CPREG_WRITE_STATE,        /* guest state: any value is stored */
    VIR_CPREG_WRITE_PER_VCPU,     /* per-vCPU value (MPIDR): not compared */
    VIR_CPREG_WRITE_PSCI,         /* a version up to the kernel's default */
    VIR_CPREG_WRITE_LEVEL,        /* a level up to the host's */
    VIR_CPREG_WRITE_LEVEL_WA2,    /* WORKAROUND_2's narrowed levels */
    VIR_CPREG_WRITE_BITMAP,       /* bits the destination offers */
    VIR_CPREG_WRITE_BITMAP_KNOWN, /* bits the kernel knows (the row's names) */
    VIR_CPREG_WRITE_IMP_ID,       /* the host's value only */
    VIR_CPREG_WRITE_CACHE,        /* any geometry once writable */
    VIR_CPREG_WRITE_ID_FIELDS,    /* writable fields towards "less" */
    VIR_CPREG_WRITE_LAST
} virCpregWriteRule;

/*
 * What QEMU's TCG does with a value it writes back at load
 * (write_list_to_cpustate: write raw, read back, fail on a difference).
 */
typedef enum {
    VIR_CPREG_TCG_STORED,         /* stored: the value written reads back
                                   * (the default; QEMU's masks aside) */
    VIR_CPREG_TCG_CONSTANT,       /* ARM_CP_CONST: a write is ignored, the
                                   * read gives the CPU model's value */
    VIR_CPREG_TCG_LAST
} virCpregTcgRule;

#define VIR_CPREG_VALUE_NAMES_MAX 4

/* The built-in policy for a register (cpreg-policy.c). */
typedef struct {
    gboolean set;                 /* the register has a built-in rule */
    virCpregPolicyAction action;
    gboolean has_value;
    guint64 value;
    const char *reason;           /* N_() */
} virCpregDefaultPolicy;

typedef struct {
    const char *name;             /* KVM's or the architecture's name */
    guint64 id;
    guint64 mask;                 /* the row covers ids with (id & mask) ==
                                   * id; 0: this id only */
    virCpregValueKind value;
    const char *names[VIR_CPREG_VALUE_NAMES_MAX]; /* level n, or bit n */
    virCpregWriteRule write;
    virCpregTcgRule tcg;          /* what TCG's write-back does with it */
    virCpregDefaultPolicy policy;
    gboolean transient;           /* the value is the moment's (a counter,
                                   * a timer): two probes never agree on
                                   * it, so no kernel's delta predicts it */
    const char *cite;             /* where KVM, the uapi or QEMU says so */
} virCpregRegInfo;

/* Kernel releases that changed what KVM does. */
typedef enum {
    VIR_CPREG_KERNEL_CACHE_WRITABLE,  /* any CCSIDR/CLIDR geometry */
    VIR_CPREG_KERNEL_ID_WRITABLE,     /* ID registers writable */
    VIR_CPREG_KERNEL_ID_MASKS,        /* writable masks reported */
    VIR_CPREG_KERNEL_HIDES,           /* hides a register's field (or the
                                       * whole register) from the guest:
                                       * the host's own value is accepted
                                       * and ignored */
    VIR_CPREG_KERNEL_ADDS,            /* lists a new register */
    VIR_CPREG_KERNEL_LISTS_ALWAYS,    /* lists a register whatever the CPU
                                       * (up to .last) */
    VIR_CPREG_KERNEL_UNLISTS,         /* stops listing a register (unless
                                       * the CPU has it) */
    VIR_CPREG_KERNEL_PSCI_DEFAULT,    /* defaults to (and implements up to)
                                       * PSCI version .value */
    VIR_CPREG_KERNEL_CHANGE_LAST
} virCpregKernelChange;

typedef struct {
    const char *release;              /* the first release that does it */
    const char *last;                 /* LISTS_ALWAYS: the last one */
    virCpregKernelChange change;
    guint64 id;                       /* the register, for the changes
                                       * about one */
    const char *field;                /* HIDES: its field; NULL: all */
    const char *why;                  /* HIDES: the reason, for findings */
    guint64 value;                    /* PSCI_DEFAULT: the version */
    const char *cite;                 /* the commit or the function */
} virCpregKernelRow;

const virCpregRegInfo *virCpregKnowledgeReg(guint64 id);
const virCpregRegInfo *virCpregKnowledgeRegs(size_t *count);
const virCpregKernelRow *virCpregKnowledgeKernel(size_t *count);
const virCpregKernelRow *virCpregKnowledgeKernelFirst(virCpregKernelChange change);
const virCpregKernelRow *virCpregKnowledgeKernelFor(virCpregKernelChange change,
                                                    guint64 id);
/* in words (cpreg-knowledge-text.c) */
char *virCpregKnowledgeReason(guint64 id);
char *virCpregKnowledgeToleranceWhy(const virCpregTolerance *tolerance);
const virCpregQemuModel *virCpregKnowledgeQemu(size_t *count);

/* QEMU changes a remedy can ask for. */
typedef enum {
    VIR_CPREG_QEMU_NO_LENGTH_CHECK,   /* takes a longer cpreg list */
    VIR_CPREG_QEMU_PSCI_PROPERTY,     /* has kvm-psci-version */
} virCpregQemuChange;

const virCpregQemuModel *virCpregKnowledgeQemuFirst(virCpregQemuChange change);

G_END_DECLS
