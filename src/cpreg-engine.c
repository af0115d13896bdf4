/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-engine.c: where the models' findings go
 *
 * The QEMU walk (cpreg-verdict.c), the KVM model (cpreg-kvm.c) and the
 * policy add findings here; cpreg-verdict.c drives them and cpreg-kvm.c
 * needs nothing of it, so the engine's modules call one way only.
 */
#include "config.h"

#include "cpreg-engine.h"

/*
 * Adds a finding; the pin defaults to the source's value. The caller may
 * fill the other typed fields of the returned finding before it adds
 * another.
 */
virCpregFinding *
virCpregEngineAdd(virCpregEngine *e, virCpregRule rule, virCpregFindingKind kind,
                  guint64 id, guint64 src, guint64 dst,
                  const virCpregField *field, const char *why)
{
    virCpregFinding f;

    /* no kernel rule judges a TCG destination, no TCG rule a KVM one */
    g_warn_if_fail(virCpregRuleAppliesTo(rule, e->dfacts->tcg));
    f = (virCpregFinding) {
        .rule = rule, .severity = virCpregRuleGet(rule)->severity,
        .kind = kind, .id = id, .src = src, .dst = dst, .field = field,
        .pin = src, .why = why,
    };

    /* a profile of another machine type than the guest's: TCG's findings
     * in it are about registers the guest will not have as such */
    if (e->other_machine && f.severity == VIR_CPREG_SEVERITY_BLOCKING &&
        virCpregRuleGet(rule)->accel == VIR_CPREG_ACCEL_TCG)
        f.severity = VIR_CPREG_SEVERITY_UNCERTAIN;
    g_array_append_val(e->findings, f);
    e->blocked = e->blocked || f.severity == VIR_CPREG_SEVERITY_BLOCKING;
    return &g_array_index(e->findings, virCpregFinding, e->findings->len - 1);
}
