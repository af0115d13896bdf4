/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-verdict.h: will the destination take the guest's vCPU registers?
 */
#pragma once

#include <glib.h>

#include "cpreg-domain.h"
#include "cpreg-id.h"
#include "cpreg-policy.h"
#include "cpreg-profile.h"
#include "cpreg-qemu.h"
#include "cpreg-rules.h"

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_VERDICT_ALLOW,
    VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES,
    VIR_CPREG_VERDICT_VETO,
    VIR_CPREG_VERDICT_UNCERTAIN,
    VIR_CPREG_VERDICT_LAST
} virCpregVerdictKind;

const char *virCpregVerdictKindToString(virCpregVerdictKind kind);

typedef enum {
    VIR_CPREG_FINDING_STREAM,       /* the cpreg list as a whole */
    VIR_CPREG_FINDING_ONLY_SOURCE,  /* in the stream, not on the destination */
    VIR_CPREG_FINDING_ONLY_DEST,    /* on the destination, not in the stream */
    VIR_CPREG_FINDING_VALUE,        /* on both; the value is the question */
    VIR_CPREG_FINDING_PIN,          /* a vCPU property pin */
    VIR_CPREG_FINDING_LAST
} virCpregFindingKind;

const char *virCpregFindingKindToString(virCpregFindingKind kind);

typedef struct {
    virCpregRule rule;
    virCpregSeverity severity;
    virCpregFindingKind kind;
    guint64 id;                     /* 0 for STREAM */
    guint64 src, dst;               /* values; counts for STREAM */
    const virCpregField *field;     /* the ID-register field, or NULL */
    guint64 pin;                    /* the value to pin, or that the policy
                                     * requires */
    const char *fix_qemu;           /* the QEMU release that fixes it, or NULL */
    const char *kernel;             /* the kernel release the rule cites */
    const char *err;                /* a refused trial's errno name, or
                                     * QEMU's message for the length check */
    const char *why;                /* a policy's or kernel's reason, or NULL */
    const virCpregTolerance *tolerance; /* what QEMU tolerates, or NULL */
} virCpregFinding;

typedef struct {
    char *property;                 /* "kvm-psci-version" */
    char *value;                    /* "1.1" */
    char *reason;
} virCpregChange;

typedef struct {
    const char *dest_qemu;          /* destination QEMU version, or NULL */
    virCpregPolicy *policy;         /* NULL: the built-in policy; the
                                     * verdict keeps a reference */
    const virCpregDomain *domain;   /* NULL: no domain XML */
} virCpregCheckOptions;

typedef struct _virCpregVerdict virCpregVerdict;
struct _virCpregVerdict {
    virCpregVerdictKind kind;
    GArray *findings;               /* virCpregFinding, severest first */
    GPtrArray *changes;             /* virCpregChange */
    const char *qemu_model;         /* the QEMU behaviour modelled: "10.0" */
    char *qemu_requested;           /* the version asked for, or NULL */
    const char *qemu_note;          /* why the model is not an exact match */
    const char *fix_qemu;           /* the oldest QEMU that would allow, when
                                     * the modelled one vetoes */
    gboolean tcg;
    virCpregProfile *src;           /* copies of the QEMU views compared */
    virCpregProfile *dst;
    virCpregPolicy *policy;         /* the policy judged by (a reference) */
};

virCpregVerdict *virCpregCheck(const virCpregProfile *src,
                               const virCpregProfile *dst,
                               const virCpregCheckOptions *opts,
                               GError **error);
void virCpregVerdictFree(virCpregVerdict *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregVerdict, virCpregVerdictFree);

gboolean virCpregVerdictBlocking(const virCpregVerdict *verdict,
                                 guint64 id);
char *virCpregVerdictSummary(const virCpregVerdict *verdict);
char *virCpregFindingMessage(const virCpregVerdict *verdict,
                             const virCpregFinding *finding);
char *virCpregFindingRemedy(const virCpregVerdict *verdict,
                            const virCpregFinding *finding);
char *virCpregFindingName(const virCpregFinding *finding);
char *virCpregVerdictToJSON(const virCpregVerdict *verdict);

/* The fast path for fleets: the verdict's kind only, reusing @scratch. */
typedef struct _virCpregChecker virCpregChecker;
virCpregChecker *virCpregCheckerNew(const char *dest_qemu,
                                    virCpregPolicy *policy);
void virCpregCheckerFree(virCpregChecker *checker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregChecker, virCpregCheckerFree);
void virCpregCheckerSetPsciPin(virCpregChecker *checker, gboolean pinned,
                               guint64 value);
virCpregVerdictKind virCpregCheckerRun(virCpregChecker *checker,
                                       const virCpregProfile *src,
                                       const virCpregProfile *dst,
                                       const virCpregFinding **first);

G_END_DECLS
