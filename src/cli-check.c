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
#include "cpreg-verdict-render.h"

/* The source profile: --source, else the one in the domain's metadata. */
static virCpregProfile *
loadSource(const char *path, const virCpregDomain *domain, GError **error)
{
    if (path)
        return cliLoadProfile(path, FALSE, error);
    if (domain && domain->profile_text)
        return virCpregProfileParse(_("the domain's metadata"), domain->profile_text,
                                    strlen(domain->profile_text), error);
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
    int status;

    if (!cliParseOptions(cliVerb("check"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 1)
        return cliUsage("check", _("unexpected argument '%s'"), argv[1]);
    if (!dest)
        return cliUsage("check", "%s", _("--dest is required"));
    if ((status = cliCheckQemuVersion("check", destQemu)) >= 0)
        return status;
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
        g_autofree char *text = virCpregVerdictToText(verdict, verbose);
        fputs(text, stdout);
    }
    return virCpregExitForVerdict(verdict->kind);
}
