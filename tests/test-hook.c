/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hook.c: virt-cpreg hook, run exactly as libvirt runs a qemu.d hook
 * (virhook.c): argv NAME OP SUBOP EXTRA, the domain XML on stdin, LC_ALL=C
 * and little else in the environment; what libvirt reads back is the exit
 * status, stdout (new XML) and stderr (shown in virsh's error).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <glib/gstdio.h>

#include "cpreg-domain.h"
#include "cpreg-metadata.h"
#include "testutils.h"

#define LAB_612 "lab/linux-6.12-max-pmu.regs"
#define LAB_72 "lab/linux-7.2-max-pmu.regs"

typedef struct {
    int status;
    char *out;
    char *err;
    char *journal;       /* every datagram the hook sent, joined */
    gint64 ms;           /* wall time */
} HookRun;

static void
hookRunClear(HookRun *r)
{
    g_free(r->out);
    g_free(r->err);
    g_free(r->journal);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HookRun, hookRunClear);

static const char domainTemplate[] =
    "<domain type='kvm'>\n"
    "  <name>guest1</name>\n"
    "  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>\n"
    "  <memory unit='KiB'>65536</memory>\n"
    "  <os><type arch='%s' machine='virt'>hvm</type></os>\n"
    "  <cpu mode='host-passthrough'/>\n"
    "  <devices><emulator>%s</emulator></devices>\n"
    "</domain>\n";

/* A guest XML, stamped with the profile of @lab (or not, for NULL). */
static char *
guestXml(const char *arch, const char *emulator, const char *lab)
{
    g_autofree char *xml = g_strdup_printf(domainTemplate, arch, emulator);
    g_autofree char *path = NULL;
    g_autoptr(virCpregProfile) p = NULL;
    g_autoptr(virCpregProfile) view = NULL;
    virCpregDomainEdit edit = { 0 };

    if (!lab)
        return g_steal_pointer(&xml);
    path = testFixture(lab);
    p = virCpregProfileLoad(path, NULL);
    view = virCpregProfileQemuView(p);
    edit.profile = view;
    return testRewrite(xml, strlen(xml), &edit);
}

/*
 * A guest of domain type @type with @cpu as its <cpu> element, stamped
 * with the profile of @lab and, unless NULL, already pinned to @pin.
 */
static char *
guestXmlCpu(const char *type, const char *cpu, const char *lab, const char *pin)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='%s'>\n"
        "  <name>guest1</name>\n"
        "  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>\n"
        "  <memory unit='KiB'>65536</memory>\n"
        "  <os><type arch='aarch64' machine='virt'>hvm</type></os>\n"
        "  %s\n"
        "  <devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices>\n"
        "</domain>\n", type, cpu);
    g_autofree char *path = testFixture(lab);
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
    g_autoptr(virCpregProfile) view = virCpregProfileQemuView(p);
    virCpregDomainEdit edit = { .profile = view, .psci_pin = pin };

    return testRewrite(xml, strlen(xml), &edit);
}

static char *
writeConf(const char *hostLab, const char *extra)
{
    g_autofree char *host = hostLab ? testFixture(hostLab) : NULL;
    g_autofree char *text = g_strdup_printf("[hook]\n%s%s%spolicy-dirs=\n%s",
                                            host ? "host-profile=" : "", host ? host : "",
                                            host ? "\n" : "", extra ? extra : "");
    static int n;
    g_autofree char *name = g_strdup_printf("cpreg-%d.conf", n++);

    return testWriteTemp(name, text, -1);
}

static int
journalSocket(char **path)
{
    static int n;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autofree char *name = g_strdup_printf("journal-%d-%d", getpid(), n++);
    g_autofree char *dir = testWriteTemp(name, "", 0);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    g_unlink(dir);
    *path = g_strdup(dir);
    g_strlcpy(sa.sun_path, *path, sizeof(sa.sun_path));
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static char *
drainJournal(int fd)
{
    GString *all = g_string_new(NULL);
    char buf[65536];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        g_string_append_len(all, buf, n);
    return g_string_free(all, FALSE);
}

static const char *extraEnv;   /* one more NAME=VALUE for the hook */

/* Runs the hook as libvirt does, with @stdinData (len bytes). */
static void
runHook(HookRun *r, const char *conf, const char *op, const char *subop,
        const char *stdinData, gssize len)
{
    g_autofree char *in = testWriteTemp("stdin.xml", stdinData, len);
    g_autofree char *sock = NULL;
    int jfd = journalSocket(&sock);
    g_autofree char *cmd = g_strdup_printf("exec %s hook guest1 %s %s - < '%s'",
                                           VIRT_CPREG, op, subop, in);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    g_autofree char *envConf = g_strdup_printf("VIRT_CPREG_CONF=%s", conf);
    g_autofree char *envSock = g_strdup_printf("VIRT_CPREG_JOURNAL_SOCKET=%s", sock);
    const char *envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", envConf, envSock, extraEnv, NULL };
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    int status;

    memset(r, 0, sizeof(*r));
    if (!g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
                      &r->out, &r->err, &status, &error))
        fail_msg("%s", error->message);
    r->ms = (g_get_monotonic_time() - start) / 1000;
    assert_true(WIFEXITED(status));
    r->status = WEXITSTATUS(status);
    r->journal = drainJournal(jfd);
    close(jfd);
    g_unlink(sock);
}

static void
testVeto(void **state)
{
    g_autofree char *xml = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", LAB_612);
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=10.0.2\n");
    g_auto(HookRun) r;

    (void)state;
    runHook(&r, conf, "migrate", "begin", xml, -1);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    if (!g_str_has_prefix(r.err, "migration vetoed: cpreg_vmstate_array_len, TCR2_EL1, PIRE0_EL1 and PIR_EL1 would fail on the destination (QEMU 10.0); fix: use QEMU 11.1 or later on the destination\n"))
        fail_msg("stderr: %s", r.err);
    assert_non_null(strstr(r.journal, "CPREG_VERDICT=veto\n"));
    assert_non_null(strstr(r.journal, "CPREG_DOMAIN=guest1\n"));
    assert_non_null(strstr(r.journal, "CPREG_DOMAIN_UUID=c7a5fdbd-cdaf-9455-926a-d65c16db1809\n"));
    assert_non_null(strstr(r.journal, "CPREG_REGISTERS=cpreg_vmstate_array_len,TCR2_EL1,PIRE0_EL1,PIR_EL1\n"));
    assert_non_null(strstr(r.journal, "MESSAGE=migration vetoed: "));
}

static void
testAllowWithChanges(void **state)
{
    g_autofree char *xml = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", LAB_612);
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=11.1.0\n");
    g_auto(HookRun) r;
    g_autoptr(virCpregDomain) d = NULL;
    g_autoptr(GError) error = NULL;

    (void)state;
    runHook(&r, conf, "migrate", "begin", xml, -1);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    d = virCpregDomainParse("stdout", r.out, strlen(r.out), &error);
    if (!d)
        fail_msg("%s", error->message);
    /* the pin, and our metadata now says where the guest lives */
    assert_string_equal(d->psci_pin, "1.1");
    assert_non_null(strstr(d->profile_json, "\"kernel\": \"7.2.13+deb14-arm64\""));
    assert_string_equal(d->name, "guest1");
    assert_non_null(strstr(r.journal, "CPREG_VERDICT=allow-with-changes\n"));
}

/*
 * The pin is "-global host-arm-cpu.kvm-psci-version=X": only KVM's host
 * vCPU has the property. A TCG guest (QEMU 10.0 under libvirt 11.3 says
 * "global host-arm-cpu.kvm-psci-version has invalid class name" and runs
 * without it) or another vCPU type gets no pin it would not take: the
 * guest is let in unchanged but for our metadata, with a warning.
 */
static void
testNoPinWithoutProperty(void **state)
{
    static const struct { const char *type, *cpu; } guests[] = {
        { "qemu", "<cpu mode='custom'><model>max</model></cpu>" },
        { "kvm", "<cpu mode='maximum'/>" },
        { "kvm", "<cpu mode='custom'><model>cortex-a57</model></cpu>" },
    };
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=11.1.0\n");
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(guests); i++) {
        g_autofree char *xml = guestXmlCpu(guests[i].type, guests[i].cpu, LAB_612, NULL);
        g_auto(HookRun) r;
        g_autoptr(virCpregDomain) d = NULL;

        runHook(&r, conf, "restore", "begin", xml, -1);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.err, "");
        assert_non_null(d = virCpregDomainParse("stdout", r.out, strlen(r.out), NULL));
        if (d->psci_pin || strstr(r.out, "kvm-psci-version"))
            fail_msg("%s %s got a pin it cannot take:\n%s", guests[i].type, guests[i].cpu, r.out);
        assert_non_null(strstr(d->profile_json, "\"kernel\": \"7.2.13+deb14-arm64\""));
        assert_non_null(strstr(r.journal, "CPREG_VERDICT=allow\n"));
    }
}

/*
 * A pin such a guest already carries (virt-cpreg pin, an older hook) does
 * nothing, so it does not stop QEMU 10.0, which lacks the property, from
 * starting: no "QEMU will not start" veto.
 */
static void
testInertPinNoVeto(void **state)
{
    g_autofree char *xml = guestXmlCpu("qemu", "<cpu mode='custom'><model>max</model></cpu>",
                                       LAB_72, "1.1");
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=10.0.2\n");
    g_auto(HookRun) r;

    (void)state;
    runHook(&r, conf, "restore", "begin", xml, -1);
    if (r.status != 0)
        fail_msg("vetoed: %s", r.err);
    assert_non_null(strstr(r.journal, "CPREG_VERDICT=allow\n"));
}

static void
testAllow(void **state)
{
    g_autofree char *xml = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", LAB_72);
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=10.0.2\n");
    g_auto(HookRun) r;
    g_autoptr(virCpregDomain) d = NULL;

    (void)state;
    runHook(&r, conf, "restore", "begin", xml, -1);
    assert_int_equal(r.status, 0);
    d = virCpregDomainParse("stdout", r.out, strlen(r.out), NULL);
    assert_non_null(d);
    assert_null(d->psci_pin);
    assert_non_null(d->profile_json);
}

static void
testMissingProfile(void **state)
{
    g_autofree char *xml = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", NULL);
    g_autofree char *allow = writeConf(LAB_72, NULL);
    g_autofree char *deny = writeConf(LAB_72, "on-missing-profile=deny\n");
    g_auto(HookRun) r1;
    g_auto(HookRun) r2;

    (void)state;
    runHook(&r1, allow, "migrate", "begin", xml, -1);
    assert_int_equal(r1.status, 0);
    assert_string_equal(r1.out, "");
    assert_non_null(strstr(r1.journal, "virt-cpreg stamp guest1"));
    runHook(&r2, deny, "migrate", "begin", xml, -1);
    assert_int_equal(r2.status, 1);
    assert_true(g_str_has_prefix(r2.err, "libvirt-cpreg: guest 'guest1' carries no vCPU register profile, refusing it"));
}

/* Not ours to judge, or not an operation that decides: 0, silently. */
static void
testSilent(void **state)
{
    static const struct { const char *op, *subop; } ops[] = {
        { "prepare", "begin" }, { "start", "begin" }, { "started", "begin" },
        { "stopped", "end" }, { "release", "end" }, { "migrate", "end" },
        { "attach", "begin" },
    };
    g_autofree char *arm = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", LAB_612);
    g_autofree char *x86 = guestXml("x86_64", "/usr/bin/qemu-system-x86_64", NULL);
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=10.0\n");
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(ops); i++) {
        g_auto(HookRun) r;
        runHook(&r, conf, ops[i].op, ops[i].subop, arm, -1);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, "");
        assert_string_equal(r.err, "");
    }
    {
        g_auto(HookRun) r;
        runHook(&r, conf, "migrate", "begin", x86, -1);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, "");
        assert_string_equal(r.err, "");
    }
}

/* reconnect never fails, whatever is broken. */
static void
testReconnect(void **state)
{
    g_autofree char *conf = testWriteTemp("broken.conf", "[hook\nnot a key file", -1);
    g_auto(HookRun) r;

    (void)state;
    runHook(&r, conf, "reconnect", "begin", "\x01\x02 garbage", -1);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
}

typedef struct {
    const char *name;
    char *(*make)(gsize *len);
    const char *text;
} BadStdin;

static char *
makeHuge(gsize *len)
{
    *len = 9 * 1024 * 1024;
    return g_malloc0(*len);
}

static const BadStdin badStdin[] = {
    { "garbage", NULL, "\x7f" "ELF\x02\x01\x01 not xml at all" },
    { "empty", NULL, "" },
    { "huge", makeHuge, NULL },
    { "xxe", NULL, "<?xml version='1.0'?>\n<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
      "<domain><name>&x;</name><os><type arch='aarch64'>hvm</type></os></domain>" },
    { "billion-laughs", NULL, "<?xml version='1.0'?>\n<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
      "<domain><name>&c;</name></domain>" },
    { "bad-metadata", NULL, "<domain><name>g</name><os><type arch='aarch64'>hvm</type></os>"
      "<metadata><cpreg:profile xmlns:cpreg='http://libvirt-cpreg.org/xmlns/metadata/1.0'>"
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {}, \"registers\": [{\"id\": \"0xzz\"}]}"
      "</cpreg:profile></metadata></domain>" },
};

/*
 * Hostile stdin: on-internal-error=allow lets the guest in unchanged
 * (exit 0, no XML); deny refuses it with a reason. Never a crash.
 */
static void
testBadStdin(void **state)
{
    g_autofree char *allow = writeConf(LAB_72, "qemu-version=10.0\n");
    g_autofree char *deny = writeConf(LAB_72, "qemu-version=10.0\non-internal-error=deny\n");
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(badStdin); i++) {
        g_autofree char *data = NULL;
        gsize len;
        g_auto(HookRun) r1;
        g_auto(HookRun) r2;

        if (badStdin[i].make) {
            data = badStdin[i].make(&len);
        } else {
            data = g_strdup(badStdin[i].text);
            len = strlen(data);
        }
        runHook(&r1, allow, "migrate", "begin", data, (gssize)len);
        if (r1.status != 0 || *r1.out)
            fail_msg("%s: status %d, stdout '%.80s'", badStdin[i].name, r1.status, r1.out);
        assert_null(strstr(r1.err, "root:"));
        runHook(&r2, deny, "migrate", "begin", data, (gssize)len);
        if (r2.status != 1 || !g_str_has_prefix(r2.err, "libvirt-cpreg: cannot check the guest's vCPU registers, refusing it"))
            fail_msg("%s: status %d, stderr '%s'", badStdin[i].name, r2.status, r2.err);
        assert_null(strstr(r2.err, "root:"));
    }
}

/* How late past its budget the hook may answer: 10%, or 40% in the asan
 * suite, where a sanitized process takes ~100 ms more to start and to
 * exit (LeakSanitizer's scan) on a loaded machine. */
#if defined(__SANITIZE_ADDRESS__)
# define BUDGET_SLACK_MS 400
#else
# define BUDGET_SLACK_MS 100
#endif

/*
 * A destination that hangs (here, an emulator whose --version never
 * answers) cannot keep libvirtd waiting: the budget holds within 10%.
 */
static void
testTimeBudget(void **state)
{
    g_autofree char *emulator = testWriteTemp("qemu-hangs", "#!/bin/sh\nexec sleep 30\n", -1);
    g_autofree char *xml = NULL;
    g_autofree char *allow = writeConf(LAB_72, "time-budget-ms=1000\n");
    g_autofree char *deny = writeConf(LAB_72, "time-budget-ms=1000\non-internal-error=deny\n");
    g_auto(HookRun) r1;
    g_auto(HookRun) r2;

    (void)state;
    g_chmod(emulator, 0755);
    xml = guestXml("aarch64", emulator, LAB_612);
    runHook(&r1, allow, "migrate", "begin", xml, -1);
    assert_int_equal(r1.status, 0);
    assert_string_equal(r1.out, "");
    if (r1.ms < 1000 || r1.ms > 1000 + BUDGET_SLACK_MS)
        fail_msg("answered after %" G_GINT64_FORMAT " ms, budget 1000 ms", r1.ms);
    assert_non_null(strstr(r1.journal, "no answer within the time budget of 1000 ms"));
    runHook(&r2, deny, "migrate", "begin", xml, -1);
    assert_int_equal(r2.status, 1);
    assert_non_null(strstr(r2.err, "no answer within the time budget of 1000 ms"));
    if (r2.ms < 1000 || r2.ms > 1000 + BUDGET_SLACK_MS)
        fail_msg("answered after %" G_GINT64_FORMAT " ms, budget 1000 ms", r2.ms);
}

static void
testBadConfig(void **state)
{
    g_autofree char *xml = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", LAB_612);
    g_autofree char *conf = testWriteTemp("bad.conf", "[hook]\ntime-budget-ms=forever\n", -1);
    g_auto(HookRun) r;

    (void)state;
    runHook(&r, conf, "migrate", "begin", xml, -1);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.journal, "time-budget-ms: expected 100 to 600000, not 'forever'"));
}

/*
 * No host-profile=: the hook probes this host with a scratch QEMU like
 * the guest's (here TCG, -cpu max) and caches it for the boot. The source
 * was stamped from the same QEMU, so the guest is let in.
 */
static void
testProbedHost(void **state)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-aarch64");
    g_autofree char *cache = NULL;
    g_autofree char *env = NULL;
    g_autofree char *conf = writeConf(NULL, "qemu-version=10.0.2\n");
    g_autofree char *profilePath = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GString) tcg = NULL;
    g_autoptr(virCpregProfile) src = NULL;
    virCpregDomainEdit edit = { 0 };
    const char *probeArgv[] = { VIRT_CPREG, "probe", "--via", "qemu", "--accel", "tcg",
                                "--cpu", "max", NULL };
    g_auto(HookRun) r1;
    g_auto(HookRun) r2;
    int status;

    (void)state;
    if (!qemu)
        skip();
    cache = g_dir_make_tmp("cpreg-hook-cache-XXXXXX", NULL);
    env = g_strdup_printf("VIRT_CPREG_CACHE_DIR=%s", cache);
    g_setenv("VIRT_CPREG_CACHE_DIR", cache, TRUE);
    assert_true(g_spawn_sync(NULL, (char **)probeArgv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, NULL, &status, NULL));
    assert_int_equal(WEXITSTATUS(status), 0);
    profilePath = testWriteTemp("tcg-source.json", out, -1);
    src = virCpregProfileLoad(profilePath, NULL);
    assert_non_null(src);
    tcg = g_string_new(NULL);
    g_string_printf(tcg, "<domain type='qemu'><name>guest1</name>"
                    "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
                    "<cpu mode='custom'><model>max</model></cpu>"
                    "<devices><emulator>%s</emulator></devices></domain>", qemu);
    edit.profile = src;
    xml = testRewrite(tcg->str, tcg->len, &edit);
    extraEnv = env;
    runHook(&r1, conf, "restore", "begin", xml, -1);
    runHook(&r2, conf, "restore", "begin", xml, -1);
    extraEnv = NULL;
    if (r1.status != 0 || !strstr(r1.journal, "CPREG_VERDICT=allow\n"))
        fail_msg("status %d, stderr %s, journal %s", r1.status, r1.err, r1.journal);
    assert_non_null(strstr(r1.out, "\"source\": \"qemu-stream\""));
    /* the second run reads this boot's cache: no second QEMU */
    assert_int_equal(r2.status, 0);
    assert_true(r2.ms < r1.ms || r2.ms < 100);
}

/* What we put into <metadata> is what schemas/metadata.rng says. */
static void
testMetadataSchema(void **state)
{
    g_autofree char *xml = guestXml("aarch64", "/usr/bin/qemu-system-aarch64", LAB_612);
    g_autofree char *rng = g_build_filename(SCHEMADIR, "metadata.rng", NULL);
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewParserCtxt(rng);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctx);
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    xmlDocPtr one = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr n;

    (void)state;
    assert_non_null(schema);
    assert_non_null(doc);
    /* <domain><metadata><cpreg:profile> */
    for (n = xmlDocGetRootElement(doc)->children; n && !xmlStrEqual(n->name, (const xmlChar *)"metadata"); n = n->next)
        ;
    assert_non_null(n);
    for (n = n->children; n && n->type != XML_ELEMENT_NODE; n = n->next)
        ;
    assert_non_null(n);
    xmlDocSetRootElement(one, xmlDocCopyNode(n, one, 1));
    assert_int_equal(xmlRelaxNGValidateDoc(vctx, one), 0);
    xmlFreeDoc(one);
    xmlFreeDoc(doc);
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctx);
}

static void
testUsage(void **state)
{
    const char *argv[] = { VIRT_CPREG, "hook", "guest1", "migrate", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    (void)state;
    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, &err, &status, NULL));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_non_null(strstr(err, "expected NAME OP SUBOP EXTRA"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testVeto),
        cmocka_unit_test(testAllowWithChanges),
        cmocka_unit_test(testAllow),
        cmocka_unit_test(testNoPinWithoutProperty),
        cmocka_unit_test(testInertPinNoVeto),
        cmocka_unit_test(testMissingProfile),
        cmocka_unit_test(testSilent),
        cmocka_unit_test(testReconnect),
        cmocka_unit_test(testBadStdin),
        cmocka_unit_test(testTimeBudget),
        cmocka_unit_test(testBadConfig),
        cmocka_unit_test(testUsage),
        cmocka_unit_test(testMetadataSchema),
        cmocka_unit_test(testProbedHost),
    };

    return cmocka_run_group_tests_name("hook", tests, NULL, NULL);
}
