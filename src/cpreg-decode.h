/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-decode.h: what a register id is, for people and for programs
 */
#pragma once

#include <glib.h>
#include "cpreg-json.h"

#include "cpreg-id.h"

G_BEGIN_DECLS

char *virCpregDecodeToText(const char *arg, const virCpregIdInfo *info);
json_object *virCpregDecodeToJSON(const virCpregIdInfo *info);

G_END_DECLS
