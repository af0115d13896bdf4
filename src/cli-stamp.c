/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-stamp.c: virt-cpreg stamp and virt-cpreg pin: our profile into a
 * domain's <metadata>, pins into its persistent definition
 *
 * Run outside hook context (a hook must never call libvirt): by an
 * admin, by virt-cpregd, or by Nova before it migrates.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli.h"
#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-metadata.h"
#include "cpreg-stamp.h"
#include "cpreg-text.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree);

static gboolean
libvirtError(GError **error, const char *what)
{
    const char *msg = virGetLastErrorMessage();

    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                "%s: %s", what, msg ? msg : _("unknown libvirt error"));
    return FALSE;
}

/* This host's profile for a guest: --profile, else the configured one. */
static virCpregProfile *
hostProfile(const char *path, GError **error)
{
    g_autoptr(virCpregConf) conf = NULL;
    g_autoptr(virCpregProfile) profile = NULL;

    if (!path && !(conf = virCpregConfLoad(error)))
        return NULL;
    if (!(profile = path ? virCpregProfileLoad(path, error) :
                           virCpregStampHostProfile(conf, error)))
        return NULL;
    /* what travels is what QEMU's list holds */
    return virCpregProfileQemuView(profile);
}

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

    if (!virCpregTextReadFile(xmlPath, VIR_CPREG_DOMAIN_MAX_BYTES, &xml, &len, &error) ||
        !(domain = virCpregDomainParse(xmlPath, xml, len, &error)) ||
        !(profile = hostProfile(profilePath, &error)))
        return cliFail(error);
    if (!virCpregDomainIsAarch64(domain))
        return cliUsage("stamp", _("'%s' is not an aarch64 guest"), xmlPath);
    edit.profile = profile;
    if (!(out = virCpregDomainRewrite(xmlPath, xml, len, &edit, &error)))
        return cliFail(error);
    fputs(out, stdout);
    return VIR_CPREG_EXIT_OK;
}

static int
stampLive(const char *name, const char *uri, const char *profilePath)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = virConnectOpen(uri);
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virCpregProfile) profile = NULL;

    if (!conn) {
        libvirtError(&error, _("cannot connect to libvirt"));
        return cliFail(error);
    }
    if (!(dom = virDomainLookupByName(conn, name)) &&
        !(dom = virDomainLookupByUUIDString(conn, name))) {
        libvirtError(&error, name);
        return cliFail(error);
    }
    if (!(profile = hostProfile(profilePath, &error)) ||
        !virCpregStampDomain(dom, profile, &error))
        return cliFail(error);
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
        return stampLive(argv[1], uri, profile);
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
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;

    if (!cliParseOptions(cliVerb("pin"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 2 || !persistent)
        return cliUsage("pin", "%s", _("expected DOMAIN --persistent"));
    if (!(conn = virConnectOpen(uri))) {
        libvirtError(&error, _("cannot connect to libvirt"));
        return cliFail(error);
    }
    if (!(dom = virDomainLookupByName(conn, argv[1]))) {
        libvirtError(&error, argv[1]);
        return cliFail(error);
    }
    if (!virCpregStampPinPersistent(conn, dom, value, &error))
        return cliFail(error);
    return VIR_CPREG_EXIT_OK;
}
