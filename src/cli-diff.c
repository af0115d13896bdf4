/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-diff.c: virt-cpreg diff A B
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-diff.h"
#include "cpreg-id.h"
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
    if (e->value_hi)
        return g_strdup_printf("0x%" PRIx64 "%016" PRIx64, e->value_hi, e->value);
    return virCpregValueFormat(e->id, e->value);
}

static void
printOnly(const GArray *items, virCpregDiffKind kind, const char *title)
{
    guint i, n = 0;

    for (i = 0; i < items->len; i++)
        n += g_array_index(items, virCpregDiffItem, i).kind == kind;
    if (!n)
        return;
    printf(title, n);
    putchar('\n');
    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        const virCpregEntry *e = kind == VIR_CPREG_DIFF_ONLY_A ? it->a : it->b;
        g_autofree char *label = NULL;
        g_autofree char *value = NULL;
        if (it->kind != kind)
            continue;
        label = cliRegisterLabel(e->id);
        value = entryValue(e);
        printf("  %s%s%s\n", label, value ? " = " : "", value ? value : "");
    }
}

static void
printChanged(const virCpregDiffItem *it)
{
    g_autofree char *label = cliRegisterLabel(it->a->id);
    virCpregFieldChange fields[MAX_FIELDS];
    char name[VIR_CPREG_NAME_MAX];
    guint nfields = 0, i;

    if (it->changes & VIR_CPREG_DIFF_VALUE)
        nfields = virCpregDiffFields(it->a, it->b, fields, MAX_FIELDS);
    if ((it->changes & VIR_CPREG_DIFF_VALUE) && !nfields) {
        g_autofree char *va = entryValue(it->a);
        g_autofree char *vb = entryValue(it->b);
        printf("  %s: %s %s %s\n", label, va, cliArrow(), vb);
    } else {
        printf("  %s:\n", label);
    }
    for (i = 0; i < nfields; i++)
        printf("    %s.%s %" PRIu64 " %s %" PRIu64 " (%s)\n",
               virCpregIdFormat(it->a->id, name), fields[i].field->name,
               fields[i].a, cliArrow(), fields[i].b,
               writableText(fields[i].writable_on_b));
    if (it->changes & VIR_CPREG_DIFF_WRITABLE)
        printf("    %s 0x%" PRIx64 " %s 0x%" PRIx64 "\n", _("writable mask"),
               it->a->writable, cliArrow(), it->b->writable);
}

static void
printText(const virCpregProfile *a, const virCpregProfile *b,
          const GArray *items)
{
    g_autofree char *da = virCpregProfileDescribe(a);
    g_autofree char *db = virCpregProfileDescribe(b);
    guint i, changed = 0;

    printf(_("A: %1$s: %2$u registers\n"), da, virCpregProfileCount(a));
    printf(_("B: %1$s: %2$u registers\n"), db, virCpregProfileCount(b));
    if (!items->len) {
        printf(_("The profiles list the same registers with the same values.\n"));
        return;
    }
    printOnly(items, VIR_CPREG_DIFF_ONLY_A, _("Only in A (%u):"));
    printOnly(items, VIR_CPREG_DIFF_ONLY_B, _("Only in B (%u):"));
    for (i = 0; i < items->len; i++)
        changed += g_array_index(items, virCpregDiffItem, i).kind == VIR_CPREG_DIFF_CHANGED;
    if (changed)
        printf(_("Different (%u):\n"), changed);
    for (i = 0; i < items->len; i++) {
        const virCpregDiffItem *it = &g_array_index(items, virCpregDiffItem, i);
        if (it->kind == VIR_CPREG_DIFF_CHANGED)
            printChanged(it);
    }
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

    json_object_object_add(obj, "id", cliJSONHex(e->id));
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
        json_object_object_add(obj, "writable_a", cliJSONHex(it->a->writable));
        json_object_object_add(obj, "writable_b", cliJSONHex(it->b->writable));
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

static void
printJSON(const virCpregProfile *a, const virCpregProfile *b,
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
    cliPrintJSON(out);
}

int
cliDiff(int argc, char **argv)
{
    gboolean json = FALSE, all = FALSE;
    GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { "all", 0, 0, G_OPTION_ARG_NONE, &all,
          N_("Include CORE and SVE registers, which QEMU migrates outside its register list"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) a = NULL;
    g_autoptr(virCpregProfile) b = NULL;
    g_autoptr(GArray) items = NULL;

    if (!cliParseOptions(cliVerb("diff"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 3)
        return cliUsage("diff", "%s", _("expected two profiles"));
    if (!(a = cliLoadProfile(argv[1], all, &error)) ||
        !(b = cliLoadProfile(argv[2], all, &error)))
        return cliFail(error);
    items = virCpregDiff(a, b);
    if (json)
        printJSON(a, b, items);
    else
        printText(a, b, items);
    return items->len ? VIR_CPREG_EXIT_VETO : VIR_CPREG_EXIT_OK;
}
