/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-policy.c: the site's compat policy (schemas/policy.schema.json)
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-policy.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-knowledge.h"
#include "cpreg-json.h"
#include "cpreg-text.h"
#include "cpreg-value.h"
#include "cpreg-util.h"

#define POLICY_VERSION 1
#define POLICY_MAX_BYTES (1024 * 1024)
#define POLICY_MAX_RULES 4096

struct _virCpregPolicy {
    GArray *rules;             /* virCpregPolicyRule, ascending id, unique */
    GPtrArray *sources;        /* "built-in", then each file read */
};

VIR_CPREG_ENUM_IMPL(virCpregPolicyAction, virCpregPolicyAction, VIR_CPREG_POLICY_LAST,
                    "ignore-if-present", "require-value", "pin", "deny", "warn");

typedef struct {
    const char *property;
    guint64 id;
    gboolean (*parse)(const char *str, guint64 *value);
} virCpregPinProperty;

/* The vCPU properties that set a register (QEMU target/arm/kvm.c). */
static const virCpregPinProperty pinProperties[] = {
    { "kvm-psci-version", VIR_CPREG_PSCI_VERSION, virCpregPsciParse },
};

static const virCpregPinProperty *
pinPropertyFor(guint64 id)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(pinProperties); i++) {
        if (pinProperties[i].id == id)
            return &pinProperties[i];
    }
    return NULL;
}

const char *
virCpregPolicyPropertyFor(guint64 id)
{
    const virCpregPinProperty *p = pinPropertyFor(id);

    return p ? p->property : NULL;
}

static void
ruleClear(gpointer data)
{
    virCpregPolicyRule *r = data;

    g_free(r->reason);
    g_free(r->origin);
}

static int
compareRules(gconstpointer a, gconstpointer b)
{
    const virCpregPolicyRule *x = a, *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

/* Adds @rule, replacing an earlier rule for the same register. */
static void
policyAdd(virCpregPolicy *policy, virCpregPolicyRule *rule)
{
    virCpregPolicyRule *old = (virCpregPolicyRule *)virCpregPolicyFind(policy, rule->id);

    if (old) {
        ruleClear(old);
        *old = *rule;
        return;
    }
    g_array_append_vals(policy->rules, rule, 1);
    g_array_sort(policy->rules, compareRules);
}

virCpregPolicy *
virCpregPolicyNew(void)
{
    virCpregPolicy *policy = g_rc_box_new0(virCpregPolicy);
    size_t n, i;
    const virCpregRegInfo *regs = virCpregKnowledgeRegs(&n);

    policy->rules = g_array_new(FALSE, TRUE, sizeof(virCpregPolicyRule));
    g_array_set_clear_func(policy->rules, ruleClear);
    policy->sources = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(policy->sources, g_strdup("built-in"));
    /* the built-in defaults, from the registers' rows */
    for (i = 0; i < n; i++) {
        const virCpregDefaultPolicy *b = &regs[i].policy;
        virCpregPolicyRule r;

        if (!b->set)
            continue;
        r = (virCpregPolicyRule) {
            .id = regs[i].id, .action = b->action, .has_value = b->has_value,
            .value = b->value, .mask = G_MAXUINT64,
            .property = virCpregPolicyPropertyFor(regs[i].id),
            .reason = virCpregKnowledgeReason(regs[i].id), .origin = g_strdup("built-in"),
        };
        policyAdd(policy, &r);
    }
    return policy;
}

static void
policyClear(gpointer data)
{
    virCpregPolicy *policy = data;

    g_array_unref(policy->rules);
    g_ptr_array_unref(policy->sources);
}

/* Policies are shared (a verdict keeps the one it was judged by). */
virCpregPolicy *
virCpregPolicyRef(virCpregPolicy *policy)
{
    return g_rc_box_acquire(policy);
}

void
virCpregPolicyFree(virCpregPolicy *policy)
{
    if (policy)
        g_rc_box_release_full(policy, policyClear);
}

/* virCpregCompareIds orders them by their first member */
G_STATIC_ASSERT(G_STRUCT_OFFSET(virCpregPolicyRule, id) == 0);

const virCpregPolicyRule *
virCpregPolicyFind(const virCpregPolicy *policy, guint64 id)
{
    virCpregPolicyRule key = { .id = id };
    guint i;

    if (!g_array_binary_search(policy->rules, &key, virCpregCompareIds, &i))
        return NULL;
    return &g_array_index(policy->rules, virCpregPolicyRule, i);
}

/* The rules, ascending id, for a walk alongside a profile. */
void
virCpregPolicyRules(const virCpregPolicy *policy,
                    const virCpregPolicyRule **rules, guint *count)
{
    *rules = (const virCpregPolicyRule *)(gpointer)policy->rules->data;
    *count = policy->rules->len;
}

/* Where the rules came from, in the order read: "built-in", files. */
const GPtrArray *
virCpregPolicySources(const virCpregPolicy *policy)
{
    return policy->sources;
}

/* ---- reading policy files ---------------------------------------------- */

static gboolean
policyError(GError **error, const char *file, const char *path,
            const char *what)
{
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                "%s: %s: %s", file, path, what);
    return FALSE;
}

static const char *const ruleKeys[] = {
    "register", "action", "value", "mask", "property", "reason",
};

static gboolean
checkKeys(json_object *obj, const char *file, const char *path, GError **error)
{
    json_object_iter it;

    json_object_object_foreachC(obj, it) {
        size_t i;
        gboolean known = FALSE;
        for (i = 0; i < G_N_ELEMENTS(ruleKeys); i++)
            known = known || g_str_equal(it.key, ruleKeys[i]);
        if (!known) {
            g_autofree char *msg = g_strdup_printf(_("unknown member '%s'"), it.key);
            return policyError(error, file, path, msg);
        }
    }
    return TRUE;
}

static gboolean
parseAction(const char *str, virCpregPolicyAction *action)
{
    int i = virCpregPolicyActionFromString(str);

    if (i < 0)
        return FALSE;
    *action = i;
    return TRUE;
}

static gboolean
parseHexMember(json_object *obj, const char *key, const char *file,
               const char *path, gboolean *present, guint64 *out,
               GError **error)
{
    const char *s;

    if (!virCpregJSONGetString(obj, key, file, path, FALSE, &s, error))
        return FALSE;
    *present = s != NULL;
    if (s && !virCpregTextParseHex64(s, strlen(s), out)) {
        g_autofree char *p = g_strdup_printf("%s.%s", path, key);
        g_autofree char *msg = g_strdup_printf(_("'%s' is not a hexadecimal number of at most 64 bits"), s);
        return policyError(error, file, p, msg);
    }
    return TRUE;
}

/* "pin": value is in the property's own format ("1.1"), not hex. */
static gboolean
parsePin(json_object *obj, virCpregPolicyRule *r, const char *file,
         const char *path, GError **error)
{
    const virCpregPinProperty *prop = pinPropertyFor(r->id);
    const char *property, *value;
    g_autofree char *p = g_strdup_printf("%s.value", path);

    if (!prop)
        return policyError(error, file, path,
                           _("no vCPU property pins this register (only PSCI_VERSION, through kvm-psci-version)"));
    if (!virCpregJSONGetString(obj, "property", file, path, FALSE, &property, error) ||
        !virCpregJSONGetString(obj, "value", file, path, FALSE, &value, error))
        return FALSE;
    if (property && !g_str_equal(property, prop->property)) {
        g_autofree char *msg = g_strdup_printf(_("this register is pinned through '%s'"),
                                               prop->property);
        g_autofree char *pp = g_strdup_printf("%s.property", path);
        return policyError(error, file, pp, msg);
    }
    r->property = prop->property;
    if (value && !(r->has_pin = prop->parse(value, &r->pin)))
        return policyError(error, file, p, _("not a value of this property (such as \"1.1\")"));
    return TRUE;
}

static gboolean
parseRule(virCpregPolicy *policy, json_object *obj, const char *file,
          guint i, GError **error)
{
    g_autofree char *path = g_strdup_printf("rules[%u]", i);
    g_autoptr(GError) err = NULL;
    const char *reg, *action, *reason;
    virCpregPolicyRule r = { .mask = G_MAXUINT64 };
    gboolean has_mask = FALSE;

    if (!json_object_is_type(obj, json_type_object))
        return policyError(error, file, path, _("expected an object"));
    if (!checkKeys(obj, file, path, error) ||
        !virCpregJSONGetString(obj, "register", file, path, TRUE, &reg, error) ||
        !virCpregJSONGetString(obj, "action", file, path, TRUE, &action, error) ||
        !virCpregJSONGetString(obj, "reason", file, path, FALSE, &reason, error))
        return FALSE;
    if (!virCpregIdParse(reg, &r.id, &err)) {
        g_autofree char *p = g_strdup_printf("%s.register", path);
        return policyError(error, file, p, err->message);
    }
    if (!parseAction(action, &r.action)) {
        g_autofree char *p = g_strdup_printf("%s.action", path);
        return policyError(error, file, p,
                           _("expected ignore-if-present, require-value, pin, deny or warn"));
    }
    if (r.action == VIR_CPREG_POLICY_PIN) {
        if (!parsePin(obj, &r, file, path, error))
            return FALSE;
    } else if (!parseHexMember(obj, "value", file, path, &r.has_value, &r.value, error) ||
               !parseHexMember(obj, "mask", file, path, &has_mask, &r.mask, error)) {
        return FALSE;
    }
    if (r.action == VIR_CPREG_POLICY_REQUIRE_VALUE && !r.has_value)
        return policyError(error, file, path, _("require-value needs a 'value'"));
    if (has_mask && !r.has_value)
        return policyError(error, file, path, _("a 'mask' needs a 'value'"));
    if (r.has_value && (r.value & ~r.mask))
        return policyError(error, file, path, _("'value' has bits outside 'mask'"));
    r.reason = g_strdup(reason ? reason : "");
    r.origin = g_strdup(file);
    policyAdd(policy, &r);
    return TRUE;
}

gboolean
virCpregPolicyLoadFile(virCpregPolicy *policy, const char *path, GError **error)
{
    g_autofree char *data = NULL;
    g_autoptr(json_object) root = NULL;
    json_object *version, *rules;
    gsize len;
    size_t i;

    if (!virCpregTextReadFile(path, POLICY_MAX_BYTES, &data, &len, error) ||
        !virCpregTextCheckUTF8(path, data, len, error) ||
        !(root = virCpregJSONParse(path, data, len, error)))
        return FALSE;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "libvirt-cpreg-policy", &version) ||
        !json_object_is_type(version, json_type_int) ||
        json_object_get_int64(version) != POLICY_VERSION)
        return policyError(error, path, "$",
                           _("not a libvirt-cpreg policy of version 1 ('libvirt-cpreg-policy': 1)"));
    if (!json_object_object_get_ex(root, "rules", &rules) ||
        !json_object_is_type(rules, json_type_array) ||
        json_object_array_length(rules) > POLICY_MAX_RULES)
        return policyError(error, path, "rules", _("expected an array of at most 4096 rules"));
    for (i = 0; i < json_object_array_length(rules); i++) {
        if (!parseRule(policy, json_object_array_get_idx(rules, i), path, (guint)i, error))
            return FALSE;
    }
    g_ptr_array_add(policy->sources, g_strdup(path));
    return TRUE;
}

static int
comparePaths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json of @dir in name order; a missing directory has none. */
gboolean
virCpregPolicyLoadDir(virCpregPolicy *policy, const char *dir, GError **error)
{
    g_autoptr(GDir) d = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    guint i;

    /* a missing directory is no error; g_dir_open() would format one
     * anyway (g_strerror loads iconv: a tenth of the hook's own time) */
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR) || !(d = g_dir_open(dir, 0, NULL)))
        return TRUE;
    while ((name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, ".json"))
            g_ptr_array_add(names, g_build_filename(dir, name, NULL));
    }
    g_ptr_array_sort(names, comparePaths);
    for (i = 0; i < names->len; i++) {
        if (!virCpregPolicyLoadFile(policy, names->pdata[i], error))
            return FALSE;
    }
    return TRUE;
}

virCpregPolicy *
virCpregPolicyLoadAll(const char *const *dirs, const char *const *files,
                      GError **error)
{
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    size_t i;

    for (i = 0; dirs && dirs[i]; i++) {
        if (*dirs[i] && !virCpregPolicyLoadDir(policy, dirs[i], error))
            return NULL;
    }
    for (i = 0; files && files[i]; i++) {
        if (!virCpregPolicyLoadFile(policy, files[i], error))
            return NULL;
    }
    return g_steal_pointer(&policy);
}
