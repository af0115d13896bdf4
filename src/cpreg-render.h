/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-render.h: what the renderers share: how a register, an arrow, a
 * hexadecimal JSON value and a JSON document look. Renderers format what
 * the engine decided; they decide nothing.
 */
#pragma once

#include <glib.h>
#include "cpreg-json.h"

G_BEGIN_DECLS

const char *virCpregRenderArrow(void);
char *virCpregRenderRegisterLabel(guint64 id);
json_object *virCpregRenderJSONHex(guint64 value);
char *virCpregRenderJSON(json_object *obj);

G_END_DECLS
