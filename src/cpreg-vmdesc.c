/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-vmdesc.c: QEMU's VM description, the JSON at the end of a
 * migration stream
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-vmdesc.h"
#include "cpreg-error.h"
#include "cpreg-profile-priv.h"

#define MAX_DEPTH 8             /* nested subsections */
#define MAX_FIELDS 65536        /* per section */
#define MAX_DEVICES 65536
#define MAX_JSON_DEPTH 64       /* structs in structs in subsections */

typedef struct {
    const char *origin;
    guint64 offset;             /* of the JSON in the file, for messages */
} VmdescCtx;

static gboolean
vmdescFail(const VmdescCtx *ctx, const char *where, const char *what,
           GError **error)
{
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%1$s: byte %2$llu: the VM description is invalid: %3$s: %4$s"),
                ctx->origin, (unsigned long long)ctx->offset, where, what);
    return FALSE;
}

/* Errors name the byte in the file, not a line. */
static json_object *
parseJSON(const VmdescCtx *ctx, const char *json, gsize len, GError **error)
{
    const char *why, *syntax;
    gsize where;
    json_object *root = virCpregJSONParseValue(json, len, MAX_JSON_DEPTH, &where,
                                               &why, &syntax);

    if (!root)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: byte %2$llu: the VM description is not valid JSON: %3$s"),
                    ctx->origin, (unsigned long long)(ctx->offset + where), why ? why : syntax);
    return root;
}

static void
fieldClear(gpointer p)
{
    g_free(((virCpregVmdescField *)p)->name);
}

static void
sectionFree(gpointer p)
{
    virCpregVmdescSection *s = p;

    if (!s)
        return;
    g_free(s->name);
    g_clear_pointer(&s->fields, g_array_unref);
    g_clear_pointer(&s->subsections, g_ptr_array_unref);
    g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregVmdescSection, sectionFree);

void
virCpregVmdescFree(virCpregVmdesc *desc)
{
    if (!desc)
        return;
    g_clear_pointer(&desc->devices, g_ptr_array_unref);
    g_free(desc);
}

static gboolean
getUint(json_object *obj, const char *key, gboolean required, guint64 max,
        guint64 *out, gboolean *found)
{
    json_object *v;
    gint64 n;

    *found = json_object_object_get_ex(obj, key, &v);
    if (!*found)
        return !required;
    if (!json_object_is_type(v, json_type_int))
        return FALSE;
    n = json_object_get_int64(v);
    if (n < 0 || (guint64)n > max)
        return FALSE;
    *out = (guint64)n;
    return TRUE;
}

static gboolean
parseField(const VmdescCtx *ctx, const char *where, json_object *jf,
           virCpregVmdescSection *s, GError **error)
{
    virCpregVmdescField f = { NULL, 0, 1 };
    json_object *jname;
    gboolean found;
    guint64 bytes;

    if (!json_object_is_type(jf, json_type_object) ||
        !json_object_object_get_ex(jf, "name", &jname) ||
        !json_object_is_type(jname, json_type_string))
        return vmdescFail(ctx, where, _("a field without a name"), error);
    if (!getUint(jf, "size", TRUE, G_MAXUINT32, &f.size, &found) ||
        !getUint(jf, "array_len", FALSE, G_MAXUINT32, &f.count, &found))
        return vmdescFail(ctx, where, _("a field's size or array_len is not a number in range"),
                          error);
    /* both are below 2^32: the product fits, the sum is checked */
    bytes = f.size * f.count;
    if (s->size + bytes < s->size)
        return vmdescFail(ctx, where, _("the fields are too large"), error);
    s->size += bytes;
    f.name = g_strdup(json_object_get_string(jname));
    g_array_append_val(s->fields, f);
    return TRUE;
}

static virCpregVmdescSection *
parseSection(const VmdescCtx *ctx, json_object *js, gboolean device,
             guint depth, GError **error)
{
    g_autoptr(virCpregVmdescSection) s = g_new0(virCpregVmdescSection, 1);
    const char *key = device ? "name" : "vmsd_name";
    json_object *v, *fields, *subs;
    gboolean found;
    guint64 n;
    size_t i;

    if (!json_object_is_type(js, json_type_object) ||
        !json_object_object_get_ex(js, key, &v) ||
        !json_object_is_type(v, json_type_string)) {
        vmdescFail(ctx, "devices", _("an entry without a name"), error);
        return NULL;
    }
    s->name = g_strdup(json_object_get_string(v));
    s->fields = g_array_new(FALSE, TRUE, sizeof(virCpregVmdescField));
    g_array_set_clear_func(s->fields, fieldClear);
    s->subsections = g_ptr_array_new_with_free_func(sectionFree);
    if (!getUint(js, "instance_id", device, G_MAXUINT32, &n, &found)) {
        vmdescFail(ctx, s->name, _("instance_id is not a number in range"), error);
        return NULL;
    }
    s->instance = found ? (guint)n : 0;
    if (!getUint(js, "version", FALSE, G_MAXUINT32, &n, &found)) {
        vmdescFail(ctx, s->name, _("version is not a number in range"), error);
        return NULL;
    }
    s->version = found ? (guint)n : 0;
    if (json_object_object_get_ex(js, "fields", &fields)) {
        if (!json_object_is_type(fields, json_type_array) ||
            json_object_array_length(fields) > MAX_FIELDS) {
            vmdescFail(ctx, s->name, _("'fields' is not a list of fields"), error);
            return NULL;
        }
        for (i = 0; i < json_object_array_length(fields); i++) {
            if (!parseField(ctx, s->name, json_object_array_get_idx(fields, i),
                            s, error))
                return NULL;
        }
    }
    if (!json_object_object_get_ex(js, "subsections", &subs))
        return g_steal_pointer(&s);
    if (!json_object_is_type(subs, json_type_array) || depth >= MAX_DEPTH) {
        vmdescFail(ctx, s->name, _("'subsections' is not a list, or nested too deep"), error);
        return NULL;
    }
    for (i = 0; i < json_object_array_length(subs); i++) {
        virCpregVmdescSection *sub = parseSection(ctx, json_object_array_get_idx(subs, i),
                                                  FALSE, depth + 1, error);
        if (!sub)
            return NULL;
        g_ptr_array_add(s->subsections, sub);
    }
    return g_steal_pointer(&s);
}

virCpregVmdesc *
virCpregVmdescParse(const char *origin, guint64 offset, const char *json,
                    gsize len, GError **error)
{
    VmdescCtx ctx = { origin, offset };
    g_autoptr(virCpregVmdesc) desc = g_new0(virCpregVmdesc, 1);
    g_autoptr(json_object) root = parseJSON(&ctx, json, len, error);
    json_object *devices;
    gboolean found;
    guint64 n = 0;
    size_t i;

    if (!root)
        return NULL;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "devices", &devices) ||
        !json_object_is_type(devices, json_type_array) ||
        json_object_array_length(devices) > MAX_DEVICES) {
        vmdescFail(&ctx, "devices", _("missing, or not a list"), error);
        return NULL;
    }
    if (!getUint(root, "page_size", FALSE, G_MAXUINT32, &n, &found)) {
        vmdescFail(&ctx, "page_size", _("not a number in range"), error);
        return NULL;
    }
    desc->page_size = (guint)n;
    desc->devices = g_ptr_array_new_with_free_func(sectionFree);
    for (i = 0; i < json_object_array_length(devices); i++) {
        virCpregVmdescSection *s = parseSection(&ctx, json_object_array_get_idx(devices, i),
                                                TRUE, 0, error);
        if (!s)
            return NULL;
        g_ptr_array_add(desc->devices, s);
    }
    return g_steal_pointer(&desc);
}

gint
virCpregVmdescFieldFind(const virCpregVmdescSection *section,
                        const char *name, guint64 *offset)
{
    guint64 at = 0;
    guint i;

    for (i = 0; i < section->fields->len; i++) {
        const virCpregVmdescField *f = &g_array_index(section->fields,
                                                      virCpregVmdescField, i);
        if (g_str_equal(f->name, name)) {
            *offset = at;
            return (gint)i;
        }
        at += f->size * f->count;
    }
    return -1;
}
