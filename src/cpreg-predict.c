/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-predict.c: a real host's profile after a kernel upgrade
 *
 * H is the host's measured profile under kernel A; EA and EB are probes
 * of one emulated CPU under kernels A and B. The lab (tests/fixtures/lab,
 * four kernels, the max and neoverse-n1 CPUs) shows what comes from where:
 *  - the register list and the firmware registers change with the kernel,
 *    and the same way on both CPUs; so do KVM's writable masks (max and
 *    n1 report the same ones on 6.12, 7.2 and 7.3);
 *  - ID-register fields depend on the CPU; the kernel hides or caps some.
 * The rules, per register:
 *  - in EA, not EB: dropped. In EB, not EA: added, EB's entry (uncertain
 *    when its row says its value is the CPU's: ID, cache, implementation,
 *    workaround level).
 *  - in H, not EA (a feature the emulated CPU lacks: SVE, pauth on n1):
 *    kept as measured. A new kernel changes such a register's listing
 *    only through a kernel row of cpreg-knowledge.c (ADDS, UNLISTS,
 *    LISTS_ALWAYS); a row between A and B marks the whole value uncertain.
 *  - transient (counters and timers, their register row): H's value.
 *  - feature ID registers (op0 3, op1 0, CRn 0, CRm 1..7), per field of
 *    the decode tables (in the field's order: signed fields put 0xf, "not
 *    implemented", lowest): equal in EA and EB: H's, uncertain if H has
 *    more than EA or EA has none of it (a cap the new kernel sets or lifts
 *    would not show on the emulated CPU: the lab's 6.12 shows max fields
 *    of ID_AA64ISAR1/ISAR2/MMFR1 that 6.1 hid and n1 lacks); lowered by B and H equal to EA: EB's; H below EA and at most EB:
 *    H's; otherwise H's, uncertain. Unordered fields and bits of no field:
 *    as a whole register.
 *  - every other value and every writable mask, as a whole: EA equal to
 *    EB: H's; H equal to EA: EB's; otherwise H's, uncertain.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-predict.h"
#include "cpreg-profile-priv.h"
#include "cpreg-engine.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-knowledge.h"
#include "cpreg-value.h"

/* ---- fitting the three profiles together ------------------------------- */

/* The emulated CPU, in words: the emulated machine (probe --kernel's
 * "QEMU V TCG -cpu M"), its model, else its MIDR. */
static char *
emulatedCpu(const virCpregProfile *p)
{
    if (p->ident.host)
        return g_strdup(p->ident.host);
    if (p->ident.cpu)
        return g_strdup(p->ident.cpu);
    if (p->ident.has_midr)
        return g_strdup_printf("MIDR 0x%" G_GINT64_MODIFIER "x", p->ident.midr);
    return g_strdup(_("an unnamed CPU"));
}

static gboolean
sameEmulatedCpu(const virCpregProfile *a, const virCpregProfile *b)
{
    if (g_strcmp0(a->ident.cpu, b->ident.cpu) != 0 || g_strcmp0(a->ident.host, b->ident.host) != 0 ||
        a->ident.has_midr != b->ident.has_midr)
        return FALSE;
    return !a->ident.has_midr || a->ident.midr == b->ident.midr;
}

static gboolean
featuresOf(const virCpregProfile *emulated, const virCpregProfile *host)
{
    guint i;

    for (i = 0; emulated->ident.features[i]; i++) {
        if (!virCpregProfileHasFeature(host, emulated->ident.features[i]))
            return FALSE;
    }
    return TRUE;
}

static gboolean
checkFit(const virCpregProfile *host, const virCpregProfile *from,
         const virCpregProfile *to, GError **error)
{
    g_autofree char *fa = g_strjoinv("+", from->ident.features);
    g_autofree char *fb = g_strjoinv("+", to->ident.features);
    g_autofree char *fh = g_strjoinv("+", host->ident.features);
    g_autofree char *ca = emulatedCpu(from);
    g_autofree char *cb = emulatedCpu(to);

    if (virCpregProfileHasMarks(host) || virCpregProfileHasMarks(from) ||
        virCpregProfileHasMarks(to)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("a profile is itself predicted: predict from measured and emulated profiles"));
        return FALSE;
    }
    if (!sameEmulatedCpu(from, to)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the emulated profiles are of different CPUs (%1$s, %2$s): the delta needs one CPU under both kernels"),
                    ca, cb);
        return FALSE;
    }
    if (!virCpregProfileSameFeatures(from, to)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the emulated profiles have different vCPU features (%1$s, %2$s): the delta needs the same features under both kernels"),
                    *fa ? fa : "base", *fb ? fb : "base");
        return FALSE;
    }
    if (!featuresOf(from, host)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the emulated profiles have vCPU features (%1$s) the host's profile does not (%2$s)"),
                    *fa ? fa : "base", *fh ? fh : "base");
        return FALSE;
    }
    if (!host->ident.kernel || !from->ident.kernel || !to->ident.kernel ||
        !g_str_equal(host->ident.kernel, from->ident.kernel)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the host runs kernel %1$s and the emulated 'from' profile is of kernel %2$s: the delta must start from the host's own kernel"),
                    host->ident.kernel ? host->ident.kernel : "?",
                    from->ident.kernel ? from->ident.kernel : "?");
        return FALSE;
    }
    return TRUE;
}

/* ---- one column ---------------------------------------------------------- */

/* What the rules make of one column (value or writable mask). */
typedef struct {
    guint64 v;
    guint64 uncertain;    /* bits */
} virCpregPrediction;

/* The whole-register rule, on the bits of @bits. */
static virCpregPrediction
predictWhole(guint64 h, guint64 a, guint64 b, guint64 bits)
{
    virCpregPrediction p = { h & bits, 0 };

    if ((a & bits) == (b & bits))
        return p;
    if ((h & bits) == (a & bits)) {
        p.v = b & bits;
        return p;
    }
    p.uncertain = bits;
    return p;
}

/* -1, 0, 1 as @x is below, equal to or above @y in @f's order. */
static int
fieldCompare(const virCpregField *f, guint64 x, guint64 y)
{
    unsigned int width = f->msb - f->lsb + 1U;
    gint64 sx = (gint64)x, sy = (gint64)y;

    if (f->kind == VIR_CPREG_FIELD_SIGNED) {
        guint64 sign = 1ULL << (width - 1);
        sx = (gint64)((x ^ sign) - sign);
        sy = (gint64)((y ^ sign) - sign);
    }
    return sx < sy ? -1 : sx > sy;
}

/* "Not implemented": 0, or all ones in a signed field (FP, AdvSIMD). */
static gboolean
fieldNone(const virCpregField *f, guint64 x)
{
    if (f->kind == VIR_CPREG_FIELD_SIGNED)
        return x == (virCpregFieldMask(f) >> f->lsb);
    return x == 0;
}

static virCpregPrediction
predictField(const virCpregField *f, guint64 h, guint64 a, guint64 b)
{
    guint64 fh = virCpregFieldGet(f, h), fa = virCpregFieldGet(f, a);
    guint64 fb = virCpregFieldGet(f, b), mask = virCpregFieldMask(f);
    virCpregPrediction p = { h & mask, 0 };

    if (f->kind != VIR_CPREG_FIELD_UNSIGNED && f->kind != VIR_CPREG_FIELD_SIGNED)
        return predictWhole(h, a, b, mask);
    if (fa == fb) {
        /* the host has more than the emulated CPU shows, or the emulated
         * CPU has none of it: what the new kernel does with the host's
         * would not show */
        if (fieldCompare(f, fh, fa) > 0 || fieldNone(f, fa))
            p.uncertain = mask;
    } else if (fieldCompare(f, fb, fa) < 0 && fh == fa) {
        p.v = b & mask;           /* the new kernel lowers or hides it */
    } else if (!(fieldCompare(f, fh, fa) < 0 && fieldCompare(f, fh, fb) <= 0)) {
        p.uncertain = mask;
    }
    return p;
}

/* Feature ID registers: op0 3, op1 0, CRn 0, CRm 1..7 */
static gboolean
isFeatureIdReg(guint64 id)
{
    unsigned int crm = (id >> 3) & 0xf;

    return virCpregIdIsIdReg(id) && crm >= 1;
}

static virCpregPrediction
predictIdValue(guint64 id, guint64 h, guint64 a, guint64 b)
{
    size_t n, i;
    const virCpregField *fields = virCpregIdFields(id, &n);
    guint64 covered = 0;
    virCpregPrediction p = { 0, 0 }, rest;

    for (i = 0; i < n; i++) {
        virCpregPrediction q;
        if (covered & virCpregFieldMask(&fields[i]))
            continue;
        q = predictField(&fields[i], h, a, b);
        covered |= virCpregFieldMask(&fields[i]);
        p.v |= q.v;
        p.uncertain |= q.uncertain;
    }
    rest = predictWhole(h, a, b, ~covered);
    p.v |= rest.v;
    p.uncertain |= rest.uncertain;
    return p;
}

/*
 * Has @x, in some field of a feature ID register both list, less than
 * @y? Then @y's CPU has a feature @x's lacks (or has less of it), and a
 * register a kernel lists only with that feature may be listed for one
 * and not the other.
 */
static gboolean
hasLessThan(const virCpregProfile *x, const virCpregProfile *y)
{
    guint i;
    size_t n, k;

    for (i = 0; i < virCpregProfileCount(y); i++) {
        const virCpregEntry *ey = virCpregProfileEntry(y, i);
        const virCpregEntry *ex;
        const virCpregField *fields;

        if (!isFeatureIdReg(ey->id) || !(ey->flags & VIR_CPREG_ENTRY_VALUE) ||
            !(ex = virCpregProfileFind(x, ey->id)) || !(ex->flags & VIR_CPREG_ENTRY_VALUE))
            continue;
        fields = virCpregIdFields(ey->id, &n);
        for (k = 0; k < n; k++) {
            const virCpregField *f = &fields[k];
            if ((f->kind == VIR_CPREG_FIELD_UNSIGNED || f->kind == VIR_CPREG_FIELD_SIGNED) &&
                fieldCompare(f, virCpregFieldGet(f, ex->value), virCpregFieldGet(f, ey->value)) < 0)
                return TRUE;
        }
    }
    return FALSE;
}

/* ---- one register ---------------------------------------------------------- */

/* Is the value of a register the CPU's (so that EB's is not the host's)? */
static gboolean
cpuDependent(guint64 id)
{
    const virCpregRegInfo *info = virCpregKnowledgeReg(id);

    if (!info)
        return FALSE;
    switch (info->write) {
    case VIR_CPREG_WRITE_LEVEL:
    case VIR_CPREG_WRITE_LEVEL_WA2:
    case VIR_CPREG_WRITE_IMP_ID:
    case VIR_CPREG_WRITE_CACHE:
    case VIR_CPREG_WRITE_ID_FIELDS:
    case VIR_CPREG_WRITE_PER_VCPU:
        return TRUE;
    default:
        return FALSE;
    }
}

static gboolean
transient(guint64 id)
{
    const virCpregRegInfo *info = virCpregKnowledgeReg(id);

    return info && info->transient;
}

static int
kernelCompare(virCpregKernelVersion x, virCpregKernelVersion y)
{
    if (x.major != y.major)
        return x.major < y.major ? -1 : 1;
    return x.minor < y.minor ? -1 : x.minor > y.minor;
}

/* Is the change a row dates to @release (the first release that does it)
 * between @lo and @hi: in (lo, hi]? @last: @release is the last release
 * before the change, so [lo, hi). */
static gboolean
changesBetween(const char *release, gboolean last, virCpregKernelVersion lo,
               virCpregKernelVersion hi)
{
    virCpregKernelVersion v = virCpregKernelParse(release);

    if (!v.known)
        return TRUE;
    if (last)
        return kernelCompare(v, lo) >= 0 && kernelCompare(v, hi) < 0;
    return kernelCompare(v, lo) > 0 && kernelCompare(v, hi) <= 0;
}

/* Does a kernel row between @from and @to (either way) change whether
 * @id is listed? Unknown releases: it may. */
static gboolean
listingChanges(guint64 id, const char *from, const char *to)
{
    virCpregKernelVersion a = virCpregKernelParse(from), b = virCpregKernelParse(to);
    virCpregKernelVersion lo = a, hi = b;
    size_t n, i;
    const virCpregKernelRow *rows = virCpregKnowledgeKernel(&n);

    if (!a.known || !b.known)
        return TRUE;
    if (kernelCompare(a, b) > 0) {
        lo = b;
        hi = a;
    }
    for (i = 0; i < n; i++) {
        const virCpregKernelRow *r = &rows[i];
        gboolean listing = r->change == VIR_CPREG_KERNEL_ADDS ||
                           r->change == VIR_CPREG_KERNEL_UNLISTS ||
                           r->change == VIR_CPREG_KERNEL_LISTS_ALWAYS;
        if (listing && r->id == id &&
            (changesBetween(r->release, FALSE, lo, hi) ||
             (r->last && changesBetween(r->last, TRUE, lo, hi))))
            return TRUE;
    }
    return FALSE;
}

/* The value column of a register on all three. */
static void
predictValue(virCpregEntry *out, const virCpregEntry *a, const virCpregEntry *b)
{
    virCpregPrediction p;
    guint64 h = out->value;

    if (!(out->flags & a->flags & b->flags & VIR_CPREG_ENTRY_VALUE))
        return;
    if (isFeatureIdReg(out->id)) {
        p = predictIdValue(out->id, h, a->value, b->value);
    } else {
        p = predictWhole(h, a->value, b->value, ~0ULL);
        /* the bits above 64: the same rule, its doubt on bit 63 */
        if (!p.uncertain && a->value_hi != b->value_hi) {
            if (out->value_hi == a->value_hi)
                out->value_hi = b->value_hi;
            else
                p.uncertain = 1ULL << 63;
        }
    }
    out->value = p.v;
    out->uncertain = p.uncertain;
}

/* The writable mask: the kernel's, whatever the CPU (measured: max and
 * n1 report the same masks). One that B reports and A does not is B's. */
static void
predictWritable(virCpregEntry *out, const virCpregEntry *a, const virCpregEntry *b)
{
    virCpregPrediction p;
    gboolean ha = a->flags & VIR_CPREG_ENTRY_WRITABLE;
    gboolean hb = b->flags & VIR_CPREG_ENTRY_WRITABLE;

    if (!(out->flags & VIR_CPREG_ENTRY_VALUE) || (!ha && !hb))
        return;
    if (!hb) {
        out->flags &= ~VIR_CPREG_ENTRY_WRITABLE;
        out->writable = 0;
        return;
    }
    if (!ha || !(out->flags & VIR_CPREG_ENTRY_WRITABLE)) {
        /* the host lacks a mask its own kernel (A) reports: nothing to
         * vouch for B's on this host */
        if (ha)
            out->flags |= VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN;
        out->flags |= VIR_CPREG_ENTRY_WRITABLE;
        out->writable = b->writable;
        return;
    }
    p = predictWhole(out->writable, a->writable, b->writable, ~0ULL);
    out->writable = p.v;
    if (p.uncertain)
        out->flags |= VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN;
}

static gboolean
entryChanged(const virCpregEntry *x, const virCpregEntry *y)
{
    return x->flags != y->flags || x->value != y->value || x->value_hi != y->value_hi ||
           x->writable != y->writable || virCpregEntryUncertain(x);
}

static void
markPredicted(virCpregEntry *e, const virCpregEntry *h, virCpregPredictStats *stats)
{
    if (!entryChanged(e, h))
        return;
    e->flags |= VIR_CPREG_ENTRY_PREDICTED;
    stats->predicted++;
}

/* A register of all three. */
static virCpregEntry
predictBoth(const virCpregEntry *h, const virCpregEntry *a, const virCpregEntry *b,
            virCpregPredictStats *stats)
{
    virCpregEntry out = *h;

    if (transient(h->id)) {
        stats->transient++;
        return out;
    }
    predictValue(&out, a, b);
    predictWritable(&out, a, b);
    markPredicted(&out, h, stats);
    return out;
}

/* A register the new kernel lists and the old one did not. */
static virCpregEntry
predictAdded(const virCpregEntry *b)
{
    virCpregEntry out = *b;

    out.flags |= VIR_CPREG_ENTRY_PREDICTED;
    if (cpuDependent(b->id) && (b->flags & VIR_CPREG_ENTRY_VALUE))
        out.uncertain = ~0ULL;
    if (cpuDependent(b->id) && (b->flags & VIR_CPREG_ENTRY_WRITABLE))
        out.flags |= VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN;
    return out;
}

/* A register of the host that the emulated CPU does not have. */
static virCpregEntry
predictHostOnly(const virCpregEntry *h, const char *from, const char *to)
{
    virCpregEntry out = *h;

    if (listingChanges(h->id, from, to) && (h->flags & VIR_CPREG_ENTRY_VALUE)) {
        out.flags |= VIR_CPREG_ENTRY_PREDICTED;
        out.uncertain = ~0ULL;
    }
    return out;
}

/* What the walk over the three lists knows of the two CPUs. */
typedef struct {
    const char *from;            /* kernel A's release */
    const char *to;              /* kernel B's */
    gboolean host_lacks;         /* the emulated CPU has a feature the host lacks */
    gboolean emulated_lacks;     /* the host has a feature the emulated CPU lacks */
} virCpregPredictWalk;

/*
 * A register of the host kernel B stops listing on the emulated CPU: gone,
 * unless a kernel row between A and B says its listing depends on the CPU
 * (TCR2_EL1 in 6.13: listed only with FEAT_TCR2) and the host has a
 * feature the emulated CPU lacks: then kept, its presence and value
 * uncertain. A change no row knows of is taken as the same for every CPU.
 */
static gboolean
predictDropped(const virCpregEntry *h, const virCpregPredictWalk *w, virCpregEntry *e)
{
    if (!h || !w->emulated_lacks || !listingChanges(h->id, w->from, w->to))
        return FALSE;
    *e = *h;
    e->flags |= VIR_CPREG_ENTRY_PREDICTED | VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN;
    if (h->flags & VIR_CPREG_ENTRY_VALUE)
        e->uncertain = ~0ULL;
    if (h->flags & VIR_CPREG_ENTRY_WRITABLE)
        e->flags |= VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN;
    return TRUE;
}

/* The entry of one register in the prediction, by where it is listed;
 * FALSE when it has none. */
static gboolean
predictRegister(const virCpregEntry *h, const virCpregEntry *a, const virCpregEntry *b,
                const virCpregPredictWalk *w, virCpregPredictStats *stats,
                virCpregEntry *e)
{
    if (a && !b) {
        stats->dropped += h != NULL;          /* the new kernel stops listing it */
        return predictDropped(h, w, e);
    }
    if (!h && !a) {
        /* listed by B for the emulated CPU: for the host too, unless a
         * kernel row says the listing depends on the CPU and the host
         * lacks a feature the emulated CPU has */
        *e = predictAdded(b);
        if (w->host_lacks && listingChanges(b->id, w->from, w->to))
            e->flags |= VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN;
        stats->added++;
        return TRUE;
    }
    if (!h)
        return FALSE;                         /* the host does not have it */
    if (!a) {
        /* the emulated CPU does not have it under the host's kernel */
        *e = predictHostOnly(h, w->from, w->to);
        stats->host_only++;
        return TRUE;
    }
    *e = predictBoth(h, a, b, stats);
    return TRUE;
}

/* ---- the profile --------------------------------------------------------- */

static void
predictIdentity(virCpregProfile *out, const virCpregProfile *host,
                const virCpregProfile *from, const virCpregProfile *to)
{
    g_autofree char *cpu = emulatedCpu(to);
    size_t i;

    for (i = 0; i < virCpregIdentityTextCount; i++)
        *virCpregIdentityTextField(&out->ident, i) = g_strdup(virCpregIdentityTextGet(&host->ident, i));
    virCpregProfileSetFeatures(out, (const char *const *)host->ident.features);
    out->ident.features_inferred = host->ident.features_inferred;
    out->ident.has_midr = host->ident.has_midr;
    out->ident.midr = host->ident.midr;
    g_free(out->ident.kernel);
    out->ident.kernel = g_strdup(to->ident.kernel);
    g_free(out->ident.predicted);
    out->ident.predicted = g_strdup_printf("kernel %s -> %s, delta emulated on %s",
                                           from->ident.kernel, to->ident.kernel, cpu);
    out->origin = g_strdup_printf("%s, predicted", host->origin ? host->origin : "-");
}

virCpregProfile *
virCpregPredict(const virCpregProfile *host, const virCpregProfile *from,
                const virCpregProfile *to, virCpregPredictStats *stats,
                GError **error)
{
    g_autoptr(virCpregProfile) out = NULL;
    virCpregPredictStats local = { 0 };
    guint ih = 0, ia = 0, ib = 0;
    guint nh = virCpregProfileCount(host), na = virCpregProfileCount(from);
    guint nb = virCpregProfileCount(to);
    virCpregPredictWalk w = { 0 };

    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    if (!checkFit(host, from, to, error))
        return NULL;
    out = virCpregProfileNew();
    predictIdentity(out, host, from, to);
    w = (virCpregPredictWalk) {
        .from = from->ident.kernel, .to = to->ident.kernel,
        .host_lacks = hasLessThan(host, from), .emulated_lacks = hasLessThan(from, host),
    };
    /* one walk over the three sorted lists */
    while (ih < nh || ia < na || ib < nb) {
        guint64 id = G_MAXUINT64;
        const virCpregEntry *h = NULL, *a = NULL, *b = NULL;
        virCpregEntry e;

        if (ih < nh)
            id = MIN(id, virCpregProfileEntry(host, ih)->id);
        if (ia < na)
            id = MIN(id, virCpregProfileEntry(from, ia)->id);
        if (ib < nb)
            id = MIN(id, virCpregProfileEntry(to, ib)->id);
        if (ih < nh && virCpregProfileEntry(host, ih)->id == id)
            h = virCpregProfileEntry(host, ih++);
        if (ia < na && virCpregProfileEntry(from, ia)->id == id)
            a = virCpregProfileEntry(from, ia++);
        if (ib < nb && virCpregProfileEntry(to, ib)->id == id)
            b = virCpregProfileEntry(to, ib++);

        if (!predictRegister(h, a, b, &w, stats, &e))
            continue;
        stats->uncertain += virCpregEntryUncertain(&e);
        g_array_append_val(out->entries, e);
    }
    return g_steal_pointer(&out);
}

/* ---- the host's kernel image ---------------------------------------------- */

#define RELEASE_MAX 64

static gboolean
releaseValid(const char *release)
{
    const char *p;

    if (!release || !g_ascii_isdigit(*release) || strlen(release) > RELEASE_MAX ||
        strstr(release, ".."))
        return FALSE;
    for (p = release; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr(".+_~-", *p))
            return FALSE;
    }
    return TRUE;
}

char *
virCpregPredictHostKernelImage(const virCpregProfile *host, GError **error)
{
    if (!releaseValid(host->ident.kernel)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the host's profile names no kernel release a file could be named after ('%s'): give the host's kernel image"),
                    host->ident.kernel ? host->ident.kernel : "");
        return NULL;
    }
    return g_strconcat("/boot/vmlinuz-", host->ident.kernel, NULL);
}
