/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-error.h: the library's GError domain
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIR_CPREG_ERROR (virCpregErrorQuark())

/*
 * Error codes. Each maps to one exit status of the CLI (virt-cpreg(1)),
 * in cpreg-exit.c: INPUT, USAGE and UNSUPPORTED are 2, INTERNAL is 4.
 */
typedef enum {
    VIR_CPREG_ERROR_INPUT,        /* malformed or hostile input data */
    VIR_CPREG_ERROR_USAGE,        /* bad arguments */
    VIR_CPREG_ERROR_UNSUPPORTED,  /* valid request this host cannot serve */
    VIR_CPREG_ERROR_INTERNAL,     /* bug or system failure */
} virCpregErrorCode;

GQuark virCpregErrorQuark(void);

G_END_DECLS
