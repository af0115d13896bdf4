/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-verdict-render.h: a verdict as text
 */
#pragma once

#include "cpreg-verdict.h"

G_BEGIN_DECLS

char *virCpregVerdictToText(const virCpregVerdict *v, gboolean verbose);

G_END_DECLS
