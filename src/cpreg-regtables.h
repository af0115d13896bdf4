/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-regtables.h: the generated AArch64 system register tables
 *
 * cpreg-regtables.c is written at build time by gen-regtables.py from
 * src/data/arm64-sysregs.tsv and src/data/arm64-sysreg-fields.tsv.
 */
#pragma once

#include <stddef.h>

#include "cpreg-id.h"

typedef struct {
    const char *name;
    unsigned short enc;      /* op0<<14 | op1<<11 | CRn<<7 | CRm<<3 | op2 */
    unsigned short field;    /* first index into virCpregFieldTable */
    unsigned short nfields;
} virCpregSysreg;

/* Sorted by encoding; for a shared encoding the primary name comes first. */
extern const virCpregSysreg virCpregSysregTable[];
extern const size_t virCpregSysregTableLen;
/* Indexes into virCpregSysregTable, sorted by name (strcmp). */
extern const unsigned short virCpregSysregByName[];
extern const virCpregField virCpregFieldTable[];
