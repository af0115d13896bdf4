/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-report.c: a verdict in words: findings, the one-line summary
 * operators read in virsh and Nova, and JSON (schemas/verdict.schema.json)
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include "cpreg-json.h"

#include "cpreg-verdict.h"
#include "cpreg-knowledge.h"
#include "cpreg-value.h"

#define SUMMARY_MAX 200


char *
virCpregFindingName(const virCpregFinding *finding)
{
    char buf[VIR_CPREG_NAME_MAX];

    /* QEMU's own name for the count it checks; the profiles' key for the
     * machine type */
    if (finding->kind == VIR_CPREG_FINDING_STREAM)
        return g_strdup(finding->rule == VIR_CPREG_RULE_TCG_MACHINE_TYPE ? "machine-type" :
                        "cpreg_vmstate_array_len");
    return g_strdup(virCpregIdFormat(finding->id, buf));
}

/* ---- a finding in words ------------------------------------------------- */

typedef char *(*virCpregArgFunc)(const virCpregVerdict *v, const virCpregFinding *f);

static char *
argSrc(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return virCpregValueFormat(f->id, f->src);
}

static char *
argDst(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return virCpregValueFormat(f->id, f->dst);
}

static char *
argReg(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return virCpregFindingName(f);
}

static char *
argField(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return f->field ? g_strdup(f->field->name) : NULL;
}

static char *
argFieldSrc(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return f->field ? g_strdup_printf("%" PRIu64, virCpregFieldGet(f->field, f->src)) : NULL;
}

static char *
argFieldDst(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return f->field ? g_strdup_printf("%" PRIu64, virCpregFieldGet(f->field, f->dst)) : NULL;
}

static char *
argQemu(const virCpregVerdict *v, const virCpregFinding *f G_GNUC_UNUSED)
{
    return g_strdup(v->qemu_model);
}

static char *
argWhy(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    if (f->tolerance)
        return virCpregKnowledgeToleranceWhy(f->tolerance);
    return g_strdup(f->why && *f->why ? f->why : _("no reason given"));
}

static char *
argSourceKernel(const virCpregVerdict *v, const virCpregFinding *f G_GNUC_UNUSED)
{
    return g_strdup(v->src->ident.kernel ? v->src->ident.kernel : "?");
}

static char *
argDestKernel(const virCpregVerdict *v, const virCpregFinding *f G_GNUC_UNUSED)
{
    return g_strdup(v->dst->ident.kernel ? v->dst->ident.kernel : "?");
}

static char *
argSrcCount(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return g_strdup_printf("%" PRIu64, f->src);
}

static char *
argDstCount(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return g_strdup_printf("%" PRIu64, f->dst);
}

static char *
argPin(const virCpregVerdict *v G_GNUC_UNUSED, const virCpregFinding *f)
{
    return virCpregValueFormat(f->id, f->pin);
}

#define AS_IS(member) .string = offsetof(virCpregFinding, member)

/* The {placeholders} of the rules' texts, and what each stands for: made
 * by a function, or a string field of the finding as it is. */
static const struct {
    const char *name;
    virCpregArgFunc make;
    size_t string;
} findingArgs[] = {
    { .name = "reg", .make = argReg },
    { .name = "src", .make = argSrc },
    { .name = "dst", .make = argDst },
    { .name = "field", .make = argField },
    { .name = "fsrc", .make = argFieldSrc },
    { .name = "fdst", .make = argFieldDst },
    { .name = "qemu", .make = argQemu },
    { .name = "fixqemu", AS_IS(fix_qemu) },
    { .name = "since", AS_IS(kernel) },
    { .name = "skernel", .make = argSourceKernel },
    { .name = "dkernel", .make = argDestKernel },
    { .name = "n", .make = argSrcCount },
    { .name = "m", .make = argDstCount },
    { .name = "pin", .make = argPin },
    { .name = "why", .make = argWhy },
    { .name = "err", AS_IS(err) },
    { .name = "readback", .make = argDst },
};

#undef AS_IS

static char *
makeArg(size_t i, const virCpregVerdict *v, const virCpregFinding *f)
{
    if (findingArgs[i].make)
        return findingArgs[i].make(v, f);
    return g_strdup(G_STRUCT_MEMBER(const char *, f, findingArgs[i].string));
}

static gboolean
usesArg(const char *text, const char *name)
{
    gsize n = strlen(name);
    const char *p;

    for (p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        if (strncmp(p + 1, name, n) == 0 && p[n + 1] == '}')
            return TRUE;
    }
    return FALSE;
}

/* @tmpl with its placeholders filled; only the ones it uses are made. */
static char *
renderFinding(const virCpregVerdict *v, const virCpregFinding *f,
              const char *tmpl)
{
    virCpregRuleArg args[G_N_ELEMENTS(findingArgs)];
    char *values[G_N_ELEMENTS(findingArgs)];
    const char *text;
    char *out;
    size_t i;

    if (!tmpl)
        return NULL;
    text = _(tmpl);
    for (i = 0; i < G_N_ELEMENTS(findingArgs); i++) {
        values[i] = usesArg(text, findingArgs[i].name) ? makeArg(i, v, f) : NULL;
        args[i] = (virCpregRuleArg) { findingArgs[i].name, values[i] };
    }
    out = virCpregRuleRender(tmpl, args, G_N_ELEMENTS(args));
    for (i = 0; i < G_N_ELEMENTS(values); i++)
        g_free(values[i]);
    return out;
}

char *
virCpregFindingMessage(const virCpregVerdict *v, const virCpregFinding *f)
{
    return renderFinding(v, f, virCpregRuleGet(f->rule)->message);
}

char *
virCpregFindingRemedy(const virCpregVerdict *v, const virCpregFinding *f)
{
    return renderFinding(v, f, virCpregRuleGet(f->rule)->remedy);
}

/* ---- the summary ----------------------------------------------------------- */

/* The registers of the findings of @severity, each once, in order. */
static GPtrArray *
namesOf(const virCpregVerdict *v, virCpregSeverity severity)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        char *name;
        if (f->severity != severity)
            continue;
        name = virCpregFindingName(f);
        if (g_hash_table_contains(seen, name)) {
            g_free(name);
            continue;
        }
        g_hash_table_add(seen, name);
        g_ptr_array_add(names, name);
    }
    return names;
}

/* The first @shown of @names: "A, B and C" when that is all of them,
 * else "N registers: A, B and M more". */
static char *
formatNames(const GPtrArray *names, guint shown)
{
    GString *s = g_string_new(NULL);
    guint i;

    if (shown < names->len)
        g_string_append_printf(s, _("%u registers: "), names->len);
    for (i = 0; i < shown; i++) {
        if (i)
            g_string_append(s, i + 1 == shown && shown == names->len ? _(" and ") : ", ");
        g_string_append(s, names->pdata[i]);
    }
    if (shown < names->len)
        g_string_append_printf(s, _(" and %u more"), names->len - shown);
    return g_string_free(s, FALSE);
}

/*
 * "A, B and C", or "N registers: A, B, C and N more" within @max bytes
 * (at least one name). Lengths are counted, not tried: the cost follows
 * what fits, not how many there are.
 */
static char *
joinNames(const GPtrArray *names, gsize max)
{
    g_autofree char *head = g_strdup_printf(_("%u registers: "), names->len);
    gsize all = 0, len;
    guint i, shown;

    if (!names->len)
        return g_strdup_printf(_("%u registers"), names->len);
    for (i = 0; i < names->len && all <= max; i++)
        all += strlen(names->pdata[i]) + (i == 0 ? 0 : i + 1 == names->len ? strlen(_(" and ")) : 2);
    if (all <= max)
        return formatNames(names, names->len);
    /* the longer the head of the list, the longer the line: stop at the
     * first name that does not fit */
    len = strlen(head) + strlen(names->pdata[0]);
    for (shown = 1; shown + 1 < names->len; shown++) {
        g_autofree char *tail = g_strdup_printf(_(" and %u more"), names->len - shown - 1);
        gsize next = len + 2 + strlen(names->pdata[shown]);
        if (next + strlen(tail) > max)
            break;
        len = next;
    }
    return formatNames(names, shown);
}

/* Cuts @s to @max bytes at a UTF-8 boundary, with an ellipsis. */
static char *
shorten(const char *s, gsize max)
{
    g_autofree char *head = NULL;
    const char *end;

    if (strlen(s) <= max)
        return g_strdup(s);
    end = g_utf8_find_prev_char(s, s + max - strlen("…") + 1);
    head = g_strndup(s, end - s);
    return g_strconcat(head, "…", NULL);
}

/*
 * What to do: a newer QEMU on the destination where one would do, else
 * every distinct remedy of the findings of @severity, pins first (they
 * are the ones an operator can apply), as many as the summary can show.
 */
static char *
fixesOf(const virCpregVerdict *v, virCpregSeverity severity)
{
    g_autoptr(GPtrArray) fixes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    gsize len = 0;
    int pass;
    guint i;

    if (v->fix_qemu)
        return g_strdup_printf(_("use QEMU %s or later on the destination"), v->fix_qemu);
    for (pass = 0; pass < 2 && len <= SUMMARY_MAX; pass++) {
        for (i = 0; i < v->findings->len && len <= SUMMARY_MAX; i++) {
            const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
            gboolean pin = f->rule == VIR_CPREG_RULE_KVM_PSCI_VERSION ||
                           f->kind == VIR_CPREG_FINDING_PIN;
            /* no QEMU release would do: do not suggest one */
            gboolean qemu = f->rule == VIR_CPREG_RULE_QEMU_LENGTH_CHECK ||
                            f->rule == VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER;
            char *remedy;
            if (f->severity != severity || pin != (pass == 0) || qemu ||
                !(remedy = virCpregFindingRemedy(v, f)))
                continue;
            if (g_hash_table_contains(seen, remedy)) {
                g_free(remedy);
                continue;
            }
            g_hash_table_add(seen, remedy);
            g_ptr_array_add(fixes, remedy);
            len += strlen(remedy) + strlen("; ");
        }
    }
    g_ptr_array_add(fixes, NULL);
    return fixes->len > 1 ? g_strjoinv("; ", (char **)fixes->pdata) : NULL;
}

/*
 * One self-contained sentence of at most 200 bytes: what libvirt shows in
 * virsh migrate's error and Nova in its log. It names every blocking (or
 * undecidable) register, or as many as fit, and the fix.
 */
char *
virCpregVerdictSummary(const virCpregVerdict *v)
{
    virCpregSeverity sev = v->kind == VIR_CPREG_VERDICT_VETO ?
        VIR_CPREG_SEVERITY_BLOCKING : VIR_CPREG_SEVERITY_UNCERTAIN;
    g_autoptr(GPtrArray) names = NULL;
    g_autofree char *list = NULL;
    g_autofree char *fix = NULL;
    g_autofree char *line = NULL;

    switch (v->kind) {
    case VIR_CPREG_VERDICT_ALLOW:
        return g_strdup_printf(_("migration allowed: no vCPU register stands in the way (QEMU %s model)"),
                               v->qemu_model);
    case VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES: {
        const virCpregChange *c = v->changes->pdata[0];
        return g_strdup_printf(_("migration allowed with changes: pin %1$s=%2$s on the destination"),
                               c->property, c->value);
    }
    case VIR_CPREG_VERDICT_VETO:
    case VIR_CPREG_VERDICT_UNCERTAIN:
    case VIR_CPREG_VERDICT_LAST:
        break;
    }
    names = namesOf(v, sev);
    fix = fixesOf(v, sev);
    list = joinNames(names, SUMMARY_MAX / 2);
    if (v->kind == VIR_CPREG_VERDICT_VETO)
        line = fix ?
            g_strdup_printf(_("migration vetoed: %1$s would fail on the destination (QEMU %2$s); fix: %3$s"),
                            list, v->qemu_model, fix) :
            g_strdup_printf(_("migration vetoed: %1$s would fail on the destination (QEMU %2$s)"),
                            list, v->qemu_model);
    else
        line = g_strdup_printf(_("migration uncertain: the model cannot tell whether the destination takes %s"),
                               list);
    return shorten(line, SUMMARY_MAX);
}

/* ---- JSON ------------------------------------------------------------------ */

static json_object *
hexJSON(guint64 value)
{
    g_autofree char *s = g_strdup_printf("0x%" PRIx64, value);

    return json_object_new_string(s);
}

static void
addString(json_object *obj, const char *key, const char *value)
{
    if (value)
        json_object_object_add(obj, key, json_object_new_string(value));
}

static json_object *
findingJSON(const virCpregVerdict *v, const virCpregFinding *f)
{
    json_object *obj = json_object_new_object();
    g_autofree char *name = virCpregFindingName(f);
    g_autofree char *msg = virCpregFindingMessage(v, f);
    g_autofree char *remedy = virCpregFindingRemedy(v, f);
    gboolean registers = f->kind != VIR_CPREG_FINDING_STREAM;

    json_object_object_add(obj, "id", hexJSON(f->id));
    addString(obj, "name", name);
    addString(obj, "kind", virCpregFindingKindToString(f->kind));
    addString(obj, "severity", virCpregSeverityToString(f->severity));
    json_object_object_add(obj, "blocking",
                           json_object_new_boolean(f->severity == VIR_CPREG_SEVERITY_BLOCKING));
    addString(obj, "rule", virCpregRuleGet(f->rule)->name);
    addString(obj, "message", msg);
    json_object_object_add(obj, "remedy", remedy ? json_object_new_string(remedy) : NULL);
    if (registers && f->kind != VIR_CPREG_FINDING_ONLY_DEST)
        json_object_object_add(obj, "source_value", hexJSON(f->src));
    if (registers && f->kind != VIR_CPREG_FINDING_ONLY_SOURCE)
        json_object_object_add(obj, "destination_value", hexJSON(f->dst));
    if (f->field)
        addString(obj, "field", f->field->name);
    return obj;
}

static json_object *
modelJSON(const virCpregVerdict *v)
{
    json_object *obj = json_object_new_object();
    json_object *sources = json_object_new_array();
    const GPtrArray *ps = virCpregPolicySources(v->policy);
    guint i;

    addString(obj, "qemu", v->qemu_model);
    addString(obj, "qemu_requested", v->qemu_requested);
    addString(obj, "qemu_note", v->qemu_note);
    addString(obj, "accel", v->tcg ? "tcg" : "kvm");
    addString(obj, "source_kernel", v->src->ident.kernel);
    addString(obj, "destination_kernel", v->dst->ident.kernel);
    for (i = 0; i < ps->len; i++)
        json_object_array_add(sources, json_object_new_string(ps->pdata[i]));
    json_object_object_add(obj, "policy", sources);
    return obj;
}

char *
virCpregVerdictToJSON(const virCpregVerdict *v)
{
    g_autoptr(json_object) root = json_object_new_object();
    g_autofree char *summary = virCpregVerdictSummary(v);
    json_object *findings = json_object_new_array();
    json_object *changes = json_object_new_array();
    guint i;

    addString(root, "verdict", virCpregVerdictKindToString(v->kind));
    addString(root, "summary", summary);
    json_object_object_add(root, "model", modelJSON(v));
    for (i = 0; i < v->findings->len; i++)
        json_object_array_add(findings,
                              findingJSON(v, &g_array_index(v->findings, virCpregFinding, i)));
    json_object_object_add(root, "findings", findings);
    for (i = 0; i < v->changes->len; i++) {
        const virCpregChange *c = v->changes->pdata[i];
        json_object *obj = json_object_new_object();
        g_autofree char *how = g_strdup_printf("-global host-arm-cpu.%s=%s",
                                               c->property, c->value);
        addString(obj, "property", c->property);
        addString(obj, "value", c->value);
        addString(obj, "target", "destination");
        addString(obj, "qemu_argument", how);
        addString(obj, "reason", c->reason);
        json_object_array_add(changes, obj);
    }
    json_object_object_add(root, "changes", changes);
    return g_strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
}
