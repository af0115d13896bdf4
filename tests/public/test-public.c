/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-public.c: the public API (libvirt-cpreg.h) on real profiles, held
 * to what virt-cpreg prints for the same question
 *
 * Built with no include directory but the installed header's, and linked
 * with the shared library only.
 */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "libvirt-cpreg.h"

#define LAB FIXTUREDIR "/lab/"

/* What virt-cpreg ARGS... prints on stdout; its exit status in *@status. */
static char *
cli(int *status, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    char *out = NULL;
    const char *arg;
    va_list ap;
    int wait;

    g_ptr_array_add(argv, (char *)VIRT_CPREG);
    va_start(ap, status);
    while ((arg = va_arg(ap, const char *)))
        g_ptr_array_add(argv, (char *)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &wait, &error))
        fail_msg("%s", error->message);
    *status = WIFEXITED(wait) ? WEXITSTATUS(wait) : -1;
    return out;
}

/* check: the verdict, its text and JSON and its exit status are the CLI's */
static void
testCheck(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(cpregProfile) src = cpregProfileLoad(LAB "linux-6.12-max-pmu.regs", &error);
    g_autoptr(cpregProfile) dst = cpregProfileLoad(LAB "linux-7.2-max-pmu.regs", &error);
    cpregCheckParams params = { .dest_qemu = "10.0" };
    g_autoptr(cpregVerdict) v = NULL;
    g_autofree char *json = NULL;
    g_autofree char *text = NULL;
    g_autofree char *cliJson = NULL;
    g_autofree char *cliText = NULL;
    int status;

    (void)state;
    assert_non_null(src);
    assert_non_null(dst);
    assert_string_equal(cpregProfileGetKernel(dst), "7.2.13+deb14-arm64");
    v = cpregCheck(src, dst, &params, &error);
    assert_non_null(v);
    assert_int_equal(cpregVerdictGetKind(v), CPREG_VERDICT_VETO);
    json = cpregVerdictFormat(v, CPREG_FORMAT_JSON);
    text = cpregVerdictFormat(v, CPREG_FORMAT_TEXT);
    cliJson = cli(&status, "check", "--json", "--source", LAB "linux-6.12-max-pmu.regs",
                  "--dest", LAB "linux-7.2-max-pmu.regs", "--dest-qemu", "10.0", NULL);
    assert_int_equal(cpregVerdictExitStatus(v), status);
    assert_int_equal(status, 1);
    /* the CLI prints the JSON with puts() */
    assert_int_equal(strlen(cliJson), strlen(json) + 1);
    assert_memory_equal(cliJson, json, strlen(json));
    cliText = cli(&status, "check", "--source", LAB "linux-6.12-max-pmu.regs",
                  "--dest", LAB "linux-7.2-max-pmu.regs", "--dest-qemu", "10.0", NULL);
    assert_string_equal(cliText, text);
    assert_true(g_str_has_prefix(text, "migration vetoed: "));
}

/* with the guest's domain XML: the pin that keeps a 6.1 guest movable */
static void
testCheckDomain(void **state)
{
    static const char xml[] =
        "<domain type='kvm'><name>g</name>"
        "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
        "<cpu mode='host-passthrough'/></domain>";
    g_autoptr(cpregProfile) src = cpregProfileLoad(LAB "linux-6.1-max-pmu.regs", NULL);
    g_autoptr(cpregProfile) dst = cpregProfileLoad(LAB "linux-7.2-max-pmu.regs", NULL);
    cpregCheckParams params = { .dest_qemu = "11.1", .domain_xml = xml };
    g_autoptr(GError) error = NULL;
    g_autoptr(cpregVerdict) v = cpregCheck(src, dst, &params, &error);
    g_autoptr(cpregVerdict) bad = NULL;
    g_autofree char *json = NULL;

    (void)state;
    assert_non_null(v);
    assert_int_equal(cpregVerdictGetKind(v), CPREG_VERDICT_ALLOW_WITH_CHANGES);
    json = cpregVerdictFormat(v, CPREG_FORMAT_JSON);
    assert_non_null(strstr(json, "kvm-psci-version"));
    /* a hostile domain XML is an input error, not a crash */
    params.domain_xml = "<!DOCTYPE x [<!ENTITY a 'b'>]><domain/>";
    bad = cpregCheck(src, dst, &params, &error);
    assert_null(bad);
    assert_true(g_error_matches(error, CPREG_ERROR, CPREG_ERROR_INPUT));
}

/* profiles: errors, the formats, a save and a reload */
static void
testProfile(void **state)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(cpregProfile) missing = cpregProfileLoad(LAB "no-such.regs", &error);
    g_autoptr(cpregProfile) p = cpregProfileLoad(LAB "linux-6.1-max-pmu-sve.regs", NULL);
    g_autoptr(cpregProfile) back = NULL;
    g_autofree char *dir = g_dir_make_tmp("test-public-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "host.regs", NULL);
    g_autofree char *dump = NULL;
    g_autofree char *json = NULL;
    g_autofree char *again = NULL;

    (void)state;
    assert_null(missing);
    assert_true(g_error_matches(error, CPREG_ERROR, CPREG_ERROR_INPUT));
    assert_non_null(p);
    dump = cpregProfileFormat(p, CPREG_FORMAT_DUMP);
    json = cpregProfileFormat(p, CPREG_FORMAT_JSON);
    assert_true(cpregProfileSave(p, path, NULL));
    back = cpregProfileLoad(path, NULL);
    assert_non_null(back);
    assert_int_equal(cpregProfileGetRegisterCount(back), cpregProfileGetRegisterCount(p));
    again = cpregProfileFormat(back, CPREG_FORMAT_JSON);
    assert_string_equal(again, json);
    g_clear_pointer(&back, cpregProfileFree);
    back = cpregProfileParse("dump", dump, strlen(dump), NULL);
    assert_non_null(back);
    g_unlink(path);
    g_rmdir(dir);
}

/* diff and decode print what the CLI prints */
static void
testDiffDecode(void **state)
{
    g_autoptr(cpregProfile) a = cpregProfileLoad(LAB "linux-6.1-max-pmu.regs", NULL);
    g_autoptr(cpregProfile) b = cpregProfileLoad(LAB "linux-7.2-max-pmu.regs", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    g_autofree char *cliText = NULL;
    g_autofree char *decoded = NULL;
    g_autofree char *cliDecoded = NULL;
    g_autofree char *bogus = NULL;
    guint count = 0;
    int status;

    (void)state;
    text = cpregDiff(a, b, CPREG_FORMAT_TEXT, &count);
    cliText = cli(&status, "diff", LAB "linux-6.1-max-pmu.regs", LAB "linux-7.2-max-pmu.regs", NULL);
    assert_string_equal(text, cliText);
    assert_int_equal(status, 1);
    assert_true(count > 0);
    decoded = cpregDecode("TCR2_EL1", CPREG_FORMAT_JSON, &error);
    cliDecoded = cli(&status, "decode", "--json", "TCR2_EL1", NULL);
    assert_string_equal(decoded, cliDecoded);
    bogus = cpregDecode("NO_SUCH_REGISTER", CPREG_FORMAT_TEXT, &error);
    assert_null(bogus);
    assert_true(error->domain == CPREG_ERROR);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testCheck),
        cmocka_unit_test(testCheckDomain),
        cmocka_unit_test(testProfile),
        cmocka_unit_test(testDiffDecode),
    };

    /* the library renders in the caller's locale, as virt-cpreg does */
    setlocale(LC_ALL, "");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
