/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-diff.h: the named differences of two register profiles
 */
#pragma once

#include <glib.h>

#include "cpreg-id.h"
#include "cpreg-profile.h"

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_DIFF_ONLY_A,       /* listed by A, not by B */
    VIR_CPREG_DIFF_ONLY_B,       /* listed by B, not by A */
    VIR_CPREG_DIFF_CHANGED,      /* listed by both; value or mask differs */
} virCpregDiffKind;

typedef enum {
    VIR_CPREG_DIFF_VALUE = 1 << 0,      /* both have values, they differ */
    VIR_CPREG_DIFF_WRITABLE = 1 << 1,   /* both have masks, they differ */
} virCpregDiffChange;

typedef struct {
    virCpregDiffKind kind;
    unsigned int changes;            /* virCpregDiffChange, for CHANGED */
    const virCpregEntry *a;          /* NULL for ONLY_B */
    const virCpregEntry *b;          /* NULL for ONLY_A */
} virCpregDiffItem;

/* An ID-register field whose value differs. */
typedef struct {
    const virCpregField *field;
    guint64 a, b;
    /* on B: the field's bits are all writable (1), none are (0), some are
     * (2), or B has no mask (-1) */
    int writable_on_b;
} virCpregFieldChange;

GArray *virCpregDiff(const virCpregProfile *a, const virCpregProfile *b);
/* @items (virCpregDiff's) as `virt-cpreg diff` prints them (cpreg-diff-render.c) */
char *virCpregDiffToText(const virCpregProfile *a, const virCpregProfile *b,
                         const GArray *items);
char *virCpregDiffToJSON(const virCpregProfile *a, const virCpregProfile *b,
                         const GArray *items);
guint virCpregDiffFields(const virCpregEntry *a, const virCpregEntry *b,
                         virCpregFieldChange *out, guint max);

G_END_DECLS
