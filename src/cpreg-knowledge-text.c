/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-knowledge-text.c: what the knowledge table says, in words: why a
 * register has its built-in policy, why a QEMU release tolerates one.
 * Apart from the table, so that the table depends on nothing that names
 * registers or values (cpreg-id and cpreg-value read the table).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cpreg-knowledge.h"
#include "cpreg-id.h"
#include "cpreg-value.h"

/* What the kernel rows say about listing one register. */
typedef struct {
    const virCpregKernelRow *always;   /* listed whatever the CPU */
    const virCpregKernelRow *unlists;  /* until this release */
    const virCpregKernelRow *adds;     /* new in this release */
} virCpregListing;

static virCpregListing
listingOf(guint64 id)
{
    return (virCpregListing) {
        .always = virCpregKnowledgeKernelFor(VIR_CPREG_KERNEL_LISTS_ALWAYS, id),
        .unlists = virCpregKnowledgeKernelFor(VIR_CPREG_KERNEL_UNLISTS, id),
        .adds = virCpregKnowledgeKernelFor(VIR_CPREG_KERNEL_ADDS, id),
    };
}

/* Why @id has its built-in policy, translated: its row's reason, else
 * what the kernel rows say about it; NULL if nothing does. */
char *
virCpregKnowledgeReason(guint64 id)
{
    const virCpregRegInfo *reg = virCpregKnowledgeReg(id);
    const virCpregKernelRow *psci = virCpregKnowledgeKernelFor(VIR_CPREG_KERNEL_PSCI_DEFAULT, id);
    virCpregListing l = listingOf(id);
    g_autofree char *value = NULL;

    if (reg && reg->policy.reason)
        return g_strdup(_(reg->policy.reason));
    if (psci) {
        value = virCpregValueFormat(id, psci->value);
        return g_strdup_printf(_("kernel %1$s defaults to PSCI %2$s, which older kernels refuse"),
                               psci->release, value);
    }
    if (l.always && l.unlists)
        return g_strdup_printf(_("listed whatever the CPU by kernels %1$s to %2$s (%3$s hides it in %4$s)"),
                               l.always->release, l.always->last, l.unlists->cite,
                               l.unlists->release);
    if (!l.adds || !reg)
        return NULL;
    value = virCpregValueFormat(id, reg->policy.value);
    return g_strdup_printf(_("new in kernel %1$s; harmless only at its default %2$s"),
                           l.adds->release, value);
}

/* Why QEMU tolerates a register: the tolerance's own words, else what
 * the kernel rows say about the register (untranslated, as QEMU's). */
char *
virCpregKnowledgeToleranceWhy(const virCpregTolerance *t)
{
    char buf[VIR_CPREG_NAME_MAX];
    virCpregListing l = listingOf(t->id);
    g_autofree char *value = NULL;
    const char *name;

    if (t->why)
        return g_strdup(t->why);
    name = virCpregIdFormat(t->id, buf);
    if (l.always && l.unlists)
        return g_strdup_printf("%s: listed whatever the CPU by %s-%s (hidden by %s in %s)",
                               name, l.always->release, l.always->last, l.unlists->cite,
                               l.unlists->release);
    if (!l.adds)
        return g_strdup(name);
    value = virCpregValueFormat(t->id, t->value);
    return g_strdup_printf("%s: new in %s, harmless at its reset value %s",
                           name, l.adds->release, value);
}
