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
#include "cpreg-knowledge.h"
#include "cpreg-value.h"

/* The value bits of @entry a prediction cannot vouch for; an uncertain
 * writable mask may decide any of them. */
guint64
virCpregEngineUncertain(const virCpregEntry *entry)
{
    if (!entry)
        return 0;
    return entry->uncertain |
           ((entry->flags & (VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN |
                             VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)) ? ~0ULL : 0);
}

/*
 * Whether @s and @d are the same unknown: one prediction (the same
 * kernels and emulated CPU) of two hosts with the same CPU (MIDR), with
 * the same value, marks and writable mask, of a register whose value the
 * CPU's implementation fixes (the ID registers' fields, the cache geometry
 * the kernel derives its CCSIDRs from, or guest state).
 * Whatever the new kernel does with those bits, it does on both ends
 * alike, so they compare as measured (a guest moving between two like
 * hosts after the upgrade). Not for what firmware decides beyond the
 * MIDR (mitigation levels), IMPDEF registers or per-vCPU values.
 */
gboolean
virCpregEngineSameUnknown(const virCpregEngine *e, const virCpregEntry *s,
                          const virCpregEntry *d)
{
    const virCpregIdentity *a = &e->src->ident, *b = &e->dst->ident;
    const virCpregRegInfo *info = virCpregKnowledgeReg(s->id);

    if (info && info->write != VIR_CPREG_WRITE_ID_FIELDS && info->write != VIR_CPREG_WRITE_STATE &&
        info->write != VIR_CPREG_WRITE_CACHE)
        return FALSE;
    return a->predicted && b->predicted && g_str_equal(a->predicted, b->predicted) &&
           a->has_midr && b->has_midr && a->midr == b->midr &&
           s->flags == d->flags && s->value == d->value &&
           s->value_hi == d->value_hi && s->uncertain == d->uncertain &&
           s->writable == d->writable;
}

/*
 * A blocking finding that hangs on uncertain bits of a predicted profile
 * (the field's, or the value's for a finding on the value) is uncertain,
 * and says which rule would have decided; so is one on a register only
 * one end lists when that end may not list it at all (a prediction's
 * PRESENCE_UNCERTAIN). A policy's required value is a value wherever the
 * register is. (Two lookups per
 * blocking finding on a value: a fleet's fast path stops at its first.)
 */
static void
demoteUncertain(const virCpregEngine *e, virCpregFinding *f)
{
    guint64 bits, doubt;
    const virCpregEntry *only = NULL;

    if (f->severity != VIR_CPREG_SEVERITY_BLOCKING || !f->id)
        return;
    /* a register only one end lists, which that end may not list at all */
    if (f->kind == VIR_CPREG_FINDING_ONLY_SOURCE)
        only = virCpregProfileFind(e->src, f->id);
    else if (f->kind == VIR_CPREG_FINDING_ONLY_DEST)
        only = virCpregProfileFind(e->dst, f->id);
    if (only && (only->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)) {
        f->why = virCpregRuleGet(f->rule)->name;
        f->rule = VIR_CPREG_RULE_PREDICTED_UNCERTAIN;
        f->severity = VIR_CPREG_SEVERITY_UNCERTAIN;
        return;
    }
    if (f->kind != VIR_CPREG_FINDING_VALUE && f->kind != VIR_CPREG_FINDING_PIN &&
        f->rule != VIR_CPREG_RULE_POLICY_VALUE)
        return;
    bits = f->field ? virCpregFieldMask(f->field) : ~0ULL;
    doubt = virCpregEngineUncertain(virCpregProfileFind(e->src, f->id)) |
            virCpregEngineUncertain(virCpregProfileFind(e->dst, f->id));
    if (!(doubt & bits))
        return;
    f->why = virCpregRuleGet(f->rule)->name;
    f->rule = f->field ? VIR_CPREG_RULE_PREDICTED_UNCERTAIN_FIELD : VIR_CPREG_RULE_PREDICTED_UNCERTAIN;
    f->severity = VIR_CPREG_SEVERITY_UNCERTAIN;
}

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
    demoteUncertain(e, &f);
    g_array_append_val(e->findings, f);
    e->blocked = e->blocked || f.severity == VIR_CPREG_SEVERITY_BLOCKING;
    return &g_array_index(e->findings, virCpregFinding, e->findings->len - 1);
}

/* A register whose uncertain bits could decide a check that found nothing. */
void
virCpregEngineAddUncertain(virCpregEngine *e, virCpregFindingKind kind, guint64 id,
                           guint64 src, guint64 dst, const virCpregField *field,
                           const char *why)
{
    virCpregEngineAdd(e, field ? VIR_CPREG_RULE_PREDICTED_UNCERTAIN_FIELD :
                      VIR_CPREG_RULE_PREDICTED_UNCERTAIN, kind, id, src, dst, field, why);
}
