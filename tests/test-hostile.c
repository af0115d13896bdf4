/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hostile.c: hostile input (issue 10): the domain XML parser's
 * encoding and DTD rules, and the smaller bugs (a leak in the findings'
 * text, registers lost from the journal, NULs in JSON strings, truncated
 * files read as whole, cpreg.conf read past its end)
 */
#include "config.h"

#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-hook.h"
#include "cpreg-id.h"
#include "cpreg-log.h"
#include "cpreg-policy.h"
#include "cpreg-text.h"
#include "cpreg-verdict.h"
#include "testutils.h"

#define LAB_612 "lab/linux-6.12-max-pmu.regs"
#define LAB_72 "lab/linux-7.2-max-pmu.regs"
#define NO_JOURNAL "/nonexistent/libvirt-cpreg-test-journal"
#define NO_POLICY "/nonexistent/libvirt-cpreg-policy.d"

static virCpregProfile *
loadView(const char *lab)
{
    g_autofree char *path = testFixture(lab);
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);

    assert_non_null(p);
    return virCpregProfileQemuView(p);
}

/* The hook's configuration: this host's profile @host, QEMU 10.0, the
 * built-in policy only. */
static virCpregConf *
hookConf(const char *host, const char *onInternalError)
{
    g_autofree char *text = g_strdup_printf("[hook]\nhost-profile=%s\nqemu-version=10.0\n"
                                            "policy-dirs=" NO_POLICY "\non-internal-error=%s\n",
                                            host, onInternalError);
    virCpregConf *conf = virCpregConfLoadData("test", text, strlen(text));

    assert_int_equal(conf->problems->len, 0);
    return conf;
}

/* ---- the domain XML: UTF-8 only, no DTD ------------------------------------ */

#define GUEST "<domain type='kvm'><name>guest1</name>" \
              "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
#define END "</domain>"
#define UTF7_DECL "<?xml version=\"1.0\" encoding=\"UTF-7\"?>"
#define LAUGHS "<!DOCTYPE domain [<!ENTITY l0 \"lollollollollollollollollollol\">" \
    "<!ENTITY l1 \"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\">" \
    "<!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\">" \
    "<!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">" \
    "<!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">" \
    "<!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\">" \
    "<!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\">" \
    "<!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">" \
    "<!ENTITY l8 \"&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;\">" \
    "<!ENTITY l9 \"&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;\">]>"

typedef struct {
    const char *name;
    const char *xml;
    gboolean utf7;          /* markup after the declaration in UTF-7 */
    gssize len;             /* -1: NUL-terminated */
    const char *expect;     /* a piece of the error, or NULL: accepted */
} XmlCase;

static const XmlCase xmlCases[] = {
    /* the bypass of the byte scan: libxml2 honours the declaration */
    { "utf7-internal-dtd", UTF7_DECL "<!DOCTYPE domain [<!ENTITY x \"hello\">]>"
      GUEST "<uuid>&x;</uuid>" END, TRUE, -1, "encoding 'UTF-7'" },
    { "utf7-external-subset", UTF7_DECL "<!DOCTYPE domain SYSTEM \"file:///etc/passwd\">"
      GUEST END, TRUE, -1, "encoding 'UTF-7'" },
    { "utf7-billion-laughs", UTF7_DECL LAUGHS GUEST "<uuid>&l9;</uuid>" END, TRUE, -1,
      "encoding 'UTF-7'" },
    /* plain ASCII that UTF-7 reads otherwise ("+AC0-" is "-") */
    { "utf7-declared", UTF7_DECL GUEST "<uuid>a+AC0-b</uuid>" END, FALSE, -1,
      "encoding 'UTF-7'" },
    { "latin1-declared", "<?xml version='1.0' encoding='ISO-8859-1'?>" GUEST END, FALSE, -1,
      "encoding 'ISO-8859-1'" },
    { "utf16-declared", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" GUEST END, FALSE, -1,
      "UTF-16" },
    { "utf16le-bom", "\xff\xfe<\0d\0o\0m\0a\0i\0n\0/\0>\0", FALSE, 18, "not valid UTF-8" },
    { "utf8-declared", "<?xml version='1.0' encoding='utf-8'?>" GUEST END, FALSE, -1, NULL },
    { "utf8-bom", "\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>" GUEST END, FALSE, -1,
      NULL },
    { "no-declaration", GUEST END, FALSE, -1, NULL },
    /* markup in text is text */
    { "doctype-in-cdata", GUEST "<description><![CDATA[<!DOCTYPE domain [<!ENTITY x 'y'>]>]]>"
      "</description>" END, FALSE, -1, NULL },
    { "doctype-in-comment", "<!-- <!DOCTYPE domain> <!ENTITY x 'y'> -->" GUEST END, FALSE, -1,
      NULL },
    { "doctype-in-attribute", GUEST "<description v='&lt;!DOCTYPE domain>'/>" END, FALSE, -1,
      NULL },
    /* libvirt's elements are in no namespace: a default one on the root
     * hid them all, and the profile the rewrite added */
    { "namespaced-root", "<domain xmlns='http://libvirt.org/schemas/domain/qemu/1.0' type='kvm'>"
      "<name>guest1</name><os><type arch='aarch64'>hvm</type></os>" END, FALSE, -1, "namespace" },
    { "prefixed-root", "<d:domain xmlns:d='urn:x' type='kvm'><name>guest1</name>"
      "<os><type arch='aarch64'>hvm</type></os></d:domain>", FALSE, -1, "namespace" },
    /* a document type declaration of any kind */
    { "internal-subset", "<!DOCTYPE domain [<!ENTITY x \"hello\">]>" GUEST "<uuid>&x;</uuid>" END,
      FALSE, -1, "document type declaration" },
    { "external-subset", "<!DOCTYPE domain SYSTEM \"file:///etc/passwd\">" GUEST END, FALSE, -1,
      "document type declaration" },
    { "public-subset", "<!DOCTYPE domain PUBLIC \"-//x//y\" \"http://127.0.0.1:1/x.dtd\">"
      GUEST END, FALSE, -1, "document type declaration" },
    { "empty-doctype", "<!DOCTYPE domain>" GUEST END, FALSE, -1, "document type declaration" },
    { "billion-laughs", LAUGHS GUEST "<uuid>&l9;</uuid>" END, FALSE, -1, "" },
    { "entity-in-attribute", LAUGHS GUEST "<uuid a='&l9;'/>" END, FALSE, -1, "" },
};

/* @plain with its markup characters written the UTF-7 way, "+ADw-" for
 * "<" ("+-" for "+"), after the XML declaration. */
static char *
utf7Markup(const char *plain)
{
    const char *body = strstr(plain, "?>") + 2;
    GString *s = g_string_new_len(plain, body - plain);
    const char *p;

    for (p = body; *p; p++) {
        guchar be[2] = { 0, (guchar)*p };
        g_autofree char *b64 = NULL;
        if (*p == '+') {
            g_string_append(s, "+-");
            continue;
        }
        if (!strchr("<>!&\"[]", *p)) {
            g_string_append_c(s, *p);
            continue;
        }
        b64 = g_base64_encode(be, 2);
        g_string_append_printf(s, "+%.3s-", b64);
    }
    return g_string_free(s, FALSE);
}

static void
testXml(void **state)
{
    const XmlCase *c = *state;
    g_autofree char *xml = c->utf7 ? utf7Markup(c->xml) : g_strdup(c->xml);
    gsize len = c->len < 0 ? strlen(xml) : (gsize)c->len;
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregDomain) d = NULL;
    gint64 start = g_get_monotonic_time();

    if (c->len >= 0) {
        g_free(xml);
        xml = g_memdup2(c->xml, len);
    }
    d = virCpregDomainParse(c->name, xml, len, &error);
    /* no entity is ever expanded: refusing costs nothing */
    assert_true(g_get_monotonic_time() - start < G_USEC_PER_SEC);
    if (!c->expect) {
        if (!d)
            fail_msg("%s: refused: %s", c->name, error->message);
        assert_string_equal(d->name, "guest1");
        assert_string_equal(d->arch, "aarch64");
        return;
    }
    if (d)
        fail_msg("%s: accepted (uuid '%s')", c->name, d->uuid ? d->uuid : "");
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    if (!g_str_has_prefix(error->message, c->name) || !strstr(error->message, c->expect))
        fail_msg("%s: got '%s', want '%s'", c->name, error->message, c->expect);
}

/*
 * The bypass through the hook: the document was admitted and echoed on
 * stdout, internal subset and all, as the live definition.
 */
static void
testHookNoDtdEcho(void **state)
{
    g_autofree char *host = testFixture(LAB_72);
    g_autoptr(virCpregProfile) src = loadView(LAB_72);
    g_autofree char *json = virCpregProfileToJSON(src);
    g_autofree char *plain = g_strdup_printf(UTF7_DECL
        "<!DOCTYPE domain [<!ENTITY x \"hello\">]>" GUEST "<uuid>&x;</uuid>"
        "<cpu mode='host-passthrough'/><metadata><cpreg:profile xmlns:cpreg='%s'>%s"
        "</cpreg:profile></metadata>" END, VIR_CPREG_METADATA_NS, json);
    g_autofree char *xml = utf7Markup(plain);
    g_autoptr(virCpregConf) conf = hookConf(host, "allow");
    g_auto(virCpregHookAnswer) answer = { 0 };

    (void)state;
    virCpregHookAnswerInit(&answer);
    virCpregHookIncoming(conf, "migrate", xml, strlen(xml), &answer);
    assert_int_equal(answer.status, 0);
    if (answer.out->len)
        fail_msg("stdout: %s", answer.out->str);
}

/* ---- the smaller bugs ------------------------------------------------------- */

/* renderFinding freed only the first of its strings (g_autofree on an
 * array): 15 leaked per message and remedy. */
static void
testFindingTextLeak(void **state)
{
    g_autoptr(virCpregProfile) src = loadView(LAB_612);
    g_autoptr(virCpregProfile) dst = loadView(LAB_72);
    virCpregCheckOptions opts = { .dest_qemu = "10.0" };
    g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, NULL);
    const virCpregFinding *f;
    struct mallinfo2 before, after;
    guint i;

    (void)state;
    assert_non_null(v);
    assert_int_equal(v->kind, VIR_CPREG_VERDICT_VETO);
    f = &g_array_index(v->findings, virCpregFinding, 0);
    g_free(virCpregFindingMessage(v, f));
    before = mallinfo2();
    for (i = 0; i < 4000; i++) {
        g_free(virCpregFindingMessage(v, f));
        g_free(virCpregFindingRemedy(v, f));
    }
    after = mallinfo2();
    /* 120,000 leaked strings would be megabytes; under ASan, mallinfo2
     * says nothing and the leak checker has the last word */
    if (after.uordblks > before.uordblks + 64 * 1024)
        fail_msg("%zu bytes more in use after 8,000 texts",
                 after.uordblks - before.uordblks);
}

static int
journalSocket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int size = 4 * 1024 * 1024;

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return fd;
}

static void
addEntry(virCpregProfile *p, guint64 id, guint64 value)
{
    virCpregEntry e = { .id = id, .value = value, .flags = VIR_CPREG_ENTRY_VALUE };
    guint i;

    for (i = 0; i < virCpregProfileCount(p) && virCpregProfileEntry(p, i)->id < id; i++)
        ;
    g_array_insert_val(p->entries, i, e);
}

static void
removeEntry(virCpregProfile *p, guint64 id)
{
    guint i;

    for (i = 0; i < virCpregProfileCount(p); i++) {
        if (virCpregProfileEntry(p, i)->id == id) {
            g_array_remove_index(p->entries, i);
            return;
        }
    }
    fail_msg("no register %#" G_GINT64_MODIFIER "x", id);
}

/*
 * The journal's CPREG_REGISTERS de-duplicated by substring: PMCR_EL0 was
 * dropped after SPMCR_EL0. A source with both, a destination with
 * neither.
 */
static void
testRegistersField(void **state)
{
    const guint64 pmcr = VIR_CPREG_SYSREG(3, 3, 9, 12, 0);
    const guint64 spmcr = VIR_CPREG_SYSREG(2, 3, 9, 12, 0);
    g_autoptr(virCpregProfile) src = loadView(LAB_72);
    g_autoptr(virCpregProfile) dst = loadView(LAB_72);
    g_autofree char *dir = g_dir_make_tmp("test-hostile-XXXXXX", NULL);
    g_autofree char *host = g_build_filename(dir, "host.json", NULL);
    g_autofree char *sock = g_build_filename(dir, "journal", NULL);
    g_autofree char *json = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(virCpregConf) conf = hookConf(host, "allow");
    g_auto(virCpregHookAnswer) answer = { 0 };
    g_auto(GStrv) fields = NULL;
    const char *registers = NULL;
    char buf[65536];
    ssize_t n;
    int fd;
    guint i;

    (void)state;
    addEntry(src, spmcr, 1);
    removeEntry(dst, pmcr);
    assert_true(virCpregProfileSave(dst, host, NULL));
    json = virCpregProfileToJSON(src);
    xml = g_strdup_printf(GUEST "<cpu mode='host-passthrough'/><metadata>"
                          "<cpreg:profile xmlns:cpreg='%s'>%s</cpreg:profile>"
                          "</metadata>" END, VIR_CPREG_METADATA_NS, json);
    fd = journalSocket(sock);
    g_setenv(VIR_CPREG_LOG_SOCKET_ENV, sock, TRUE);
    virCpregHookAnswerInit(&answer);
    virCpregHookIncoming(conf, "migrate", xml, strlen(xml), &answer);
    g_setenv(VIR_CPREG_LOG_SOCKET_ENV, NO_JOURNAL, TRUE);
    n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    close(fd);
    g_unlink(sock);
    g_unlink(host);
    g_rmdir(dir);
    assert_int_equal(answer.status, 1);
    assert_true(n > 0);
    buf[n] = '\0';
    fields = g_strsplit(buf, "\n", -1);
    for (i = 0; fields[i]; i++) {
        if (g_str_has_prefix(fields[i], "CPREG_REGISTERS="))
            registers = fields[i] + strlen("CPREG_REGISTERS=");
    }
    assert_non_null(registers);
    {
        g_auto(GStrv) names = g_strsplit(registers, ",", -1);
        if (!g_strv_contains((const char *const *)names, "SPMCR_EL0") ||
            !g_strv_contains((const char *const *)names, "PMCR_EL0"))
            fail_msg("CPREG_REGISTERS=%s", registers);
    }
}

/* A NUL inside a JSON string cut the string short where it was read. */
typedef struct {
    const char *name;
    const char *json;
    gboolean policy;
    const char *kernel;     /* accepted, with this kernel release */
} NulCase;

static const NulCase nulCases[] = {
    { "firecracker-addr",
      "{\"kernel_version\": \"6.1.0\", \"guest_cpu_config\": {\"reg_modifiers\": ["
      "{\"addr\": \"0x603000000013c000\\u0000junk\", \"bitmap\": \"0b1\"}]}}", FALSE, NULL },
    { "profile-kernel",
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {\"kernel\": \"6.1\\u0000x\"},"
      " \"registers\": []}", FALSE, NULL },
    { "policy-register",
      "{\"libvirt-cpreg-policy\": 1, \"rules\": [{\"register\": \"TCR2_EL1\\u0000x\","
      " \"action\": \"deny\"}]}", TRUE, NULL },
    { "policy-key",
      "{\"libvirt-cpreg-policy\": 1, \"rules\": [{\"register\": \"TCR2_EL1\","
      " \"action\": \"deny\", \"reason\\u0000x\": \"\"}]}", TRUE, NULL },
    /* a backslash, then the text u0000: no NUL */
    { "escaped-backslash",
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {\"kernel\": \"6.1\\\\u0000\"},"
      " \"registers\": []}", FALSE, "6.1\\u0000" },
};

static void
testJsonNul(void **state)
{
    const NulCase *c = *state;
    g_autoptr(GError) error = NULL;

    if (c->policy) {
        g_autofree char *path = testWriteTemp(c->name, c->json, -1);
        g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
        assert_false(virCpregPolicyLoadFile(policy, path, &error));
    } else {
        g_autoptr(virCpregProfile) p = virCpregProfileParse(c->name, c->json,
                                                            strlen(c->json), &error);
        if (c->kernel) {
            if (!p)
                fail_msg("%s: %s", c->name, error->message);
            assert_string_equal(p->ident.kernel, c->kernel);
            return;
        }
        assert_null(p);
    }
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    if (!strstr(error->message, "NUL"))
        fail_msg("%s: %s", c->name, error->message);
}

/* A file over the bound is an error even for a caller that wants no
 * GError. */
static void
testReadFileBound(void **state)
{
    g_autofree char *path = testWriteTemp("big", "0123456789abcdef", -1);
    g_autofree char *data = NULL;
    g_autoptr(GError) error = NULL;
    gsize len = 0;

    (void)state;
    assert_false(virCpregTextReadFile(path, 8, &data, &len, NULL));
    assert_null(data);
    assert_false(virCpregTextReadFile(path, 8, &data, &len, &error));
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    assert_null(data);
    assert_true(virCpregTextReadFile(path, 16, &data, &len, NULL));
    assert_int_equal(len, 16);
    assert_string_equal(data, "0123456789abcdef");
}

/*
 * cpreg.conf from memory is @len bytes, not a C string: what follows them
 * is not configuration (it was split up to the next NUL, and read past
 * the end of a buffer that had none).
 */
static void
testConfDataBound(void **state)
{
    static const char text[] = "[hook]\non-internal-error=deny\n"
                               "on-internal-error=allow\nhost-profile=/tmp/x\n";
    gsize len = strstr(text, "on-internal-error=allow") - text;
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("bounded", text, len);

    (void)state;
    assert_int_equal(conf->on_internal_error, VIR_CPREG_ON_DENY);
    assert_null(conf->host_profile);
    assert_int_equal(conf->problems->len, 0);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, FALSE, sizeof(struct CMUnitTest));
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(xmlCases); i++) {
        struct CMUnitTest t = cmocka_unit_test_prestate(testXml, (void *)&xmlCases[i]);
        t.name = xmlCases[i].name;
        g_array_append_val(tests, t);
    }
    for (i = 0; i < G_N_ELEMENTS(nulCases); i++) {
        struct CMUnitTest t = cmocka_unit_test_prestate(testJsonNul, (void *)&nulCases[i]);
        t.name = nulCases[i].name;
        g_array_append_val(tests, t);
    }
    {
        const struct CMUnitTest rest[] = {
            cmocka_unit_test(testHookNoDtdEcho),
            cmocka_unit_test(testFindingTextLeak),
            cmocka_unit_test(testRegistersField),
            cmocka_unit_test(testReadFileBound),
            cmocka_unit_test(testConfDataBound),
        };
        g_array_append_vals(tests, rest, G_N_ELEMENTS(rest));
    }
    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
    /* the hook's journal entries: nowhere, and not to syslog */
    g_setenv(VIR_CPREG_LOG_SOCKET_ENV, NO_JOURNAL, TRUE);
    return _cmocka_run_group_tests("test-hostile", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
