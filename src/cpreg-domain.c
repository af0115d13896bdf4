/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-domain.c: what a libvirt domain XML says about the vCPU
 *
 * The XML is hostile until parsed: bounded size, UTF-8 only, no DTD (so
 * no entities and no billion laughs), no network access, and libxml2's
 * own limits.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cpreg-domain-priv.h"
#include "cpreg-error.h"
#include "cpreg-text.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt);

void
virCpregDomainFree(virCpregDomain *domain)
{
    if (!domain)
        return;
    g_free(domain->name);
    g_free(domain->uuid);
    g_free(domain->type);
    g_free(domain->arch);
    g_free(domain->machine);
    g_free(domain->cpu_mode);
    g_free(domain->cpu_model);
    g_free(domain->emulator);
    g_free(domain->psci_pin);
    g_free(domain->profile_text);
    if (domain->doc)
        xmlFreeDoc(domain->doc);
    g_free(domain);
}

gboolean
virCpregXmlIsElement(xmlNode *node, const char *ns, const char *name)
{
    if (node->type != XML_ELEMENT_NODE || !g_str_equal((const char *)node->name, name))
        return FALSE;
    if (!ns)
        return !node->ns;
    return node->ns && node->ns->href && g_str_equal((const char *)node->ns->href, ns);
}

xmlNode *
virCpregXmlChild(xmlNode *node, const char *ns, const char *name)
{
    xmlNode *c;

    for (c = node ? node->children : NULL; c; c = c->next) {
        if (virCpregXmlIsElement(c, ns, name))
            return c;
    }
    return NULL;
}

static xmlNode *
child(xmlNode *node, const char *name)
{
    return virCpregXmlChild(node, NULL, name);
}

static char *
prop(xmlNode *node, const char *name)
{
    xmlChar *v = node ? xmlGetNoNsProp(node, (const xmlChar *)name) : NULL;
    char *s = g_strdup((const char *)v);

    xmlFree(v);
    return s;
}

static char *
text(xmlNode *node)
{
    xmlChar *v = node ? xmlNodeGetContent(node) : NULL;
    char *s = v ? g_strstrip(g_strdup((const char *)v)) : NULL;

    xmlFree(v);
    return s;
}

/* <cpu><feature policy='require|force|disable|forbid' name='sve'/> */
static virCpregTristate
cpuFeature(xmlNode *cpu, const char *name)
{
    static const struct { const char *policy; virCpregTristate state; } policies[] = {
        { "require", VIR_CPREG_TRISTATE_ON },
        { "force", VIR_CPREG_TRISTATE_ON },
        { "optional", VIR_CPREG_TRISTATE_ABSENT },
        { "disable", VIR_CPREG_TRISTATE_OFF },
        { "forbid", VIR_CPREG_TRISTATE_OFF },
    };
    xmlNode *c;
    size_t i;

    for (c = cpu ? cpu->children : NULL; c; c = c->next) {
        g_autofree char *fname = NULL;
        g_autofree char *policy = NULL;
        if (c->type != XML_ELEMENT_NODE || !g_str_equal((const char *)c->name, "feature"))
            continue;
        fname = prop(c, "name");
        if (g_strcmp0(fname, name) != 0)
            continue;
        policy = prop(c, "policy");
        for (i = 0; i < G_N_ELEMENTS(policies); i++) {
            if (g_strcmp0(policy ? policy : "require", policies[i].policy) == 0)
                return policies[i].state;
        }
    }
    return VIR_CPREG_TRISTATE_ABSENT;
}

/* <features><pmu state='on|off'/></features> */
static virCpregTristate
pmuFeature(xmlNode *root)
{
    xmlNode *pmu = child(child(root, "features"), "pmu");
    g_autofree char *state = prop(pmu, "state");

    if (!pmu)
        return VIR_CPREG_TRISTATE_ABSENT;
    return g_strcmp0(state, "off") == 0 ? VIR_CPREG_TRISTATE_OFF : VIR_CPREG_TRISTATE_ON;
}

/*
 * kvm-psci-version pinned through <qemu:commandline>:
 * "-global" "host-arm-cpu.kvm-psci-version=1.1" (the way libvirt can say
 * it; any *-arm-cpu type: max-arm-cpu for -cpu max).
 */
static char *
psciPin(xmlNode *root)
{
    xmlNode *c, *arg;
    gboolean global = FALSE;

    for (c = root->children; c; c = c->next) {
        if (!virCpregXmlIsElement(c, VIR_CPREG_QEMU_NS, "commandline"))
            continue;
        for (arg = c->children; arg; arg = arg->next) {
            g_autofree char *value = NULL;
            const char *eq;
            if (!virCpregXmlIsElement(arg, VIR_CPREG_QEMU_NS, "arg"))
                continue;
            value = prop(arg, "value");
            if (global && value && (eq = strstr(value, "-arm-cpu.kvm-psci-version=")))
                return g_strdup(eq + strlen("-arm-cpu.kvm-psci-version="));
            global = g_strcmp0(value, "-global") == 0;
        }
    }
    return NULL;
}

/* <metadata><cpreg:profile xmlns:cpreg='...'>{JSON}</cpreg:profile> */
static char *
metadataProfile(xmlNode *root)
{
    xmlNode *c;

    for (c = child(root, "metadata") ? child(root, "metadata")->children : NULL; c; c = c->next) {
        if (virCpregXmlIsElement(c, VIR_CPREG_METADATA_NS, "profile"))
            return text(c);
    }
    return NULL;
}

static void
fillDomain(virCpregDomain *d, xmlNode *root)
{
    xmlNode *os = child(child(root, "os"), "type");
    xmlNode *cpu = child(root, "cpu");

    d->type = prop(root, "type");
    d->name = text(child(root, "name"));
    d->uuid = text(child(root, "uuid"));
    d->arch = prop(os, "arch");
    d->machine = prop(os, "machine");
    d->cpu_mode = prop(cpu, "mode");
    d->cpu_model = text(child(cpu, "model"));
    d->emulator = text(child(child(root, "devices"), "emulator"));
    d->pmu = pmuFeature(root);
    d->sve = cpuFeature(cpu, "sve");
    d->pauth = cpuFeature(cpu, "pauth");
    d->psci_pin = psciPin(root);
    d->profile_text = metadataProfile(root);
}


static const char *
skipSpace(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* The value of the pseudo-attribute @name = 'value' at *@p, or NULL. */
static char *
pseudoAttribute(const char **p, const char *end, const char *name)
{
    gsize n = strlen(name);
    const char *q = *p, *close;
    char quote;

    if ((gsize)(end - q) < n || memcmp(q, name, n) != 0)
        return NULL;
    q = skipSpace(q + n, end);
    if (q == end || *q != '=')
        return NULL;
    q = skipSpace(q + 1, end);
    if (q == end || (*q != '"' && *q != '\''))
        return NULL;
    quote = *q++;
    if (!(close = memchr(q, quote, (gsize)(end - q))))
        return NULL;
    *p = close + 1;
    return g_strndup(q, (gsize)(close - q));
}

/*
 * The encoding the XML declaration names, or NULL. The declaration can
 * only be the document's first bytes (after a UTF-8 byte order mark):
 * <?xml version='1.0' encoding='...'. Parsing is forced to UTF-8, which
 * libxml2 2.9 does by ignoring the declaration silently; libvirt honours
 * it, so a document declaring another encoding would mean one thing to
 * us and another to libvirt.
 */
static char *
declaredEncoding(const char *xml, gsize len)
{
    const char *p = xml, *end = xml + len;
    g_autofree char *version = NULL;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    if (end - p < 6 || memcmp(p, "<?xml", 5) != 0 || skipSpace(p + 5, end) == p + 5)
        return NULL;
    p = skipSpace(p + 5, end);
    if (!(version = pseudoAttribute(&p, end, "version")))
        return NULL;
    p = skipSpace(p, end);
    return pseudoAttribute(&p, end, "encoding");
}

static gboolean
isUTF8(const char *encoding)
{
    return !encoding || g_ascii_strcasecmp(encoding, "UTF-8") == 0 ||
           g_ascii_strcasecmp(encoding, "UTF8") == 0;
}

/*
 * The document, parsed as UTF-8 only, with no entity substitution, no DTD
 * loading and no network; refused when it declares another encoding or
 * has a document type declaration at all (so no entities, internal or
 * external: the parser saw it, not a scan of the bytes, so a <!DOCTYPE in
 * a comment or CDATA is text like any other).
 */
static xmlDoc *
readDocument(const char *origin, const char *xml, gsize len, GError **error)
{
    g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *declared = declaredEncoding(xml, len);
    const xmlError *xe;

    if (!ctxt)
        g_error("%s", g_strerror(ENOMEM));
    if (!isUTF8(declared)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: the domain XML declares the encoding '%2$s'; only UTF-8 is accepted"),
                    origin, declared);
        return NULL;
    }
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        xe = xmlCtxtGetLastError(ctxt);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$d: not well-formed XML: %3$s"), origin,
                    xe ? xe->line : 0,
                    xe && xe->message ? g_strchomp(xe->message) : "?");
        return NULL;
    }
    if (!isUTF8((const char *)doc->encoding)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: the domain XML declares the encoding '%2$s'; only UTF-8 is accepted"),
                    origin, (const char *)doc->encoding);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: a domain XML may not have a document type declaration (<!DOCTYPE>)"),
                    origin);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

virCpregDomain *
virCpregDomainParse(const char *origin, const char *xml, gsize len,
                    GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(virCpregDomain) domain = NULL;
    xmlNode *root;

    if (len > VIR_CPREG_DOMAIN_MAX_BYTES) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: more than %2$d bytes of domain XML"), origin,
                    VIR_CPREG_DOMAIN_MAX_BYTES);
        return NULL;
    }
    if (!virCpregTextCheckUTF8(origin, xml, len, error) ||
        !(doc = readDocument(origin, xml, len, error)))
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!root || !g_str_equal((const char *)root->name, "domain")) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: not a libvirt domain XML (no <domain> root element)"),
                    origin);
        return NULL;
    }
    /* in a default namespace, none of its elements is libvirt's, and what
     * the rewrite adds would be in that namespace too */
    if (root->ns) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: not a libvirt domain XML (its <domain> root element is in the namespace '%2$s')"),
                    origin, root->ns->href ? (const char *)root->ns->href : "");
        return NULL;
    }
    domain = g_new0(virCpregDomain, 1);
    fillDomain(domain, root);
    domain->doc = g_steal_pointer(&doc);
    return g_steal_pointer(&domain);
}

virCpregDomain *
virCpregDomainLoad(const char *path, GError **error)
{
    g_autofree char *xml = NULL;
    gsize len;

    if (!virCpregTextReadFile(path, VIR_CPREG_DOMAIN_MAX_BYTES, &xml, &len, error))
        return NULL;
    return virCpregDomainParse(path, xml, len, error);
}

gboolean
virCpregDomainIsAarch64(const virCpregDomain *domain)
{
    return g_strcmp0(domain->arch, "aarch64") == 0;
}

/* A domain without a type attribute is not one libvirt would run. */
gboolean
virCpregDomainIsKvm(const virCpregDomain *domain)
{
    return g_strcmp0(domain->type, "kvm") == 0;
}

/*
 * Whether the guest's vCPU has kvm-psci-version, the property our pin
 * sets through "-global host-arm-cpu.kvm-psci-version=X": only KVM's host
 * vCPU (host-arm-cpu, <cpu mode='host-passthrough'>; a KVM guest without
 * <cpu> is taken to be one, as aarch64 KVM has no usable other default).
 * Under TCG no vCPU has it and
 * QEMU ignores the global ("global host-arm-cpu.kvm-psci-version has
 * invalid class name", measured with QEMU 10.0 and libvirt 11.3); for
 * any other vCPU type under KVM the global does not apply either.
 */
gboolean
virCpregDomainHasPsciProperty(const virCpregDomain *domain)
{
    return g_strcmp0(domain->type, "kvm") == 0 &&
           (!domain->cpu_mode || g_str_equal(domain->cpu_mode, "host-passthrough"));
}

typedef struct {
    const char *feature;
    size_t offset;
} virCpregDomainFeature;

static const virCpregDomainFeature domainFeatures[] = {
    { "pmu", G_STRUCT_OFFSET(virCpregDomain, pmu) },
    { "sve", G_STRUCT_OFFSET(virCpregDomain, sve) },
    { "pauth", G_STRUCT_OFFSET(virCpregDomain, pauth) },
};

/*
 * A profile (@what) taken with @features describes this domain's vCPU
 * only if every feature the XML sets agrees.
 */
gboolean
virCpregDomainCheckFeatures(const virCpregDomain *domain,
                            const char *const *features, const char *what,
                            GError **error)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(domainFeatures); i++) {
        virCpregTristate want = G_STRUCT_MEMBER(virCpregTristate, domain,
                                                domainFeatures[i].offset);
        gboolean has = g_strv_contains(features, domainFeatures[i].feature);
        if (want == VIR_CPREG_TRISTATE_ABSENT ||
            has == (want == VIR_CPREG_TRISTATE_ON))
            continue;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    want == VIR_CPREG_TRISTATE_ON ?
                    _("the domain's vCPU has %1$s but the %2$s profile was taken without it: compare profiles of the guest's vCPU configuration") :
                    _("the domain's vCPU has no %1$s but the %2$s profile was taken with it: compare profiles of the guest's vCPU configuration"),
                    domainFeatures[i].feature, what);
        return FALSE;
    }
    return TRUE;
}

/*
 * The grammar of every value a domain XML hands to a QEMU command line.
 * QEMU reads "-cpu max,pmu=off" as a model and a list of properties, so a
 * model "max,x-evil=1" would set a property of the sender's choosing;
 * only these shapes pass, checked before any argv is built.
 */
#define TOKEN_MAX 64

static gboolean
tokenNameValid(const char *value)
{
    size_t i;

    if (!g_ascii_islower(value[0]) && !g_ascii_isdigit(value[0]))
        return FALSE;
    for (i = 1; value[i]; i++) {
        if (i >= TOKEN_MAX ||
            !(g_ascii_islower(value[i]) || g_ascii_isdigit(value[i]) ||
              strchr("._-", value[i])))
            return FALSE;
    }
    return TRUE;
}

/* NAME=on or NAME=off, NAME one of the vCPU features we model */
static gboolean
tokenFeatureValid(const char *value)
{
    const char *eq = strchr(value, '=');
    size_t i;

    if (!eq || (!g_str_equal(eq + 1, "on") && !g_str_equal(eq + 1, "off")))
        return FALSE;
    for (i = 0; i < G_N_ELEMENTS(domainFeatures); i++) {
        if (strlen(domainFeatures[i].feature) == (size_t)(eq - value) &&
            strncmp(domainFeatures[i].feature, value, (size_t)(eq - value)) == 0)
            return TRUE;
    }
    return FALSE;
}

static const struct {
    gboolean (*valid)(const char *value);
    const char *message;        /* %s: the value, escaped */
} domainTokens[VIR_CPREG_DOMAIN_TOKEN_LAST] = {
    [VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL] = { tokenNameValid,
        N_("the domain's vCPU model '%s' is refused: a model is 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit") },
    [VIR_CPREG_DOMAIN_TOKEN_MACHINE] = { tokenNameValid,
        N_("the domain's machine type '%s' is refused: a machine type is 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit") },
    [VIR_CPREG_DOMAIN_TOKEN_FEATURE] = { tokenFeatureValid,
        N_("the vCPU feature setting '%s' is refused: expected pmu, sve or pauth, =on or =off") },
};

gboolean
virCpregDomainTokenValid(virCpregDomainToken kind, const char *value,
                         GError **error)
{
    g_autofree char *shown = NULL;

    g_return_val_if_fail(kind < VIR_CPREG_DOMAIN_TOKEN_LAST, FALSE);
    if (value && domainTokens[kind].valid(value))
        return TRUE;
    shown = g_strescape(value ? value : "", NULL);
    if (strlen(shown) > 2 * TOKEN_MAX)
        strcpy(shown + 2 * TOKEN_MAX - 3, "...");
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _(domainTokens[kind].message), shown);
    return FALSE;
}
