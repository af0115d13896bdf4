/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-rules.c: every rule the verdict engine applies, in one table
 *
 * The code that decides (cpreg-qemu.c, cpreg-kvm.c, cpreg-policy.c,
 * cpreg-verdict.c) names a rule; this table says how bad it is, which
 * accelerator it is about (KVM rules are the kernel's, TCG rules QEMU's
 * own vCPU model's; the engine never applies one to the other) and what
 * to tell the operator. Templates use {placeholders}:
 *   {reg} register, {src}/{dst} source and destination values,
 *   {field} {fsrc} {fdst} an ID-register field, {qemu} the destination
 *   QEMU model, {fixqemu} a QEMU that would cope, {skernel}/{dkernel}
 *   kernel releases, {since} the kernel release the rule cites (from
 *   cpreg-knowledge.c, never a literal), {n}/{m} counts, {pin} a value to pin, {why} the
 *   reason a table or policy gives, {err} an errno name, {readback}.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-rules.h"
#include "cpreg-util.h"

VIR_CPREG_ENUM_IMPL(virCpregSeverity, virCpregSeverity, VIR_CPREG_SEVERITY_LAST,
                    "info", "warning", "uncertain", "blocking");

VIR_CPREG_ENUM_IMPL(virCpregAccel, virCpregAccel, VIR_CPREG_ACCEL_LAST,
                    "any", "kvm", "tcg");

#define ANY VIR_CPREG_ACCEL_ANY
#define KVM VIR_CPREG_ACCEL_KVM
#define TCG VIR_CPREG_ACCEL_TCG
#define B VIR_CPREG_SEVERITY_BLOCKING
#define U VIR_CPREG_SEVERITY_UNCERTAIN
#define W VIR_CPREG_SEVERITY_WARNING
#define I VIR_CPREG_SEVERITY_INFO

static const virCpregRuleInfo rules[VIR_CPREG_RULE_LAST] = {
    [VIR_CPREG_RULE_QEMU_LENGTH_CHECK] = { "qemu-length-check", B, ANY,
        N_("the stream carries {n} registers but QEMU {qemu} on the destination takes at most {m} ('{err}')"),
        N_("use QEMU {fixqemu} or later on the destination, which has no such limit") },
    [VIR_CPREG_RULE_QEMU_UNKNOWN] = { "qemu-unknown-register", B, KVM,
        N_("{reg} is in the stream but kernel {dkernel} on the destination does not list it: QEMU {qemu} fails to load the vCPU state"),
        N_("migrate to a host whose kernel lists {reg}, or restart the guest on the destination") },
    [VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER] = { "qemu-unknown-register", B, KVM,
        N_("{reg} is in the stream but kernel {dkernel} on the destination does not list it: QEMU {qemu} fails to load the vCPU state"),
        N_("use QEMU {fixqemu} or later on the destination, which tolerates {reg}") },
    /* under TCG the list is QEMU's own for the vCPU model: no kernel */
    [VIR_CPREG_RULE_QEMU_UNKNOWN_TCG] = { "qemu-unknown-register", B, TCG,
        N_("{reg} is in the stream but QEMU {qemu} does not list it for this vCPU model under TCG: it fails to load the vCPU state"),
        N_("run the source's QEMU release on the destination (each release lists its own registers for a vCPU model), or restart the guest on the destination") },
    [VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER_TCG] = { "qemu-unknown-register", B, TCG,
        N_("{reg} is in the stream but QEMU {qemu} does not list it for this vCPU model under TCG: it fails to load the vCPU state"),
        N_("use QEMU {fixqemu} or later on the destination, which tolerates {reg}") },
    [VIR_CPREG_RULE_QEMU_PAST_END_DROPPED] = { "qemu-past-end-dropped", W, ANY,
        N_("{reg} = {src} is in the stream past the destination's last register: QEMU {qemu} drops it unseen"),
        NULL },
    [VIR_CPREG_RULE_QEMU_TOLERATED] = { "qemu-tolerated", I, ANY,
        N_("{reg} is listed on one side only; QEMU {qemu} tolerates it ({why})"),
        NULL },
    [VIR_CPREG_RULE_QEMU_MISSING_IN_STREAM] = { "qemu-missing-in-stream", W, KVM,
        N_("{reg} is not in the stream: the guest gets the destination's reset value {dst}"),
        NULL },
    /* write_list_to_cpustate: every register of the destination's list is
     * written raw and read back; a difference fails the load */
    [VIR_CPREG_RULE_TCG_CONSTANT] = { "tcg-constant", B, TCG,
        N_("{reg} is {src} on the source but constant {dst} under TCG on the destination: QEMU reads back another value and fails"),
        N_("run the source's QEMU release on the destination, which gives this vCPU model the same {reg}, or restart the guest on the destination") },
    [VIR_CPREG_RULE_TCG_CONSTANT_CPU] = { "tcg-constant", B, TCG,
        N_("{reg} is {src} on the source but constant {dst} under TCG on the destination, a profile of another vCPU model: QEMU reads back another value and fails"),
        N_("use the same QEMU CPU model on both sides") },
    /* cpu_post_load leaves a register the stream lacks as it is, and
     * under TCG its slot of cpreg_values was never written ("the value
     * array need not be initialized", helper.c add_cpreg_to_list) */
    [VIR_CPREG_RULE_TCG_MISSING_CONSTANT] = { "tcg-missing-constant", B, TCG,
        N_("{reg} is not in the stream, and QEMU {qemu} under TCG does not reset what the stream lacks: it writes back an uninitialised value where it must read back the constant {dst}, and fails"),
        N_("run the source's QEMU release on the destination, which lists the same registers for this vCPU model, or restart the guest on the destination") },
    [VIR_CPREG_RULE_TCG_MISSING_IN_STREAM] = { "tcg-missing-in-stream", U, TCG,
        N_("{reg} is not in the stream, and QEMU {qemu} under TCG does not reset what the stream lacks: the guest gets whatever its uninitialised slot holds, and the load fails if that does not read back as written"),
        N_("run the source's QEMU release on the destination, which lists the same registers for this vCPU model, or restart the guest on the destination") },
    [VIR_CPREG_RULE_TCG_NO_VALUE] = { "tcg-no-value", U, TCG,
        N_("{reg}: a profile carries no value, so the model cannot tell whether QEMU under TCG reads back the source's"),
        N_("take both profiles with virt-cpreg probe or from a stream, which record values") },
    [VIR_CPREG_RULE_TCG_MACHINE_TYPE] = { "tcg-machine-type", U, TCG,
        N_("the destination profile was taken under another machine type than the guest's {why}: under TCG a machine type changes the vCPU's registers, so the guest will not get the ones compared here"),
        N_("probe the destination with the guest's machine type: virt-cpreg probe --machine {why}") },
    [VIR_CPREG_RULE_KVM_PSCI_VERSION] = { "kvm-psci-version", B, KVM,
        N_("PSCI version {src} is newer than kernel {dkernel} on the destination implements (up to {dst}): KVM refuses it"),
        N_("start the guest on the source with kvm-psci-version={pin}") },
    [VIR_CPREG_RULE_KVM_WORKAROUND_LEVEL] = { "kvm-workaround-level", B, KVM,
        N_("{reg}: the source's level {src} is above the destination host's {dst}: KVM refuses it"),
        N_("migrate to a host at least as well mitigated as the source") },
    [VIR_CPREG_RULE_KVM_BITMAP] = { "kvm-hypercall-bitmap", B, KVM,
        N_("{reg}: the stream enables {src} but kernel {dkernel} on the destination offers only {dst}: KVM refuses it"),
        N_("migrate to a kernel that offers these hypercall services") },
    [VIR_CPREG_RULE_KVM_IMP_ID] = { "kvm-implementation-id", B, KVM,
        N_("{reg} {src} differs from the destination host's {dst}; QEMU does not make it writable: KVM refuses it"),
        N_("migrate between hosts of the same CPU model and revision") },
    [VIR_CPREG_RULE_KVM_ID_FIXED] = { "kvm-id-field-fixed", B, KVM,
        N_("{reg}.{field} is {fsrc} on the source but {fdst} on the destination, whose kernel {dkernel} does not let userspace change it: KVM refuses it"),
        N_("migrate to a host where {reg}.{field} is {fsrc}") },
    [VIR_CPREG_RULE_KVM_ID_RAISED] = { "kvm-id-field-raised", B, KVM,
        N_("{reg}.{field} is {fsrc} on the source, above the destination's {fdst}: KVM refuses to raise a feature"),
        N_("migrate to a host that offers {reg}.{field} of at least {fsrc}") },
    [VIR_CPREG_RULE_KVM_ID_LOWERED] = { "kvm-id-field-lowered", I, KVM,
        N_("{reg}.{field}: the destination accepts the source's lower {fsrc} (it has {fdst})"),
        NULL },
    [VIR_CPREG_RULE_KVM_ID_UNORDERED] = { "kvm-id-field-unordered", U, KVM,
        N_("{reg}.{field} differs ({fsrc} on the source, {fdst} on the destination) and has no order the model knows"),
        N_("ask the destination's kernel: virt-cpreg probe --trial SOURCE on the destination") },
    [VIR_CPREG_RULE_KVM_ID_INVARIANT] = { "kvm-id-invariant", B, KVM,
        N_("{reg}.{field} is {fsrc} on the source but {fdst} on the destination, whose kernel {dkernel} (before {since}) does not let userspace change ID registers"),
        N_("use kernel {since} or later on the destination, or hosts with identical CPUs and kernels") },
    [VIR_CPREG_RULE_KVM_ID_NO_MASK] = { "kvm-id-no-mask", U, KVM,
        N_("{reg} differs ({src} on the source, {dst} on the destination) and the destination profile has no writable masks to decide"),
        N_("probe the destination with virt-cpreg probe (masks need kernel {since} or later)") },
    [VIR_CPREG_RULE_KVM_AARCH32_IGNORED] = { "kvm-aarch32-id-ignored", I, KVM,
        N_("{reg} differs, but the destination has no AArch32 EL0 and ignores writes to AArch32 ID registers"),
        NULL },
    [VIR_CPREG_RULE_KVM_HOST_VALUE_IGNORED] = { "kvm-host-value-ignored", I, KVM,
        N_("{reg}.{field} is {fsrc} on the source: the host's own value, which kernel {dkernel} accepts and ignores (it shows {fdst})"),
        NULL },
    [VIR_CPREG_RULE_KVM_HOST_VALUE_UNKNOWN] = { "kvm-host-value-unknown", U, KVM,
        N_("{reg}.{field} is {fsrc} on the source and {fdst} on the destination; kernel {dkernel} ignores it only if it is the host's own value, and the source is another CPU"),
        N_("ask the destination's kernel: virt-cpreg probe --trial SOURCE on the destination") },
    [VIR_CPREG_RULE_KVM_CACHE_INVARIANT] = { "kvm-cache-invariant", B, KVM,
        N_("{reg} {src} differs from the destination's {dst} and kernel {dkernel} (before {since}) does not accept another cache geometry"),
        N_("use kernel {since} or later on the destination") },
    [VIR_CPREG_RULE_KVM_CACHE_RES0] = { "kvm-cache-reserved-bits", B, KVM,
        N_("{reg} {src} sets reserved bits: KVM refuses it"),
        NULL },
    [VIR_CPREG_RULE_KVM_TRIAL_REJECTED] = { "kvm-trial-rejected", B, KVM,
        N_("the destination kernel refused {reg} = {src} when tried ({err})"),
        N_("migrate to a host whose kernel accepts the source's {reg}") },
    [VIR_CPREG_RULE_KVM_TRIAL_CHANGED] = { "kvm-trial-changed", I, KVM,
        N_("the destination kernel accepted {reg} = {src} but keeps {readback}"),
        NULL },
    [VIR_CPREG_RULE_KVM_NO_VALUE] = { "kvm-no-value", U, KVM,
        N_("{reg}: a profile carries no value, so the model cannot tell whether the destination accepts the source's"),
        N_("probe both hosts with virt-cpreg probe, which records values") },
    [VIR_CPREG_RULE_POLICY_DENY] = { "policy-deny", B, ANY,
        N_("{reg} differs and the site policy denies any difference ({why})"),
        NULL },
    [VIR_CPREG_RULE_POLICY_VALUE] = { "policy-value", B, ANY,
        N_("{reg} is {src} in the stream but the site policy requires {pin} ({why})"),
        NULL },
    [VIR_CPREG_RULE_POLICY_WARN] = { "policy-warn", W, ANY,
        N_("{reg} differs ({why})"),
        NULL },
    [VIR_CPREG_RULE_PIN_PSCI] = { "pin-psci-version", I, KVM,
        N_("the stream carries PSCI {src} and the destination kernel defaults to {dst}: pin kvm-psci-version={src} there, so that the guest keeps it after a restart and can migrate back"),
        NULL },
    [VIR_CPREG_RULE_PIN_UNAVAILABLE] = { "pin-unavailable", W, KVM,
        N_("the stream carries PSCI {src}; QEMU {qemu} cannot pin kvm-psci-version, so after a restart on the destination the guest gets PSCI {dst} and cannot move back to an older kernel"),
        N_("use QEMU {fixqemu} or later on the destination") },
    [VIR_CPREG_RULE_PIN_REFUSED] = { "pin-refused", B, KVM,
        N_("the domain pins kvm-psci-version={pin}, which kernel {dkernel} on the destination does not implement: QEMU will not start"),
        N_("pin a PSCI version the destination implements (at most {dst})") },
    [VIR_CPREG_RULE_PIN_NO_PROPERTY] = { "pin-no-property", B, KVM,
        N_("the domain pins kvm-psci-version, which QEMU {qemu} does not have: QEMU will not start"),
        N_("use QEMU {fixqemu} or later on the destination") },
    [VIR_CPREG_RULE_PIN_NOT_APPLICABLE] = { "pin-not-applicable", W, KVM,
        N_("the stream carries PSCI {src} and the destination kernel defaults to {dst}, but only a KVM guest with a host-passthrough vCPU has kvm-psci-version: nothing pins it for this guest"),
        NULL },
    /* {why}: the rule that would have decided, or the check the bits feed */
    [VIR_CPREG_RULE_PREDICTED_UNCERTAIN] = { "predicted-uncertain", U, ANY,
        N_("{reg} is predicted, and the bits that decide it ({why}) are uncertain: the prediction cannot vouch for them"),
        N_("probe the host once it is upgraded, or predict with an emulated CPU that has the host's features") },
    [VIR_CPREG_RULE_PREDICTED_UNCERTAIN_FIELD] = { "predicted-uncertain", U, ANY,
        N_("{reg}.{field} is predicted, and uncertain ({why}): the prediction cannot vouch for it"),
        N_("probe the host once it is upgraded, or predict with an emulated CPU that has the host's features") },
};

#undef ANY
#undef KVM
#undef TCG
#undef B
#undef U
#undef W
#undef I

const virCpregRuleInfo *
virCpregRuleGet(virCpregRule rule)
{
    return rule < VIR_CPREG_RULE_LAST ? &rules[rule] : NULL;
}

/* Whether @rule may judge a destination under TCG (@tcg) or KVM: the
 * engine applies no kernel rule to TCG and no TCG rule to KVM. */
gboolean
virCpregRuleAppliesTo(virCpregRule rule, gboolean tcg)
{
    virCpregAccel accel = virCpregRuleGet(rule)->accel;

    return accel == VIR_CPREG_ACCEL_ANY ||
           accel == (tcg ? VIR_CPREG_ACCEL_TCG : VIR_CPREG_ACCEL_KVM);
}

/* Translates @tmpl and replaces its {placeholders} with @args. */
char *
virCpregRuleRender(const char *tmpl, const virCpregRuleArg *args, size_t nargs)
{
    GString *out = g_string_new(NULL);
    const char *p = _(tmpl);

    while (*p) {
        const char *close;
        size_t i;

        if (*p != '{' || !(close = strchr(p, '}'))) {
            g_string_append_c(out, *p++);
            continue;
        }
        for (i = 0; i < nargs; i++) {
            if (args[i].value && strlen(args[i].name) == (size_t)(close - p - 1) &&
                strncmp(p + 1, args[i].name, close - p - 1) == 0)
                break;
        }
        if (i == nargs) {
            g_string_append_c(out, *p++);
            continue;
        }
        g_string_append(out, args[i].value);
        p = close + 1;
    }
    return g_string_free(out, FALSE);
}
