/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-profile.c: reading every real fixture, the JSON and dump round
 * trips, and hostile input
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-profile-priv.h"
#include "cpreg-text.h"
#include "testutils.h"

/* The "# registers: N" comment of a lab dump, read by the test itself. */
static guint
labCount(const char *text)
{
    const char *p = strstr(text, "# registers: ");

    assert_non_null(p);
    return (guint)atoi(p + strlen("# registers: "));
}

/* The number of "addr" members of a Firecracker fingerprint. */
static guint
firecrackerCount(const char *text)
{
    guint n = 0;
    const char *p = text;

    while ((p = strstr(p, "\"addr\""))) {
        n++;
        p++;
    }
    return n;
}

static void
assertSameProfile(const virCpregProfile *a, const virCpregProfile *b)
{
    guint i;

    assert_int_equal(virCpregProfileCount(a), virCpregProfileCount(b));
    for (i = 0; i < virCpregProfileCount(a); i++)
        assert_memory_equal(virCpregProfileEntry(a, i), virCpregProfileEntry(b, i),
                            sizeof(virCpregEntry));
    assert_string_equal(a->ident.kernel, b->ident.kernel);
    assert_string_equal(a->ident.source, b->ident.source);
    assert_int_equal(a->ident.has_midr, b->ident.has_midr);
    assert_int_equal(a->ident.midr, b->ident.midr);
    assert_int_equal(g_strv_length(a->ident.features), g_strv_length(b->ident.features));
    for (i = 0; a->ident.features[i]; i++)
        assert_string_equal(a->ident.features[i], b->ident.features[i]);
}

static void
testFixtures(void **state)
{
    g_autoptr(GPtrArray) files = testFixtureFiles();
    guint i;

    (void)state;
    for (i = 0; i < files->len; i++) {
        const char *path = files->pdata[i];
        g_autofree char *text = NULL;
        g_autofree char *json = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, &error);
        g_autoptr(virCpregProfile) q = NULL;

        if (!p)
            fail_msg("%s", error->message);
        assert_true(g_file_get_contents(path, &text, NULL, NULL));
        if (g_str_has_suffix(path, ".regs")) {
            assert_int_equal(virCpregProfileCount(p), labCount(text));
            assert_string_equal(p->ident.source, "dump");
        } else {
            assert_int_equal(virCpregProfileCount(p), firecrackerCount(text));
            assert_string_equal(p->ident.source, "firecracker");
        }
        assert_non_null(p->ident.kernel);
        /* every fixture has MIDR_EL1, so the identity knows the host */
        assert_true(p->ident.has_midr);

        /* read → write JSON → read is identity */
        json = virCpregProfileToJSON(p);
        q = virCpregProfileParse(path, json, strlen(json), &error);
        if (!q)
            fail_msg("%s: %s", path, error->message);
        assertSameProfile(p, q);
    }
}

/* write a dump → read it is identity, down to every field the JSON has */
static void
assertDumpRoundTrip(const virCpregProfile *p)
{
    g_autofree char *dump = virCpregProfileToDump(p);
    g_autofree char *want = virCpregProfileToJSON(p);
    g_autofree char *got = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) q = NULL;

    if (!dump)
        fail_msg("%s: a dump cannot carry it", p->origin);
    q = virCpregProfileParse(p->origin, dump, strlen(dump), &error);
    if (!q)
        fail_msg("%s: %s", p->origin, error->message);
    got = virCpregProfileToJSON(q);
    assert_string_equal(got, want);
}

static void
testDumpRoundTrip(void **state)
{
    g_autoptr(GPtrArray) files = testFixtureFiles();
    static const char *const streams[] = { "streams/virt-max-smp2.qemu",
                                           "streams/virt-max-smp2.save" };
    guint i;

    (void)state;
    for (i = 0; i < files->len + G_N_ELEMENTS(streams); i++) {
        g_autofree char *path = i < files->len ? g_strdup(files->pdata[i]) :
                                testFixture(streams[i - files->len]);
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
        g_autoptr(virCpregProfile) view = NULL;

        assert_non_null(p);
        view = virCpregProfileQemuView(p);
        assertDumpRoundTrip(p);
        assertDumpRoundTrip(view);
    }
}

/* The features a profile's registers show are those it was probed with:
 * every lab profile (4 kernels x 8 vCPU configurations) */
static void
testInferFeatures(void **state)
{
    g_autoptr(GPtrArray) files = testFixtureFiles();
    guint i, n = 0;

    (void)state;
    for (i = 0; i < files->len; i++) {
        g_autoptr(virCpregProfile) p = NULL;
        g_autofree char *declared = NULL;
        g_autofree char *inferred = NULL;

        if (!strstr(files->pdata[i], "/lab/"))
            continue;
        p = virCpregProfileLoad(files->pdata[i], NULL);
        assert_non_null(p);
        assert_false(p->ident.features_inferred);
        declared = g_strjoinv("+", p->ident.features);
        virCpregProfileInferFeatures(p);
        inferred = g_strjoinv("+", p->ident.features);
        assert_true(p->ident.features_inferred);
        if (!g_str_equal(declared, inferred))
            fail_msg("%s: probed with '%s', its registers show '%s'",
                     (char *)files->pdata[i], declared, inferred);
        n++;
    }
    assert_int_equal(n, 32);
}

/* A stream names no features: they are inferred, and said to be */
static void
testStreamFeatures(void **state)
{
    g_autofree char *path = testFixture("streams/virt-max-smp2.qemu");
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
    g_autofree char *features = NULL;
    g_autofree char *dump = NULL;

    (void)state;
    assert_non_null(p);
    features = g_strjoinv("+", p->ident.features);
    /* QEMU's TCG max has all three */
    assert_string_equal(features, "pauth+pmu+sve");
    assert_true(p->ident.features_inferred);
    assert_non_null(p->ident.machine_type);
    assert_true(g_str_has_prefix(p->ident.machine_type, "virt"));
    dump = virCpregProfileToDump(p);
    assert_non_null(strstr(dump, "# vCPU features: pauth+pmu+sve (inferred from the registers)\n"));
}

/* The hexadecimal the writers use, without printf */
static void
testFormatHex(void **state)
{
    static const struct { guint64 lo, hi; guint width; const char *want64, *want128; } cases[] = {
        { 0, 0, 1, "0x0", "0x0" },
        { 0x2, 0, 16, "0x0000000000000002", "0x2" },
        { 0x6030000000100000ULL, 0, 16, "0x6030000000100000", "0x6030000000100000" },
        { 0x1, 0x2, 1, "0x1", "0x20000000000000001" },
        { G_MAXUINT64, G_MAXUINT64, 1, "0xffffffffffffffff",
          "0xffffffffffffffffffffffffffffffff" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) a = g_string_new("x");
        g_autoptr(GString) b = g_string_new("x");
        g_autofree char *printed = g_strdup_printf("x0x%0*" G_GINT64_MODIFIER "x",
                                                   (int)cases[i].width, cases[i].lo);
        virCpregTextFormatHex64(a, cases[i].lo, cases[i].width);
        virCpregTextFormatHex128(b, cases[i].lo, cases[i].hi);
        assert_string_equal(a->str + 1, cases[i].want64);
        assert_string_equal(a->str, printed);
        assert_string_equal(b->str + 1, cases[i].want128);
    }
}

/* What a dump has no syntax for: it refuses, and FILE.regs says why. */
static void
testDumpRefuses(void **state)
{
    g_autofree char *path = testFixture("lab/linux-6.1-max-pmu.regs");
    static const char *const hosts[] = { "two\nlines", " padded", "tab\there" };
    g_autofree char *dir = g_dir_make_tmp("test-profile-XXXXXX", NULL);
    g_autofree char *regs = g_build_filename(dir, "host.regs", NULL);
    g_autofree char *json = g_build_filename(dir, "host.json", NULL);
    g_autoptr(GError) error = NULL;
    size_t i;

    (void)state;
    for (i = 0; i <= G_N_ELEMENTS(hosts); i++) {
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
        g_autoptr(virCpregProfile) back = NULL;
        g_autofree char *text = NULL;
        assert_non_null(p);
        if (i < G_N_ELEMENTS(hosts)) {
            g_free(p->ident.host);
            p->ident.host = g_strdup(hosts[i]);
        } else {
            virCpregTrial t = { .id = virCpregProfileEntry(p, 0)->id };
            g_array_append_val(p->trials, t);
        }
        assert_null(virCpregProfileToDump(p));
        /* the compact text falls back to JSON, which carries it all */
        text = virCpregProfileToText(p);
        back = virCpregProfileParse("text", text, strlen(text), NULL);
        assert_non_null(back);
        assert_string_equal(back->ident.host, p->ident.host);
        assert_false(virCpregProfileSave(p, regs, &error));
        assert_non_null(strstr(error->message, "cannot carry"));
        g_clear_error(&error);
        assert_true(virCpregProfileSave(p, json, NULL));
    }
    g_unlink(regs);
    g_unlink(json);
    g_rmdir(dir);
}

typedef struct {
    const char *file;
    const char *kernel;
    const char *features;     /* joined with '+' */
} IdentityCase;

static const IdentityCase identityCases[] = {
    { "lab/linux-6.1-max-base.regs", "6.1.0-50-arm64", "" },
    { "lab/linux-6.12-max-pmu-sve-ptrauth.regs", "6.12.107+deb13-arm64", "pauth+pmu+sve" },
    { "lab/linux-7.2-max-sve-ptrauth.regs", "7.2.13+deb14-arm64", "pauth+sve" },
    { "firecracker/fingerprint_ARM_NEOVERSE_V2_6.18host.json",
      "6.18.30-61.116.amzn2023.aarch64", "" },
};

static void
testIdentity(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(identityCases); i++) {
        g_autofree char *path = testFixture(identityCases[i].file);
        g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
        g_autofree char *features = NULL;

        assert_non_null(p);
        features = g_strjoinv("+", p->ident.features);
        assert_string_equal(p->ident.kernel, identityCases[i].kernel);
        assert_string_equal(features, identityCases[i].features);
    }
}

static void
testQemuView(void **state)
{
    g_autofree char *path = testFixture("lab/linux-7.2-max-pmu-sve.regs");
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
    g_autoptr(virCpregProfile) v = NULL;
    guint i, core = 0, sve = 0;

    (void)state;
    assert_non_null(p);
    v = virCpregProfileQemuView(p);
    for (i = 0; i < virCpregProfileCount(p); i++) {
        guint64 id = virCpregProfileEntry(p, i)->id;
        core += (id & 0x0fff0000ULL) == 0x00100000ULL;
        sve += (id & 0x0fff0000ULL) == 0x00150000ULL;
    }
    /* 34 user_pt_regs + sp_el1, elr_el1, 5 spsr + fpsr, fpcr: with SVE,
     * KVM lists no FPSIMD V registers (the Z registers hold them) */
    assert_int_equal(core, 34 + 2 + 5 + 2);
    /* 32 Z + 16 P + FFR + VLS */
    assert_int_equal(sve, 32 + 16 + 1 + 1);
    assert_int_equal(virCpregProfileCount(v), virCpregProfileCount(p) - core - sve);
    assert_null(virCpregProfileFind(v, 0x6030000000100000ULL));
    assert_non_null(virCpregProfileFind(v, 0x603000000013c000ULL));
    assert_non_null(virCpregProfileFind(p, 0x606000000015ffffULL));
}

static void
testDuplicateSameValue(void **state)
{
    static const char dump[] =
        "0x603000000013c000 0x410fd0c0\n"
        "0x6030000000140000 0x10001\n"
        "0x603000000013c000 0x410fd0c0\n";
    g_autofree char *path = testWriteTemp("dup-same", dump, -1);
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);

    (void)state;
    assert_non_null(p);
    assert_int_equal(virCpregProfileCount(p), 2);
    assert_int_equal(virCpregProfileEntry(p, 0)->id, 0x603000000013c000ULL);
    assert_int_equal(p->ident.midr, 0x410fd0c0);
}

typedef struct {
    const char *name;
    char *(*make)(gsize *len);   /* builds the content, or NULL: use text */
    const char *text;
    const char *expect;          /* after "<file>": where and what */
} BadCase;

static char *
makeHugeDump(gsize *len)
{
    GString *s = g_string_sized_new(20 * 1000000);
    guint i;

    for (i = 0; i < 1000000; i++)
        g_string_append_printf(s, "0x%016" G_GINT64_MODIFIER "x 0x0\n",
                               (guint64)(0x6030000000130000ULL + i));
    *len = s->len;
    return g_string_free(s, FALSE);
}

static char *
makeTooManyRegisters(gsize *len)
{
    GString *s = g_string_new(NULL);
    guint i;

    for (i = 0; i < VIR_CPREG_PROFILE_MAX_REGS + 10; i++)
        g_string_append_printf(s, "0x%016" G_GINT64_MODIFIER "x\n",
                               (guint64)(0x6030000000130000ULL + i));
    *len = s->len;
    return g_string_free(s, FALSE);
}

static char *
makeNul(gsize *len)
{
    static const char text[] = "0x603000000013c000 0x1\n\n\n0x60\0003 0x1\n";

    *len = sizeof(text) - 1;
    return g_memdup2(text, sizeof(text));
}

static char *
makeDeepJSON(gsize *len)
{
    GString *s = g_string_new("{\"libvirt-cpreg-profile\": ");
    guint i;

    for (i = 0; i < 100000; i++)
        g_string_append_c(s, '[');
    *len = s->len;
    return g_string_free(s, FALSE);
}

static const BadCase badCases[] = {
    { "truncated-json", NULL,
      "{\n  \"libvirt-cpreg-profile\": 1,\n  \"registers\": [\n    {\"id\": \"0x60",
      ":4: unexpected end of JSON data" },
    { "bad-hex-dump", NULL, "# x\n0x603000000013c000 0xZZ\n", ":2: expected '0x<id>" },
    { "bad-hex-json", NULL,
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {},\n"
      " \"registers\": [{\"id\": \"0x603000000013c000\"}, {\"id\": \"0xqq\"}]}",
      ": registers[1].id: '0xqq' is not a hexadecimal number" },
    { "huge-dump", makeHugeDump, NULL, "more than 4194304 bytes" },
    { "too-many-registers", makeTooManyRegisters, NULL,
      ":8193: more than 8192 registers" },
    { "duplicate-ids", NULL,
      "0x603000000013c000 0x1\n0x6030000000140000 0x10001\n0x603000000013c000 0x2\n",
      ":3: register MIDR_EL1 is listed again with another value (first at " },
    { "duplicate-ids-json", NULL,
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {}, \"registers\": ["
      "{\"id\": \"0x6030000000140000\", \"value\": \"0x1\"},"
      "{\"id\": \"0x6030000000140000\", \"value\": \"0x10001\"}]}",
      ": registers[1]: register KVM_REG_ARM_PSCI_VERSION is listed again" },
    { "other-arch", NULL, "0x603000000013c000 0x1\n0x2030000000000000 0x0\n",
      ":2: 0x2030000000000000 is not an arm64 KVM register id" },
    { "not-utf8", NULL, "0x603000000013c000 0x1\n# caf\xe9\n", ":2: not valid UTF-8" },
    { "nul-byte", makeNul, NULL, ":4: not valid UTF-8" },
    { "empty", NULL, "", ": no registers" },
    { "comments-only", NULL, "# kernel: 6.1\n", ": no registers" },
    { "four-columns", NULL, "0x603000000013c000 0x1 0x2 0x3\n", ":1: expected" },
    { "value-too-wide", NULL, "0x603000000013c000 0x1000000000000000000000000000000001\n",
      ":1: expected" },
    { "json-version", NULL,
      "{\"libvirt-cpreg-profile\": 2, \"identity\": {}, \"registers\": []}",
      ": unsupported profile version" },
    { "json-registers", NULL,
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {}, \"registers\": {}}",
      ": 'registers' must be an array" },
    { "json-feature", NULL,
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {\"features\": [\"mte\"]}, \"registers\": []}",
      ": identity.features[0]: not a vCPU feature" },
    { "json-trailing", NULL,
      "{\"libvirt-cpreg-profile\": 1, \"identity\": {}, \"registers\": []}\n}\n",
      ":2: " },
    { "json-other", NULL, "{\"hello\": 1}", ": JSON but not a register profile" },
    { "json-deep", makeDeepJSON, NULL, ":1: invalid JSON: nesting too deep" },
    { "firecracker-bitmap", NULL,
      "{\"kernel_version\": \"6.1\", \"guest_cpu_config\": {\"reg_modifiers\": ["
      "{\"addr\": \"0x603000000013c000\", \"bitmap\": \"0b102\"}]}}",
      ": guest_cpu_config.reg_modifiers[0].bitmap: not a binary value" },
    { "firecracker-addr", NULL,
      "{\"kernel_version\": \"6.1\", \"guest_cpu_config\": {\"reg_modifiers\": ["
      "{\"addr\": 5, \"bitmap\": \"0b1\"}]}}",
      ": guest_cpu_config.reg_modifiers[0].addr: expected a string" },
};

static void
testBadInput(void **state)
{
    const BadCase *c = *state;
    g_autofree char *data = NULL;
    g_autofree char *path = NULL;
    g_autofree char *expect = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) p = NULL;
    gsize len;

    if (c->make) {
        data = c->make(&len);
    } else {
        data = g_strdup(c->text);
        len = strlen(c->text);
    }
    path = testWriteTemp(c->name, data, (gssize)len);
    p = virCpregProfileLoad(path, &error);
    assert_null(p);
    assert_non_null(error);
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    /* the message names the file, then where in it */
    expect = g_strconcat(path, c->expect, NULL);
    if (!strstr(error->message, path) || !strstr(error->message, c->expect))
        fail_msg("%s: got '%s', want '%s'", c->name, error->message, expect);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testFixtures),
        cmocka_unit_test(testIdentity),
        cmocka_unit_test(testDumpRoundTrip),
        cmocka_unit_test(testDumpRefuses),
        cmocka_unit_test(testFormatHex),
        cmocka_unit_test(testInferFeatures),
        cmocka_unit_test(testStreamFeatures),
        cmocka_unit_test(testQemuView),
        cmocka_unit_test(testDuplicateSameValue),
    };
    size_t i;

    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    for (i = 0; i < G_N_ELEMENTS(badCases); i++) {
        struct CMUnitTest t = {
            .name = badCases[i].name,
            .test_func = testBadInput,
            .initial_state = (void *)&badCases[i],
        };
        g_array_append_val(tests, t);
    }
    return _cmocka_run_group_tests("profile", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
