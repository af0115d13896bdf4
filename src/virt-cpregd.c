/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt-cpregd: stamp every aarch64 guest that starts, is restored or
 * arrives on this host with this host's vCPU register profile, so that
 * the next migration's destination hook knows where it comes from.
 *
 * A libvirt client (the hook must never call libvirt): lifecycle events
 * on one connection, all running guests stamped whenever it (re)connects,
 * and a reconnect with backoff when libvirtd goes away.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-util.h"
#include "cpreg-stamp.h"

#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 30

static volatile sig_atomic_t quit;

typedef struct {
    virCpregProfile *profile;     /* this host's, QEMU view; NULL: probe
                                   * for each guest (cached per boot) */
    char *cache_dir;
    gboolean closed;              /* libvirtd went away */
    gboolean verbose;
} virCpregDaemon;

static void
onSignal(int sig)
{
    (void)sig;
    quit = 1;
}

static void
ignoreLibvirtErrors(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static void
stamp(virCpregDaemon *d, virDomainPtr dom, const char *why)
{
    g_autoptr(GError) error = NULL;

    if (virCpregStampDomain(dom, d->profile, d->cache_dir, &error)) {
        if (d->verbose)
            g_printerr(_("virt-cpregd: stamped %1$s (%2$s)\n"), virDomainGetName(dom), why);
        return;
    }
    /* other architectures and configurations are not ours: quietly */
    if (d->verbose || !g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED))
        g_printerr("virt-cpregd: %s\n", error->message);
}

static int
onLifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
            void *opaque)
{
    (void)conn;
    (void)detail;
    /* STARTED covers booted, migrated in, restored, from snapshot */
    if (event == VIR_DOMAIN_EVENT_STARTED)
        stamp(opaque, dom, _("started"));
    return 0;
}

static void
onClose(virConnectPtr conn, int reason, void *opaque)
{
    virCpregDaemon *d = opaque;

    (void)conn;
    (void)reason;
    d->closed = TRUE;
}

static void
onTick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static void
stampRunning(virCpregDaemon *d, virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    int i;

    for (i = 0; i < n; i++) {
        stamp(d, doms[i], _("running"));
        virDomainFree(doms[i]);
    }
    free(doms);
}

/* One connection's life: until libvirtd goes away or we are told to stop. */
static gboolean
serve(virCpregDaemon *d, const char *uri, gboolean once)
{
    virConnectPtr conn = virConnectOpen(uri);
    int cb, timer;

    if (!conn)
        return FALSE;
    d->closed = FALSE;
    virConnectRegisterCloseCallback(conn, onClose, d, NULL);
    cb = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                          VIR_DOMAIN_EVENT_CALLBACK(onLifecycle), d, NULL);
    /* wake up now and then to notice signals */
    timer = virEventAddTimeout(1000, onTick, NULL, NULL);
    stampRunning(d, conn);
    while (!once && !quit && !d->closed && virConnectIsAlive(conn) == 1)
        virEventRunDefaultImpl();
    if (timer >= 0)
        virEventRemoveTimeout(timer);
    if (cb >= 0)
        virConnectDomainEventDeregisterAny(conn, cb);
    virConnectUnregisterCloseCallback(conn, onClose);
    virConnectClose(conn);
    return TRUE;
}

int
main(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    g_autofree char *profile = NULL;
    gboolean once = FALSE, verbose = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri, N_("libvirt URI"), N_("URI") },
        { "profile", 0, 0, G_OPTION_ARG_FILENAME, &profile, N_("This host's profile (default: cpreg.conf's host-profile, else a probe for each guest)"), N_("FILE") },
        { "once", 0, 0, G_OPTION_ARG_NONE, &once, N_("Stamp the running guests and exit"), NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Say what is stamped"), NULL },
        { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    virCpregDaemon d = { .verbose = FALSE };
    struct sigaction sa = { .sa_handler = onSignal };
    unsigned int backoff = BACKOFF_MIN_S;

    virCpregProgramInit();
    ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("Stamp aarch64 guests with this host's vCPU register profile."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("virt-cpregd: %s\n", error->message);
        return 2;
    }
    if (version) {
        printf("virt-cpregd %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (!virCpregConfStampSource(profile, &d.profile, &d.cache_dir, &error)) {
        g_printerr("virt-cpregd: %s\n", error->message);
        return 2;
    }
    d.verbose = verbose;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    virSetErrorFunc(NULL, ignoreLibvirtErrors);
    virEventRegisterDefaultImpl();
    while (!quit) {
        if (serve(&d, uri, once)) {
            backoff = BACKOFF_MIN_S;
            if (once)
                break;
            if (verbose && !quit)
                g_printerr("%s\n", _("virt-cpregd: libvirt went away; reconnecting"));
        } else if (once) {
            g_printerr(_("virt-cpregd: cannot connect to libvirt: %s\n"), virGetLastErrorMessage());
            virCpregProfileFree(d.profile);
            g_free(d.cache_dir);
            return 1;
        } else {
            sleep(backoff);
            backoff = MIN(backoff * 2, BACKOFF_MAX_S);
        }
    }
    virCpregProfileFree(d.profile);
    g_free(d.cache_dir);
    return 0;
}
