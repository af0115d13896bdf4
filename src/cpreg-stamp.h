/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stamp.h: our profile into a running domain's live <metadata>,
 * pins into its persistent definition (libvirt API; never from a hook)
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cpreg-conf.h"
#include "cpreg-profile.h"

G_BEGIN_DECLS

gboolean virCpregStampDomain(virDomainPtr dom, const virCpregProfile *profile,
                             const char *cacheDir, GError **error);
gboolean virCpregStampPinPersistent(virConnectPtr conn, virDomainPtr dom,
                                    const char *psci, GError **error);

G_END_DECLS
