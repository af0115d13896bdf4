/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-verdict-render.c: a verdict as text, as `virt-cpreg check` prints
 * it (its JSON is virCpregVerdictToJSON's)
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cpreg-verdict-render.h"

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
    g_string_append_printf(out, _("Model: QEMU %1$s on the destination (%2$s)%3$s%4$s; kernels %5$s → %6$s; policy: %7$s\n"),
           v->qemu_model, v->tcg ? "TCG" : "KVM",
           v->qemu_note ? "; " : "", v->qemu_note ? v->qemu_note : "",
           v->src->ident.kernel ? v->src->ident.kernel : "?",
           v->dst->ident.kernel ? v->dst->ident.kernel : "?", policy->str);
}

/* What `virt-cpreg check` prints: the summary, the model, the findings by
 * severity (notes with @verbose) and the changes. */
char *
virCpregVerdictToText(const virCpregVerdict *v, gboolean verbose)
{
    GString *out = g_string_new(NULL);
    g_autofree char *summary = virCpregVerdictSummary(v);
    size_t s;
    guint i;

    g_string_append_printf(out, "%s\n", summary);
    printModel(out, v);
    for (s = 0; s < G_N_ELEMENTS(sections); s++) {
        gboolean titled = FALSE;
        if (sections[s].severity == VIR_CPREG_SEVERITY_INFO && !verbose)
            continue;
        for (i = 0; i < v->findings->len; i++) {
            const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
            g_autofree char *msg = NULL;
            g_autofree char *remedy = NULL;
            if (f->severity != sections[s].severity)
                continue;
            if (!titled)
                g_string_append_printf(out, "%s\n", _(sections[s].title));
            titled = TRUE;
            msg = virCpregFindingMessage(v, f);
            remedy = virCpregFindingRemedy(v, f);
            g_string_append_printf(out, "  %s\n", msg);
            if (remedy)
                g_string_append_printf(out, _("    fix: %s\n"), remedy);
        }
    }
    for (i = 0; i < v->changes->len; i++) {
        const virCpregChange *c = v->changes->pdata[i];
        if (!i)
            g_string_append_printf(out, "%s\n", _("Changes:"));
        g_string_append_printf(out, _("  %1$s=%2$s on the destination (-global host-arm-cpu.%1$s=%2$s): %3$s\n"),
               c->property, c->value, c->reason);
    }
    return g_string_free(out, FALSE);
}

