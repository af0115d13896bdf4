/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-value.h: what a register's value means
 *
 * PSCI versions, SMCCC workaround levels, hypercall bitmap bits and
 * ID-register fields, each described by one table.
 */
#pragma once

#include <glib.h>

#include "cpreg-id.h"

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_VALUE_HEX,        /* a number or state: shown in hex */
    VIR_CPREG_VALUE_PSCI,       /* (major << 16) | minor */
    VIR_CPREG_VALUE_LEVEL,      /* an ordered level with names */
    VIR_CPREG_VALUE_BITMAP,     /* a set of named bits */
    VIR_CPREG_VALUE_LAST
} virCpregValueKind;

virCpregValueKind virCpregValueKindOf(guint64 id);
const char *const *virCpregValueNames(guint64 id, guint *count);
char *virCpregValueFormat(guint64 id, guint64 value);
char *virCpregPsciFormat(guint64 value);
gboolean virCpregPsciParse(const char *str, guint64 *value);

static inline guint64
virCpregFieldMask(const virCpregField *f)
{
    unsigned int width = f->msb - f->lsb + 1U;

    return (width == 64 ? ~0ULL : ((1ULL << width) - 1)) << f->lsb;
}

static inline guint64
virCpregFieldGet(const virCpregField *f, guint64 value)
{
    return (value & virCpregFieldMask(f)) >> f->lsb;
}

G_END_DECLS
