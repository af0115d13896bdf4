/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-conf.c: cpreg.conf, key by key; an invalid line never weakens the
 * decision the admin configured; the emulator allow-list
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cpreg-conf.h"
#include "cpreg-error.h"
#include "testutils.h"

typedef struct {
    const char *name;
    const char *text;
    virCpregOnAction on_internal_error;
    virCpregOnAction on_missing_profile;
    unsigned int budget;
    const char *problem_key;     /* NULL: the file is valid */
    const char *problem;         /* a substring of that problem's message */
} ConfCase;

#define A VIR_CPREG_ON_ALLOW
#define D VIR_CPREG_ON_DENY

static const ConfCase confCases[] = {
    { "empty", "", A, A, 5000, NULL, NULL },
    { "valid", "[hook]\non-internal-error=deny\ntime-budget-ms=900\n", D, A, 900, NULL, NULL },
    /* the defect of issue 10: one typo elsewhere turned deny into allow */
    { "typo-elsewhere-keeps-deny", "[hook]\non-internal-error=deny\ntime-budget-ms=forever\n",
      D, A, 5000, "time-budget-ms", "expected 100 to 600000, not 'forever'; using 5000 instead" },
    { "unknown-key-keeps-deny", "[hook]\non-missing-profile=deny\nhost-profiel=/x\n",
      A, D, 5000, "host-profiel", "unknown key 'host-profiel' in [hook]" },
    { "invalid-decision-denies", "[hook]\non-internal-error=alow\n",
      D, A, 5000, "on-internal-error", "expected allow or deny, not 'alow'; using deny instead" },
    { "missing-equals-line", "[hook]\non-missing-profile deny\non-internal-error=deny\n",
      D, D, 5000, "on-missing-profile", "line 2" },
    { "garbage-line-kept-apart", "[hook]\n%%%\non-internal-error=deny\n",
      D, A, 5000, NULL, "line 2" },
    { "key-before-group", "on-internal-error=deny\n[hook]\n", A, A, 5000, NULL,
      "a key outside [hook]" },
    { "relative-host-profile", "[hook]\nhost-profile=host.json\n", A, A, 5000,
      "host-profile", "'host.json' is not an absolute path" },
    { "bad-qemu-version", "[hook]\nqemu-version=banana\n", A, A, 5000,
      "qemu-version", "expected a QEMU version such as 10.0.2, not 'banana'" },
    { "relative-emulator", "[hook]\nemulators=/usr/bin/qemu-system-aarch64;qemu\n", A, A, 5000,
      "emulators", "'qemu' is not an absolute path" },
    { "later-line-wins", "[hook]\non-internal-error=allow\non-internal-error=deny\n", D, A, 5000,
      NULL, NULL },
};

static void
testConfCase(void **state)
{
    const ConfCase *c = *state;
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("cpreg.conf", c->text, strlen(c->text));
    g_autofree char *all = virCpregConfProblemsText(conf);

    assert_int_equal(conf->on_internal_error, c->on_internal_error);
    assert_int_equal(conf->on_missing_profile, c->on_missing_profile);
    assert_int_equal(conf->time_budget_ms, c->budget);
    if (!c->problem) {
        if (all)
            fail_msg("%s: unexpected problems: %s", c->name, all);
        return;
    }
    assert_non_null(all);
    if (c->problem_key) {
        const virCpregConfProblem *p = virCpregConfProblemFor(conf, c->problem_key);
        assert_non_null(p);
        if (!strstr(p->message, c->problem))
            fail_msg("%s: got '%s'", c->name, p->message);
    } else if (!strstr(all, c->problem)) {
        fail_msg("%s: got '%s'", c->name, all);
    }
}

/* A file that exists but cannot be read: both decisions fall back to deny. */
static void
testUnreadable(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("cpreg-conf-XXXXXX", NULL);
    g_autoptr(virCpregConf) conf = NULL;

    (void)state;
    /* a directory where the file should be reads as EISDIR, even as root */
    conf = virCpregConfLoadFile(dir);
    assert_int_equal(conf->on_internal_error, VIR_CPREG_ON_DENY);
    assert_int_equal(conf->on_missing_profile, VIR_CPREG_ON_DENY);
    assert_int_equal(conf->problems->len, 1);
    testRemoveTree(dir);
}

static void
testMissingIsDefaults(void **state)
{
    g_autoptr(virCpregConf) conf = virCpregConfLoadFile("/nonexistent/cpreg.conf");

    (void)state;
    assert_int_equal(conf->on_internal_error, VIR_CPREG_ON_ALLOW);
    assert_int_equal(conf->problems->len, 0);
    assert_string_equal(conf->emulators[0], "/usr/bin/qemu-system-aarch64");
}

static void
testNotText(void **state)
{
    static const char bin[] = "[hook]\non-internal-error=allow\n\0\xff";
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("cpreg.conf", bin, sizeof(bin) - 1);

    (void)state;
    assert_int_equal(conf->on_internal_error, VIR_CPREG_ON_DENY);
}

/* The allow-list: membership, then root ownership of the file and its directory. */
static void
testEmulatorAllowList(void **state)
{
    g_autofree char *dir = g_dir_make_tmp("cpreg-emu-XXXXXX", NULL);
    g_autofree char *emu = g_build_filename(dir, "qemu-system-aarch64", NULL);
    g_autofree char *text = g_strdup_printf("[hook]\nemulators=%s;/bin/sh\n", emu);
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("cpreg.conf", text, strlen(text));
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    g_autoptr(GError) e4 = NULL;

    (void)state;
    assert_true(g_file_set_contents(emu, "#!/bin/sh\n", -1, NULL));
    chmod(emu, 0755);
    chmod(dir, 0755);
    assert_false(virCpregConfEmulatorAllowed(conf, "/usr/bin/qemu-system-aarch64", &e1));
    assert_non_null(strstr(e1->message, "is not in the allow-list"));
    assert_false(virCpregConfEmulatorAllowed(conf, "qemu-system-aarch64", &e2));
    if (geteuid() == 0) {
        assert_true(virCpregConfEmulatorAllowed(conf, emu, NULL));
        chmod(emu, 0757);
        assert_false(virCpregConfEmulatorAllowed(conf, emu, &e3));
        assert_non_null(strstr(e3->message, "must be owned by root and writable by nobody else"));
        chmod(emu, 0755);
        chmod(dir, 0777);
        assert_false(virCpregConfEmulatorAllowed(conf, emu, &e4));
    } else {
        assert_false(virCpregConfEmulatorAllowed(conf, emu, &e3));
    }
    testRemoveTree(dir);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testUnreadable),
        cmocka_unit_test(testMissingIsDefaults),
        cmocka_unit_test(testNotText),
        cmocka_unit_test(testEmulatorAllowList),
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(confCases); i++) {
        struct CMUnitTest t = {
            .name = confCases[i].name,
            .test_func = testConfCase,
            .initial_state = (void *)&confCases[i],
        };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("conf", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
