/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-rules.h: every rule the verdict engine applies, in one table
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_SEVERITY_INFO,
    VIR_CPREG_SEVERITY_WARNING,
    VIR_CPREG_SEVERITY_UNCERTAIN,     /* the model cannot decide */
    VIR_CPREG_SEVERITY_BLOCKING,      /* the migration would fail */
    VIR_CPREG_SEVERITY_LAST
} virCpregSeverity;

const char *virCpregSeverityToString(virCpregSeverity severity);

/* The accelerator a rule is about: the destination's (its profile's). */
typedef enum {
    VIR_CPREG_ACCEL_ANY,              /* QEMU's walk, the policy */
    VIR_CPREG_ACCEL_KVM,              /* the kernel decides */
    VIR_CPREG_ACCEL_TCG,              /* QEMU's own registers decide */
    VIR_CPREG_ACCEL_LAST
} virCpregAccel;

const char *virCpregAccelToString(virCpregAccel accel);

typedef enum {
    /* QEMU's cpu_post_load (cpreg-verdict.c) */
    VIR_CPREG_RULE_QEMU_LENGTH_CHECK,
    VIR_CPREG_RULE_QEMU_UNKNOWN,
    VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER,
    VIR_CPREG_RULE_QEMU_UNKNOWN_TCG,
    VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER_TCG,
    VIR_CPREG_RULE_QEMU_PAST_END_DROPPED,
    VIR_CPREG_RULE_QEMU_TOLERATED,
    VIR_CPREG_RULE_QEMU_MISSING_IN_STREAM,
    /* TCG's write-back, write_list_to_cpustate (cpreg-verdict.c) */
    VIR_CPREG_RULE_TCG_CONSTANT,
    VIR_CPREG_RULE_TCG_CONSTANT_CPU,
    VIR_CPREG_RULE_TCG_MISSING_CONSTANT,
    VIR_CPREG_RULE_TCG_MISSING_IN_STREAM,
    VIR_CPREG_RULE_TCG_NO_VALUE,
    VIR_CPREG_RULE_TCG_MACHINE_TYPE,
    /* KVM_SET_ONE_REG on the destination (cpreg-kvm.c) */
    VIR_CPREG_RULE_KVM_PSCI_VERSION,
    VIR_CPREG_RULE_KVM_WORKAROUND_LEVEL,
    VIR_CPREG_RULE_KVM_BITMAP,
    VIR_CPREG_RULE_KVM_IMP_ID,
    VIR_CPREG_RULE_KVM_ID_FIXED,
    VIR_CPREG_RULE_KVM_ID_RAISED,
    VIR_CPREG_RULE_KVM_ID_LOWERED,
    VIR_CPREG_RULE_KVM_ID_UNORDERED,
    VIR_CPREG_RULE_KVM_ID_INVARIANT,
    VIR_CPREG_RULE_KVM_ID_NO_MASK,
    VIR_CPREG_RULE_KVM_AARCH32_IGNORED,
    VIR_CPREG_RULE_KVM_HOST_VALUE_IGNORED,
    VIR_CPREG_RULE_KVM_HOST_VALUE_UNKNOWN,
    VIR_CPREG_RULE_KVM_CACHE_INVARIANT,
    VIR_CPREG_RULE_KVM_CACHE_RES0,
    VIR_CPREG_RULE_KVM_TRIAL_REJECTED,
    VIR_CPREG_RULE_KVM_TRIAL_CHANGED,
    VIR_CPREG_RULE_KVM_NO_VALUE,
    /* the site's policy (cpreg-policy.c) */
    VIR_CPREG_RULE_POLICY_DENY,
    VIR_CPREG_RULE_POLICY_VALUE,
    VIR_CPREG_RULE_POLICY_WARN,
    /* vCPU property pins (cpreg-verdict.c) */
    VIR_CPREG_RULE_PIN_PSCI,
    VIR_CPREG_RULE_PIN_UNAVAILABLE,
    VIR_CPREG_RULE_PIN_REFUSED,
    VIR_CPREG_RULE_PIN_NO_PROPERTY,
    VIR_CPREG_RULE_PIN_NOT_APPLICABLE,
    /* a predicted profile's uncertain bits (cpreg-engine.c, cpreg-kvm.c) */
    VIR_CPREG_RULE_PREDICTED_UNCERTAIN,
    VIR_CPREG_RULE_PREDICTED_UNCERTAIN_FIELD,
    VIR_CPREG_RULE_LAST
} virCpregRule;

typedef struct {
    const char *name;             /* stable, for JSON: "qemu-length-check" */
    virCpregSeverity severity;
    virCpregAccel accel;          /* the destination's accelerator it
                                   * applies to; a TCG rule's remedy never
                                   * names a kernel */
    const char *message;          /* template, untranslated (N_) */
    const char *remedy;           /* template or NULL */
} virCpregRuleInfo;

const virCpregRuleInfo *virCpregRuleGet(virCpregRule rule);
gboolean virCpregRuleAppliesTo(virCpregRule rule, gboolean tcg);

/* Values for the {placeholders} of the templates. */
typedef struct {
    const char *name;
    const char *value;
} virCpregRuleArg;

char *virCpregRuleRender(const char *tmpl, const virCpregRuleArg *args,
                         size_t nargs);

G_END_DECLS
