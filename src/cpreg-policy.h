/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-policy.h: the site's compat policy
 *
 * Per register: ignore it if present (optionally only at a safe value),
 * require a value, pin it through a vCPU property, deny any difference,
 * or warn. Built-in rules come first, then policy.d files in order, then
 * --policy files; a later rule for a register replaces an earlier one.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_POLICY_IGNORE_IF_PRESENT,
    VIR_CPREG_POLICY_REQUIRE_VALUE,
    VIR_CPREG_POLICY_PIN,
    VIR_CPREG_POLICY_DENY,
    VIR_CPREG_POLICY_WARN,
    VIR_CPREG_POLICY_LAST
} virCpregPolicyAction;

const char *virCpregPolicyActionToString(virCpregPolicyAction action);

typedef struct {
    guint64 id;
    virCpregPolicyAction action;
    gboolean has_value;       /* ignore-if-present, require-value */
    guint64 value;            /* (incoming & mask) must equal value */
    guint64 mask;
    const char *property;     /* pin: the vCPU property ("kvm-psci-version") */
    gboolean has_pin;         /* pin: a value to pin, else the newest the
                               * destination takes */
    guint64 pin;              /* pin: the register value the property sets */
    char *reason;
    char *origin;             /* "built-in" or the file it came from */
} virCpregPolicyRule;

typedef struct _virCpregPolicy virCpregPolicy;

virCpregPolicy *virCpregPolicyNew(void);
virCpregPolicy *virCpregPolicyRef(virCpregPolicy *policy);
void virCpregPolicyFree(virCpregPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregPolicy, virCpregPolicyFree);

gboolean virCpregPolicyLoadFile(virCpregPolicy *policy, const char *path,
                                GError **error);
gboolean virCpregPolicyLoadDir(virCpregPolicy *policy, const char *dir,
                               GError **error);
/* The built-in policy, then every policy.d of @dirs (empty names skipped),
 * then @files, in order; either may be NULL. */
virCpregPolicy *virCpregPolicyLoadAll(const char *const *dirs,
                                      const char *const *files,
                                      GError **error);
const virCpregPolicyRule *virCpregPolicyFind(const virCpregPolicy *policy,
                                             guint64 id);
const GPtrArray *virCpregPolicySources(const virCpregPolicy *policy);
void virCpregPolicyRules(const virCpregPolicy *policy,
                         const virCpregPolicyRule **rules, guint *count);
const char *virCpregPolicyPropertyFor(guint64 id);

G_END_DECLS
