/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-stamp.c: virt-cpreg stamp and virt-cpreg pin: our profile into a
 * domain's <metadata>, pins into its persistent definition (the live
 * forms run in virt-cpreg-libvirt)
 *
 * Run outside hook context (a hook must never call libvirt): by an
 * admin, by virt-cpregd, or by Nova before it migrates.
 */
#include "config.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-hostprobe.h"
#include "cpreg-domain-edit.h"
#include "cpreg-stamp.h"
#include "cpreg-text.h"

/* This host's profile for a guest: --profile, else the configured one. */

static int
stampOffline(const char *xmlPath, const char *profilePath)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;
    g_autoptr(virCpregDomain) domain = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    virCpregDomainEdit edit = { 0 };
    gsize len;

    g_autofree char *cacheDir = NULL;

    if (!virCpregTextReadFile(xmlPath, VIR_CPREG_DOMAIN_MAX_BYTES, &xml, &len, &error) ||
        !(domain = virCpregDomainParse(xmlPath, xml, len, &error)) ||
        !virCpregConfStampSource(profilePath, &profile, &cacheDir, &error))
        return cliFail(error);
    if (!virCpregDomainIsAarch64(domain))
        return cliUsage("stamp", _("'%s' is not an aarch64 guest"), xmlPath);
    if (!profile && !(profile = virCpregHostProbeDomain(domain, cacheDir, &error)))
        return cliFail(error);
    edit.profile = profile;
    out = virCpregDomainRewrite(domain, &edit);
    fputs(out, stdout);
    return VIR_CPREG_EXIT_OK;
}

int
cliStamp(int argc, char **argv)
{
    g_autofree char *xml = NULL;
    g_autofree char *profile = NULL;
    g_autofree char *uri = NULL;
    GOptionEntry entries[] = {
        { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xml, N_("Stamp this domain XML file and print it (offline)"), N_("FILE") },
        { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("The profile to stamp (default: this host's)"), N_("FILE") },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri, N_("libvirt URI"), N_("URI") },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;

    if (!cliParseOptions(cliVerb("stamp"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (xml && argc == 1)
        return stampOffline(xml, profile);
    if (!xml && argc == 2)
        return cliExecLibvirtTool("stamp", argv[1], uri, profile);
    return cliUsage("stamp", "%s", _("expected DOMAIN, or --xml FILE"));
}

int
cliPin(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    g_autofree char *value = NULL;
    gboolean persistent = FALSE;
    GOptionEntry entries[] = {
        { "persistent", 0, 0, G_OPTION_ARG_NONE, &persistent, N_("Write the pins into the persistent definition"), NULL },
        { "psci-version", 0, 0, G_OPTION_ARG_STRING, &value, N_("Pin this PSCI version (default: the one the running guest is pinned to)"), N_("X.Y") },
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri, N_("libvirt URI"), N_("URI") },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;

    if (!cliParseOptions(cliVerb("pin"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 2 || !persistent)
        return cliUsage("pin", "%s", _("expected DOMAIN --persistent"));
    return cliExecLibvirtTool("pin", argv[1], uri, value);
}

/*
 * The verbs that talk to libvirt run in virt-cpreg-libvirt, so that
 * virt-cpreg itself (the hook, on every migration) does not load
 * libvirt's client library and its dependencies: 9 ms of start-up.
 */
char *
cliLibvirtToolPath(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
    g_autofree char *sibling = dir ? g_build_filename(dir, "virt-cpreg-libvirt", NULL) : NULL;
    const char *env = g_getenv("VIRT_CPREG_LIBVIRT_TOOL");

    if (env)
        return g_strdup(env);
    if (sibling && g_file_test(sibling, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer(&sibling);
    return g_strdup(LIBEXECDIR "/virt-cpreg-libvirt");
}

int
cliExecLibvirtTool(const char *verb, const char *domain, const char *uri,
                   const char *arg)
{
    g_autofree char *tool = cliLibvirtToolPath();
    const char *argv[] = { tool, verb, domain, uri ? uri : "", arg ? arg : "", NULL };

    fflush(NULL);
    execv(tool, (char **)argv);
    g_printerr(_("virt-cpreg: cannot run '%1$s': %2$s\n"), tool, g_strerror(errno));
    return VIR_CPREG_EXIT_INTERNAL;
}

