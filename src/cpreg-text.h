/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-text.h: reading hostile text: bounded files, UTF-8, hex numbers
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean virCpregTextReadFile(const char *path, gsize max, char **data,
                              gsize *len, GError **error);
gboolean virCpregTextCheckUTF8(const char *origin, const char *data,
                               gsize len, GError **error);
guint virCpregTextLineOf(const char *data, gsize offset);
gboolean virCpregTextParseHex64(const char *s, gsize len, guint64 *out);
gboolean virCpregTextParseHex128(const char *s, gsize len, guint64 *lo,
                                 guint64 *hi);
void virCpregTextFormatHex64(GString *out, guint64 v, guint width);
void virCpregTextFormatHex128(GString *out, guint64 lo, guint64 hi);

G_END_DECLS
