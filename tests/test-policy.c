/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-policy.c: the site's policy files, and what they do to verdicts;
 * the domain XML and its pins
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-error.h"
#include "cpreg-verdict.h"
#include "testutils.h"

typedef struct {
    const char *name;
    const char *json;
    const char *expect;      /* after the file name: JSON path and problem */
} BadPolicy;

#define HEAD "{\"libvirt-cpreg-policy\": 1, \"rules\": ["

static const BadPolicy badPolicies[] = {
    { "unknown-register", HEAD "{\"register\": \"TCR3_EL1\", \"action\": \"deny\"}]}",
      ": rules[0].register: unknown register 'TCR3_EL1'" },
    { "unknown-action", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"allow\"}]}",
      ": rules[0].action: expected ignore-if-present, require-value, pin, deny or warn" },
    { "unknown-member", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"warn\", \"vaule\": \"0x1\"}]}",
      ": rules[0]: unknown member 'vaule'" },
    { "missing-register", HEAD "{\"action\": \"warn\"}]}", ": rules[0]: missing 'register'" },
    { "bad-hex", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"require-value\", \"value\": \"zero\"}]}",
      ": rules[0].value: 'zero' is not a hexadecimal number" },
    { "require-without-value", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"require-value\"}]}",
      ": rules[0]: require-value needs a 'value'" },
    { "value-outside-mask", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"require-value\", "
      "\"value\": \"0x3\", \"mask\": \"0x1\"}]}", ": rules[0]: 'value' has bits outside 'mask'" },
    { "pin-other-register", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"pin\"}]}",
      ": rules[0]: no vCPU property pins this register" },
    { "pin-bad-value", HEAD "{\"register\": \"PSCI_VERSION\", \"action\": \"pin\", \"value\": \"one\"}]}",
      ": rules[0].value: not a value of this property" },
    { "pin-wrong-property", HEAD "{\"register\": \"PSCI_VERSION\", \"action\": \"pin\", "
      "\"property\": \"kvm-steal-time\"}]}", ": rules[0].property: this register is pinned through 'kvm-psci-version'" },
    { "second-rule", HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"warn\"}, 7]}",
      ": rules[1]: expected an object" },
    { "not-a-policy", "{\"rules\": []}", ": $: not a libvirt-cpreg policy of version 1" },
    { "version-2", "{\"libvirt-cpreg-policy\": 2, \"rules\": []}", ": $: not a libvirt-cpreg policy" },
    { "rules-not-array", "{\"libvirt-cpreg-policy\": 1, \"rules\": {}}", ": rules: expected an array" },
    { "truncated", HEAD "{\"register\": \"TCR2", ":1: unexpected end of JSON data" },
    { "not-utf8", HEAD "{\"register\": \"TCR2_EL1\xff\"}]}", ":1: not valid UTF-8" },
};

static void
testBadPolicy(void **state)
{
    const BadPolicy *c = *state;
    g_autofree char *path = testWriteTemp(c->name, c->json, -1);
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    g_autoptr(GError) error = NULL;

    assert_false(virCpregPolicyLoadFile(policy, path, &error));
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    if (!g_str_has_prefix(error->message, path) || !strstr(error->message, c->expect))
        fail_msg("got '%s', want '%s%s'", error->message, path, c->expect);
}

static virCpregProfile *
loadLab(const char *kernel)
{
    g_autofree char *rel = g_strdup_printf("lab/linux-%s-max-pmu.regs", kernel);
    g_autofree char *path = testFixture(rel);

    return virCpregProfileLoad(path, NULL);
}

static virCpregVerdict *
checkWith(const char *src, const char *dst, const char *qemu,
          const char *policyJson, const virCpregDomain *domain)
{
    g_autoptr(virCpregProfile) a = loadLab(src);
    g_autoptr(virCpregProfile) b = loadLab(dst);
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    g_autoptr(GError) error = NULL;
    virCpregCheckOptions opts = { .dest_qemu = qemu, .domain = domain };
    virCpregVerdict *v;

    if (policyJson) {
        g_autofree char *path = testWriteTemp("policy.json", policyJson, -1);
        if (!virCpregPolicyLoadFile(policy, path, &error))
            fail_msg("%s", error->message);
    }
    opts.policy = policy;
    if (!(v = virCpregCheck(a, b, &opts, &error)))
        fail_msg("%s", error->message);
    /* the verdict keeps no pointer into the policy past rendering here */
    return v;
}

static const virCpregFinding *
findingFor(const virCpregVerdict *v, guint64 id, virCpregRule rule)
{
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        if (f->id == id && f->rule == rule)
            return f;
    }
    return NULL;
}

/* deny turns an accepted difference into a veto; warn only warns */
static void
testDenyAndWarn(void **state)
{
    /* 6.1 -> 7.2 on 11.1 is allowed; PMCR_EL0 differs (0x410130ac, 0x3000) */
    g_autoptr(virCpregVerdict) plain = checkWith("6.1", "7.2", "11.1", NULL, NULL);
    g_autoptr(virCpregVerdict) denied = checkWith("6.1", "7.2", "11.1",
        HEAD "{\"register\": \"PMCR_EL0\", \"action\": \"deny\", \"reason\": \"site rule 7\"}]}", NULL);
    g_autoptr(virCpregVerdict) warned = checkWith("6.1", "7.2", "11.1",
        HEAD "{\"register\": \"PMCR_EL0\", \"action\": \"warn\"}]}", NULL);
    const virCpregFinding *f;
    g_autofree char *msg = NULL;

    (void)state;
    assert_int_equal(plain->kind, VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES);
    assert_int_equal(denied->kind, VIR_CPREG_VERDICT_VETO);
    f = findingFor(denied, VIR_CPREG_SYSREG(3, 3, 9, 12, 0), VIR_CPREG_RULE_POLICY_DENY);
    assert_non_null(f);
    msg = virCpregFindingMessage(denied, f);
    assert_string_equal(msg, "PMCR_EL0 differs and the site policy denies any difference (site rule 7)");
    assert_int_equal(warned->kind, VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES);
    assert_non_null(findingFor(warned, VIR_CPREG_SYSREG(3, 3, 9, 12, 0), VIR_CPREG_RULE_POLICY_WARN));
}

/*
 * A policy cannot make QEMU ignore what it does not: "ignore" for TCR2
 * on 11.0 still vetoes, and names the QEMU that would.
 */
static void
testIgnoreCannotOverrideQemu(void **state)
{
    g_autoptr(virCpregVerdict) v = checkWith("6.12", "7.2", "11.0",
        HEAD "{\"register\": \"TCR2_EL1\", \"action\": \"ignore-if-present\"}]}", NULL);
    const virCpregFinding *f = findingFor(v, VIR_CPREG_SYSREG(3, 0, 2, 0, 3),
                                          VIR_CPREG_RULE_QEMU_UNKNOWN_TOLERATED_LATER);
    g_autofree char *remedy = NULL;

    (void)state;
    assert_int_equal(v->kind, VIR_CPREG_VERDICT_VETO);
    assert_non_null(f);
    remedy = virCpregFindingRemedy(v, f);
    assert_string_equal(remedy, "use QEMU 11.1 or later on the destination, which tolerates TCR2_EL1");
    assert_string_equal(v->fix_qemu, "11.1");
}

/*
 * A stricter site: VENDOR_HYP_BMAP_2 must be 0 even where QEMU would
 * drop it unseen (7.2 -> 6.12 on 10.0, past the destination's end).
 */
static void
testRequireValue(void **state)
{
    g_autoptr(virCpregProfile) a = loadLab("7.2");
    g_autoptr(virCpregProfile) b = loadLab("6.12");
    virCpregEntry *bmap2 = (virCpregEntry *)virCpregProfileFind(a, VIR_CPREG_VENDOR_HYP_BMAP_2);
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    virCpregCheckOptions opts = { .dest_qemu = "10.0", .policy = policy };
    g_autoptr(virCpregVerdict) v = NULL;

    (void)state;
    assert_non_null(bmap2);
    bmap2->value = 0x1;     /* a guest that discovered implementation CPUs */
    v = virCpregCheck(a, b, &opts, NULL);
    assert_non_null(v);
    assert_non_null(findingFor(v, VIR_CPREG_VENDOR_HYP_BMAP_2, VIR_CPREG_RULE_QEMU_PAST_END_DROPPED));
    /* the built-in rule: ignore if present, only at 0 */
    assert_non_null(findingFor(v, VIR_CPREG_VENDOR_HYP_BMAP_2, VIR_CPREG_RULE_POLICY_VALUE));
}

/* The policy's pin value is the remedy's. */
static void
testPinValue(void **state)
{
    g_autoptr(virCpregVerdict) v = checkWith("7.2", "6.12", "11.1",
        HEAD "{\"register\": \"PSCI_VERSION\", \"action\": \"pin\", \"value\": \"1.0\"}]}", NULL);
    const virCpregFinding *f = findingFor(v, VIR_CPREG_PSCI_VERSION, VIR_CPREG_RULE_KVM_PSCI_VERSION);
    g_autofree char *remedy = NULL;

    (void)state;
    assert_non_null(f);
    remedy = virCpregFindingRemedy(v, f);
    assert_string_equal(remedy, "start the guest on the source with kvm-psci-version=1.0");
}

static virCpregDomain *
domain(const char *extra)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
        "  <name>guest1</name>\n"
        "  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>\n"
        "  <os><type arch='aarch64' machine='virt-10.0'>hvm</type></os>\n"
        "  <cpu mode='host-passthrough'/>\n"
        "  <devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices>\n"
        "%s"
        "</domain>\n", extra);
    g_autoptr(GError) error = NULL;
    virCpregDomain *d = virCpregDomainParse("domain.xml", xml, strlen(xml), &error);

    if (!d)
        fail_msg("%s", error->message);
    return d;
}

#define PSCI_PIN(v) \
    "  <qemu:commandline>\n" \
    "    <qemu:arg value='-global'/>\n" \
    "    <qemu:arg value='host-arm-cpu.kvm-psci-version=" v "'/>\n" \
    "  </qemu:commandline>\n"

/*
 * Source 7.2 started with kvm-psci-version=1.1: the stream carries 1.1,
 * which 6.12 takes; what remains is ID_AA64MMFR2_EL1.NV.
 */
static void
testDomainPin(void **state)
{
    g_autoptr(virCpregDomain) d = domain(PSCI_PIN("1.1"));
    g_autoptr(virCpregVerdict) v = checkWith("7.2", "6.12", "11.1", NULL, d);
    g_autoptr(virCpregVerdict) old = checkWith("7.2", "6.12", "10.0", NULL, d);
    g_autoptr(virCpregDomain) bad = domain(PSCI_PIN("1.3"));
    g_autoptr(virCpregVerdict) refused = checkWith("6.12", "6.12", "11.1", NULL, bad);

    (void)state;
    assert_string_equal(d->psci_pin, "1.1");
    assert_string_equal(d->name, "guest1");
    assert_string_equal(d->emulator, "/usr/bin/qemu-system-aarch64");
    assert_int_equal(v->kind, VIR_CPREG_VERDICT_VETO);
    assert_false(virCpregVerdictBlocking(v, VIR_CPREG_PSCI_VERSION));
    assert_true(virCpregVerdictBlocking(v, VIR_CPREG_SYSREG(3, 0, 0, 7, 2)));
    /* QEMU 10.0 has no kvm-psci-version: it would not even start */
    assert_non_null(findingFor(old, VIR_CPREG_PSCI_VERSION, VIR_CPREG_RULE_PIN_NO_PROPERTY));
    /* a pin the destination kernel does not implement */
    assert_non_null(findingFor(refused, VIR_CPREG_PSCI_VERSION, VIR_CPREG_RULE_PIN_REFUSED));
}

static void
testDomainFeatures(void **state)
{
    g_autoptr(virCpregDomain) d = domain("  <features><pmu state='off'/></features>\n");
    g_autoptr(virCpregProfile) a = loadLab("7.2");
    virCpregCheckOptions opts = { .domain = d };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregVerdict) v = virCpregCheck(a, a, &opts, &error);

    (void)state;
    assert_null(v);
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    assert_non_null(strstr(error->message, "the domain's vCPU has no pmu"));
}

typedef struct {
    const char *name;
    const char *xml;
    const char *expect;
} BadXml;

static const BadXml badXml[] = {
    { "xxe", "<?xml version='1.0'?>\n<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
      "<domain><name>&x;</name></domain>", "domain.xml: a domain XML may not have a document type declaration" },
    { "billion-laughs", "<?xml version='1.0'?>\n<!DOCTYPE l [\n <!ENTITY a \"aaaaaaaaaa\">\n"
      " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n<domain><name>&b;</name></domain>",
      "domain.xml: a domain XML may not have a document type declaration" },
    { "not-well-formed", "<domain>\n<name>x</nam>\n</domain>", "domain.xml:2: not well-formed XML" },
    { "other-root", "<network/>", "not a libvirt domain XML" },
    { "not-utf8", "<domain><name>caf\xe9</name></domain>", "domain.xml:1: not valid UTF-8" },
    { "empty", "", "not well-formed XML" },
};

/*
 * The built-in rules and their reasons, as the kernel's history gives
 * them: PSCI 1.3 is the default from 6.13; TCR2_EL1 (0fcb4eea5345) and
 * the S1PIE registers (a68cddbe47ef) are listed whatever the CPU by 6.5
 * to 6.12; VENDOR_HYP_BMAP_2 is new in 6.15 and harmless only at 0.
 */
static void
testBuiltinReasons(void **state)
{
    static const struct {
        const char *reg;
        virCpregPolicyAction action;
        const char *reason;
    } builtins[] = {
        { "KVM_REG_ARM_PSCI_VERSION", VIR_CPREG_POLICY_PIN,
          "kernel 6.13 defaults to PSCI 1.3, which older kernels refuse" },
        { "TCR2_EL1", VIR_CPREG_POLICY_IGNORE_IF_PRESENT,
          "listed whatever the CPU by kernels 6.5 to 6.12 (0fcb4eea5345 hides it in 6.13)" },
        { "PIRE0_EL1", VIR_CPREG_POLICY_IGNORE_IF_PRESENT,
          "listed whatever the CPU by kernels 6.5 to 6.12 (a68cddbe47ef hides it in 6.13)" },
        { "PIR_EL1", VIR_CPREG_POLICY_IGNORE_IF_PRESENT,
          "listed whatever the CPU by kernels 6.5 to 6.12 (a68cddbe47ef hides it in 6.13)" },
        { "KVM_REG_ARM_VENDOR_HYP_BMAP_2", VIR_CPREG_POLICY_IGNORE_IF_PRESENT,
          "new in kernel 6.15; harmless only at its default 0" },
    };
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    const virCpregPolicyRule *rules;
    guint n;
    size_t i;

    (void)state;
    virCpregPolicyRules(policy, &rules, &n);
    assert_int_equal(n, G_N_ELEMENTS(builtins));
    for (i = 0; i < G_N_ELEMENTS(builtins); i++) {
        guint64 id;
        const virCpregPolicyRule *r;
        assert_true(virCpregIdParse(builtins[i].reg, &id, NULL));
        r = virCpregPolicyFind(policy, id);
        assert_non_null(r);
        assert_int_equal(r->action, builtins[i].action);
        assert_string_equal(r->reason, builtins[i].reason);
    }
}

static void
testBadXml(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(badXml); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(virCpregDomain) d = virCpregDomainParse("domain.xml", badXml[i].xml,
                                                         strlen(badXml[i].xml), &error);
        assert_null(d);
        assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
        if (!strstr(error->message, badXml[i].expect))
            fail_msg("%s: got '%s'", badXml[i].name, error->message);
    }
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testDenyAndWarn),
        cmocka_unit_test(testIgnoreCannotOverrideQemu),
        cmocka_unit_test(testRequireValue),
        cmocka_unit_test(testPinValue),
        cmocka_unit_test(testDomainPin),
        cmocka_unit_test(testDomainFeatures),
        cmocka_unit_test(testBadXml),
        cmocka_unit_test(testBuiltinReasons),
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(badPolicies); i++) {
        struct CMUnitTest t = {
            .name = badPolicies[i].name,
            .test_func = testBadPolicy,
            .initial_state = (void *)&badPolicies[i],
        };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("policy", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
