/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-check.c: virt-cpreg check --source A --dest B
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-qemu.h"
#include "cpreg-verdict.h"

static const struct {
    virCpregSeverity severity;
    const char *title;
} sections[] = {
    { VIR_CPREG_SEVERITY_BLOCKING, N_("Blocking:") },
    { VIR_CPREG_SEVERITY_UNCERTAIN, N_("Uncertain:") },
    { VIR_CPREG_SEVERITY_WARNING, N_("Warnings:") },
    { VIR_CPREG_SEVERITY_INFO, N_("Notes:") },
};

static void
printModel(const virCpregVerdict *v)
{
    const GPtrArray *ps = virCpregPolicySources(v->policy);
    g_autoptr(GString) policy = g_string_new(NULL);
    guint i;

    for (i = 0; i < ps->len; i++)
        g_string_append_printf(policy, "%s%s", i ? ", " : "", (char *)ps->pdata[i]);
    printf(_("Model: QEMU %1$s on the destination (%2$s)%3$s%4$s; kernels %5$s → %6$s; policy: %7$s\n"),
           v->qemu_model, v->tcg ? "TCG" : "KVM",
           v->qemu_note ? "; " : "", v->qemu_note ? v->qemu_note : "",
           v->src->ident.kernel ? v->src->ident.kernel : "?",
           v->dst->ident.kernel ? v->dst->ident.kernel : "?", policy->str);
}

static void
printText(const virCpregVerdict *v, gboolean verbose)
{
    g_autofree char *summary = virCpregVerdictSummary(v);
    size_t s;
    guint i;

    printf("%s\n", summary);
    printModel(v);
    for (s = 0; s < G_N_ELEMENTS(sections); s++) {
        gboolean titled = FALSE;
        if (sections[s].severity == VIR_CPREG_SEVERITY_INFO && !verbose)
            continue;
        for (i = 0; i < v->findings->len; i++) {
            const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
            g_autofree char *msg = NULL;
            g_autofree char *remedy = NULL;
            if (f->severity != sections[s].severity)
                continue;
            if (!titled)
                printf("%s\n", _(sections[s].title));
            titled = TRUE;
            msg = virCpregFindingMessage(v, f);
            remedy = virCpregFindingRemedy(v, f);
            printf("  %s\n", msg);
            if (remedy)
                printf(_("    fix: %s\n"), remedy);
        }
    }
    for (i = 0; i < v->changes->len; i++) {
        const virCpregChange *c = v->changes->pdata[i];
        if (!i)
            printf("%s\n", _("Changes:"));
        printf(_("  %1$s=%2$s on the destination (-global host-arm-cpu.%1$s=%2$s): %3$s\n"),
               c->property, c->value, c->reason);
    }
}

/* The source profile: --source, else the one in the domain's metadata. */
static virCpregProfile *
loadSource(const char *path, const virCpregDomain *domain, GError **error)
{
    if (path)
        return cliLoadProfile(path, FALSE, error);
    if (domain && domain->profile_json)
        return virCpregProfileParse(_("the domain's metadata"), domain->profile_json,
                                    strlen(domain->profile_json), error);
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE, "%s",
                _("no source profile: give --source, or a --domain whose metadata carries one"));
    return NULL;
}

/*
 * No version given and none in the destination profile: this host's
 * emulator (the domain's, else qemu-system-aarch64), if it answers.
 */
static char *
localQemuVersion(const virCpregDomain *domain)
{
    g_autofree char *path = NULL;
    g_autoptr(virCpregConf) conf = NULL;
    const char *emulator = domain && domain->emulator ? domain->emulator : NULL;

    if (!emulator && !(path = g_find_program_in_path("qemu-system-aarch64")))
        return NULL;
    /* a domain XML's emulator runs only if cpreg.conf trusts it */
    if (emulator && !virCpregConfEmulatorAllowed(conf = virCpregConfLoad(), emulator, NULL))
        return NULL;
    return virCpregQemuBinaryVersion(emulator ? emulator : path, NULL);
}

int
cliCheck(int argc, char **argv)
{
    g_autofree char *source = NULL;
    g_autofree char *dest = NULL;
    g_autofree char *domainPath = NULL;
    g_autofree char *destQemu = NULL;
    g_auto(GStrv) policies = NULL;
    gboolean json = FALSE, verbose = FALSE;
    GOptionEntry entries[] = {
        { "source", 0, 0, G_OPTION_ARG_FILENAME, &source, N_("The source host's profile"), N_("FILE") },
        { "dest", 0, 0, G_OPTION_ARG_FILENAME, &dest, N_("The destination host's profile"), N_("FILE") },
        { "domain", 0, 0, G_OPTION_ARG_FILENAME, &domainPath, N_("The guest's domain XML"), N_("XML") },
        { "dest-qemu", 0, 0, G_OPTION_ARG_STRING, &destQemu, N_("The destination's QEMU version"), N_("VERSION") },
        { "policy", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &policies, N_("A policy file (repeatable; later wins)"), N_("FILE") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Also print notes"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregDomain) domain = NULL;
    g_autoptr(virCpregProfile) src = NULL;
    g_autoptr(virCpregProfile) dst = NULL;
    g_autoptr(virCpregPolicy) policy = NULL;
    g_autoptr(virCpregVerdict) verdict = NULL;
    virCpregCheckOptions opts = { 0 };

    if (!cliParseOptions(cliVerb("check"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 1)
        return cliUsage("check", _("unexpected argument '%s'"), argv[1]);
    if (!dest)
        return cliUsage("check", "%s", _("--dest is required"));
    if ((domainPath && !(domain = virCpregDomainLoad(domainPath, &error))) ||
        !(src = loadSource(source, domain, &error)) ||
        !(dst = cliLoadProfile(dest, FALSE, &error)) ||
        !(policy = cliLoadPolicy((const char *const *)policies, &error)))
        return cliFail(error);
    if (!destQemu && !dst->ident.qemu)
        destQemu = localQemuVersion(domain);
    opts.dest_qemu = destQemu;
    opts.policy = policy;
    opts.domain = domain;
    if (!(verdict = virCpregCheck(src, dst, &opts, &error)))
        return cliFail(error);
    if (json) {
        g_autofree char *out = virCpregVerdictToJSON(verdict);
        puts(out);
    } else {
        printText(verdict, verbose);
    }
    return virCpregExitForVerdict(verdict->kind);
}
