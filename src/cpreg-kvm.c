/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-kvm.c: will the destination's kernel take the source's value?
 *
 * QEMU writes every register of the destination's list with
 * KVM_SET_ONE_REG after loading the stream (write_list_to_kvmstate); a
 * refused write fails the migration. The rules come from the kernel's
 * arch/arm64/kvm/hypercalls.c (firmware registers) and sys_regs.c (ID and
 * cache registers); where a profile carries data (writable masks, the
 * values the kernel reports) the data decides, not a version number.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cpreg-engine.h"
#include "cpreg-id.h"
#include "cpreg-knowledge.h"
#include "cpreg-value.h"

/* ---- kernel releases ---------------------------------------------------- */

/* "6.12.107+deb13-arm64", "6.1.0-50-arm64", "6.18.30-61.amzn2023" */
virCpregKernelVersion
virCpregKernelParse(const char *release)
{
    virCpregKernelVersion v = { 0 };
    char *end;
    unsigned long major, minor;

    if (!release || !g_ascii_isdigit(*release))
        return v;
    major = strtoul(release, &end, 10);
    if (*end != '.' || !g_ascii_isdigit(end[1]))
        return v;
    minor = strtoul(end + 1, &end, 10);
    if (major > 100 || minor > 1000)
        return v;
    v.major = (unsigned int)major;
    v.minor = (unsigned int)minor;
    v.known = TRUE;
    return v;
}

/* 1 if @v is at least major.minor, 0 if older, -1 if unknown. */
int
virCpregKernelAtLeast(virCpregKernelVersion v, unsigned int major,
                      unsigned int minor)
{
    if (!v.known)
        return -1;
    return v.major > major || (v.major == major && v.minor >= minor);
}

#define CCSIDR_LAST (VIR_CPREG_CCSIDR_BASE | 13)
#define ID_AA64PFR0 VIR_CPREG_SYSREG(3, 0, 0, 4, 0)

/* 1 if @v is @row's release or later, 0 if older, -1 if unknown. */
static int
kernelHas(virCpregKernelVersion v, const virCpregKernelRow *row)
{
    virCpregKernelVersion since = virCpregKernelParse(row->release);

    return virCpregKernelAtLeast(v, since.major, since.minor);
}

static int
kernelDoes(virCpregKernelVersion v, virCpregKernelChange change)
{
    return kernelHas(v, virCpregKnowledgeKernelFirst(change));
}

/* The first release with @change, for the finding of a rule that cites it. */
static const char *
since(virCpregKernelChange change)
{
    return virCpregKnowledgeKernelFirst(change)->release;
}

/*
 * Facts about the destination, from its profile first and its release
 * second: a kernel that accepts any cache geometry lists all 14 CCSIDRs;
 * one that reports writable masks has writable ID registers.
 */
void
virCpregDestFactsInit(virCpregDestFacts *facts, const virCpregProfile *dst)
{
    const virCpregEntry *pfr0 = virCpregProfileFind(dst, ID_AA64PFR0);
    const virCpregEntry *midr = virCpregProfileFind(dst, VIR_CPREG_SYSREG(3, 0, 0, 0, 0));
    gboolean masks = (pfr0 && (pfr0->flags & VIR_CPREG_ENTRY_WRITABLE)) ||
                     (midr && (midr->flags & VIR_CPREG_ENTRY_WRITABLE));

    memset(facts, 0, sizeof(*facts));
    facts->kernel = virCpregKernelParse(dst->ident.kernel);
    facts->tcg = g_strcmp0(dst->ident.accel, "tcg") == 0;
    /* ID_AA64PFR0_EL1.EL0 (3:0) == 1: AArch64 only at EL0 */
    facts->no_aarch32_el0 = pfr0 && (pfr0->flags & VIR_CPREG_ENTRY_VALUE) &&
                            (pfr0->value & 0xf) == 1;
    facts->cache_writable = virCpregProfileFind(dst, CCSIDR_LAST) ? 1 :
                            kernelDoes(facts->kernel, VIR_CPREG_KERNEL_CACHE_WRITABLE);
    facts->id_writable = masks ? 1 : kernelDoes(facts->kernel, VIR_CPREG_KERNEL_ID_WRITABLE);
}

/* ---- firmware pseudo-registers (hypercalls.c kvm_arm_set_fw_reg) ------- */

/*
 * PSCI versions QEMU can ask for with KVM_ARM_VCPU_PSCI_0_2 set; a kernel
 * takes those up to its default, the newest it implements (the kernel
 * rows of cpreg-knowledge.c), which the destination's profile carries.
 */
static const guint64 psciVersions[] = { 0x2, 0x10000, 0x10001, 0x10002, 0x10003 };

gboolean
virCpregKvmPsciAccepted(const virCpregEntry *dst, guint64 value)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(psciVersions); i++) {
        if (psciVersions[i] == value)
            return value <= dst->value;
    }
    return FALSE;
}

typedef void (*virCpregWriteCheck)(virCpregEngine *e, guint64 id, guint64 s,
                                   const virCpregEntry *d);

/* The PSCI version to pin on the source so that the destination takes
 * it: the policy's, if the destination implements it, else its default. */
static guint64
psciPinFor(virCpregEngine *e, const virCpregEntry *d)
{
    const virCpregPolicyRule *rule = virCpregPolicyFind(e->policy, VIR_CPREG_PSCI_VERSION);

    if (rule && rule->has_pin && virCpregKvmPsciAccepted(d, rule->pin))
        return rule->pin;
    return d->value;
}

static void
checkPsci(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    if (!virCpregKvmPsciAccepted(d, s))
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_PSCI_VERSION, VIR_CPREG_FINDING_VALUE,
                          id, s, d->value, NULL, NULL)->pin = psciPinFor(e, d);
}

#define LEVEL_MASK 0xfULL
#define WA2_ENABLED (1ULL << 4)

/* WORKAROUND_1 and _3: a level up to the host's (NOT_AVAIL < AVAIL <
 * NOT_REQUIRED); the kernel reads back the host's level. */
static void
checkWorkaround(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    if ((s & ~LEVEL_MASK) || s > (d->value & LEVEL_MASK))
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_WORKAROUND_LEVEL,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL, NULL);
}

/* WORKAROUND_2: levels narrow to NOT_AVAIL (0, 1) or NOT_REQUIRED (2, 3)
 * before the comparison with the host; ENABLED only with AVAIL. */
static void
checkWorkaround2(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    guint64 level = s & LEVEL_MASK;
    guint64 narrowed = level <= 1 ? 0 : 3;
    gboolean bad = (s & ~(LEVEL_MASK | WA2_ENABLED)) || level > 3 ||
                   ((s & WA2_ENABLED) && level != 2) ||
                   narrowed > (d->value & LEVEL_MASK);

    if (bad)
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_WORKAROUND_LEVEL,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL, NULL);
}

/* The hypercall bitmaps reset to every service the kernel offers, so the
 * destination's value is the set it accepts. */
static void
checkBitmap(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    if (s & ~d->value)
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_BITMAP,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL, NULL);
}

/* A bitmap that resets to 0 (VENDOR_HYP_BMAP_2): the kernel takes the
 * bits it knows, the ones its row names. */
static void
checkBitmapKnown(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    guint n, bit;
    guint64 known = 0;

    virCpregValueNames(id, &n);
    for (bit = 0; bit < n; bit++)
        known |= 1ULL << bit;
    if (s & ~known)
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_BITMAP,
                          VIR_CPREG_FINDING_VALUE, id, s, known, NULL, NULL);
    (void)d;
}

/* ---- ID and cache registers (sys_regs.c) -------------------------------- */

/*
 * MIDR, REVIDR, AIDR: writable since 6.15 only once the VMM enables
 * KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, which QEMU does not; before, invariant.
 */
static void
checkImpId(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_IMP_ID, VIR_CPREG_FINDING_VALUE,
                      id, s, d->value, NULL, NULL);
}

static guint64
cacheRes0(guint64 id)
{
    const virCpregField *fields;
    size_t n, i;
    guint64 res0 = 0;

    fields = virCpregIdFields(id, &n);
    for (i = 0; i < n; i++) {
        if (fields[i].kind == VIR_CPREG_FIELD_RES0)
            res0 |= virCpregFieldMask(&fields[i]);
    }
    return res0;
}

/* CCSIDR (demux) and CLIDR_EL1: since 6.3 any geometry without reserved
 * bits (set_ccsidr, set_clidr); before, the host's values only. */
static void
checkCache(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    if (e->dfacts->cache_writable == 1) {
        if (s & cacheRes0(id))
            virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_CACHE_RES0,
                              VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL, NULL);
        return;
    }
    virCpregEngineAdd(e, e->dfacts->cache_writable == 0 ?
                      VIR_CPREG_RULE_KVM_CACHE_INVARIANT : VIR_CPREG_RULE_KVM_NO_VALUE,
                      VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL,
                      NULL)->kernel = since(VIR_CPREG_KERNEL_CACHE_WRITABLE);
}

/* A kernel row saying that the destination's release hides @f of @id
 * (or all of @id), or NULL. */
static const virCpregKernelRow *
hiddenBy(virCpregKernelVersion kernel, guint64 id, const virCpregField *f)
{
    size_t n, i;
    const virCpregKernelRow *rows = virCpregKnowledgeKernel(&n);

    for (i = 0; i < n; i++) {
        const virCpregKernelRow *r = &rows[i];
        if (r->change == VIR_CPREG_KERNEL_HIDES && r->id == id &&
            (!r->field || g_str_equal(r->field, f->name)) &&
            kernelHas(kernel, r) == 1)
            return r;
    }
    return NULL;
}

static gint64
signExtend(guint64 v, unsigned int width)
{
    guint64 sign = 1ULL << (width - 1);

    return (gint64)((v ^ sign) - sign);
}

/* A field the destination lets userspace write: only towards "less". */
static virCpregRule
writableFieldRule(const virCpregField *f, guint64 fs, guint64 fd)
{
    unsigned int width = f->msb - f->lsb + 1U;

    switch (f->kind) {
    case VIR_CPREG_FIELD_UNSIGNED:
        return fs < fd ? VIR_CPREG_RULE_KVM_ID_LOWERED : VIR_CPREG_RULE_KVM_ID_RAISED;
    case VIR_CPREG_FIELD_SIGNED:
        return signExtend(fs, width) < signExtend(fd, width) ?
               VIR_CPREG_RULE_KVM_ID_LOWERED : VIR_CPREG_RULE_KVM_ID_RAISED;
    default:
        return VIR_CPREG_RULE_KVM_ID_UNORDERED;
    }
}

/* A field the destination does not let userspace write. */
static virCpregRule
fixedFieldRule(virCpregEngine *e, guint64 id, const virCpregField *f,
               const char **why)
{
    const virCpregKernelRow *q = hiddenBy(e->dfacts->kernel, id, f);

    if (q) {
        *why = q->why;
        return e->same_cpu ? VIR_CPREG_RULE_KVM_HOST_VALUE_IGNORED :
                             VIR_CPREG_RULE_KVM_HOST_VALUE_UNKNOWN;
    }
    return VIR_CPREG_RULE_KVM_ID_FIXED;
}

static void
checkIdFields(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    size_t n, i;
    const virCpregField *fields = virCpregIdFields(id, &n);
    guint64 covered = 0;

    for (i = 0; i < n; i++) {
        const virCpregField *f = &fields[i];
        guint64 fm = virCpregFieldMask(f);
        guint64 fs = virCpregFieldGet(f, s), fd = virCpregFieldGet(f, d->value);
        const char *why = NULL;
        virCpregRule rule;

        covered |= fm;
        if (fs == fd)
            continue;
        if (e->dfacts->id_writable == 0)
            rule = VIR_CPREG_RULE_KVM_ID_INVARIANT;
        else if ((d->writable & fm) == fm)
            rule = writableFieldRule(f, fs, fd);
        else if ((d->writable & fm) == 0)
            rule = fixedFieldRule(e, id, f, &why);
        else
            rule = VIR_CPREG_RULE_KVM_ID_UNORDERED;
        virCpregEngineAdd(e, rule, VIR_CPREG_FINDING_VALUE, id, s, d->value, f,
                          why)->kernel = since(VIR_CPREG_KERNEL_ID_WRITABLE);
    }
    /* bits no field describes (unallocated slots, registers without
     * field data): fixed bits must match, writable ones cannot be ordered */
    if ((s ^ d->value) & ~covered & ~d->writable)
        virCpregEngineAdd(e, e->dfacts->id_writable == 0 ?
                          VIR_CPREG_RULE_KVM_ID_INVARIANT : VIR_CPREG_RULE_KVM_ID_FIXED,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL,
                          NULL)->kernel = since(VIR_CPREG_KERNEL_ID_WRITABLE);
    else if ((s ^ d->value) & ~covered & d->writable)
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_ID_UNORDERED,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL, NULL);
}

/* AArch32 ID registers: op0 3, op1 0, CRn 0, CRm 1..3. */
static gboolean
isAarch32IdReg(guint64 id)
{
    unsigned int crm = (id >> 3) & 0xf;

    return virCpregIdIsIdReg(id) && crm >= 1 && crm <= 3;
}

/*
 * Feature ID registers and CTR_EL0. Since 6.7 (set_id_reg,
 * arm64_check_features): bits outside the writable mask must equal the
 * destination's, writable fields may only move to their safe side. Before
 * 6.7: the host's value only.
 */
static void
checkIdReg(virCpregEngine *e, guint64 id, guint64 s, const virCpregEntry *d)
{
    /* sysreg_user_write_ignore: a host without AArch32 EL0 ignores them */
    if (e->dfacts->no_aarch32_el0 && isAarch32IdReg(id)) {
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_AARCH32_IGNORED,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL, NULL);
        return;
    }
    /* writable, but no masks to tell which fields; or unknown */
    if ((e->dfacts->id_writable == 1 && !(d->flags & VIR_CPREG_ENTRY_WRITABLE)) ||
        e->dfacts->id_writable == -1) {
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_ID_NO_MASK,
                          VIR_CPREG_FINDING_VALUE, id, s, d->value, NULL,
                          NULL)->kernel = since(VIR_CPREG_KERNEL_ID_MASKS);
        return;
    }
    checkIdFields(e, id, s, d);
}

/* ---- the rules ------------------------------------------------------------ */

/* One check per write rule of the registers' rows (cpreg-knowledge.c). */
static const virCpregWriteCheck writeChecks[VIR_CPREG_WRITE_LAST] = {
    [VIR_CPREG_WRITE_STATE] = NULL,
    [VIR_CPREG_WRITE_PER_VCPU] = NULL,
    [VIR_CPREG_WRITE_PSCI] = checkPsci,
    [VIR_CPREG_WRITE_LEVEL] = checkWorkaround,
    [VIR_CPREG_WRITE_LEVEL_WA2] = checkWorkaround2,
    [VIR_CPREG_WRITE_BITMAP] = checkBitmap,
    [VIR_CPREG_WRITE_BITMAP_KNOWN] = checkBitmapKnown,
    [VIR_CPREG_WRITE_IMP_ID] = checkImpId,
    [VIR_CPREG_WRITE_CACHE] = checkCache,
    [VIR_CPREG_WRITE_ID_FIELDS] = checkIdReg,
};

static void
checkTrial(virCpregEngine *e, const virCpregTrial *t)
{
    if (t->result == VIR_CPREG_TRIAL_REJECTED)
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_TRIAL_REJECTED,
                          VIR_CPREG_FINDING_VALUE, t->id, t->value, t->readback,
                          NULL, NULL)->err = t->err;
    else if (t->result == VIR_CPREG_TRIAL_ACCEPTED && t->has_readback &&
             t->readback != t->value)
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_TRIAL_CHANGED,
                          VIR_CPREG_FINDING_VALUE, t->id, t->value, t->readback,
                          NULL, NULL);
}

/*
 * Will KVM_SET_ONE_REG(@id, @value) succeed on the destination, whose own
 * entry is @dst? A trial of exactly this value on the destination's
 * kernel answers for the model. Only for a KVM destination: under TCG
 * no kernel is asked (cpreg-verdict.c models TCG's write-back).
 */
void
virCpregKvmCheckWrite(virCpregEngine *e, guint64 id, gboolean has_value,
                      guint64 value, const virCpregEntry *dst)
{
    const virCpregTrial *t = virCpregProfileFindTrial(e->dst, id);
    const virCpregRegInfo *info = virCpregKnowledgeReg(id);
    virCpregWriteCheck check = info ? writeChecks[info->write] : NULL;

    if (t && has_value && t->value == value) {
        checkTrial(e, t);
        return;
    }
    if (!check)
        return;
    if (!has_value || !(dst->flags & VIR_CPREG_ENTRY_VALUE)) {
        virCpregEngineAdd(e, VIR_CPREG_RULE_KVM_NO_VALUE, VIR_CPREG_FINDING_VALUE,
                          id, value, dst->value, NULL, NULL);
        return;
    }
    if (value != dst->value)
        check(e, id, value, dst);
}

/* ---- a prediction's uncertain bits ---------------------------------------- */

/* Could a field the check found acceptable be refused for values the
 * uncertain bits allow? Not when only the destination's bits are in doubt,
 * its mask (certain) lets the field be written, and the source is at the
 * unsigned field's bottom: any destination value takes it. Likewise a
 * source in doubt below a destination at the top. */
static gboolean
fieldDecides(const virCpregField *f, guint64 s, guint64 us, const virCpregEntry *d,
             guint64 ud)
{
    guint64 fm = virCpregFieldMask(f);
    gboolean writable = (d->writable & fm) == fm &&
                        !(d->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN);

    if (!((us | ud) & fm))
        return FALSE;
    if (f->kind != VIR_CPREG_FIELD_UNSIGNED || !writable)
        return TRUE;
    if (!(us & fm))
        return virCpregFieldGet(f, s) != 0;
    if (!(ud & fm))
        return (d->value & fm) != fm;
    return TRUE;
}

static gboolean
idFieldsDecide(guint64 id, guint64 s, guint64 us, const virCpregEntry *d, guint64 ud,
               const virCpregField **field)
{
    size_t n, i;
    const virCpregField *fields = virCpregIdFields(id, &n);
    guint64 covered = 0;

    for (i = 0; i < n; i++) {
        covered |= virCpregFieldMask(&fields[i]);
        if (fieldDecides(&fields[i], s, us, d, ud)) {
            *field = &fields[i];
            return TRUE;
        }
    }
    return ((us | ud) & ~covered) != 0;
}

/*
 * When the destination's check of @value found nothing: could the bits a
 * prediction marked uncertain (on either side) still decide it? Guest
 * state is stored whatever its value; a bitmap only refuses bits the
 * destination lacks; ID fields as fieldDecides says; every other check
 * hangs on the whole value.
 */
gboolean
virCpregKvmUncertainDecides(const virCpregEngine *e, guint64 value,
                            const virCpregEntry *s, const virCpregEntry *d,
                            const virCpregField **field)
{
    const virCpregRegInfo *info = virCpregKnowledgeReg(s->id);
    guint64 us = virCpregEngineUncertain(s), ud = d->uncertain;

    *field = NULL;
    if (!us && !ud && !(d->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN))
        return FALSE;
    if (!info || !writeChecks[info->write])
        return FALSE;
    switch (info->write) {
    case VIR_CPREG_WRITE_BITMAP:
        return ((value | us) & (~d->value | ud)) != 0;
    case VIR_CPREG_WRITE_ID_FIELDS:
        if (e->dfacts->no_aarch32_el0 && isAarch32IdReg(s->id))
            return FALSE;
        return idFieldsDecide(s->id, value, us, d, ud, field);
    default:
        return (us | ud) != 0;
    }
}
