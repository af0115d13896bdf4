/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-domain-priv.h: the domain module's own: its document is parsed
 * (cpreg-domain.c) and edited (cpreg-domain-edit.c) here alone, and the
 * fields an edit changes are read again from the document after it.
 */
#pragma once

#include <libxml/tree.h>

#include "cpreg-domain.h"

/* @node's first child element @name in namespace @ns (NULL: none) */
xmlNode *virCpregXmlChild(xmlNode *node, const char *ns, const char *name);
gboolean virCpregXmlIsElement(xmlNode *node, const char *ns, const char *name);

/* The fields of @domain that an edit can change (the PSCI pin, our
 * profile), read again from its document. */
void virCpregDomainReadEditable(virCpregDomain *domain);
