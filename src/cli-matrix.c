/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-matrix.c: fleet views: virt-cpreg matrix and virt-cpreg baseline
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-knowledge.h"
#include "cpreg-qemu.h"
#include "cpreg-value.h"
#include "cpreg-verdict.h"

typedef struct {
    GPtrArray *profiles;          /* virCpregProfile, QEMU views */
    GPtrArray *labels;            /* char *: file names without directory */
    virCpregPolicy *policy;
} virCpregFleet;

static void
fleetClear(virCpregFleet *fleet)
{
    g_clear_pointer(&fleet->profiles, g_ptr_array_unref);
    g_clear_pointer(&fleet->labels, g_ptr_array_unref);
    g_clear_pointer(&fleet->policy, virCpregPolicyFree);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCpregFleet, fleetClear);

static gboolean
fleetLoad(virCpregFleet *fleet, int argc, char **argv, GError **error)
{
    int i;

    fleet->profiles = g_ptr_array_new_with_free_func((GDestroyNotify)virCpregProfileFree);
    fleet->labels = g_ptr_array_new_with_free_func(g_free);
    for (i = 1; i < argc; i++) {
        virCpregProfile *p = cliLoadProfile(argv[i], FALSE, error);
        g_autofree char *base = g_path_get_basename(argv[i]);
        char *dot = strrchr(base, '.');
        if (!p)
            return FALSE;
        if (dot && dot != base)
            *dot = '\0';
        g_ptr_array_add(fleet->profiles, p);
        g_ptr_array_add(fleet->labels, g_steal_pointer(&base));
    }
    return TRUE;
}

/*
 * A fleet verb's start: its options (@entries, which fill *@policies),
 * its profiles and its policy. Returns -1 to go on, else the exit status.
 */
static int
fleetOpen(const char *verb, GOptionEntry *entries, int argc, char **argv,
          char ***policies, virCpregFleet *fleet)
{
    g_autoptr(GError) error = NULL;

    if (!cliParseOptions(cliVerb(verb), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc < 2)
        return cliUsage(verb, "%s", _("expected at least one profile"));
    if (!fleetLoad(fleet, argc, argv, &error) ||
        !(fleet->policy = cliLoadPolicy((const char *const *)*policies, &error)))
        return cliFail(error);
    return -1;
}

/* ---- matrix ------------------------------------------------------------- */

typedef struct {
    const char *utf8;
    const char *ascii;
} virCpregCell;

static const virCpregCell cells[VIR_CPREG_VERDICT_LAST + 1] = {
    [VIR_CPREG_VERDICT_ALLOW] = { "✔", "ok" },
    [VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES] = { "~", "ch" },
    [VIR_CPREG_VERDICT_VETO] = { "✘", "NO" },
    [VIR_CPREG_VERDICT_UNCERTAIN] = { "?", "??" },
    [VIR_CPREG_VERDICT_LAST] = { "-", "--" },   /* not comparable */
};

static const char *
cell(virCpregVerdictKind kind)
{
    const char *charset;

    return g_get_charset(&charset) ? cells[kind].utf8 : cells[kind].ascii;
}

static char *
pairSummary(const virCpregProfile *a, const virCpregProfile *b,
            const virCpregCheckOptions *opts)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregVerdict) v = virCpregCheck(a, b, opts, &error);

    return v ? virCpregVerdictSummary(v) : g_strdup(error->message);
}

static virCpregVerdictKind
pairKind(virCpregChecker *checker, const virCpregProfile *a,
         const virCpregProfile *b)
{
    const virCpregFinding *first;

    if (!virCpregProfileSameFeatures(a, b))
        return VIR_CPREG_VERDICT_LAST;
    return virCpregCheckerRun(checker, a, b, &first);
}

static void
matrixText(const virCpregFleet *f, virCpregChecker *checker,
           const virCpregCheckOptions *opts)
{
    guint n = f->profiles->len, i, j;

    printf(_("Rows are sources, columns destinations (%1$s allow, %2$s allow with changes, %3$s veto, %4$s uncertain, %5$s different vCPU features):\n"),
           cell(VIR_CPREG_VERDICT_ALLOW), cell(VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES),
           cell(VIR_CPREG_VERDICT_VETO), cell(VIR_CPREG_VERDICT_UNCERTAIN),
           cell(VIR_CPREG_VERDICT_LAST));
    for (i = 0; i < n; i++)
        printf("  [%u] %s\n", i + 1, (char *)f->labels->pdata[i]);
    printf("\n     ");
    for (j = 0; j < n; j++)
        printf(" %3u", j + 1);
    putchar('\n');
    for (i = 0; i < n; i++) {
        printf("  %3u", i + 1);
        for (j = 0; j < n; j++) {
            const char *c = cell(pairKind(checker, f->profiles->pdata[i], f->profiles->pdata[j]));
            /* pad by what the terminal shows, not by bytes */
            printf("%*s%s", 4 - (int)g_utf8_strlen(c, -1), "", c);
        }
        putchar('\n');
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            virCpregVerdictKind k = pairKind(checker, f->profiles->pdata[i], f->profiles->pdata[j]);
            g_autofree char *why = NULL;
            if (k != VIR_CPREG_VERDICT_VETO && k != VIR_CPREG_VERDICT_UNCERTAIN)
                continue;
            why = pairSummary(f->profiles->pdata[i], f->profiles->pdata[j], opts);
            printf("[%u] %s [%u]: %s\n", i + 1, cliArrow(), j + 1, why);
        }
    }
}

static void
matrixJSON(const virCpregFleet *f, virCpregChecker *checker,
           const virCpregCheckOptions *opts)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *profiles = json_object_new_array();
    json_object *pairs = json_object_new_array();
    guint n = f->profiles->len, i, j;

    for (i = 0; i < n; i++) {
        const virCpregProfile *p = f->profiles->pdata[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "label", json_object_new_string(f->labels->pdata[i]));
        json_object_object_add(o, "origin", json_object_new_string(p->origin));
        if (p->ident.kernel)
            json_object_object_add(o, "kernel", json_object_new_string(p->ident.kernel));
        json_object_array_add(profiles, o);
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            virCpregVerdictKind k = pairKind(checker, f->profiles->pdata[i], f->profiles->pdata[j]);
            json_object *o = json_object_new_object();
            json_object_object_add(o, "source", json_object_new_int((int)i));
            json_object_object_add(o, "destination", json_object_new_int((int)j));
            json_object_object_add(o, "verdict", json_object_new_string(
                k == VIR_CPREG_VERDICT_LAST ? "not-comparable" : virCpregVerdictKindToString(k)));
            if (k == VIR_CPREG_VERDICT_VETO || k == VIR_CPREG_VERDICT_UNCERTAIN) {
                g_autofree char *why = pairSummary(f->profiles->pdata[i], f->profiles->pdata[j], opts);
                json_object_object_add(o, "summary", json_object_new_string(why));
            }
            json_object_array_add(pairs, o);
        }
    }
    json_object_object_add(root, "profiles", profiles);
    json_object_object_add(root, "pairs", pairs);
    cliPrintJSON(root);
}

/* 1 when any direction is vetoed, else 3 when any is uncertain, else 0;
 * pairs of different vCPU features are not directions. */
static int
matrixStatus(const virCpregFleet *f, virCpregChecker *checker)
{
    gboolean uncertain = FALSE;
    guint n = f->profiles->len, i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            virCpregVerdictKind k = pairKind(checker, f->profiles->pdata[i], f->profiles->pdata[j]);
            if (k == VIR_CPREG_VERDICT_VETO)
                return VIR_CPREG_EXIT_VETO;
            uncertain = uncertain || k == VIR_CPREG_VERDICT_UNCERTAIN;
        }
    }
    return uncertain ? VIR_CPREG_EXIT_UNCERTAIN : VIR_CPREG_EXIT_OK;
}

int
cliMatrix(int argc, char **argv)
{
    g_autofree char *destQemu = NULL;
    g_auto(GStrv) policies = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "dest-qemu", 0, 0, G_OPTION_ARG_STRING, &destQemu, N_("The destinations' QEMU version"), N_("VERSION") },
        { "policy", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &policies, N_("A policy file (repeatable)"), N_("FILE") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_auto(virCpregFleet) fleet = { 0 };
    g_autoptr(virCpregChecker) checker = NULL;
    virCpregCheckOptions opts = { 0 };
    int status;

    if ((status = fleetOpen("matrix", entries, argc, argv, &policies, &fleet)) >= 0 ||
        (status = cliCheckQemuVersion("matrix", destQemu)) >= 0)
        return status;
    checker = virCpregCheckerNew(destQemu, fleet.policy);
    opts.dest_qemu = destQemu;
    opts.policy = fleet.policy;
    if (json)
        matrixJSON(&fleet, checker, &opts);
    else
        matrixText(&fleet, checker, &opts);
    return matrixStatus(&fleet, checker);
}

/* ---- baseline ------------------------------------------------------------- */

typedef struct {
    gboolean pin;                  /* pin kvm-psci-version everywhere */
    guint64 psci;                  /* ... to this value */
    GArray *need;                  /* per destination: index of the oldest QEMU
                                    * model that takes every source, or -1 */
    GPtrArray *blockers;           /* per destination: char *, or NULL */
} virCpregBaseline;

/* The oldest kernel's PSCI default is the newest every host implements. */
static gboolean
baselinePsci(const virCpregFleet *f, guint64 *psci)
{
    gboolean any = FALSE, differ = FALSE;
    guint i;

    for (i = 0; i < f->profiles->len; i++) {
        const virCpregEntry *e = virCpregProfileFind(f->profiles->pdata[i],
                                                     VIR_CPREG_PSCI_VERSION);
        if (!e || !(e->flags & VIR_CPREG_ENTRY_VALUE))
            continue;
        differ = differ || (any && e->value != *psci);
        if (!any || e->value < *psci)
            *psci = e->value;
        any = TRUE;
    }
    return differ;
}

/* The index of the oldest QEMU model that takes @a's guests on @b, or -1. */
static int
oldestAccepting(const virCpregProfile *a, const virCpregProfile *b,
                virCpregPolicy *policy, const virCpregBaseline *base)
{
    size_t nmodels, m;
    const virCpregQemuModel *models = virCpregQemuModels(&nmodels);

    for (m = 0; m < nmodels; m++) {
        g_autoptr(virCpregChecker) c = virCpregCheckerNew(models[m].version, policy);
        const virCpregFinding *first;
        virCpregVerdictKind k;
        virCpregCheckerSetPsciPin(c, base->pin, base->psci);
        k = virCpregCheckerRun(c, a, b, &first);
        if (k == VIR_CPREG_VERDICT_ALLOW || k == VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES)
            return (int)m;
    }
    return -1;
}

/* The oldest model with kvm-psci-version: every host needs it to start
 * pinned guests. */
static int
oldestWithPsciProperty(void)
{
    size_t n;
    const virCpregQemuModel *models = virCpregQemuModels(&n);

    return (int)(virCpregKnowledgeQemuFirst(VIR_CPREG_QEMU_PSCI_PROPERTY) - models);
}

static void
baselineCompute(const virCpregFleet *f, virCpregPolicy *policy,
                virCpregBaseline *base)
{
    guint n = f->profiles->len, a, b;

    base->pin = baselinePsci(f, &base->psci);
    base->need = g_array_new(FALSE, FALSE, sizeof(int));
    base->blockers = g_ptr_array_new_with_free_func(g_free);
    for (b = 0; b < n; b++) {
        g_autoptr(GString) blockers = g_string_new(NULL);
        int need = base->pin ? oldestWithPsciProperty() : 0;
        for (a = 0; a < n; a++) {
            int m;
            if (a == b || !virCpregProfileSameFeatures(f->profiles->pdata[a], f->profiles->pdata[b]))
                continue;
            m = oldestAccepting(f->profiles->pdata[a], f->profiles->pdata[b], policy, base);
            if (m < 0)
                g_string_append_printf(blockers, "%s%s", blockers->len ? ", " : "",
                                       (char *)f->labels->pdata[a]);
            need = MAX(need, m);
        }
        g_array_append_val(base->need, need);
        g_ptr_array_add(base->blockers, blockers->len ? g_string_free(g_steal_pointer(&blockers), FALSE) : NULL);
    }
}

static void
baselineText(const virCpregFleet *f, const virCpregBaseline *base)
{
    size_t nmodels;
    const virCpregQemuModel *models = virCpregQemuModels(&nmodels);
    guint b;

    if (base->pin) {
        g_autofree char *v = virCpregPsciFormat(base->psci);
        printf(_("Pin on every host: kvm-psci-version=%1$s (the newest PSCI every kernel implements; needs QEMU %2$s or later)\n"
                 "  libvirt: <qemu:commandline><qemu:arg value='-global'/><qemu:arg value='host-arm-cpu.kvm-psci-version=%1$s'/></qemu:commandline>\n"),
               v, models[oldestWithPsciProperty()].version);
    } else {
        printf("%s\n", _("No pin needed: every kernel has the same PSCI default."));
    }
    printf("%s\n", _("QEMU needed on each host, as a destination:"));
    for (b = 0; b < f->profiles->len; b++) {
        const char *blockers = base->blockers->pdata[b];
        int need = g_array_index(base->need, int, b);
        if (blockers)
            printf(_("  %1$s: QEMU %2$s or later; no modelled QEMU takes guests from %3$s\n"),
                   (char *)f->labels->pdata[b], models[need].version, blockers);
        else
            printf(_("  %1$s: QEMU %2$s or later\n"), (char *)f->labels->pdata[b],
                   models[need].version);
    }
}

static void
baselineJSON(const virCpregFleet *f, const virCpregBaseline *base)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *pins = json_object_new_array();
    json_object *hosts = json_object_new_array();
    size_t nmodels;
    const virCpregQemuModel *models = virCpregQemuModels(&nmodels);
    guint b;

    if (base->pin) {
        g_autofree char *v = virCpregPsciFormat(base->psci);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "property", json_object_new_string("kvm-psci-version"));
        json_object_object_add(o, "value", json_object_new_string(v));
        json_object_array_add(pins, o);
    }
    for (b = 0; b < f->profiles->len; b++) {
        json_object *o = json_object_new_object();
        json_object *blocked = json_object_new_array();
        const char *blockers = base->blockers->pdata[b];
        g_auto(GStrv) list = blockers ? g_strsplit(blockers, ", ", -1) : NULL;
        guint i;
        json_object_object_add(o, "label", json_object_new_string(f->labels->pdata[b]));
        json_object_object_add(o, "qemu", json_object_new_string(
            models[g_array_index(base->need, int, b)].version));
        for (i = 0; list && list[i]; i++)
            json_object_array_add(blocked, json_object_new_string(list[i]));
        json_object_object_add(o, "unreachable_from", blocked);
        json_object_array_add(hosts, o);
    }
    json_object_object_add(root, "pins", pins);
    json_object_object_add(root, "hosts", hosts);
    cliPrintJSON(root);
}

int
cliBaseline(int argc, char **argv)
{
    g_auto(GStrv) policies = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "policy", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &policies, N_("A policy file (repeatable)"), N_("FILE") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_auto(virCpregFleet) fleet = { 0 };
    virCpregBaseline base = { 0 };
    int status;

    if ((status = fleetOpen("baseline", entries, argc, argv, &policies, &fleet)) >= 0)
        return status;
    baselineCompute(&fleet, fleet.policy, &base);
    if (json)
        baselineJSON(&fleet, &base);
    else
        baselineText(&fleet, &base);
    g_array_unref(base.need);
    g_ptr_array_unref(base.blockers);
    return VIR_CPREG_EXIT_OK;
}
