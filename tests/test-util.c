/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-util.c: the util layer: enum string tables, deadlines
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEnumRoundTrip),
        cmocka_unit_test(testEnumOutOfRange),
        cmocka_unit_test(testDeadlineNone),
        cmocka_unit_test(testDeadlinePassed),
        cmocka_unit_test(testDeadlineRemaining),
    };

    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
