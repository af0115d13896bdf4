/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-json.h: one strict, bounded JSON value (internal)
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_tokener, json_tokener_free);

json_object *virCpregJSONParseValue(const char *data, gsize len, int depth,
                                    gsize *where, const char **why,
                                    const char **syntax);
json_object *virCpregJSONParseText(const char *data, gsize len, int depth,
                                   gsize *where, const char **why,
                                   const char **syntax);
