/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-util.c: the util layer: enum string tables
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEnumRoundTrip),
        cmocka_unit_test(testEnumOutOfRange),
    };

    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
