/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-util.c: enum string tables, monotonic deadlines
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

virCpregDeadline
virCpregDeadlineFrom(gint64 start_us, guint budget_ms)
{
    return (virCpregDeadline){ .end_us = start_us + (gint64)budget_ms * 1000 };
}

virCpregDeadline
virCpregDeadlineIn(guint budget_ms)
{
    return virCpregDeadlineFrom(g_get_monotonic_time(), budget_ms);
}

int
virCpregDeadlineRemainingMs(virCpregDeadline deadline)
{
    gint64 left;

    if (!deadline.end_us)
        return -1;
    left = deadline.end_us - g_get_monotonic_time();
    if (left <= 0)
        return 0;
    return (int)MIN((left + 999) / 1000, G_MAXINT);
}

gboolean
virCpregDeadlineExpired(virCpregDeadline deadline)
{
    return deadline.end_us && g_get_monotonic_time() >= deadline.end_us;
}
