/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-util.c: the util layer: enum string tables, deadlines; the exit
 * statuses of virt-cpreg(1)
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cpreg-error.h"
#include "cpreg-exit.h"
#include "cpreg-util.h"

typedef enum {
    FRUIT_APPLE,
    FRUIT_PEAR,
    FRUIT_QUINCE,
    FRUIT_LAST
} Fruit;

VIR_CPREG_ENUM_IMPL(fruit, Fruit, FRUIT_LAST, "apple", "pear", "quince");

static void
testEnumRoundTrip(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < FRUIT_LAST; i++)
        assert_int_equal(fruitFromString(fruitToString(i)), i);
    assert_string_equal(fruitToString(FRUIT_PEAR), "pear");
    assert_int_equal(fruitFromString("quince"), FRUIT_QUINCE);
}

static void
testEnumOutOfRange(void **state)
{
    (void)state;
    assert_null(fruitToString(FRUIT_LAST));
    assert_null(fruitToString((Fruit)-1));
    assert_int_equal(fruitFromString("plum"), -1);
    assert_int_equal(fruitFromString("Apple"), -1);
    assert_int_equal(fruitFromString(""), -1);
    assert_int_equal(fruitFromString(NULL), -1);
}

static void
testDeadlineNone(void **state)
{
    (void)state;
    assert_int_equal(virCpregDeadlineRemainingMs(VIR_CPREG_DEADLINE_NONE), -1);
    assert_false(virCpregDeadlineExpired(VIR_CPREG_DEADLINE_NONE));
}

static void
testDeadlinePassed(void **state)
{
    virCpregDeadline now = virCpregDeadlineIn(0);
    /* a budget that counts from an earlier start (the hook's exec) */
    virCpregDeadline before = virCpregDeadlineFrom(g_get_monotonic_time() - 2 * G_USEC_PER_SEC, 1000);

    (void)state;
    assert_true(virCpregDeadlineExpired(now));
    assert_int_equal(virCpregDeadlineRemainingMs(now), 0);
    assert_true(virCpregDeadlineExpired(before));
    assert_int_equal(virCpregDeadlineRemainingMs(before), 0);
}

/* The milliseconds left are rounded up: a poll() for that long never
 * wakes before the deadline. */
static void
testDeadlineRemaining(void **state)
{
    virCpregDeadline d = virCpregDeadlineIn(10000);
    int ms = virCpregDeadlineRemainingMs(d);
    gint64 after = g_get_monotonic_time();

    (void)state;
    assert_false(virCpregDeadlineExpired(d));
    assert_in_range(ms, 5000, 10000);
    assert_true((gint64)ms * 1000 >= d.end_us - after);
    d = virCpregDeadlineFrom(g_get_monotonic_time(), 30);
    g_usleep(40 * 1000);
    assert_true(virCpregDeadlineExpired(d));
}

/* virt-cpreg(1), EXIT STATUS: 2 bad usage or input, 4 internal error */
static void
testExitForError(void **state)
{
    static const struct {
        GQuark domain;
        int code;
        int status;
    } cases[] = {
        { 0, VIR_CPREG_ERROR_INPUT, 2 },
        { 0, VIR_CPREG_ERROR_USAGE, 2 },
        { 0, VIR_CPREG_ERROR_UNSUPPORTED, 2 },
        { 0, VIR_CPREG_ERROR_INTERNAL, 4 },
        { 0, 99, 4 },
        { 1, G_OPTION_ERROR_BAD_VALUE, 2 },
        { 2, G_FILE_ERROR_NOENT, 2 },
    };
    const GQuark domains[] = { VIR_CPREG_ERROR, G_OPTION_ERROR, G_FILE_ERROR };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) e = g_error_new_literal(domains[cases[i].domain], cases[i].code, "x");
        assert_int_equal(virCpregExitForError(e), cases[i].status);
    }
    assert_int_equal(virCpregExitForError(NULL), 4);
}

/* check: 0 allow, 1 veto, 3 uncertain; the hook answers libvirt 0 or 1,
 * and lets an uncertain guest in */
static void
testExitForVerdict(void **state)
{
    static const struct {
        virCpregVerdictKind kind;
        int check;
        int hook;
    } cases[] = {
        { VIR_CPREG_VERDICT_ALLOW, 0, 0 },
        { VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES, 0, 0 },
        { VIR_CPREG_VERDICT_VETO, 1, 1 },
        { VIR_CPREG_VERDICT_UNCERTAIN, 3, 0 },
    };
    size_t i;

    (void)state;
    assert_int_equal(G_N_ELEMENTS(cases), VIR_CPREG_VERDICT_LAST);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        assert_int_equal(virCpregExitForVerdict(cases[i].kind), cases[i].check);
        assert_int_equal(virCpregExitForHookVerdict(cases[i].kind), cases[i].hook);
    }
    assert_int_equal(virCpregExitForAction(VIR_CPREG_ON_ALLOW), 0);
    assert_int_equal(virCpregExitForAction(VIR_CPREG_ON_DENY), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEnumRoundTrip),
        cmocka_unit_test(testEnumOutOfRange),
        cmocka_unit_test(testDeadlineNone),
        cmocka_unit_test(testDeadlinePassed),
        cmocka_unit_test(testDeadlineRemaining),
        cmocka_unit_test(testExitForError),
        cmocka_unit_test(testExitForVerdict),
    };

    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
