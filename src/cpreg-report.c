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
#include "cpreg-verdict-render.h"
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

/* ---- runs of like registers -------------------------------------------- */

/*
 * A register name as prefix, number, suffix, at its last number that is
 * not an exception level: PMEVCNTR + 30 + _EL0, CCSIDR_L + 7 + I. FALSE
 * for names without one, hex ids and numbers with a leading zero
 * (AMEVCNTR015_EL0 is AMEVCNTR0 + 15, not 015).
 */
static gboolean
splitNumbered(const char *name, gsize *at, gsize *digits, guint *num)
{
    gsize i, j, n = strlen(name), best = 0, len = 0;

    if (g_str_has_prefix(name, "0x"))
        return FALSE;
    for (i = 0; i < n; i = j) {
        for (j = i + 1; g_ascii_isdigit(name[i]) && j < n && g_ascii_isdigit(name[j]); j++)
            ;
        if (!g_ascii_isdigit(name[i]) ||
            (i >= 2 && strncmp(name + i - 2, "EL", 2) == 0 && (i == 2 || name[i - 3] == '_')))
            continue;
        best = i;
        len = j - i;
    }
    if (!len || len > 4 || (len > 1 && name[best] == '0'))
        return FALSE;
    *at = best;
    *digits = len;
    *num = (guint)g_ascii_strtoull(name + best, NULL, 10);
    return TRUE;
}

/* "PMEVCNTR0..30_EL0 (31)"; "CCSIDR_L2I..L7I (6)" where the suffix is
 * not a _-separated word of its own. */
static char *
runName(const char *first, guint last, guint count)
{
    gsize at = 0, digits = 0;
    guint num;
    g_autofree char *head = NULL;
    const char *suffix, *tail;

    splitNumbered(first, &at, &digits, &num);
    suffix = first + at + digits;
    if (!*suffix || *suffix == '_') {
        head = g_strndup(first, at + digits);
        return g_strdup_printf("%s..%u%s (%u)", head, last, suffix, count);
    }
    head = g_strndup(first, at);
    tail = strrchr(head, '_');
    return g_strdup_printf("%s..%s%u%s (%u)", first, tail ? tail + 1 : head,
                           last, suffix, count);
}

/* For the other lists of register names (virt-cpreg predict's summary):
 * the same split and the same run names as the findings'. */
gboolean
virCpregNameSplitNumbered(const char *name, gsize *at, gsize *digits, guint *num)
{
    return splitNumbered(name, at, digits, num);
}

char *
virCpregNameRun(const char *first, guint last, guint count)
{
    return runName(first, last, count);
}

/* @text with every whole-word @name replaced by @by. */
static char *
replaceName(const char *text, const char *name, const char *by)
{
    GString *out = g_string_new(NULL);
    gsize n = strlen(name);
    const char *p = text, *hit;

    while ((hit = strstr(p, name))) {
        gboolean word = (hit == text || !(g_ascii_isalnum(hit[-1]) || hit[-1] == '_')) &&
                        !(g_ascii_isalnum(hit[n]) || hit[n] == '_');
        g_string_append_len(out, p, hit - p);
        g_string_append(out, word ? by : name);
        p = hit + n;
    }
    g_string_append(out, p);
    return g_string_free(out, FALSE);
}

typedef struct {
    virCpregFindingGroup group;
    char *key;              /* rule, shapes and name around the number */
    guint num;
    gboolean hidden;        /* folded into an earlier finding's run */
} virCpregGroupItem;

static void
groupClear(virCpregFindingGroup *group)
{
    g_free(group->name);
    g_free(group->message);
    g_free(group->remedy);
}

static int
compareItemNum(gconstpointer a, gconstpointer b, gpointer data)
{
    const virCpregGroupItem *items = data;
    guint x = items[*(const guint *)a].num, y = items[*(const guint *)b].num;

    return x < y ? -1 : x > y;
}

/* Folds the run items[run[from..to)] into its first finding's item. */
static void
foldRun(virCpregGroupItem *items, const GArray *run, guint from, guint to)
{
    guint lead = G_MAXUINT, k;
    virCpregGroupItem *l;
    g_autofree char *first = NULL;
    g_autofree char *name = NULL;
    char *msg, *remedy;

    for (k = from; k < to; k++)
        lead = MIN(lead, g_array_index(run, guint, k));
    l = &items[lead];
    first = g_strdup(items[g_array_index(run, guint, from)].group.name);
    name = runName(first, items[g_array_index(run, guint, to - 1)].num, to - from);
    for (k = from; k < to; k++)
        items[g_array_index(run, guint, k)].hidden = TRUE;
    l->hidden = FALSE;
    l->group.count = to - from;
    msg = replaceName(l->group.message, l->group.name, name);
    remedy = l->group.remedy ? replaceName(l->group.remedy, l->group.name, name) : NULL;
    g_free(l->group.message);
    g_free(l->group.remedy);
    l->group.message = msg;
    l->group.remedy = remedy;
    g_free(l->group.name);
    l->group.name = g_steal_pointer(&name);
}

/* Runs of three or more consecutive numbers in @members become one. */
static void
foldRuns(virCpregGroupItem *items, GArray *members)
{
    guint from = 0, k;

    g_array_sort_with_data(members, compareItemNum, items);
    for (k = 1; k <= members->len; k++) {
        if (k < members->len &&
            items[g_array_index(members, guint, k)].num ==
            items[g_array_index(members, guint, k - 1)].num + 1)
            continue;
        if (k - from >= 3)
            foldRun(items, members, from, k);
        from = k;
    }
}

static void
groupItemInit(virCpregGroupItem *it, const virCpregVerdict *v, const virCpregFinding *f)
{
    gsize at, digits;

    it->group.first = f;
    it->group.count = 1;
    it->group.name = virCpregFindingName(f);
    it->group.message = virCpregFindingMessage(v, f);
    it->group.remedy = virCpregFindingRemedy(v, f);
    if (f->kind != VIR_CPREG_FINDING_STREAM &&
        splitNumbered(it->group.name, &at, &digits, &it->num)) {
        g_autofree char *msg = replaceName(it->group.message, it->group.name, "\x01");
        g_autofree char *rem = it->group.remedy ?
            replaceName(it->group.remedy, it->group.name, "\x01") : g_strdup("");
        g_autofree char *head = g_strndup(it->group.name, at);
        it->key = g_strdup_printf("%d\x02%s\x02%s\x02%s\x02%s", f->rule, msg, rem,
                                  head, it->group.name + at + digits);
    }
}

/*
 * The findings of @severity in order, where findings of one rule whose
 * messages (and remedies) differ only in the register's name, and whose
 * names form a numbered run of three or more, are one group:
 * "PMEVCNTR0..30_EL0 (31) is not in the stream: ...".
 */
GPtrArray *
virCpregFindingGroups(const virCpregVerdict *v, virCpregSeverity severity)
{
    g_autoptr(GArray) items = g_array_new(FALSE, TRUE, sizeof(virCpregGroupItem));
    g_autoptr(GHashTable) runs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify)g_array_unref);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)virCpregFindingGroupFree);
    virCpregGroupItem *it;
    GHashTableIter iter;
    gpointer members;
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        virCpregGroupItem item = { 0 };
        if (f->severity != severity)
            continue;
        groupItemInit(&item, v, f);
        g_array_append_val(items, item);
    }
    for (i = 0; i < items->len; i++) {
        GArray *m;
        it = &g_array_index(items, virCpregGroupItem, i);
        if (!it->key)
            continue;
        if (!(m = g_hash_table_lookup(runs, it->key))) {
            m = g_array_new(FALSE, FALSE, sizeof(guint));
            g_hash_table_insert(runs, it->key, m);
        }
        g_array_append_val(m, i);
    }
    g_hash_table_iter_init(&iter, runs);
    while (g_hash_table_iter_next(&iter, NULL, &members))
        foldRuns((virCpregGroupItem *)(void *)items->data, members);
    for (i = 0; i < items->len; i++) {
        it = &g_array_index(items, virCpregGroupItem, i);
        g_free(it->key);
        if (it->hidden)
            groupClear(&it->group);
        else
            g_ptr_array_add(out, g_memdup2(&it->group, sizeof(it->group)));
    }
    return out;
}

void
virCpregFindingGroupFree(virCpregFindingGroup *group)
{
    if (group)
        groupClear(group);
    g_free(group);
}

/* ---- the summary ----------------------------------------------------------- */

/* The registers (or runs) of @groups, each once, in order, and how many
 * registers each stands for. */
static GPtrArray *
namesOfGroups(const GPtrArray *groups, GArray *counts)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < groups->len; i++) {
        const virCpregFindingGroup *g = groups->pdata[i];
        if (!g_hash_table_add(seen, g->name))
            continue;
        g_ptr_array_add(names, g_strdup(g->name));
        g_array_append_val(counts, g->count);
    }
    return names;
}

static guint
sumCounts(const GArray *counts, guint from)
{
    guint total = 0, i;

    for (i = from; i < counts->len; i++)
        total += g_array_index(counts, guint, i);
    return total;
}

/* The first @shown of @names: "A, B and C" when that is all of them,
 * else "N registers: A, B and M more" (without "N registers: " when not
 * @head); N and M count registers, a run as its length. */
static char *
formatNames(const GPtrArray *names, const GArray *counts, guint shown, gboolean head)
{
    GString *s = g_string_new(NULL);
    guint i;

    if (shown < names->len && head)
        g_string_append_printf(s, _("%u registers: "), sumCounts(counts, 0));
    for (i = 0; i < shown; i++) {
        if (i)
            g_string_append(s, i + 1 == shown && shown == names->len ? _(" and ") : ", ");
        g_string_append(s, names->pdata[i]);
    }
    if (shown < names->len)
        g_string_append_printf(s, _(" and %u more"), sumCounts(counts, shown));
    return g_string_free(s, FALSE);
}

/*
 * "A, B and C", or "N registers: A, B, C and N more" within @max bytes
 * (at least one name). Lengths are counted, not tried: the cost follows
 * what fits, not how many there are.
 */
char *
virCpregJoinNames(const GPtrArray *names, const GArray *counts, gsize max, gboolean head)
{
    g_autofree char *lead = g_strdup_printf(_("%u registers: "), sumCounts(counts, 0));
    gsize all = 0, len;
    guint i, shown;

    if (!names->len)
        return g_strdup_printf(_("%u registers"), 0U);
    for (i = 0; i < names->len && all <= max; i++)
        all += strlen(names->pdata[i]) + (i == 0 ? 0 : i + 1 == names->len ? strlen(_(" and ")) : 2);
    if (all <= max)
        return formatNames(names, counts, names->len, head);
    /* the longer the head of the list, the longer the line: stop at the
     * first name that does not fit */
    len = (head ? strlen(lead) : 0) + strlen(names->pdata[0]);
    for (shown = 1; shown + 1 < names->len; shown++) {
        g_autofree char *tail = g_strdup_printf(_(" and %u more"), sumCounts(counts, shown + 1));
        gsize next = len + 2 + strlen(names->pdata[shown]);
        if (next + strlen(tail) > max)
            break;
        len = next;
    }
    return formatNames(names, counts, shown, head);
}

/* The registers of the findings of @severity, runs grouped, as a list of
 * at most @max bytes. */
char *
virCpregVerdictNames(const virCpregVerdict *v, virCpregSeverity severity,
                     gsize max, gboolean head)
{
    g_autoptr(GPtrArray) groups = virCpregFindingGroups(v, severity);
    g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GPtrArray) names = namesOfGroups(groups, counts);

    return virCpregJoinNames(names, counts, max, head);
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
    fix = fixesOf(v, sev);
    list = virCpregVerdictNames(v, sev, SUMMARY_MAX / 2, TRUE);
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
