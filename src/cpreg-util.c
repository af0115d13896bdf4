/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-util.c: enum string tables
 */
#include "config.h"

#include "cpreg-util.h"

const char *
virCpregEnumToString(const char *const *names, guint n, int value)
{
    if (value < 0 || (guint)value >= n)
        return NULL;
    return names[value];
}

int
virCpregEnumFromString(const char *const *names, guint n, const char *str)
{
    guint i;

    if (!str)
        return -1;
    for (i = 0; i < n; i++) {
        if (names[i] && g_str_equal(names[i], str))
            return (int)i;
    }
    return -1;
}
