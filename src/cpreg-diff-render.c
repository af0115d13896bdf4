/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-diff-render.c: the named differences of two profiles, as text
 * and as JSON (what `virt-cpreg diff` prints)
 */
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "cpreg-diff.h"
#include "cpreg-id.h"
#include "cpreg-render.h"
#include "cpreg-text.h"
#include "cpreg-value.h"

#define MAX_FIELDS 64

static const char *
writableText(int writable)
{
    switch (writable) {
    case 1:
        return _("writable on B");
    case 0:
        return _("read-only on B");
    case 2:
        return _("partly writable on B");
    default:
        return _("B has no writable mask");
    }
}

static char *
entryValue(const virCpregEntry *e)
{
    if (!(e->flags & VIR_CPREG_ENTRY_VALUE))
        return NULL;
    if (e->value_hi) {
        GString *wide = g_string_new(NULL);
        virCpregTextFormatHex128(wide, e->value, e->value_hi);
        return g_string_free(wide, FALSE);
    }
    return virCpregValueFormat(e->id, e->value);
}

static void
printOnly(GString *out, const GArray *items, virCpregDiffKind kind, const char *title)
{
    guint i, n = 0;

    for (i = 0; i < items->len; i++)
        n += g_array_index(items, virCpregDiffItem, i).kind == kind;
    if (!n)
        return;
    g_string_append_printf(out, title, n);
    g_string_append_c(out, '\n');
    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        const virCpregEntry *e = kind == VIR_CPREG_DIFF_ONLY_A ? it->a : it->b;
        g_autofree char *label = NULL;
        g_autofree char *value = NULL;
        if (it->kind != kind)
            continue;
        label = virCpregRenderRegisterLabel(e->id);
        value = entryValue(e);
        g_string_append_printf(out, "  %s%s%s\n", label, value ? " = " : "", value ? value : "");
    }
}

static void
printChanged(GString *out, const virCpregDiffItem *it)
{
    g_autofree char *label = virCpregRenderRegisterLabel(it->a->id);
    virCpregFieldChange fields[MAX_FIELDS];
    char name[VIR_CPREG_NAME_MAX];
    guint nfields = 0, i;

    if (it->changes & VIR_CPREG_DIFF_VALUE)
        nfields = virCpregDiffFields(it->a, it->b, fields, MAX_FIELDS);
    if ((it->changes & VIR_CPREG_DIFF_VALUE) && !nfields) {
        g_autofree char *va = entryValue(it->a);
        g_autofree char *vb = entryValue(it->b);
        g_string_append_printf(out, "  %s: %s %s %s\n", label, va, virCpregRenderArrow(), vb);
    } else {
        g_string_append_printf(out, "  %s:\n", label);
    }
    for (i = 0; i < nfields; i++)
        g_string_append_printf(out, "    %s.%s %" PRIu64 " %s %" PRIu64 " (%s)\n",
               virCpregIdFormat(it->a->id, name), fields[i].field->name,
               fields[i].a, virCpregRenderArrow(), fields[i].b,
               writableText(fields[i].writable_on_b));
    if (it->changes & VIR_CPREG_DIFF_WRITABLE)
        g_string_append_printf(out, "    %s 0x%" PRIx64 " %s 0x%" PRIx64 "\n", _("writable mask"),
               it->a->writable, virCpregRenderArrow(), it->b->writable);
}

/* The text `virt-cpreg diff` prints. */
char *
virCpregDiffToText(const virCpregProfile *a, const virCpregProfile *b,
                   const GArray *items)
{
    GString *out = g_string_new(NULL);
    g_autofree char *da = virCpregProfileDescribe(a);
    g_autofree char *db = virCpregProfileDescribe(b);
    guint i, changed = 0;

    g_string_append_printf(out, _("A: %1$s: %2$u registers\n"), da, virCpregProfileCount(a));
    g_string_append_printf(out, _("B: %1$s: %2$u registers\n"), db, virCpregProfileCount(b));
    if (!items->len) {
        g_string_append(out, _("The profiles list the same registers with the same values.\n"));
        return g_string_free(out, FALSE);
    }
    printOnly(out, items, VIR_CPREG_DIFF_ONLY_A, _("Only in A (%u):"));
    printOnly(out, items, VIR_CPREG_DIFF_ONLY_B, _("Only in B (%u):"));
    for (i = 0; i < items->len; i++)
        changed += g_array_index(items, virCpregDiffItem, i).kind == VIR_CPREG_DIFF_CHANGED;
    if (changed)
        g_string_append_printf(out, _("Different (%u):\n"), changed);
    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        if (it->kind == VIR_CPREG_DIFF_CHANGED)
            printChanged(out, it);
    }
    return g_string_free(out, FALSE);
}

static json_object *
profileJSON(const virCpregProfile *p)
{
    json_object *obj = json_object_new_object();
    json_object *features = json_object_new_array();
    guint i;

    json_object_object_add(obj, "origin", json_object_new_string(p->origin));
    if (p->ident.kernel)
        json_object_object_add(obj, "kernel", json_object_new_string(p->ident.kernel));
    for (i = 0; p->ident.features[i]; i++)
        json_object_array_add(features, json_object_new_string(p->ident.features[i]));
    json_object_object_add(obj, "features", features);
    json_object_object_add(obj, "registers",
                           json_object_new_int((int)virCpregProfileCount(p)));
    return obj;
}

static json_object *
entryJSON(const virCpregEntry *e)
{
    char name[VIR_CPREG_NAME_MAX];
    json_object *obj = json_object_new_object();
    g_autofree char *value = entryValue(e);

    json_object_object_add(obj, "id", virCpregRenderJSONHex(e->id));
    json_object_object_add(obj, "name",
                           json_object_new_string(virCpregIdFormat(e->id, name)));
    if (value)
        json_object_object_add(obj, "value", json_object_new_string(value));
    return obj;
}

static json_object *
changedJSON(const virCpregDiffItem *it)
{
    json_object *obj = entryJSON(it->a);
    json_object *jfields = json_object_new_array();
    virCpregFieldChange fields[MAX_FIELDS];
    g_autofree char *va = entryValue(it->a);
    g_autofree char *vb = entryValue(it->b);
    guint n = 0, i;

    json_object_object_del(obj, "value");
    if (it->changes & VIR_CPREG_DIFF_VALUE) {
        json_object_object_add(obj, "a", json_object_new_string(va));
        json_object_object_add(obj, "b", json_object_new_string(vb));
        n = virCpregDiffFields(it->a, it->b, fields, MAX_FIELDS);
    }
    if (it->changes & VIR_CPREG_DIFF_WRITABLE) {
        json_object_object_add(obj, "writable_a", virCpregRenderJSONHex(it->a->writable));
        json_object_object_add(obj, "writable_b", virCpregRenderJSONHex(it->b->writable));
    }
    for (i = 0; i < n; i++) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "name", json_object_new_string(fields[i].field->name));
        json_object_object_add(f, "a", json_object_new_int64((int64_t)fields[i].a));
        json_object_object_add(f, "b", json_object_new_int64((int64_t)fields[i].b));
        if (fields[i].writable_on_b >= 0)
            json_object_object_add(f, "writable_on_b",
                                   json_object_new_string(fields[i].writable_on_b == 1 ? "yes" :
                                                          fields[i].writable_on_b == 0 ? "no" : "partly"));
        json_object_array_add(jfields, f);
    }
    json_object_object_add(obj, "fields", jfields);
    return obj;
}

/* What `virt-cpreg diff --json` prints (schemas/diff.schema.json). */
char *
virCpregDiffToJSON(const virCpregProfile *a, const virCpregProfile *b,
                   const GArray *items)
{
    g_autoptr(json_object) out = json_object_new_object();
    json_object *only_a = json_object_new_array();
    json_object *only_b = json_object_new_array();
    json_object *changed = json_object_new_array();
    guint i;

    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        if (it->kind == VIR_CPREG_DIFF_ONLY_A)
            json_object_array_add(only_a, entryJSON(it->a));
        else if (it->kind == VIR_CPREG_DIFF_ONLY_B)
            json_object_array_add(only_b, entryJSON(it->b));
        else
            json_object_array_add(changed, changedJSON(it));
    }
    json_object_object_add(out, "a", profileJSON(a));
    json_object_object_add(out, "b", profileJSON(b));
    json_object_object_add(out, "only_a", only_a);
    json_object_object_add(out, "only_b", only_b);
    json_object_object_add(out, "changed", changed);
    return virCpregRenderJSON(out);
}

