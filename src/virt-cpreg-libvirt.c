/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt-cpreg-libvirt: the virt-cpreg verbs that talk to libvirt
 *
 *   virt-cpreg-libvirt stamp DOMAIN URI PROFILE
 *   virt-cpreg-libvirt pin DOMAIN URI PSCI-VERSION
 *
 * Run by virt-cpreg (empty strings for defaults), never by hand: it keeps
 * libvirt's client library out of virt-cpreg's own start-up.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cpreg-conf.h"
#include "cpreg-error.h"
#include "cpreg-stamp.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree);

static int
fail(const char *what, GError *error)
{
    const char *msg = error ? error->message : virGetLastErrorMessage();

    if (what)
        g_printerr("virt-cpreg: %s: %s\n", what, msg ? msg : _("unknown libvirt error"));
    else
        g_printerr("virt-cpreg: %s\n", msg);
    return error && error->code == VIR_CPREG_ERROR_INPUT ? 2 : 4;
}

static const char *
optional(const char *s)
{
    return s && *s ? s : NULL;
}


int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    g_autofree char *cacheDir = NULL;
    const char *localedir = g_getenv("VIRT_CPREG_LOCALEDIR");

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    if (argc != 5 || (strcmp(argv[1], "stamp") != 0 && strcmp(argv[1], "pin") != 0)) {
        g_printerr("%s\n", _("virt-cpreg-libvirt: run by virt-cpreg stamp and virt-cpreg pin"));
        return 2;
    }
    if (g_str_equal(argv[1], "stamp") &&
        !virCpregConfStampSource(optional(argv[4]), &profile, &cacheDir, &error))
        return fail(NULL, error);
    if (!(conn = virConnectOpen(optional(argv[3]))))
        return fail(_("cannot connect to libvirt"), NULL);
    if (!(dom = virDomainLookupByName(conn, argv[2])) &&
        !(dom = virDomainLookupByUUIDString(conn, argv[2])))
        return fail(argv[2], NULL);
    if (g_str_equal(argv[1], "stamp") ? !virCpregStampDomain(dom, profile, cacheDir, &error) :
        !virCpregStampPinPersistent(conn, dom, optional(argv[4]), &error))
        return fail(NULL, error);
    return 0;
}
