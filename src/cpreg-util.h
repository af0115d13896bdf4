/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-util.h: what every module needs and glib does not give: enum
 * string tables from one list
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

G_END_DECLS
