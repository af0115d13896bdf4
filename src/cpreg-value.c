/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-value.c: what a register's value means
 */
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "cpreg-value.h"

#define MAX_NAMES 4

typedef struct {
    guint64 id;
    virCpregValueKind kind;
    const char *names[MAX_NAMES];   /* level n, or bit n */
} virCpregValueInfo;

/*
 * Firmware pseudo-registers (uapi asm/kvm.h, Documentation/virt/kvm/arm/
 * fw-pseudo-registers.rst).
 */
static const virCpregValueInfo valueInfo[] = {
    { VIR_CPREG_PSCI_VERSION, VIR_CPREG_VALUE_PSCI, { NULL } },
    /* KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_{NOT_AVAIL,AVAIL,NOT_REQUIRED} */
    { VIR_CPREG_SMCCC_ARCH_WORKAROUND_1, VIR_CPREG_VALUE_LEVEL,
      { "NOT_AVAIL", "AVAIL", "NOT_REQUIRED" } },
    /* _2_{NOT_AVAIL,UNKNOWN,AVAIL,NOT_REQUIRED} */
    { VIR_CPREG_SMCCC_ARCH_WORKAROUND_2, VIR_CPREG_VALUE_LEVEL,
      { "NOT_AVAIL", "UNKNOWN", "AVAIL", "NOT_REQUIRED" } },
    /* _3_{NOT_AVAIL,AVAIL,NOT_REQUIRED} (5.17, stable backports) */
    { VIR_CPREG_SMCCC_ARCH_WORKAROUND_3, VIR_CPREG_VALUE_LEVEL,
      { "NOT_AVAIL", "AVAIL", "NOT_REQUIRED" } },
    /* KVM_REG_ARM_STD_BIT_TRNG_V1_0 */
    { VIR_CPREG_STD_BMAP, VIR_CPREG_VALUE_BITMAP, { "TRNG_V1_0" } },
    /* KVM_REG_ARM_STD_HYP_BIT_PV_TIME */
    { VIR_CPREG_STD_HYP_BMAP, VIR_CPREG_VALUE_BITMAP, { "PV_TIME" } },
    /* KVM_REG_ARM_VENDOR_HYP_BIT_{FUNC_FEAT,PTP} */
    { VIR_CPREG_VENDOR_HYP_BMAP, VIR_CPREG_VALUE_BITMAP,
      { "FUNC_FEAT", "PTP" } },
    /* KVM_REG_ARM_VENDOR_HYP_BIT_{DISCOVER_IMPL_VER,DISCOVER_IMPL_CPUS} */
    { VIR_CPREG_VENDOR_HYP_BMAP_2, VIR_CPREG_VALUE_BITMAP,
      { "DISCOVER_IMPL_VER", "DISCOVER_IMPL_CPUS" } },
};

static const virCpregValueInfo *
valueInfoOf(guint64 id)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(valueInfo); i++) {
        if (valueInfo[i].id == id)
            return &valueInfo[i];
    }
    return NULL;
}

virCpregValueKind
virCpregValueKindOf(guint64 id)
{
    const virCpregValueInfo *info = valueInfoOf(id);

    return info ? info->kind : VIR_CPREG_VALUE_HEX;
}

/* The level or bit names of @id; NULL for other registers. */
const char *const *
virCpregValueNames(guint64 id, guint *count)
{
    const virCpregValueInfo *info = valueInfoOf(id);
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
formatBitmap(const virCpregValueInfo *info, guint64 value)
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
    const virCpregValueInfo *info = valueInfoOf(id);

    if (!info)
        return g_strdup_printf("0x%" PRIx64, value);
    switch (info->kind) {
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
