/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-domain-edit.h: edits of a domain XML: our profile in <metadata>, a
 * vCPU property pin in <qemu:commandline>
 */
#pragma once

#include <glib.h>

#include "cpreg-domain.h"
#include "cpreg-profile.h"

G_BEGIN_DECLS

typedef struct {
    const virCpregProfile *profile;   /* stamp this profile, or NULL */
    const char *psci_pin;             /* pin kvm-psci-version, or NULL */
} virCpregDomainEdit;

char *virCpregDomainRewrite(virCpregDomain *domain,
                            const virCpregDomainEdit *edit);
char *virCpregMetadataElement(const virCpregProfile *profile);

G_END_DECLS
