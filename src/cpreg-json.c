/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-json.c: one strict, bounded JSON value
 *
 * Every JSON reader (profiles, policies, QMP replies, the VM description
 * of a migration stream) parses through here: strict JSON, valid UTF-8,
 * nesting bounded by @depth, exactly one value with only white space
 * after it, and no NUL in any string or key. Where it fails and why is
 * for the caller to put in its own words (a line of a file, a byte of a
 * stream).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-json.h"
#include "cpreg-error.h"
#include "cpreg-text.h"

/*
 * The offset of a \u0000 escape in one of the strings (keys included) of
 * @data, strict JSON already parsed, or -1. json-c keeps the NUL in the
 * string, but every reader takes the C string and would see it cut there
 * ("0x6030...\u0000junk" read as "0x6030...").
 */
static gssize
findNulEscape(const char *data, gsize len)
{
    gboolean in_string = FALSE;
    gsize i;

    if (!memmem(data, len, "\\u0000", 6))
        return -1;
    for (i = 0; i < len; i++) {
        if (data[i] == '"') {
            in_string = !in_string;
        } else if (in_string && data[i] == '\\') {
            if (len - i >= 6 && memcmp(data + i, "\\u0000", 6) == 0)
                return (gssize)i;
            i++;    /* the escaped character, a quote or a backslash too */
        }
    }
    return -1;
}

static json_object *
parseValue(const char *data, gsize len, int depth, int flags, gsize *where,
           const char **why, const char **syntax);

/*
 * On failure, NULL with *where the byte offset and either *why a whole
 * phrase or, for a syntax error, *why NULL and *syntax json-c's words.
 */
json_object *
virCpregJSONParseValue(const char *data, gsize len, int depth, gsize *where,
                       const char **why, const char **syntax)
{
    return parseValue(data, len, depth,
                      JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8,
                      where, why, syntax);
}

/*
 * The same for @data its caller has already checked to be valid UTF-8
 * text (virCpregTextCheckUTF8, or text out of libxml2): json-c's own
 * check would only do that work a second time, byte by byte.
 */
json_object *
virCpregJSONParseText(const char *data, gsize len, int depth, gsize *where,
                      const char **why, const char **syntax)
{
    return parseValue(data, len, depth, JSON_TOKENER_STRICT, where, why, syntax);
}

static json_object *
parseValue(const char *data, gsize len, int depth, int flags, gsize *where,
           const char **why, const char **syntax)
{
    g_autoptr(json_tokener) tok = json_tokener_new_ex(depth);
    json_object *root;
    enum json_tokener_error jerr;
    gsize end;
    gssize nul;

    *where = 0;
    *why = *syntax = NULL;
    if (len > G_MAXINT) {
        *why = _("too large");
        return NULL;
    }
    json_tokener_set_flags(tok, flags);
    root = json_tokener_parse_ex(tok, data, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (jerr != json_tokener_success) {
        *where = jerr == json_tokener_continue ? len : end;
        *why = jerr == json_tokener_continue ? _("unexpected end of JSON data") : NULL;
        *syntax = json_tokener_error_desc(jerr);
        return NULL;
    }
    for (; end < len; end++) {
        if (!g_ascii_isspace(data[end])) {
            json_object_put(root);
            *where = end;
            *why = _("unexpected data after the JSON value");
            return NULL;
        }
    }
    if ((nul = findNulEscape(data, len)) >= 0) {
        json_object_put(root);
        *where = (gsize)nul;
        *why = _("a string holds a NUL character (\\u0000)");
        return NULL;
    }
    return root;
}

/* ---- what the readers of JSON documents share --------------------------- */

#define JSON_MAX_DEPTH 32

json_object *
virCpregJSONParse(const char *origin, const char *data, gsize len,
                  GError **error)
{
    const char *why, *syntax;
    gsize where;
    /* every caller has checked @data with virCpregTextCheckUTF8 or has it
     * from libxml2 */
    json_object *root = virCpregJSONParseText(data, len, JSON_MAX_DEPTH, &where,
                                              &why, &syntax);

    if (!root && why)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT, "%s:%u: %s",
                    origin, virCpregTextLineOf(data, where), why);
    else if (!root)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$u: invalid JSON: %3$s"), origin,
                    virCpregTextLineOf(data, where), syntax);
    return root;
}

gboolean
virCpregJSONStringValue(json_object *val, const char *key, const char *origin,
                        const char *path, const char **out, gsize *len,
                        GError **error)
{
    *out = NULL;
    if (!val)
        return TRUE;
    if (!json_object_is_type(val, json_type_string)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.%3$s: expected a string"), origin, path, key);
        return FALSE;
    }
    *out = json_object_get_string(val);
    *len = (gsize)json_object_get_string_len(val);
    return TRUE;
}

gboolean
virCpregJSONGetString(json_object *obj, const char *key, const char *origin,
                      const char *path, gboolean required, const char **out,
                      GError **error)
{
    json_object *val = NULL;
    gsize len;

    if (!json_object_object_get_ex(obj, key, &val) || !val) {
        *out = NULL;
        if (!required)
            return TRUE;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: missing '%3$s'"), origin, path, key);
        return FALSE;
    }
    return virCpregJSONStringValue(val, key, origin, path, out, &len, error);
}
