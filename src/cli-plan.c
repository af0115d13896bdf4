/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-plan.c: virt-cpreg plan --fleet DIR --upgrade HOST... [--kernel IMAGE]
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-emul.h"
#include "cpreg-error.h"
#include "cpreg-plan.h"
#include "cpreg-predict.h"
#include "cpreg-value.h"
#include "cpreg-verdict-render.h"

#define NAMES_MAX 120

/* ---- each upgraded host's profile on the new kernel ------------------------ */

typedef struct {
    const char *kernel;             /* --kernel IMAGE, or NULL */
    const char *cpu;                /* --cpu: the emulated CPU, or NULL (max) */
    const char *emulator;           /* --emulator, looked up, or NULL */
    virCpregProfile *to;            /* the new kernel emulated: from
                                     * --kernel-profile, or IMAGE's probe */
} virCpregPlanPredictCtx;

/*
 * An emulated probe of @image for @host's vCPU configuration, on the
 * plan's emulated CPU (the same for every probe of a plan).
 */
static virCpregProfile *
emulProbe(const virCpregPlanPredictCtx *ctx, const char *image,
          const virCpregPlanHost *host, GError **error)
{
    virCpregEmulRequest req = {
        .image = image,
        .cpu = ctx->cpu,
        .emulator = ctx->emulator,
        .features = (const char *const *)host->current->ident.features,
    };

    return virCpregEmulProbe(&req, NULL, error);
}

/* The emulated probe of @host's current kernel: fleet.conf
 * kernel-profile=, else kernel-image= booted. */
static virCpregProfile *
baselineProbe(const virCpregPlanPredictCtx *ctx, const virCpregPlanHost *host,
              GError **error)
{
    if (host->kernel_profile)
        return virCpregProfileLoad(host->kernel_profile, error);
    if (host->kernel_image)
        return emulProbe(ctx, host->kernel_image, host, error);
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT, "%s",
                _("no predicted profile (predicted/NAME.regs) and nothing to emulate its current kernel from (fleet.conf kernel-image= or kernel-profile=)"));
    return NULL;
}

/* virCpregPlanPredictFunc: predicted/NAME.regs as given, else the
 * prediction from the emulated probes of the host's kernel and the new. */
static virCpregProfile *
planPredict(const virCpregPlanHost *host, gpointer opaque, GError **error)
{
    virCpregPlanPredictCtx *ctx = opaque;
    g_autoptr(virCpregProfile) from = NULL;

    if (host->predicted_file)
        return virCpregProfileLoad(host->predicted_file, error);
    if (!ctx->to && !ctx->kernel) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE, "%s",
                    _("no predicted profile (predicted/NAME.regs), and no new kernel to emulate (--kernel or --kernel-profile)"));
        return NULL;
    }
    if ((!ctx->to && !(ctx->to = emulProbe(ctx, ctx->kernel, host, error))) ||
        !(from = baselineProbe(ctx, host, error)))
        return NULL;
    /* the host's measured profile plus the delta from its current kernel
     * to the new one, both emulated on the plan's CPU */
    return virCpregPredict(host->current, from, ctx->to, NULL, error);
}

/* ---- text -------------------------------------------------------------------- */

static const char *
kernelOf(const virCpregProfile *p)
{
    return p->ident.kernel ? p->ident.kernel : _("unknown kernel");
}

/* The release the upgrade goes to, as the predicted profiles say. */
static const char *
newKernel(const virCpregPlan *plan)
{
    const virCpregPlanHost *h = plan->fleet->upgrade->pdata[0];

    return kernelOf(h->predicted);
}

static char *
refusedNames(const virCpregVerdict *v)
{
    virCpregSeverity sev = v->kind == VIR_CPREG_VERDICT_VETO ?
        VIR_CPREG_SEVERITY_BLOCKING : VIR_CPREG_SEVERITY_UNCERTAIN;

    return virCpregVerdictNames(v, sev, NAMES_MAX, TRUE);
}

static char *
remedyText(const virCpregPlanRemedy *r, const virCpregPlanHost *dst)
{
    g_autofree char *psci = r->pin ? virCpregPsciFormat(r->psci) : NULL;

    if (!r->fixed && r->pin)
        return g_strdup_printf(_("nothing modelled fixes it; pinning kvm-psci-version=%s removes only its PSCI part"),
                               psci);
    if (!r->fixed)
        return g_strdup(_("nothing modelled fixes it"));
    if (r->pin && r->qemu)
        return g_strdup_printf(_("pin kvm-psci-version=%1$s on the guests and QEMU %2$s on %3$s"),
                               psci, r->qemu, dst->name);
    if (r->pin)
        return g_strdup_printf(_("pin kvm-psci-version=%s on the guests"), psci);
    return g_strdup_printf(_("QEMU %1$s on %2$s"), r->qemu, dst->name);
}

static const char *
verdictWord(virCpregVerdictKind kind)
{
    return kind == VIR_CPREG_VERDICT_VETO ? _("vetoed") : _("uncertain");
}

static char *
hostList(const GPtrArray *hosts)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    for (i = 0; i < hosts->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "",
                               ((const virCpregPlanHost *)hosts->pdata[i])->name);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
textHeadline(const virCpregPlan *plan)
{
    g_autofree char *hosts = hostList(plan->fleet->upgrade);
    guint i, nstrands = plan->strands->len, nbreaks = plan->breaks->len;
    g_autofree char *breaks = g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "%u direction breaks", "%u directions break", nbreaks), nbreaks);
    g_autofree char *strands = g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "%u guest is stranded", "%u guests are stranded", nstrands),
        nstrands);

    if (!plan->vetoed && !plan->uncertain)
        printf(_("Upgrading %1$s to %2$s: every guest stays movable; nothing breaks.\n"),
               hosts, newKernel(plan));
    else if (plan->vetoed)
        printf(_("Upgrading %1$s to %2$s: %3$s and %4$s.\n"),
               hosts, newKernel(plan), breaks, strands);
    else
        printf(_("Upgrading %1$s to %2$s: uncertain: %3$s and %4$s, if the uncertain registers refuse.\n"),
               hosts, newKernel(plan), breaks, strands);
    printf("%s", _("Phases: 0 now"));
    for (i = 0; i < plan->fleet->upgrade->len; i++)
        printf(_("; %1$u %2$s upgraded%3$s"), i + 1,
               ((virCpregPlanHost *)plan->fleet->upgrade->pdata[i])->name,
               i + 2 == plan->nphases ? _(" (end)") : "");
    printf(".\n");
}

static void
textBreaks(const virCpregPlan *plan)
{
    guint i;

    if (!plan->breaks->len)
        return;
    printf("\n%s\n", _("Directions that break (allowed now):"));
    for (i = 0; i < plan->breaks->len; i++) {
        const virCpregPlanPair *p = plan->breaks->pdata[i];
        g_autofree char *names = refusedNames(p->verdict);
        g_autofree char *fix = remedyText(&p->remedy, p->dst);
        printf(_("  %1$s %2$s %3$s from phase %4$u (%5$s %2$s %6$s, QEMU %7$s): %8$s: %9$s\n"
                 "    fix: %10$s\n"),
               p->src->name, cliArrow(), p->dst->name, p->phase, kernelOf(p->src_profile),
               kernelOf(p->dst_profile), p->dst->qemu, verdictWord(p->kind), names, fix);
    }
}

static void
textRefusals(const virCpregPlanStrand *s)
{
    guint j;

    for (j = 0; j < s->refusals->len; j++) {
        const virCpregPlanRefusal *r = s->refusals->pdata[j];
        g_autofree char *names = refusedNames(r->verdict);
        g_autofree char *fix = remedyText(&r->remedy, r->dst);
        g_autofree char *dst = r->rollback ?
            g_strdup_printf(_("%1$s back on %2$s"), r->dst->name, kernelOf(r->dst_profile)) :
            g_strdup_printf("%s (%s)", r->dst->name, kernelOf(r->dst_profile));
        printf(_("    not %1$s %2$s, QEMU %3$s: %4$s: %5$s; fix: %6$s\n"),
               cliArrow(), dst, r->dst->qemu, verdictWord(r->verdict->kind), names, fix);
    }
}

static void
textSteps(const virCpregPlan *plan)
{
    guint i;

    if (!plan->steps->len)
        return;
    printf("\n%s\n", _("Emptying each host before its upgrade:"));
    for (i = 0; i < plan->steps->len; i++) {
        const virCpregPlanStrand *s = plan->steps->pdata[i];
        g_autofree char *to = hostList(s->accepted);
        if (s->accepted->len)
            printf(_("  %1$s (phase %2$u): %3$s %4$s %5$s\n"), s->host->name, s->phase,
                   s->guest->name, cliArrow(), to);
        else
            printf(_("  %1$s (phase %2$u): %3$s has nowhere to go\n"), s->host->name, s->phase,
                   s->guest->name);
        textRefusals(s);
    }
}

static void
textStrands(const virCpregPlan *plan)
{
    guint i;

    if (!plan->strands->len)
        return;
    printf("\n%s\n", _("Stranded guests:"));
    for (i = 0; i < plan->strands->len; i++) {
        const virCpregPlanStrand *s = plan->strands->pdata[i];
        if (s->kind == VIR_CPREG_PLAN_NO_RETURN)
            printf(_("  %1$s on %2$s can't come back once restarted on %3$s (phase %4$u):\n"),
                   s->guest->name, s->host->name, kernelOf(s->host->predicted), s->phase);
        else if (s->phase == 0)
            printf(_("  %1$s on %2$s can't be evacuated now (phase 0), before any upgrade:\n"),
                   s->guest->name, s->host->name);
        else
            printf(_("  %1$s on %2$s can't be evacuated in phase %3$u:\n"),
                   s->guest->name, s->host->name, s->phase);
        textRefusals(s);
    }
}

static char *
joinFixes(const virCpregPlanNeed *need)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    for (i = 0; i < need->fixes->len; i++)
        g_string_append_printf(s, "%s%s", i ? "; " : "", (char *)need->fixes->pdata[i]);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
textNeeds(const virCpregPlan *plan)
{
    guint i;

    if (plan->pins->len)
        printf("\n%s\n", _("Pins to set now, in the guests' definitions (virt-cpreg pin):"));
    for (i = 0; i < plan->pins->len; i++) {
        const virCpregPlanNeed *n = plan->pins->pdata[i];
        g_autofree char *fixes = joinFixes(n);
        printf(_("  %1$s: for %2$s\n"), n->what, fixes);
    }
    if (plan->qemu->len)
        printf("\n%s\n", _("QEMU each host needs:"));
    for (i = 0; i < plan->qemu->len; i++) {
        const virCpregPlanNeed *n = plan->qemu->pdata[i];
        g_autofree char *fixes = joinFixes(n);
        printf(_("  %1$s: QEMU %2$s or later (runs %3$s): for %4$s\n"),
               n->host->name, n->what, n->host->qemu, fixes);
    }
}

static void
planText(const virCpregPlan *plan)
{
    textHeadline(plan);
    textBreaks(plan);
    textSteps(plan);
    textStrands(plan);
    textNeeds(plan);
}

/* ---- JSON -------------------------------------------------------------------- */

static void
addString(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static json_object *
remedyJSON(const virCpregPlanRemedy *r)
{
    json_object *o = json_object_new_object();

    if (r->pin) {
        g_autofree char *v = virCpregPsciFormat(r->psci);
        json_object *pin = json_object_new_object();
        addString(pin, "property", "kvm-psci-version");
        addString(pin, "value", v);
        json_object_object_add(o, "pin", pin);
    } else {
        json_object_object_add(o, "pin", NULL);
    }
    addString(o, "qemu", r->qemu);
    json_object_object_add(o, "fixed", json_object_new_boolean(r->fixed));
    return o;
}

static json_object *
refusalJSON(const virCpregVerdict *v, const virCpregPlanRemedy *r)
{
    json_object *o = json_object_new_object();
    g_autofree char *names = refusedNames(v);
    g_autofree char *summary = virCpregVerdictSummary(v);

    addString(o, "verdict", virCpregVerdictKindToString(v->kind));
    addString(o, "registers", names);
    addString(o, "summary", summary);
    json_object_object_add(o, "remedy", remedyJSON(r));
    return o;
}

static json_object *
hostsJSON(const virCpregPlan *plan)
{
    json_object *arr = json_object_new_array();
    guint i, g;

    for (i = 0; i < plan->fleet->hosts->len; i++) {
        const virCpregPlanHost *h = plan->fleet->hosts->pdata[i];
        json_object *o = json_object_new_object();
        json_object *guests = json_object_new_array();
        addString(o, "name", h->name);
        addString(o, "qemu", h->qemu);
        addString(o, "kernel", h->current->ident.kernel);
        addString(o, "predicted_kernel", h->predicted ? h->predicted->ident.kernel : NULL);
        json_object_object_add(o, "step", json_object_new_int((int)h->step));
        for (g = 0; g < h->guests->len; g++)
            json_object_array_add(guests, json_object_new_string(
                ((virCpregPlanGuest *)h->guests->pdata[g])->name));
        json_object_object_add(o, "guests", guests);
        json_object_array_add(arr, o);
    }
    return arr;
}

static json_object *
pairJSON(const virCpregPlanPair *p)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "phase", json_object_new_int((int)p->phase));
    addString(o, "source", p->src->name);
    addString(o, "destination", p->dst->name);
    addString(o, "verdict", virCpregVerdictKindToString(p->kind));
    if (p->verdict)
        json_object_object_add(o, "refusal", refusalJSON(p->verdict, &p->remedy));
    return o;
}

static json_object *
strandJSON(const virCpregPlanStrand *s)
{
    json_object *o = json_object_new_object();
    json_object *refused = json_object_new_array();
    json_object *accepted = json_object_new_array();
    guint j;

    addString(o, "guest", s->guest->name);
    addString(o, "file", s->guest->file);
    addString(o, "host", s->host->name);
    addString(o, "kind", virCpregPlanStrandKindToString(s->kind));
    json_object_object_add(o, "phase", json_object_new_int((int)s->phase));
    json_object_object_add(o, "uncertain", json_object_new_boolean(s->uncertain));
    for (j = 0; j < s->refusals->len; j++) {
        const virCpregPlanRefusal *r = s->refusals->pdata[j];
        json_object *x = refusalJSON(r->verdict, &r->remedy);
        addString(x, "host", r->dst->name);
        addString(x, "kernel", r->dst_profile->ident.kernel);
        json_object_object_add(x, "rollback", json_object_new_boolean(r->rollback));
        json_object_array_add(refused, x);
    }
    for (j = 0; j < s->accepted->len; j++)
        json_object_array_add(accepted, json_object_new_string(
            ((const virCpregPlanHost *)s->accepted->pdata[j])->name));
    json_object_object_add(o, "accepted_by", accepted);
    json_object_object_add(o, "refused_by", refused);
    return o;
}

static json_object *
needsJSON(const GPtrArray *needs, const char *key)
{
    json_object *arr = json_object_new_array();
    guint i, j;

    for (i = 0; i < needs->len; i++) {
        const virCpregPlanNeed *n = needs->pdata[i];
        json_object *o = json_object_new_object();
        json_object *fixes = json_object_new_array();
        if (n->host) {
            addString(o, "host", n->host->name);
            addString(o, "current", n->host->qemu);
        }
        addString(o, key, n->what);
        for (j = 0; j < n->fixes->len; j++)
            json_object_array_add(fixes, json_object_new_string(n->fixes->pdata[j]));
        json_object_object_add(o, "for", fixes);
        json_object_array_add(arr, o);
    }
    return arr;
}

static const char *
planStatusWord(const virCpregPlan *plan)
{
    return plan->vetoed ? "breaks" : plan->uncertain ? "uncertain" : "ok";
}

static void
planJSON(const virCpregPlan *plan)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *pairs = json_object_new_array();
    json_object *breaks = json_object_new_array();
    json_object *strands = json_object_new_array();
    json_object *steps = json_object_new_array();
    guint i;

    addString(root, "status", planStatusWord(plan));
    addString(root, "kernel", newKernel(plan));
    json_object_object_add(root, "phases", json_object_new_int((int)plan->nphases));
    json_object_object_add(root, "hosts", hostsJSON(plan));
    for (i = 0; i < plan->pairs->len; i++)
        json_object_array_add(pairs, pairJSON(plan->pairs->pdata[i]));
    for (i = 0; i < plan->breaks->len; i++)
        json_object_array_add(breaks, pairJSON(plan->breaks->pdata[i]));
    for (i = 0; i < plan->strands->len; i++)
        json_object_array_add(strands, strandJSON(plan->strands->pdata[i]));
    for (i = 0; i < plan->steps->len; i++)
        json_object_array_add(steps, strandJSON(plan->steps->pdata[i]));
    json_object_object_add(root, "pairs", pairs);
    json_object_object_add(root, "breaks", breaks);
    json_object_object_add(root, "steps", steps);
    json_object_object_add(root, "stranded", strands);
    json_object_object_add(root, "pins", needsJSON(plan->pins, "pin"));
    json_object_object_add(root, "qemu", needsJSON(plan->qemu, "needed"));
    cliPrintJSON(root);
}

/* ---- the verb ------------------------------------------------------------------ */

/* --upgrade A --upgrade B,C and the arguments after the options: A B C. */
static GStrv
upgradeOrder(char **opts, int argc, char **argv)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    int i, j;

    for (i = 0; opts && opts[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(opts[i], ",", -1);
        for (j = 0; parts[j]; j++) {
            if (*parts[j])
                g_strv_builder_add(b, parts[j]);
        }
    }
    for (i = 1; i < argc; i++)
        g_strv_builder_add(b, argv[i]);
    return g_strv_builder_end(b);
}

static int
planStatus(const virCpregPlan *plan)
{
    if (plan->vetoed)
        return VIR_CPREG_EXIT_VETO;
    return plan->uncertain ? VIR_CPREG_EXIT_UNCERTAIN : VIR_CPREG_EXIT_OK;
}

int
cliPlan(int argc, char **argv)
{
    g_autofree char *fleetDir = NULL;
    g_autofree char *kernel = NULL;
    g_autofree char *kernelProfile = NULL;
    g_autofree char *cpu = NULL;
    g_autofree char *emulator = NULL;
    g_autofree char *emulatorPath = NULL;
    g_auto(GStrv) upgrade = NULL;
    g_auto(GStrv) policies = NULL;
    g_auto(GStrv) order = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleetDir, N_("The fleet directory"), N_("DIR") },
        { "upgrade", 0, 0, G_OPTION_ARG_STRING_ARRAY, &upgrade, N_("A host to upgrade, in order (repeatable; more may follow the options)"), N_("HOST") },
        { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &kernel, N_("The new kernel's image or package"), N_("IMAGE") },
        { "cpu", 0, 0, G_OPTION_ARG_STRING, &cpu, N_("The emulated CPU of the probes of --kernel and kernel-image= (default: max)"), N_("MODEL") },
        { "emulator", 0, 0, G_OPTION_ARG_FILENAME, &emulator, N_("The QEMU binary of those probes (default: qemu-system-aarch64)"), N_("PATH") },
        { "kernel-profile", 0, 0, G_OPTION_ARG_FILENAME, &kernelProfile, N_("An emulated probe of the new kernel (instead of booting IMAGE)"), N_("FILE") },
        { "policy", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &policies, N_("A policy file (repeatable)"), N_("FILE") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregPlanFleet) fleet = NULL;
    g_autoptr(virCpregPolicy) policy = NULL;
    g_autoptr(virCpregPlan) plan = NULL;
    virCpregPlanPredictCtx ctx = { 0 };

    if (!cliParseOptions(cliVerb("plan"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (!fleetDir)
        return cliUsage("plan", "%s", _("--fleet is required"));
    order = upgradeOrder(upgrade, argc, argv);
    if (!*order)
        return cliUsage("plan", "%s", _("--upgrade: name at least one host"));
    ctx.kernel = kernel;
    ctx.cpu = cpu;
    if (emulator && !(ctx.emulator = emulatorPath = cliFindEmulator(emulator, &error)))
        return cliFail(error);
    if ((kernelProfile && !(ctx.to = cliLoadProfile(kernelProfile, TRUE, &error))) ||
        !(fleet = virCpregPlanFleetLoad(fleetDir, &error)) ||
        !virCpregPlanFleetSetUpgrade(fleet, (const char *const *)order, &error) ||
        !(policy = cliLoadPolicy((const char *const *)policies, &error)) ||
        !(plan = virCpregPlanCompute(fleet, policy, planPredict, &ctx, &error))) {
        virCpregProfileFree(ctx.to);
        return cliFail(error);
    }
    virCpregProfileFree(ctx.to);
    if (json)
        planJSON(plan);
    else
        planText(plan);
    return planStatus(plan);
}
