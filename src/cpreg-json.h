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

/* @data (@origin's, UTF-8) as one JSON value, or an error naming its line */
json_object *virCpregJSONParse(const char *origin, const char *data,
                               gsize len, GError **error);
/* @val (member @key of @path; NULL when absent or null: *@out NULL) as a
 * string and its length */
gboolean virCpregJSONStringValue(json_object *val, const char *key,
                                 const char *origin, const char *path,
                                 const char **out, gsize *len, GError **error);
/* @obj's string member @key (*@out NULL when absent and not @required);
 * errors name @origin and the JSON @path */
gboolean virCpregJSONGetString(json_object *obj, const char *key,
                               const char *origin, const char *path,
                               gboolean required, const char **out,
                               GError **error);
