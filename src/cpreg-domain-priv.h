/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-domain-priv.h: the domain module's own: its document is parsed
 * (cpreg-domain.c) and edited (cpreg-domain-edit.c) here alone, and an
 * edit sets the fields it changes to what it wrote.
 */
#pragma once

#include <libxml/tree.h>

#include "cpreg-domain.h"

/* @node's first child element @name in namespace @ns (NULL: none) */
xmlNode *virCpregXmlChild(xmlNode *node, const char *ns, const char *name);
gboolean virCpregXmlIsElement(xmlNode *node, const char *ns, const char *name);
