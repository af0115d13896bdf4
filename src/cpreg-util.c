/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-util.c: enum string tables, monotonic deadlines, a program's start
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n-lib.h>

#include "cpreg-util.h"
#include "cpreg-log-priv.h"

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

/*
 * What virt-cpreg, virt-cpregd and virt-cpreg-libvirt do first: the
 * user's locale, our message catalogue (from VIRT_CPREG_LOCALEDIR, for
 * tests, else the installed one), and our log writer for glib's
 * structured logging (cpreg-log.c).
 */
void
virCpregProgramInit(void)
{
    const char *localedir = g_getenv("VIRT_CPREG_LOCALEDIR");

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    g_log_set_writer_func(virCpregLogWriter, NULL, NULL);
}

int
virCpregCompareIds(gconstpointer a, gconstpointer b)
{
    guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

    return x < y ? -1 : x > y;
}
