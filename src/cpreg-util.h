/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-util.h: what every module needs and glib does not give: enum
 * string tables from one list, monotonic deadlines, and what each of our
 * programs does first
 *
 * Internal: not installed, nothing here is exported.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- enum <-> string ---------------------------------------------------- */

/*
 * One list of strings per enum, in the enum's order, as libvirt's
 * VIR_ENUM_DECL/VIR_ENUM_IMPL: the list is the single source of truth.
 *
 *   VIR_CPREG_ENUM_DECL(virCpregFoo, virCpregFooKind);      (a header)
 *   VIR_CPREG_ENUM_IMPL(virCpregFoo, virCpregFooKind, VIR_CPREG_FOO_LAST,
 *                       "bar", "baz");                     (the .c)
 *
 * give virCpregFooToString(kind) (NULL out of range) and
 * virCpregFooFromString(str) (-1 for an unknown string, or NULL), and
 * fail the build when the list and VIR_CPREG_FOO_LAST disagree. The
 * IMPL declares what it defines, so an enum private to one file needs no
 * DECL.
 */
const char *virCpregEnumToString(const char *const *names, guint n, int value);
int virCpregEnumFromString(const char *const *names, guint n, const char *str);

#define VIR_CPREG_ENUM_DECL(name, type) \
    const char *name##ToString(type value); \
    int name##FromString(const char *str)

#define VIR_CPREG_ENUM_IMPL(name, type, last, ...) \
    VIR_CPREG_ENUM_DECL(name, type); \
    static const char *const name##Names[] = { __VA_ARGS__ }; \
    const char *name##ToString(type value) \
    { \
        return virCpregEnumToString(name##Names, G_N_ELEMENTS(name##Names), \
                                    (int)value); \
    } \
    int name##FromString(const char *str) \
    { \
        return virCpregEnumFromString(name##Names, G_N_ELEMENTS(name##Names), \
                                      str); \
    } \
    G_STATIC_ASSERT(G_N_ELEMENTS(name##Names) == (last))

/* ---- sorted arrays of records keyed by a register id ------------------- */

/*
 * For g_array_binary_search() and g_array_sort() over records whose first
 * member is a guint64 register id (profile entries, trials, policy rules;
 * each such type asserts it with G_STATIC_ASSERT).
 */
int virCpregCompareIds(gconstpointer a, gconstpointer b);

/* ---- deadlines ---------------------------------------------------------- */

/*
 * A point on g_get_monotonic_time()'s clock (CLOCK_MONOTONIC, in µs) by
 * which something must be done; .end_us 0 is no deadline at all (for
 * g_cond_wait_until() and clock_nanosleep(), .end_us is the time).
 *
 * virCpregDeadlineRemainingMs() is what poll() wants: the milliseconds
 * left, rounded up so that a wait never ends before the deadline (and
 * never spins on a last fraction of a millisecond), 0 once it has
 * passed, -1 (wait for ever) for no deadline.
 */
typedef struct {
    gint64 end_us;
} virCpregDeadline;

#define VIR_CPREG_DEADLINE_NONE ((virCpregDeadline){ 0 })

virCpregDeadline virCpregDeadlineIn(guint budget_ms);
virCpregDeadline virCpregDeadlineFrom(gint64 start_us, guint budget_ms);
int virCpregDeadlineRemainingMs(virCpregDeadline deadline);
gboolean virCpregDeadlineExpired(virCpregDeadline deadline);

/* ---- a program's start ------------------------------------------------- */

void virCpregProgramInit(void);

G_END_DECLS
