/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stamp.c: our profile into a running domain's live <metadata>,
 * pins into its persistent definition
 *
 * Live metadata (virDomainSetMetadata, VIR_DOMAIN_AFFECT_LIVE) travels in
 * the migration XML to the destination's hook; it has to be set before
 * migration and outside hook context (FACTS §5).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libvirt/virterror.h>

#include "cpreg-stamp.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-hostprobe.h"
#include "cpreg-domain-edit.h"
#include "cpreg-value.h"

static gboolean
libvirtError(GError **error, const char *what)
{
    const char *msg = virGetLastErrorMessage();

    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                "%s: %s", what, msg ? msg : _("unknown libvirt error"));
    return FALSE;
}

static virCpregDomain *
domainOf(virDomainPtr dom, unsigned int flags, GError **error)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, flags);

    if (!xml) {
        libvirtError(error, virDomainGetName(dom));
        return NULL;
    }
    return virCpregDomainParse(virDomainGetName(dom), xml, strlen(xml), error);
}

/*
 * Stamps @profile into @dom's live metadata, if @dom is an aarch64 guest
 * whose vCPU the profile describes; without @profile, this host's profile
 * for the guest's vCPU (a scratch QEMU like its own, cached in @cacheDir).
 */
gboolean
virCpregStampDomain(virDomainPtr dom, const virCpregProfile *profile,
                    const char *cacheDir, GError **error)
{
    g_autoptr(virCpregDomain) d = domainOf(dom, 0, error);
    g_autoptr(virCpregProfile) probed = NULL;
    g_autofree char *element = NULL;

    if (!d)
        return FALSE;
    if (!virCpregDomainIsAarch64(d)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("'%s' is not an aarch64 guest"), virDomainGetName(dom));
        return FALSE;
    }
    if (!profile && !(profile = probed = virCpregHostProbeDomain(d, cacheDir, error)))
        return FALSE;
    if (!virCpregProfileRefuseMarks(profile, _("the profile to stamp"), error))
        return FALSE;
    if (!virCpregDomainCheckFeatures(d, (const char *const *)profile->ident.features,
                                     _("host"), error))
        return FALSE;
    element = virCpregMetadataElement(profile);
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element,
                             VIR_CPREG_METADATA_PREFIX, VIR_CPREG_METADATA_NS,
                             VIR_DOMAIN_AFFECT_LIVE) < 0)
        return libvirtError(error, virDomainGetName(dom));
    return TRUE;
}

/*
 * The hook pins kvm-psci-version in the live definition only; write
 * @psci (default: the running guest's pin) into the persistent one, so
 * that the guest keeps it across a cold start.
 */
gboolean
virCpregStampPinPersistent(virConnectPtr conn, virDomainPtr dom,
                           const char *psci, GError **error)
{
    g_autoptr(virCpregDomain) live = domainOf(dom, 0, error);
    g_autoptr(virCpregDomain) inactive = NULL;
    g_autofree char *out = NULL;
    virCpregDomainEdit edit = { 0 };
    virDomainPtr defined;
    guint64 value;

    if (!live ||
        !(inactive = domainOf(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, error)))
        return FALSE;
    edit.psci_pin = psci ? psci : live->psci_pin;
    if (!edit.psci_pin) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("'%s' runs without a kvm-psci-version pin: give --psci-version"),
                    virDomainGetName(dom));
        return FALSE;
    }
    if (!virCpregPsciParse(edit.psci_pin, &value)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("'%s' is not a PSCI version (such as 1.1)"), edit.psci_pin);
        return FALSE;
    }
    out = virCpregDomainRewrite(inactive, &edit);
    if (!(defined = virDomainDefineXML(conn, out)))
        return libvirtError(error, virDomainGetName(dom));
    virDomainFree(defined);
    return TRUE;
}
