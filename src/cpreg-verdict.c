/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-verdict.c: will the destination take the guest's vCPU registers?
 *
 * The engine replays what the destination does with the stream, in
 * QEMU's order: the length check of older releases, cpu_post_load's walk
 * over both sorted lists (with 11.1's tolerances), then one
 * KVM_SET_ONE_REG per destination register. Every step that objects adds
 * a finding naming a rule of cpreg-rules.c; the site's policy and the
 * vCPU property pins come last. Findings carry values, not text: the text
 * is made only when someone reads it.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-engine.h"
#include "cpreg-error.h"
#include "cpreg-knowledge.h"
#include "cpreg-value.h"
#include "cpreg-util.h"

VIR_CPREG_ENUM_IMPL(virCpregVerdictKind, virCpregVerdictKind, VIR_CPREG_VERDICT_LAST,
                    "allow", "allow-with-changes", "veto", "uncertain");

VIR_CPREG_ENUM_IMPL(virCpregFindingKind, virCpregFindingKind, VIR_CPREG_FINDING_LAST,
                    "stream", "only-in-source", "only-in-destination", "value", "pin");

/* The oldest modelled QEMU with @change. */
static const char *
fixingQemu(virCpregQemuChange change)
{
    const virCpregQemuModel *m = virCpregKnowledgeQemuFirst(change);

    return m ? m->version : NULL;
}

/* ---- the walk ----------------------------------------------------------- */

typedef struct {
    virCpregEngine base;
    gboolean has_psci_pin;          /* the domain pins kvm-psci-version */
    guint64 psci_pin;
    gboolean no_psci_property;      /* the guest's vCPU has no kvm-psci-version
                                     * (TCG, or not KVM's host vCPU) */
    gboolean other_model;           /* TCG: the profiles are known to be of
                                     * two vCPU models */
    gboolean pin_change;            /* pin kvm-psci-version on the destination */
    guint64 pin_value;
    const virCpregPolicyRule *rules; /* the policy's rules, ascending id */
    guint nrules;
} virCpregRun;

/* The value the stream carries: the source's, or the domain's pin. */
static gboolean
streamValue(const virCpregRun *r, const virCpregEntry *s, guint64 *value)
{
    if (s->id == VIR_CPREG_PSCI_VERSION && r->has_psci_pin) {
        *value = r->psci_pin;
        return TRUE;
    }
    *value = s->value;
    return (s->flags & VIR_CPREG_ENTRY_VALUE) != 0;
}

/* A register in the stream that the destination does not list. */
static void
onlySource(virCpregRun *r, const virCpregEntry *s, guint64 dst_last)
{
    virCpregEngine *e = &r->base;
    gboolean tcg = e->dfacts->tcg;
    const virCpregTolerance *tol = virCpregQemuTolerance(e->qemu, s->id, tcg);
    const virCpregQemuModel *fix;
    guint64 value;
    gboolean known = streamValue(r, s, &value);

    /* a tolerance of a value the prediction cannot vouch for */
    if (tol && tol->how != VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS && known &&
        (value & tol->mask) == tol->value && (virCpregEngineUncertain(s) & tol->mask)) {
        virCpregEngineAddUncertain(e, VIR_CPREG_FINDING_ONLY_SOURCE, s->id, value, 0, NULL,
                                   virCpregRuleGet(VIR_CPREG_RULE_QEMU_TOLERATED)->name);
        return;
    }
    if (tol && (tol->how == VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS ||
                (known && (value & tol->mask) == tol->value))) {
        virCpregEngineAdd(e, VIR_CPREG_RULE_QEMU_TOLERATED, VIR_CPREG_FINDING_ONLY_SOURCE,
                          s->id, value, 0, NULL, NULL)->tolerance = tol;
        return;
    }
    if (!e->qemu->checks_past_end && s->id > dst_last) {
        virCpregEngineAdd(e, VIR_CPREG_RULE_QEMU_PAST_END_DROPPED,
                          VIR_CPREG_FINDING_ONLY_SOURCE, s->id, value, 0, NULL, NULL);
        return;
    }
    fix = virCpregQemuFirstTolerating(s->id, tcg);
    tol = fix ? virCpregQemuTolerance(fix, s->id, tcg) : NULL;
    if (tol && tol->how == VIR_CPREG_TOLERATE_SRC_VALUE &&
        !(known && (value & tol->mask) == tol->value))
        fix = NULL;
    /* under KVM the kernel lists the registers, under TCG QEMU's vCPU model */
    virCpregEngineAdd(e, fix ? (tcg ? VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER_TCG :
                                      VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER) :
                      tcg ? VIR_CPREG_RULE_QEMU_UNKNOWN_TCG : VIR_CPREG_RULE_QEMU_UNKNOWN,
                      VIR_CPREG_FINDING_ONLY_SOURCE,
                      s->id, value, 0, NULL, NULL)->fix_qemu = fix ? fix->version : NULL;
}

/* ---- TCG's write-back (write_list_to_cpustate) --------------------------- */

static gboolean
tcgConstant(guint64 id)
{
    const virCpregRegInfo *info = virCpregKnowledgeReg(id);

    return info && info->tcg == VIR_CPREG_TCG_CONSTANT;
}

/*
 * Under TCG QEMU writes every register of its list raw and reads it back;
 * a register whose value is the CPU model's constant (ARM_CP_CONST) reads
 * back that constant whatever was written, and the difference fails the
 * load (machine.c cpu_post_load; helper.c write_list_to_cpustate). No
 * kernel is asked.
 */
static void
tcgCheckWrite(virCpregRun *r, guint64 id, gboolean known, guint64 value,
              const virCpregEntry *d)
{
    virCpregRule rule;

    if (!tcgConstant(id))
        return;
    if (!known || !(d->flags & VIR_CPREG_ENTRY_VALUE))
        rule = VIR_CPREG_RULE_TCG_NO_VALUE;
    else if (value == d->value)
        return;
    else
        rule = r->other_model ? VIR_CPREG_RULE_TCG_CONSTANT_CPU : VIR_CPREG_RULE_TCG_CONSTANT;
    virCpregEngineAdd(&r->base, rule, VIR_CPREG_FINDING_VALUE, id, value, d->value, NULL, NULL);
}

/*
 * A register the stream lacks, under TCG: cpu_post_load leaves its slot
 * of cpreg_values as it is, and TCG never filled it ("the value array
 * need not be initialized", helper.c add_cpreg_to_list: 7.2, 10.0, 10.2,
 * and 11.x's tolerance series), so write_list_to_cpustate writes back
 * whatever the heap held there. A constant other than 0 then fails
 * whatever the slot holds, bar the one value (RMR_EL1 = 1, neoverse-n1's
 * CPUECTLR_EL1: behind the failure in tests/tcg on every run); a 0
 * constant, or a register that stores what it is given, fails or not as
 * the heap has it (tests/tcg's "heap-dependent" registers: they fail only
 * on a perturbed heap) and, where it loads, the guest gets that value.
 */
static void
tcgMissing(virCpregEngine *e, const virCpregEntry *d)
{
    gboolean fails = tcgConstant(d->id) && (d->flags & VIR_CPREG_ENTRY_VALUE) && d->value;

    virCpregEngineAdd(e, fails ? VIR_CPREG_RULE_TCG_MISSING_CONSTANT :
                      VIR_CPREG_RULE_TCG_MISSING_IN_STREAM, VIR_CPREG_FINDING_ONLY_DEST,
                      d->id, 0, d->value, NULL, NULL);
}

/* A register of the destination that the stream does not carry: under
 * KVM it keeps its reset value (never fatal); under TCG, see tcgMissing. */
static void
onlyDest(virCpregRun *r, const virCpregEntry *d)
{
    virCpregEngine *e = &r->base;
    const virCpregTolerance *tol = virCpregQemuTolerance(e->qemu, d->id, e->dfacts->tcg);

    if (tol && tol->how == VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS)
        virCpregEngineAdd(e, VIR_CPREG_RULE_QEMU_TOLERATED, VIR_CPREG_FINDING_ONLY_DEST,
                          d->id, 0, d->value, NULL, NULL)->tolerance = tol;
    else if (e->dfacts->tcg)
        tcgMissing(e, d);
    else
        virCpregEngineAdd(e, VIR_CPREG_RULE_QEMU_MISSING_IN_STREAM,
                          VIR_CPREG_FINDING_ONLY_DEST, d->id, 0, d->value, NULL, NULL);
}

/* After a check of @s on @d that found nothing: a prediction's uncertain
 * bits that could still decide it make the verdict uncertain. */
static void
checkUncertain(virCpregRun *r, const virCpregEntry *s, const virCpregEntry *d,
               gboolean known, guint64 value)
{
    virCpregEngine *e = &r->base;
    const virCpregField *field = NULL;
    gboolean decides;

    if (!known || !(d->flags & VIR_CPREG_ENTRY_VALUE))
        return;
    if (e->dfacts->tcg)
        decides = tcgConstant(s->id) &&
                  (virCpregEngineUncertain(s) | virCpregEngineUncertain(d)) != 0;
    else
        decides = virCpregKvmUncertainDecides(e, value, s, d, &field);
    if (decides)
        virCpregEngineAddUncertain(e, VIR_CPREG_FINDING_VALUE, s->id, value, d->value, field,
                                   e->dfacts->tcg ? "tcg-write-back" : "kvm-set-one-reg");
}

/* Whether a finding added since @before already decides (blocking or
 * uncertain): an informational one (a field lowered) leaves the
 * prediction's uncertain bits to be asked about. */
static gboolean
decidedSince(const virCpregEngine *e, guint before)
{
    guint i;

    for (i = before; i < e->findings->len; i++) {
        virCpregSeverity sev = g_array_index(e->findings, virCpregFinding, i).severity;
        if (sev == VIR_CPREG_SEVERITY_BLOCKING || sev == VIR_CPREG_SEVERITY_UNCERTAIN)
            return TRUE;
    }
    return FALSE;
}

/*
 * Both ends list the register, but a prediction says one may not: the
 * destination then would not know the stream's register (fatal unless
 * QEMU tolerates it), or, under TCG, would miss it in the stream. Under
 * KVM a register missing from the stream keeps its reset value.
 */
static void
checkPresence(virCpregRun *r, const virCpregEntry *s, const virCpregEntry *d)
{
    virCpregEngine *e = &r->base;
    const virCpregTolerance *tol;

    if (!((s->flags | d->flags) & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN) ||
        virCpregEngineSameUnknown(e, s, d))
        return;
    tol = virCpregQemuTolerance(e->qemu, s->id, e->dfacts->tcg);
    if (tol && tol->how == VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS)
        return;
    if (d->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)
        virCpregEngineAddUncertain(e, VIR_CPREG_FINDING_ONLY_SOURCE, s->id, s->value, 0, NULL,
                                   virCpregRuleGet(VIR_CPREG_RULE_QEMU_UNKNOWN)->name);
    else if (e->dfacts->tcg)
        virCpregEngineAddUncertain(e, VIR_CPREG_FINDING_ONLY_DEST, d->id, 0, d->value, NULL,
                                   virCpregRuleGet(VIR_CPREG_RULE_TCG_MISSING_IN_STREAM)->name);
}

static void
onBoth(virCpregRun *r, const virCpregEntry *s, const virCpregEntry *d)
{
    guint64 value;
    gboolean known = streamValue(r, s, &value);
    guint before = r->base.findings->len;
    gboolean marked = ((s->flags | d->flags) & VIR_CPREG_ENTRY_MARKS) != 0 &&
                      !virCpregEngineSameUnknown(&r->base, s, d);

    /* the common case: nothing to ask the kernel */
    if (known && (d->flags & VIR_CPREG_ENTRY_VALUE) && value == d->value &&
        !r->base.dst->trials->len && !marked)
        return;
    if (!known || !(d->flags & VIR_CPREG_ENTRY_VALUE) || value != d->value ||
        r->base.dst->trials->len) {
        if (r->base.dfacts->tcg)
            tcgCheckWrite(r, s->id, known, value, d);
        else
            virCpregKvmCheckWrite(&r->base, s->id, known, value, d);
    }
    if (marked && !decidedSince(&r->base, before))
        checkUncertain(r, s, d, known, value);
    if (marked)
        checkPresence(r, s, d);
}

/* ---- the policy --------------------------------------------------------- */

typedef enum {
    SIDE_SOURCE,      /* in the stream only */
    SIDE_DEST,        /* on the destination only */
    SIDE_BOTH,
} virCpregSide;

/* A policy's rule passed on bits a prediction cannot vouch for. */
static void
policyUncertain(virCpregEngine *e, virCpregFindingKind kind,
                const virCpregPolicyRule *rule, guint64 value, guint64 dvalue)
{
    virCpregRule decides = rule->action == VIR_CPREG_POLICY_DENY ?
                           VIR_CPREG_RULE_POLICY_DENY : VIR_CPREG_RULE_POLICY_VALUE;

    virCpregEngineAddUncertain(e, kind, rule->id, value, dvalue, NULL,
                               virCpregRuleGet(decides)->name);
}

static void
applyRule(virCpregRun *r, const virCpregPolicyRule *rule, virCpregSide side,
          const virCpregEntry *s, const virCpregEntry *d)
{
    virCpregEngine *e = &r->base;
    guint64 value = 0;
    gboolean known = s && streamValue(r, s, &value);
    gboolean differs = side != SIDE_BOTH ||
                       !known || !(d->flags & VIR_CPREG_ENTRY_VALUE) || value != d->value;
    virCpregFindingKind kind = side == SIDE_SOURCE ? VIR_CPREG_FINDING_ONLY_SOURCE :
                               side == SIDE_DEST ? VIR_CPREG_FINDING_ONLY_DEST :
                               VIR_CPREG_FINDING_VALUE;
    guint64 dvalue = d ? d->value : 0;

    switch (rule->action) {
    case VIR_CPREG_POLICY_IGNORE_IF_PRESENT:
    case VIR_CPREG_POLICY_REQUIRE_VALUE:
        /* dst carries the value the policy requires */
        if (rule->has_value && known && (value & rule->mask) != rule->value)
            virCpregEngineAdd(e, VIR_CPREG_RULE_POLICY_VALUE, kind, rule->id,
                              value, rule->value, NULL, rule->reason)->pin = rule->value;
        else if (rule->has_value && known && (virCpregEngineUncertain(s) & rule->mask))
            policyUncertain(e, kind, rule, value, dvalue);
        break;
    case VIR_CPREG_POLICY_DENY:
        if (differs)
            virCpregEngineAdd(e, VIR_CPREG_RULE_POLICY_DENY, kind, rule->id,
                              value, dvalue, NULL, rule->reason);
        else if (virCpregEngineUncertain(s) | virCpregEngineUncertain(d))
            policyUncertain(e, kind, rule, value, dvalue);
        break;
    case VIR_CPREG_POLICY_WARN:
        if (differs)
            virCpregEngineAdd(e, VIR_CPREG_RULE_POLICY_WARN, kind, rule->id,
                              value, dvalue, NULL, rule->reason);
        break;
    case VIR_CPREG_POLICY_PIN:
    case VIR_CPREG_POLICY_LAST:
        break;
    }
}

/*
 * One walk over both sorted lists, with a cursor over the policy's
 * sorted rules, in the order cpu_post_load meets the registers.
 */
/* The entries of a prediction that the new kernel may not list. */
static guint
presenceDoubtful(const virCpregProfile *p)
{
    guint i, n = 0;

    if (!p->ident.predicted)
        return 0;
    for (i = 0; i < virCpregProfileCount(p); i++)
        n += (virCpregProfileEntry(p, i)->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN) != 0;
    return n;
}

/*
 * VMSTATE_INT32_POSITIVE_LE(cpreg_vmstate_array_len) before 11.0: the
 * stream's list no longer than the destination's. With a prediction's
 * doubtful entries, certain only when the fewest the stream may carry
 * still exceed the most the destination may list.
 */
static void
checkLength(virCpregEngine *e, guint ns, guint nd)
{
    guint ds = presenceDoubtful(e->src), dd = presenceDoubtful(e->dst);
    virCpregFinding *f;

    if (ns - ds > nd) {
        f = virCpregEngineAdd(e, VIR_CPREG_RULE_QEMU_LENGTH_CHECK,
                              VIR_CPREG_FINDING_STREAM, 0, ns, nd, NULL, NULL);
        f->fix_qemu = fixingQemu(VIR_CPREG_QEMU_NO_LENGTH_CHECK);
        f->err = e->qemu->length_error;
    } else if (ns > nd - dd) {
        virCpregEngineAddUncertain(e, VIR_CPREG_FINDING_STREAM, 0, ns, nd, NULL,
                                   virCpregRuleGet(VIR_CPREG_RULE_QEMU_LENGTH_CHECK)->name);
    }
}

static void
walk(virCpregRun *r)
{
    const virCpregProfile *src = r->base.src, *dst = r->base.dst;
    guint ns = virCpregProfileCount(src), nd = virCpregProfileCount(dst);
    guint64 dst_last = nd ? virCpregProfileEntry(dst, nd - 1)->id : 0;
    guint i = 0, j = 0, k = 0;

    while ((i < ns || j < nd) && !(r->base.first_block_only && r->base.blocked)) {
        const virCpregEntry *s = NULL, *d = NULL;
        virCpregSide side;
        guint64 id;

        if (j == nd || (i < ns && virCpregProfileEntry(src, i)->id <
                                  virCpregProfileEntry(dst, j)->id)) {
            side = SIDE_SOURCE;
            s = virCpregProfileEntry(src, i++);
            onlySource(r, s, dst_last);
            id = s->id;
        } else if (i == ns || virCpregProfileEntry(dst, j)->id <
                              virCpregProfileEntry(src, i)->id) {
            side = SIDE_DEST;
            d = virCpregProfileEntry(dst, j++);
            onlyDest(r, d);
            id = d->id;
        } else {
            side = SIDE_BOTH;
            s = virCpregProfileEntry(src, i++);
            d = virCpregProfileEntry(dst, j++);
            onBoth(r, s, d);
            id = s->id;
        }
        while (k < r->nrules && r->rules[k].id < id)
            k++;
        if (k < r->nrules && r->rules[k].id == id)
            applyRule(r, &r->rules[k], side, s, d);
    }
}

/* ---- pins ----------------------------------------------------------------- */

/*
 * kvm-psci-version: a pin in the domain is the value the stream carries,
 * and the destination QEMU must have the property and its kernel the
 * version. Without a pin, a guest that arrives with an older PSCI than
 * the destination's default keeps it only if the destination pins it.
 */
static void
checkPsciPin(virCpregRun *r)
{
    virCpregEngine *e = &r->base;
    const virCpregEntry *s = virCpregProfileFind(e->src, VIR_CPREG_PSCI_VERSION);
    const virCpregEntry *d = virCpregProfileFind(e->dst, VIR_CPREG_PSCI_VERSION);
    const virCpregPolicyRule *rule = virCpregPolicyFind(e->policy, VIR_CPREG_PSCI_VERSION);

    /* KVM's firmware register and KVM's vCPU property: TCG has neither */
    if (e->dfacts->tcg)
        return;
    if (r->has_psci_pin) {
        if (!e->qemu->psci_property)
            virCpregEngineAdd(e, VIR_CPREG_RULE_PIN_NO_PROPERTY, VIR_CPREG_FINDING_PIN,
                              VIR_CPREG_PSCI_VERSION, r->psci_pin, d ? d->value : 0,
                              NULL, NULL)->fix_qemu = fixingQemu(VIR_CPREG_QEMU_PSCI_PROPERTY);
        else if (d && (d->flags & VIR_CPREG_ENTRY_VALUE) &&
                 !virCpregKvmPsciAccepted(d, r->psci_pin))
            virCpregEngineAdd(e, VIR_CPREG_RULE_PIN_REFUSED, VIR_CPREG_FINDING_PIN,
                              VIR_CPREG_PSCI_VERSION, r->psci_pin, d->value, NULL, NULL);
        return;
    }
    if (!s || !d || !(s->flags & d->flags & VIR_CPREG_ENTRY_VALUE) ||
        s->value == d->value || !virCpregKvmPsciAccepted(d, s->value) ||
        !rule || rule->action != VIR_CPREG_POLICY_PIN)
        return;
    if (r->no_psci_property) {
        virCpregEngineAdd(e, VIR_CPREG_RULE_PIN_NOT_APPLICABLE, VIR_CPREG_FINDING_PIN,
                          VIR_CPREG_PSCI_VERSION, s->value, d->value, NULL, NULL);
    } else if (e->qemu->psci_property) {
        r->pin_change = TRUE;
        r->pin_value = s->value;
        virCpregEngineAdd(e, VIR_CPREG_RULE_PIN_PSCI, VIR_CPREG_FINDING_PIN,
                          VIR_CPREG_PSCI_VERSION, s->value, d->value, NULL, rule->reason);
    } else {
        virCpregEngineAdd(e, VIR_CPREG_RULE_PIN_UNAVAILABLE, VIR_CPREG_FINDING_PIN,
                          VIR_CPREG_PSCI_VERSION, s->value, d->value, NULL,
                          NULL)->fix_qemu = fixingQemu(VIR_CPREG_QEMU_PSCI_PROPERTY);
    }
}

/*
 * Under TCG a versioned machine type's compat properties change the
 * vCPU's registers (10.0's -cpu max: ID_AA64ISAR1_EL1 under virt-7.2 and
 * virt-10.0), and a guest keeps its machine type when it migrates: a
 * destination profile of another machine type is not what the guest will
 * get, whatever its registers say: what the TCG rules find in it cannot
 * block (virCpregEngineAdd makes it uncertain).
 */
static void
checkMachineType(virCpregEngine *e)
{
    const char *src = e->src->ident.machine_type, *dst = e->dst->ident.machine_type;

    e->other_machine = e->dfacts->tcg && src && dst && !g_str_equal(src, dst);
    if (e->other_machine)
        virCpregEngineAdd(e, VIR_CPREG_RULE_TCG_MACHINE_TYPE, VIR_CPREG_FINDING_STREAM,
                          0, 0, 0, NULL, src);
}

static virCpregVerdictKind
runEngine(virCpregRun *r, const virCpregPolicy *policy)
{
    virCpregEngine *e = &r->base;
    guint ns = virCpregProfileCount(e->src), nd = virCpregProfileCount(e->dst);
    virCpregSeverity worst = VIR_CPREG_SEVERITY_INFO;
    guint i;

    virCpregPolicyRules(policy, &r->rules, &r->nrules);
    g_array_set_size(e->findings, 0);
    e->blocked = FALSE;
    checkMachineType(e);
    if (e->qemu->length_check)
        checkLength(e, ns, nd);
    walk(r);
    checkPsciPin(r);
    for (i = 0; i < e->findings->len; i++)
        worst = MAX(worst, g_array_index(e->findings, virCpregFinding, i).severity);
    if (worst == VIR_CPREG_SEVERITY_BLOCKING)
        return VIR_CPREG_VERDICT_VETO;
    if (worst == VIR_CPREG_SEVERITY_UNCERTAIN)
        return VIR_CPREG_VERDICT_UNCERTAIN;
    return r->pin_change ? VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES : VIR_CPREG_VERDICT_ALLOW;
}

static gboolean
sameCpu(const virCpregProfile *a, const virCpregProfile *b)
{
    return a->ident.has_midr && b->ident.has_midr && a->ident.midr == b->ident.midr;
}

/*
 * Under TCG: the profiles are known to be of two vCPU models (their -cpu
 * names or MIDRs differ). A guest keeps its model when it migrates, so
 * unless the profiles say otherwise both sides run the same one (a stream
 * names no model, and TCG does not list MIDR_EL1).
 */
static gboolean
otherModel(const virCpregProfile *a, const virCpregProfile *b)
{
    if (a->ident.cpu && b->ident.cpu)
        return !g_str_equal(a->ident.cpu, b->ident.cpu);
    return a->ident.has_midr && b->ident.has_midr && a->ident.midr != b->ident.midr;
}

/* ---- the full check ------------------------------------------------------ */

void
virCpregVerdictFree(virCpregVerdict *verdict)
{
    if (!verdict)
        return;
    g_clear_pointer(&verdict->findings, g_array_unref);
    g_clear_pointer(&verdict->changes, g_ptr_array_unref);
    g_free(verdict->qemu_requested);
    virCpregProfileFree(verdict->src);
    virCpregProfileFree(verdict->dst);
    virCpregPolicyFree(verdict->policy);
    g_free(verdict);
}

static void
changeFree(gpointer data)
{
    virCpregChange *c = data;

    g_free(c->property);
    g_free(c->value);
    g_free(c->reason);
    g_free(c);
}

static gboolean
checkComparable(const virCpregProfile *src, const virCpregProfile *dst,
                const virCpregDomain *domain, GError **error)
{
    g_autofree char *fs = g_strjoinv("+", src->ident.features);
    g_autofree char *fd = g_strjoinv("+", dst->ident.features);
    gboolean same = virCpregProfileSameFeatures(src, dst);

    if (!same && src->ident.features_inferred) {
        /* a stream: what its registers show */
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the profiles describe different vCPU configurations (source: %1$s, as its registers show; destination: %2$s): compare with a profile of the guest's vCPU configuration"),
                    *fs ? fs : "base", *fd ? fd : "base");
        return FALSE;
    }
    if (!same) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the profiles describe different vCPU configurations (source: %1$s, destination: %2$s): compare profiles of the guest's vCPU configuration"),
                    *fs ? fs : "base", *fd ? fd : "base");
        return FALSE;
    }
    if (!domain)
        return TRUE;
    if (!virCpregDomainIsAarch64(domain)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the domain is not an aarch64 guest (arch '%s')"),
                    domain->arch ? domain->arch : "?");
        return FALSE;
    }
    return virCpregDomainCheckFeatures(domain, (const char *const *)src->ident.features,
                                       _("source"), error);
}

/* The oldest modelled QEMU, newer than the one vetoing, that would allow. */
static const char *
newerQemuAllowing(const virCpregRun *vetoed, const virCpregPolicy *policy)
{
    g_autoptr(GArray) scratch = g_array_new(FALSE, TRUE, sizeof(virCpregFinding));
    size_t n, i;
    const virCpregQemuModel *models = virCpregQemuModels(&n);

    for (i = 0; i < n; i++) {
        virCpregRun r = *vetoed;
        virCpregVerdictKind kind;
        if (models[i].major < vetoed->base.qemu->major ||
            (models[i].major == vetoed->base.qemu->major &&
             models[i].minor <= vetoed->base.qemu->minor))
            continue;
        r.base.qemu = &models[i];
        r.base.findings = scratch;
        r.base.first_block_only = TRUE;
        r.pin_change = FALSE;
        kind = runEngine(&r, policy);
        if (kind == VIR_CPREG_VERDICT_ALLOW || kind == VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES)
            return models[i].version;
    }
    return NULL;
}

static int
compareFindings(gconstpointer a, gconstpointer b)
{
    const virCpregFinding *x = a, *y = b;

    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->field ? x->field->lsb : 0) > (y->field ? y->field->lsb : 0) ? -1 :
           (x->field ? x->field->lsb : 0) < (y->field ? y->field->lsb : 0);
}

virCpregVerdict *
virCpregCheck(const virCpregProfile *src, const virCpregProfile *dst,
              const virCpregCheckOptions *opts, GError **error)
{
    g_autoptr(virCpregVerdict) v = g_new0(virCpregVerdict, 1);
    const char *version = opts->dest_qemu ? opts->dest_qemu : dst->ident.qemu;
    virCpregDestFacts dfacts;
    virCpregRun r = { 0 };
    const virCpregQemuModel *model;

    if (!checkComparable(src, dst, opts->domain, error))
        return NULL;
    v->changes = g_ptr_array_new_with_free_func(changeFree);
    v->findings = g_array_new(FALSE, TRUE, sizeof(virCpregFinding));
    v->src = virCpregProfileQemuView(src);
    v->dst = virCpregProfileQemuView(dst);
    v->policy = opts->policy ? virCpregPolicyRef(opts->policy) : virCpregPolicyNew();
    model = virCpregQemuModelFor(version, &v->qemu_note);
    v->qemu_model = model->version;
    v->qemu_requested = g_strdup(version);
    virCpregDestFactsInit(&dfacts, v->dst);
    v->tcg = dfacts.tcg;

    r.base = (virCpregEngine) {
        .src = v->src, .dst = v->dst, .dfacts = &dfacts, .qemu = model,
        .policy = v->policy, .same_cpu = sameCpu(v->src, v->dst),
        .findings = v->findings,
    };
    r.other_model = otherModel(v->src, v->dst);
    /* a pin the guest's vCPU does not take is no pin: QEMU ignores it */
    r.no_psci_property = opts->domain && !virCpregDomainHasPsciProperty(opts->domain);
    if (opts->domain && opts->domain->psci_pin && !r.no_psci_property) {
        if (!virCpregPsciParse(opts->domain->psci_pin, &r.psci_pin)) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("the domain pins kvm-psci-version='%s', which is not a PSCI version"),
                        opts->domain->psci_pin);
            return NULL;
        }
        r.has_psci_pin = TRUE;
    }
    v->kind = runEngine(&r, v->policy);
    g_array_sort(v->findings, compareFindings);
    /* under KVM the kernel's list meets another QEMU's rules; under TCG
     * the list is the destination QEMU's own, so no other release can be
     * modelled with it */
    if (v->kind == VIR_CPREG_VERDICT_VETO && !dfacts.tcg)
        v->fix_qemu = newerQemuAllowing(&r, v->policy);
    if (r.pin_change && v->kind == VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES) {
        virCpregChange *c = g_new0(virCpregChange, 1);
        c->property = g_strdup("kvm-psci-version");
        c->value = virCpregPsciFormat(r.pin_value);
        c->reason = g_strdup_printf(_("the guest runs PSCI %s; keep it on the destination so that it can migrate back"),
                                    c->value);
        g_ptr_array_add(v->changes, c);
    }
    return g_steal_pointer(&v);
}

gboolean
virCpregVerdictBlocking(const virCpregVerdict *verdict, guint64 id)
{
    guint i;

    for (i = 0; i < verdict->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(verdict->findings, virCpregFinding, i);
        if (f->id == id && f->severity == VIR_CPREG_SEVERITY_BLOCKING)
            return TRUE;
    }
    return FALSE;
}

/* ---- the fast path ------------------------------------------------------- */

struct _virCpregChecker {
    gboolean has_psci_pin;
    guint64 psci_pin;
    const virCpregQemuModel *qemu;
    virCpregPolicy *policy;         /* a reference */
    GArray *findings;
};

virCpregChecker *
virCpregCheckerNew(const char *dest_qemu, virCpregPolicy *policy)
{
    virCpregChecker *c = g_new0(virCpregChecker, 1);
    const char *note;

    c->qemu = virCpregQemuModelFor(dest_qemu, &note);
    c->policy = policy ? virCpregPolicyRef(policy) : virCpregPolicyNew();
    c->findings = g_array_sized_new(FALSE, TRUE, sizeof(virCpregFinding), 64);
    return c;
}

/* Model guests started with kvm-psci-version pinned to @value. */
void
virCpregCheckerSetPsciPin(virCpregChecker *checker, gboolean pinned,
                          guint64 value)
{
    checker->has_psci_pin = pinned;
    checker->psci_pin = value;
}

void
virCpregCheckerFree(virCpregChecker *checker)
{
    if (!checker)
        return;
    virCpregPolicyFree(checker->policy);
    g_array_unref(checker->findings);
    g_free(checker);
}

/*
 * The verdict of one pair of QEMU views with the same vCPU features;
 * *first is the severest finding (valid until the next run), or NULL.
 */
virCpregVerdictKind
virCpregCheckerRun(virCpregChecker *checker, const virCpregProfile *src,
                   const virCpregProfile *dst, const virCpregFinding **first)
{
    virCpregDestFacts dfacts;
    virCpregRun r = { 0 };
    virCpregVerdictKind kind;
    guint i;

    virCpregDestFactsInit(&dfacts, dst);
    r.base = (virCpregEngine) {
        .src = src, .dst = dst, .dfacts = &dfacts, .qemu = checker->qemu,
        .policy = checker->policy, .same_cpu = sameCpu(src, dst),
        .findings = checker->findings, .first_block_only = TRUE,
    };
    r.other_model = otherModel(src, dst);
    r.has_psci_pin = checker->has_psci_pin;
    r.psci_pin = checker->psci_pin;
    kind = runEngine(&r, checker->policy);
    *first = NULL;
    for (i = 0; i < checker->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(checker->findings, virCpregFinding, i);
        if (!*first || f->severity > (*first)->severity)
            *first = f;
    }
    return kind;
}
