/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-value.c: what a register's value means
 */
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "cpreg-value.h"
#include "cpreg-knowledge.h"

#define MAX_NAMES VIR_CPREG_VALUE_NAMES_MAX

/* The meaning of a register's value is a field of its row in
 * cpreg-knowledge.c; registers of a class row (mask) are plain numbers. */
static const virCpregRegInfo *
valueInfoOf(guint64 id)
{
    const virCpregRegInfo *info = virCpregKnowledgeReg(id);

    return info && !info->mask && info->value != VIR_CPREG_VALUE_HEX ? info : NULL;
}

virCpregValueKind
virCpregValueKindOf(guint64 id)
{
    const virCpregRegInfo *info = valueInfoOf(id);

    return info ? info->value : VIR_CPREG_VALUE_HEX;
}

/* The level or bit names of @id; NULL for other registers. */
const char *const *
virCpregValueNames(guint64 id, guint *count)
{
    const virCpregRegInfo *info = valueInfoOf(id);
    guint n = 0;

    if (!info || !info->names[0]) {
        *count = 0;
        return NULL;
    }
    while (n < MAX_NAMES && info->names[n])
        n++;
    *count = n;
    return info->names;
}

char *
virCpregPsciFormat(guint64 value)
{
    if (value >> 32)
        return g_strdup_printf("0x%" PRIx64, value);
    return g_strdup_printf("%u.%u", (unsigned int)(value >> 16),
                           (unsigned int)(value & 0xffff));
}

/* "1.1" → 0x10001 */
gboolean
virCpregPsciParse(const char *str, guint64 *value)
{
    guint64 major, minor;
    char *end;

    if (!g_ascii_isdigit(*str))
        return FALSE;
    major = g_ascii_strtoull(str, &end, 10);
    if (*end != '.' || !g_ascii_isdigit(end[1]) || major > 0xffff)
        return FALSE;
    minor = g_ascii_strtoull(end + 1, &end, 10);
    if (*end || minor > 0xffff)
        return FALSE;
    *value = major << 16 | minor;
    return TRUE;
}

static char *
formatBitmap(const virCpregRegInfo *info, guint64 value)
{
    g_autoptr(GString) out = g_string_new(NULL);
    unsigned int bit;

    for (bit = 0; bit < 64; bit++) {
        if (!(value & (1ULL << bit)))
            continue;
        if (out->len)
            g_string_append_c(out, '|');
        if (bit < MAX_NAMES && info->names[bit])
            g_string_append(out, info->names[bit]);
        else
            g_string_append_printf(out, "bit%u", bit);
    }
    if (!out->len)
        g_string_append(out, "0");
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* "1.3", "NOT_REQUIRED (2)", "FUNC_FEAT|PTP", "0x1f" */
char *
virCpregValueFormat(guint64 id, guint64 value)
{
    const virCpregRegInfo *info = valueInfoOf(id);

    if (!info)
        return g_strdup_printf("0x%" PRIx64, value);
    switch (info->value) {
    case VIR_CPREG_VALUE_PSCI:
        return virCpregPsciFormat(value);
    case VIR_CPREG_VALUE_LEVEL:
        if (value < MAX_NAMES && info->names[value])
            return g_strdup_printf("%s (%" PRIu64 ")", info->names[value], value);
        return g_strdup_printf("0x%" PRIx64, value);
    case VIR_CPREG_VALUE_BITMAP:
        return formatBitmap(info, value);
    case VIR_CPREG_VALUE_HEX:
    case VIR_CPREG_VALUE_LAST:
        break;
    }
    return g_strdup_printf("0x%" PRIx64, value);
}
