/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-verdict-render.c: a verdict as text, as `virt-cpreg check` prints
 * it (its JSON is virCpregVerdictToJSON's)
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cpreg-verdict-render.h"

/* a rule's line of the warning summary lists names within this */
#define RULE_LINE_MAX 90

static const struct {
    virCpregSeverity severity;
    const char *title;
} sections[] = {
    { VIR_CPREG_SEVERITY_BLOCKING, N_("Blocking:") },
    { VIR_CPREG_SEVERITY_UNCERTAIN, N_("Uncertain:") },
    { VIR_CPREG_SEVERITY_WARNING, N_("Warnings:") },
    { VIR_CPREG_SEVERITY_INFO, N_("Notes:") },
};

static void
printModel(GString *out, const virCpregVerdict *v)
{
    const GPtrArray *ps = virCpregPolicySources(v->policy);
    g_autoptr(GString) policy = g_string_new(NULL);
    guint i;

    for (i = 0; i < ps->len; i++)
        g_string_append_printf(policy, "%s%s", i ? ", " : "", (char *)ps->pdata[i]);
    /* under TCG the list is QEMU's CPU model's: the kernels do not matter */
    if (v->tcg)
        g_string_append_printf(out, _("Model: QEMU %1$s on the destination (TCG)%2$s%3$s; CPU models %4$s → %5$s; policy: %6$s\n"),
               v->qemu_model, v->qemu_note ? "; " : "", v->qemu_note ? v->qemu_note : "",
               v->src->ident.cpu ? v->src->ident.cpu : "?",
               v->dst->ident.cpu ? v->dst->ident.cpu : "?", policy->str);
    else
        g_string_append_printf(out, _("Model: QEMU %1$s on the destination (KVM)%2$s%3$s; kernels %4$s → %5$s; policy: %6$s\n"),
               v->qemu_model, v->qemu_note ? "; " : "", v->qemu_note ? v->qemu_note : "",
               v->src->ident.kernel ? v->src->ident.kernel : "?",
               v->dst->ident.kernel ? v->dst->ident.kernel : "?", policy->str);
}

/* Every finding of @severity, a run of like registers as one. */
static void
printFindings(GString *out, const virCpregVerdict *v, size_t s)
{
    g_autoptr(GPtrArray) groups = virCpregFindingGroups(v, sections[s].severity);
    guint i;

    for (i = 0; i < groups->len; i++) {
        const virCpregFindingGroup *g = groups->pdata[i];
        if (!i)
            g_string_append_printf(out, "%s\n", _(sections[s].title));
        g_string_append_printf(out, "  %s\n", g->message);
        if (g->remedy)
            g_string_append_printf(out, _("    fix: %s\n"), g->remedy);
    }
}

/* One line per rule: its name, how many registers, which (runs grouped). */
static void
printCounts(GString *out, const virCpregVerdict *v, size_t s)
{
    g_autoptr(GPtrArray) groups = virCpregFindingGroups(v, sections[s].severity);
    guint i, j, total = 0;

    for (i = 0; i < groups->len; i++)
        total += ((virCpregFindingGroup *)groups->pdata[i])->count;
    if (!total)
        return;
    g_string_append_printf(out, _("%1$s %2$u (-v lists each)\n"), _(sections[s].title), total);
    for (i = 0; i < groups->len; i++) {
        const virCpregFindingGroup *g = groups->pdata[i];
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(guint));
        g_autofree char *list = NULL;
        guint n = 0;

        for (j = 0; j < i && ((virCpregFindingGroup *)groups->pdata[j])->first->rule != g->first->rule; j++)
            ;
        if (j < i)
            continue;       /* the rule has its line already */
        for (j = i; j < groups->len; j++) {
            const virCpregFindingGroup *o = groups->pdata[j];
            if (o->first->rule != g->first->rule)
                continue;
            g_ptr_array_add(names, o->name);
            g_array_append_val(counts, o->count);
            n += o->count;
        }
        list = virCpregJoinNames(names, counts, RULE_LINE_MAX, FALSE);
        g_string_append_printf(out, _("  %1$s (%2$u): %3$s\n"),
                               virCpregRuleGet(g->first->rule)->name, n, list);
    }
}

/*
 * What `virt-cpreg check` prints: the summary, the blocking and uncertain
 * findings, the warnings (each with @verbose, else a count per rule), the
 * notes (with @verbose), the changes and the model.
 */
char *
virCpregVerdictToText(const virCpregVerdict *v, gboolean verbose)
{
    GString *out = g_string_new(NULL);
    g_autofree char *summary = virCpregVerdictSummary(v);
    size_t s;
    guint i;

    g_string_append_printf(out, "%s\n", summary);
    for (s = 0; s < G_N_ELEMENTS(sections); s++) {
        if (verbose || sections[s].severity > VIR_CPREG_SEVERITY_WARNING)
            printFindings(out, v, s);
        else if (sections[s].severity == VIR_CPREG_SEVERITY_WARNING)
            printCounts(out, v, s);
    }
    for (i = 0; i < v->changes->len; i++) {
        const virCpregChange *c = v->changes->pdata[i];
        if (!i)
            g_string_append_printf(out, "%s\n", _("Changes:"));
        g_string_append_printf(out, _("  %1$s=%2$s on the destination (-global host-arm-cpu.%1$s=%2$s): %3$s\n"),
               c->property, c->value, c->reason);
    }
    printModel(out, v);
    return g_string_free(out, FALSE);
}
