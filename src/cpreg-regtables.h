/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-regtables.h: the generated AArch64 system register tables
 *
 * cpreg-regtables.c is written at build time by gen-regtables.py from
 * src/data/arm64-sysregs.tsv, src/data/arm64-sysreg-fields.tsv and
 * src/data/aarch32-cpregs.tsv.
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

typedef struct {
    const char *name;        /* the Non-secure bank, or the only one */
    const char *name_s;      /* the Secure bank: name + "_S" */
    /* QEMU's ENCODE_CP_REG without the NS bit: cp<<16 | is64<<15 |
     * CRn<<11 | CRm<<7 | opc1<<3 | opc2 */
    unsigned int key;
} virCpregAarch32Name;

/* AArch32 cp14/cp15 names, sorted by key. */
extern const virCpregAarch32Name virCpregAarch32Table[];
extern const size_t virCpregAarch32TableLen;
/* Indexes into virCpregAarch32Table, sorted by g_ascii_strcasecmp(). */
extern const unsigned short virCpregAarch32ByName[];
