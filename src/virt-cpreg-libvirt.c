/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt-cpreg-libvirt: the virt-cpreg verbs that talk to libvirt
 *
 *   virt-cpreg-libvirt stamp DOMAIN URI PROFILE
 *   virt-cpreg-libvirt pin DOMAIN URI PSCI-VERSION
 *   virt-cpreg-libvirt unstamped URI
 *
 * Run by virt-cpreg (empty strings for defaults), never by hand: it keeps
 * libvirt's client library out of virt-cpreg's own start-up.
 *
 * "unstamped" is for virt-cpreg validate: one line per running (active)
 * aarch64 guest, "stamped NAME" or "unstamped NAME", the name escaped
 * (g_strescape) so that a line is always one guest.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-exit.h"
#include "cpreg-util.h"
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
    return virCpregExitForError(error);
}

static const char *
optional(const char *s)
{
    return s && *s ? s : NULL;
}

static virConnectPtr
connectTo(const char *uri)
{
    virConnectPtr conn = virConnectOpen(optional(uri));

    if (!conn)
        fail(_("cannot connect to libvirt"), NULL);
    return conn;
}

/* stamp DOMAIN URI PROFILE, pin DOMAIN URI PSCI-VERSION */
static int
runStampOrPin(char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    g_autofree char *cacheDir = NULL;
    gboolean stamp = g_str_equal(argv[0], "stamp");

    if (stamp && !virCpregConfStampSource(optional(argv[3]), &profile, &cacheDir, &error))
        return fail(NULL, error);
    if (!(conn = connectTo(argv[2])))
        return VIR_CPREG_EXIT_INTERNAL;
    if (!(dom = virDomainLookupByName(conn, argv[1])) &&
        !(dom = virDomainLookupByUUIDString(conn, argv[1])))
        return fail(argv[1], NULL);
    if (stamp ? !virCpregStampDomain(dom, profile, cacheDir, &error) :
        !virCpregStampPinPersistent(conn, dom, optional(argv[3]), &error))
        return fail(NULL, error);
    return VIR_CPREG_EXIT_OK;
}

/* One line for @dom if it is an aarch64 guest: does it carry our metadata? */
static void
printStamped(virDomainPtr dom)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autoptr(virCpregDomain) d = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strescape(virDomainGetName(dom), NULL);

    if (!xml || !(d = virCpregDomainParse(virDomainGetName(dom), xml, strlen(xml), &error))) {
        /* gone since the listing, or XML we cannot read: say it, go on */
        g_printerr("virt-cpreg: %s: %s\n", name,
                   error ? error->message : virGetLastErrorMessage());
        return;
    }
    if (virCpregDomainIsAarch64(d))
        printf("%s %s\n", d->profile_text ? "stamped" : "unstamped", name);
}

/* unstamped URI */
static int
runUnstamped(char **argv)
{
    g_autoptr(virConnect) conn = NULL;
    virDomainPtr *doms = NULL;
    int n, i;

    if (!(conn = connectTo(argv[1])))
        return VIR_CPREG_EXIT_INTERNAL;
    if ((n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0)
        return fail(_("cannot list the running guests"), NULL);
    for (i = 0; i < n; i++) {
        printStamped(doms[i]);
        virDomainFree(doms[i]);
    }
    free(doms);
    return VIR_CPREG_EXIT_OK;
}

static const struct {
    const char *name;
    int argc;                   /* with the verb */
    int (*run)(char **argv);
} tools[] = {
    { "stamp", 4, runStampOrPin },
    { "pin", 4, runStampOrPin },
    { "unstamped", 2, runUnstamped },
};

int
main(int argc, char **argv)
{
    size_t i;

    virCpregProgramInit();
    for (i = 0; argc > 1 && i < G_N_ELEMENTS(tools); i++) {
        if (g_str_equal(argv[1], tools[i].name) && argc - 1 == tools[i].argc)
            return tools[i].run(argv + 1);
    }
    g_printerr("%s\n", _("virt-cpreg-libvirt: run by virt-cpreg stamp, pin and validate"));
    return VIR_CPREG_EXIT_INPUT;
}
