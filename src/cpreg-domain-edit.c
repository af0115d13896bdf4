/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-domain-edit.c: edits of a domain XML
 *
 * Only <metadata> and <qemu:commandline> change: libvirt's ABI-stability
 * check on an incoming migration compares neither, so a hook may rewrite
 * them (qemu_migration.c). Everything else is serialised as parsed.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cpreg-domain-edit.h"
#include "cpreg-domain-priv.h"
#include "cpreg-error.h"


static xmlNode *
ensureChild(xmlNode *parent, const char *name)
{
    xmlNode *c = virCpregXmlChild(parent, NULL, name);

    return c ? c : xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

/* <cpreg:profile xmlns:cpreg="...">{the profile}</cpreg:profile>; returns
 * the text it put there */
static char *
stampProfile(xmlNode *root, const virCpregProfile *profile)
{
    xmlNode *metadata = ensureChild(root, "metadata");
    char *text = virCpregProfileToText(profile);
    xmlNode *old, *node;
    xmlNs *ns;

    while ((old = virCpregXmlChild(metadata, VIR_CPREG_METADATA_NS, "profile"))) {
        xmlUnlinkNode(old);
        xmlFreeNode(old);
    }
    node = xmlNewChild(metadata, NULL, (const xmlChar *)"profile", NULL);
    ns = xmlNewNs(node, (const xmlChar *)VIR_CPREG_METADATA_NS,
                  (const xmlChar *)VIR_CPREG_METADATA_PREFIX);
    xmlSetNs(node, ns);
    xmlNodeAddContent(node, (const xmlChar *)text);
    return text;
}

/* The namespace the root declares for QEMU's, or a new "qemu" one. */
static xmlNs *
qemuNs(xmlNode *root)
{
    xmlNs *ns;

    for (ns = root->nsDef; ns; ns = ns->next) {
        if (ns->href && g_str_equal((const char *)ns->href, VIR_CPREG_QEMU_NS))
            return ns;
    }
    return xmlNewNs(root, (const xmlChar *)VIR_CPREG_QEMU_NS, (const xmlChar *)"qemu");
}

/*
 * "-global host-arm-cpu.kvm-psci-version=X" (only KVM's host vCPU has the
 * property): replace the value of an existing pin, or append the two
 * arguments.
 */
static void
pinPsci(xmlNode *root, const char *version)
{
    g_autofree char *value = g_strconcat("host-arm-cpu.kvm-psci-version=", version, NULL);
    xmlNs *ns = qemuNs(root);
    xmlNode *cmd = virCpregXmlChild(root, VIR_CPREG_QEMU_NS, "commandline");
    xmlNode *arg;

    if (!cmd)
        cmd = xmlNewChild(root, ns, (const xmlChar *)"commandline", NULL);
    for (arg = cmd->children; arg; arg = arg->next) {
        xmlChar *v;
        gboolean match;
        if (!virCpregXmlIsElement(arg, VIR_CPREG_QEMU_NS, "arg"))
            continue;
        v = xmlGetNoNsProp(arg, (const xmlChar *)"value");
        match = v && strstr((const char *)v, "-arm-cpu.kvm-psci-version=") != NULL;
        xmlFree(v);
        if (match) {
            xmlSetProp(arg, (const xmlChar *)"value", (const xmlChar *)value);
            return;
        }
    }
    arg = xmlNewChild(cmd, ns, (const xmlChar *)"arg", NULL);
    xmlSetProp(arg, (const xmlChar *)"value", (const xmlChar *)"-global");
    arg = xmlNewChild(cmd, ns, (const xmlChar *)"arg", NULL);
    xmlSetProp(arg, (const xmlChar *)"value", (const xmlChar *)value);
}

/*
 * The domain's XML with @edit applied, to its own parsed document (no
 * second parse on the hook's path); the fields the edit changes take what
 * it wrote, so that @domain stays one description of one document.
 */
char *
virCpregDomainRewrite(virCpregDomain *domain, const virCpregDomainEdit *edit)
{
    xmlDoc *doc = domain->doc;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlChar *out = NULL;
    int outlen = 0;
    char *result;

    if (edit->profile) {
        g_free(domain->profile_text);
        /* as the parser reads it back: stripped */
        domain->profile_text = g_strstrip(stampProfile(root, edit->profile));
    }
    if (edit->psci_pin) {
        pinPsci(root, edit->psci_pin);
        g_free(domain->psci_pin);
        domain->psci_pin = g_strdup(edit->psci_pin);
    }
    xmlDocDumpMemoryEnc(doc, &out, &outlen, "UTF-8");
    result = g_strndup((const char *)out, outlen);
    xmlFree(out);
    return result;
}

/* The element virDomainSetMetadata() takes for our namespace. */
char *
virCpregMetadataElement(const virCpregProfile *profile)
{
    g_autofree char *json = virCpregProfileToText(profile);
    g_autofree char *escaped = g_markup_escape_text(json, -1);

    return g_strdup_printf("<profile>%s</profile>", escaped);
}
