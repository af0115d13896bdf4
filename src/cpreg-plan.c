/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-plan.c: a rolling kernel upgrade, judged phase by phase
 *
 * Phase 0 is the fleet now; phase k has the first k hosts of the upgrade
 * order on the new kernel (their predicted profiles), the others as they
 * are; the last phase is the end state. Every mixed state the order goes
 * through is a phase, so "during" is judged exactly, not as a worst case.
 * The engine (virCpregCheck, its QEMU models) decides every direction;
 * this file only asks it in the right combinations.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-plan.h"
#include "cpreg-error.h"
#include "cpreg-knowledge.h"
#include "cpreg-qemu.h"
#include "cpreg-render.h"
#include "cpreg-value.h"

static const char *const strandKindNames[] = {
    [VIR_CPREG_PLAN_NO_EVACUATION] = "no-evacuation",
    [VIR_CPREG_PLAN_NO_RETURN] = "no-return",
};
G_STATIC_ASSERT(G_N_ELEMENTS(strandKindNames) == VIR_CPREG_PLAN_STRAND_LAST);

const char *
virCpregPlanStrandKindToString(virCpregPlanStrandKind kind)
{
    g_return_val_if_fail(kind < VIR_CPREG_PLAN_STRAND_LAST, NULL);
    return strandKindNames[kind];
}

const virCpregProfile *
virCpregPlanProfileIn(const virCpregPlanHost *host, guint phase)
{
    return host->step && host->step <= phase ? host->predicted : host->current;
}

gboolean
virCpregPlanRefused(virCpregVerdictKind kind)
{
    return kind == VIR_CPREG_VERDICT_VETO || kind == VIR_CPREG_VERDICT_UNCERTAIN;
}

static gboolean
allowed(virCpregVerdictKind kind)
{
    return kind == VIR_CPREG_VERDICT_ALLOW || kind == VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES;
}

/* ---- cleanup ------------------------------------------------------------- */

static void
pairFree(gpointer data)
{
    virCpregPlanPair *p = data;

    virCpregVerdictFree(p->verdict);
    g_free(p);
}

static void
refusalFree(gpointer data)
{
    virCpregPlanRefusal *r = data;

    virCpregVerdictFree(r->verdict);
    g_free(r);
}

static void
strandFree(gpointer data)
{
    virCpregPlanStrand *s = data;

    g_ptr_array_unref(s->accepted);
    g_ptr_array_unref(s->refusals);
    g_free(s);
}

static void
needFree(gpointer data)
{
    virCpregPlanNeed *n = data;

    g_free(n->what);
    g_ptr_array_unref(n->fixes);
    g_free(n);
}

void
virCpregPlanFree(virCpregPlan *plan)
{
    if (!plan)
        return;
    g_clear_pointer(&plan->pairs, g_ptr_array_unref);
    g_clear_pointer(&plan->breaks, g_ptr_array_unref);
    g_clear_pointer(&plan->strands, g_ptr_array_unref);
    g_clear_pointer(&plan->steps, g_ptr_array_unref);
    g_clear_pointer(&plan->moves, g_ptr_array_unref);
    g_clear_pointer(&plan->pins, g_ptr_array_unref);
    g_clear_pointer(&plan->qemu, g_ptr_array_unref);
    g_free(plan);
}

/* ---- remedies -------------------------------------------------------------- */

typedef struct {
    virCpregPlan *plan;
    virCpregPolicy *policy;
} virCpregPlanRun;

/* The guest's own kvm-psci-version pin, when its vCPU takes one. */
static gboolean
domainPin(const virCpregDomain *domain, guint64 *psci)
{
    return domain && domain->psci_pin && virCpregDomainHasPsciProperty(domain) &&
           virCpregPsciParse(domain->psci_pin, psci);
}

/* A pin would take effect: no domain (guests started on the source in
 * general), or a vCPU with the property that pins nothing yet. */
static gboolean
pinnable(const virCpregDomain *domain)
{
    return !domain || (virCpregDomainHasPsciProperty(domain) && !domain->psci_pin);
}

static gboolean
allowsWith(const virCpregPlanRun *run, const char *qemu, gboolean pin,
           guint64 psci, const virCpregProfile *src, const virCpregProfile *dst)
{
    g_autoptr(virCpregChecker) c = virCpregCheckerNew(qemu, run->policy);
    const virCpregFinding *first;

    virCpregCheckerSetPsciPin(c, pin, psci);
    return allowed(virCpregCheckerRun(c, src, dst, &first));
}

/* The PSCI version the engine says to pin on the source, if any. */
static gboolean
psciRemedy(const virCpregVerdict *v, guint64 *psci)
{
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        if (f->rule == VIR_CPREG_RULE_KVM_PSCI_VERSION && f->pin) {
            *psci = f->pin;
            return TRUE;
        }
    }
    return FALSE;
}

static guint
modelIndex(const char *version)
{
    size_t n;
    const virCpregQemuModel *models = virCpregQemuModels(&n);
    const char *note;

    return (guint)(virCpregQemuModelFor(version, &note) - models);
}

/*
 * The cheapest change that makes @v's direction allow, in the engine's
 * own terms: QEMU releases from the destination's up, each without and
 * then with the pin the findings ask for. With no full fix the pin is
 * still given (fixed FALSE): it removes its part of the refusal.
 */
static void
remedyFind(const virCpregPlanRun *run, const virCpregVerdict *v,
           const virCpregPlanHost *dst, const virCpregDomain *domain,
           virCpregPlanRemedy *out)
{
    size_t n, m;
    const virCpregQemuModel *models = virCpregQemuModels(&n);
    guint64 own = 0;
    gboolean owned = domainPin(domain, &own);

    memset(out, 0, sizeof(*out));
    out->pin = pinnable(domain) && psciRemedy(v, &out->psci);
    for (m = modelIndex(dst->qemu); m < n && !out->fixed; m++) {
        const char *qemu = m > modelIndex(dst->qemu) ? models[m].version : NULL;
        if (qemu && allowsWith(run, qemu, owned, own, v->src, v->dst)) {
            out->pin = FALSE;
            out->qemu = qemu;
            out->fixed = TRUE;
        } else if (out->pin &&
                   allowsWith(run, qemu ? qemu : dst->qemu, TRUE, out->psci, v->src, v->dst)) {
            out->qemu = qemu;
            out->fixed = TRUE;
        }
    }
}

/* ---- needs ------------------------------------------------------------------ */

static virCpregPlanNeed *
needFind(GPtrArray *needs, const virCpregPlanHost *host, const char *what)
{
    virCpregPlanNeed *need;
    guint i;

    for (i = 0; i < needs->len; i++) {
        need = needs->pdata[i];
        if (need->host == host && (host || g_str_equal(need->what, what)))
            return need;
    }
    need = g_new0(virCpregPlanNeed, 1);
    need->host = host;
    need->what = g_strdup(what);
    need->fixes = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(needs, need);
    return need;
}

static void
needAdd(virCpregPlanNeed *need, char *fix)
{
    guint i;

    for (i = 0; i < need->fixes->len; i++) {
        if (g_str_equal(need->fixes->pdata[i], fix)) {
            g_free(fix);
            return;
        }
    }
    g_ptr_array_add(need->fixes, fix);
}

/* @host needs QEMU @version or later (the newest of what is asked). */
static void
needQemu(virCpregPlan *plan, const virCpregPlanHost *host, const char *version,
         const char *fix)
{
    virCpregPlanNeed *need;

    if (modelIndex(version) <= modelIndex(host->qemu))
        return;
    need = needFind(plan->qemu, host, version);
    if (modelIndex(version) > modelIndex(need->what)) {
        g_free(need->what);
        need->what = g_strdup(version);
    }
    needAdd(need, g_strdup(fix));
}

/*
 * What @remedy asks, for @fix ("trixie → sid", "guest web1 on trixie"):
 * the pin, QEMU on @dst, and the property's QEMU on @src, where the
 * pinned guest starts.
 */
static void
needRemedy(virCpregPlan *plan, const virCpregPlanRemedy *remedy,
           const virCpregPlanHost *src, const virCpregPlanHost *dst,
           const char *fix)
{
    if (remedy->pin) {
        g_autofree char *v = virCpregPsciFormat(remedy->psci);
        g_autofree char *what = g_strdup_printf("kvm-psci-version=%s", v);
        const char *property = virCpregKnowledgeQemuFirst(VIR_CPREG_QEMU_PSCI_PROPERTY)->version;
        needAdd(needFind(plan->pins, NULL, what),
                remedy->fixed ? g_strdup(fix) : g_strdup_printf(_("%s (partly)"), fix));
        if (remedy->fixed) {
            needQemu(plan, src, property, fix);
            needQemu(plan, dst, property, fix);
        }
    }
    if (remedy->qemu)
        needQemu(plan, dst, remedy->qemu, fix);
}

/* ---- judging ---------------------------------------------------------------- */

static virCpregVerdict *
judge(const virCpregPlanRun *run, const virCpregProfile *src,
      const virCpregPlanHost *dst, const virCpregProfile *dprof,
      const virCpregDomain *domain, GError **error)
{
    virCpregCheckOptions opts = { dst->qemu, run->policy, domain };

    return virCpregCheck(src, dprof, &opts, error);
}

static gboolean
computePairs(virCpregPlanRun *run, GError **error)
{
    GPtrArray *hosts = run->plan->fleet->hosts;
    guint p, a, b;

    for (p = 0; p < run->plan->nphases; p++) {
        for (a = 0; a < hosts->len; a++) {
            for (b = 0; b < hosts->len; b++) {
                const virCpregPlanHost *src = hosts->pdata[a], *dst = hosts->pdata[b];
                virCpregPlanPair *pair;
                g_autoptr(virCpregVerdict) v = NULL;
                if (a == b)
                    continue;
                pair = g_new0(virCpregPlanPair, 1);
                g_ptr_array_add(run->plan->pairs, pair);
                pair->src = src;
                pair->dst = dst;
                pair->phase = p;
                pair->src_profile = virCpregPlanProfileIn(src, p);
                pair->dst_profile = virCpregPlanProfileIn(dst, p);
                if (!(v = judge(run, pair->src_profile, dst, pair->dst_profile, NULL, error)))
                    return FALSE;
                pair->kind = v->kind;
                if (virCpregPlanRefused(v->kind)) {
                    remedyFind(run, v, dst, NULL, &pair->remedy);
                    pair->verdict = g_steal_pointer(&v);
                }
            }
        }
    }
    return TRUE;
}

/* Allowed now, refused in a later phase: reported at its first. */
static void
computeBreaks(virCpregPlanRun *run)
{
    virCpregPlan *plan = run->plan;
    guint per = plan->pairs->len / plan->nphases, i, p;

    for (i = 0; i < per; i++) {
        const virCpregPlanPair *now = plan->pairs->pdata[i];
        if (!allowed(now->kind))
            continue;
        for (p = 1; p < plan->nphases; p++) {
            virCpregPlanPair *later = plan->pairs->pdata[p * per + i];
            g_autofree char *fix = NULL;
            if (!virCpregPlanRefused(later->kind))
                continue;
            g_ptr_array_add(plan->breaks, later);
            fix = g_strdup_printf("%s %s %s", later->src->name, virCpregRenderArrow(),
                                  later->dst->name);
            needRemedy(plan, &later->remedy, later->src, later->dst, fix);
            plan->vetoed |= later->kind == VIR_CPREG_VERDICT_VETO;
            plan->uncertain |= later->kind == VIR_CPREG_VERDICT_UNCERTAIN;
            break;
        }
    }
}

/*
 * @guest (on @host, starting as @src) against each of @targets (the
 * profiles to judge by, parallel); a strand when none allows.
 */
static virCpregPlanStrand *
moveCheck(virCpregPlanRun *run, const virCpregPlanGuest *guest,
          const virCpregPlanHost *host, const virCpregProfile *src,
          GPtrArray *targets, GPtrArray *profiles, virCpregPlanStrandKind kind,
          guint phase, GError **error)
{
    virCpregPlanStrand *s = g_new0(virCpregPlanStrand, 1);
    guint i;

    s->guest = guest;
    s->host = host;
    s->kind = kind;
    s->phase = phase;
    s->accepted = g_ptr_array_new();
    s->refusals = g_ptr_array_new_with_free_func(refusalFree);
    g_ptr_array_add(run->plan->moves, s);
    for (i = 0; i < targets->len; i++) {
        const virCpregPlanHost *dst = targets->pdata[i];
        virCpregPlanRefusal *r;
        g_autoptr(virCpregVerdict) v = judge(run, src, dst, profiles->pdata[i],
                                             guest->domain, error);
        if (!v)
            return NULL;
        if (allowed(v->kind)) {
            g_ptr_array_add(s->accepted, (gpointer)dst);
            continue;
        }
        r = g_new0(virCpregPlanRefusal, 1);
        r->dst = dst;
        r->dst_profile = profiles->pdata[i];
        r->rollback = dst == host;
        remedyFind(run, v, dst, guest->domain, &r->remedy);
        s->uncertain |= v->kind == VIR_CPREG_VERDICT_UNCERTAIN;
        r->verdict = g_steal_pointer(&v);
        g_ptr_array_add(s->refusals, r);
    }
    if (!s->accepted->len)
        g_ptr_array_add(run->plan->strands, s);
    return s;
}

static void
strandNeeds(virCpregPlan *plan, const virCpregPlanStrand *s)
{
    g_autofree char *fix = g_strdup_printf(_("guest %1$s on %2$s"), s->guest->name, s->host->name);
    guint i;

    plan->vetoed |= !s->uncertain;
    plan->uncertain |= s->uncertain;
    for (i = 0; i < s->refusals->len; i++) {
        const virCpregPlanRefusal *r = s->refusals->pdata[i];
        needRemedy(plan, &r->remedy, s->host, r->dst, fix);
    }
}

/* @guest of hosts[@x] in @phase, onto any other host. */
static gboolean
evacuate(virCpregPlanRun *run, guint x, const virCpregPlanGuest *guest,
         guint phase, GError **error)
{
    GPtrArray *hosts = run->plan->fleet->hosts;
    g_autoptr(GPtrArray) targets = g_ptr_array_new();
    g_autoptr(GPtrArray) profiles = g_ptr_array_new();
    guint h;

    for (h = 0; h < hosts->len; h++) {
        if (h == x)
            continue;
        g_ptr_array_add(targets, hosts->pdata[h]);
        g_ptr_array_add(profiles, (gpointer)virCpregPlanProfileIn(hosts->pdata[h], phase));
    }
    return moveCheck(run, guest, hosts->pdata[x], guest->profile, targets, profiles,
                     VIR_CPREG_PLAN_NO_EVACUATION, phase, error) != NULL;
}

/* Each guest in each phase; then the steps: each upgraded host emptied
 * in the phase before its upgrade, in the upgrade's order. */
static gboolean
computeEvacuation(virCpregPlanRun *run, GError **error)
{
    virCpregPlan *plan = run->plan;
    GPtrArray *hosts = plan->fleet->hosts;
    guint x, g, p, u, m;

    for (x = 0; x < hosts->len; x++) {
        const virCpregPlanHost *host = hosts->pdata[x];
        for (g = 0; g < host->guests->len; g++) {
            for (p = 0; p < plan->nphases; p++) {
                if (!evacuate(run, x, host->guests->pdata[g], p, error))
                    return FALSE;
            }
        }
    }
    for (u = 0; u < plan->fleet->upgrade->len; u++) {
        const virCpregPlanHost *host = plan->fleet->upgrade->pdata[u];
        for (m = 0; m < plan->moves->len; m++) {
            virCpregPlanStrand *s = plan->moves->pdata[m];
            if (s->host == host && s->phase + 1 == host->step)
                g_ptr_array_add(plan->steps, s);
        }
    }
    return TRUE;
}

/* Same kernel release (the profiles' identities say). */
static gboolean
sameKernel(const virCpregProfile *a, const virCpregProfile *b)
{
    return a->ident.kernel && b->ident.kernel && g_str_equal(a->ident.kernel, b->ident.kernel);
}

/*
 * A guest of an upgraded host, restarted there on the new kernel, and
 * every host on an old kernel at the end: the hosts not upgraded that do
 * not already run the new kernel, and its own host rolled back.
 */
static gboolean
computeReturn(virCpregPlanRun *run, GError **error)
{
    virCpregPlan *plan = run->plan;
    GPtrArray *hosts = plan->fleet->hosts;
    guint u, g, h;

    for (u = 0; u < plan->fleet->upgrade->len; u++) {
        const virCpregPlanHost *host = plan->fleet->upgrade->pdata[u];
        g_autoptr(GPtrArray) targets = g_ptr_array_new();
        g_autoptr(GPtrArray) profiles = g_ptr_array_new();
        for (h = 0; h < hosts->len; h++) {
            const virCpregPlanHost *other = hosts->pdata[h];
            if (other != host && (other->step || sameKernel(other->current, host->predicted)))
                continue;
            g_ptr_array_add(targets, (gpointer)other);
            g_ptr_array_add(profiles, other->current);
        }
        for (g = 0; g < host->guests->len; g++) {
            if (!moveCheck(run, host->guests->pdata[g], host, host->predicted,
                           targets, profiles, VIR_CPREG_PLAN_NO_RETURN, host->step, error))
                return FALSE;
        }
    }
    return TRUE;
}

static gboolean
predictAll(virCpregPlanFleet *fleet, virCpregPlanPredictFunc predict,
           gpointer opaque, GError **error)
{
    guint i;

    for (i = 0; i < fleet->upgrade->len; i++) {
        virCpregPlanHost *h = fleet->upgrade->pdata[i];
        g_autoptr(virCpregProfile) p = NULL;
        if (!(p = predict(h, opaque, error))) {
            g_prefix_error(error, _("host '%s': "), h->name);
            return FALSE;
        }
        if (!virCpregProfileSameFeatures(p, h->current)) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("host '%s': the predicted profile is of another vCPU configuration than the host's"),
                        h->name);
            return FALSE;
        }
        virCpregProfileFree(h->predicted);
        h->predicted = virCpregProfileQemuView(p);
    }
    return TRUE;
}

virCpregPlan *
virCpregPlanCompute(virCpregPlanFleet *fleet, virCpregPolicy *policy,
                    virCpregPlanPredictFunc predict, gpointer opaque,
                    GError **error)
{
    g_autoptr(virCpregPlan) plan = g_new0(virCpregPlan, 1);
    virCpregPlanRun run = { plan, policy };
    guint i;

    g_return_val_if_fail(fleet->upgrade->len > 0, NULL);
    if (!predictAll(fleet, predict, opaque, error))
        return NULL;
    plan->fleet = fleet;
    plan->nphases = fleet->upgrade->len + 1;
    plan->pairs = g_ptr_array_new_with_free_func(pairFree);
    plan->breaks = g_ptr_array_new();
    plan->moves = g_ptr_array_new_with_free_func(strandFree);
    plan->strands = g_ptr_array_new();
    plan->steps = g_ptr_array_new();
    plan->pins = g_ptr_array_new_with_free_func(needFree);
    plan->qemu = g_ptr_array_new_with_free_func(needFree);
    if (!computePairs(&run, error) || !computeEvacuation(&run, error) ||
        !computeReturn(&run, error))
        return NULL;
    computeBreaks(&run);
    for (i = 0; i < plan->strands->len; i++)
        strandNeeds(plan, plan->strands->pdata[i]);
    return g_steal_pointer(&plan);
}
