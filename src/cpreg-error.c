/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-error.c: the library's GError domain
 */
#include "config.h"

#include "cpreg-error.h"

GQuark
virCpregErrorQuark(void)
{
    return g_quark_from_static_string("vir-cpreg-error-quark");
}
