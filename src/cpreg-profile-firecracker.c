/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-firecracker.c: read a Firecracker `cpu-template-helper
 * fingerprint dump` (kernel_version, guest_cpu_config.reg_modifiers[] of
 * {addr: "0x<KVM id>", bitmap: "0b<value in binary>"})
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-text.h"

/* "0b" and up to 128 binary digits: the register value. */
static gboolean
parseBitmap(const char *s, guint64 *lo, guint64 *hi)
{
    size_t len = strlen(s), i;

    *lo = *hi = 0;
    if (len < 3 || len > 2 + 128 || s[0] != '0' || s[1] != 'b')
        return FALSE;
    for (i = 2; i < len; i++) {
        if (s[i] != '0' && s[i] != '1')
            return FALSE;
        *hi = *hi << 1 | *lo >> 63;
        *lo = *lo << 1 | (guint64)(s[i] - '0');
    }
    return TRUE;
}

static gboolean
parseModifier(virCpregBuilder *b, json_object *mod, guint i, GError **error)
{
    g_autofree char *path = g_strdup_printf("guest_cpu_config.reg_modifiers[%u]", i);
    const char *origin = b->profile->origin;
    virCpregEntry e = { .flags = VIR_CPREG_ENTRY_VALUE };
    const char *addr, *bitmap;

    if (!json_object_is_type(mod, json_type_object)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: expected an object"), origin, path);
        return FALSE;
    }
    if (!virCpregJSONGetString(mod, "addr", origin, path, TRUE, &addr, error) ||
        !virCpregJSONGetString(mod, "bitmap", origin, path, TRUE, &bitmap, error))
        return FALSE;
    if (!virCpregTextParseHex64(addr, strlen(addr), &e.id)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.addr: '%3$s' is not a hexadecimal register id"),
                    origin, path, addr);
        return FALSE;
    }
    if (!parseBitmap(bitmap, &e.value, &e.value_hi)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.bitmap: not a binary value of at most 128 digits"),
                    origin, path);
        return FALSE;
    }
    return virCpregBuilderAdd(b, &e, i, error);
}

virCpregProfile *
virCpregProfileParseFirecracker(const char *origin, json_object *root,
                                GError **error)
{
    g_auto(virCpregBuilder) b = { 0 };
    json_object *config, *mods;
    const char *kernel;
    size_t i;

    if (!json_object_object_get_ex(root, "guest_cpu_config", &config) ||
        !json_object_object_get_ex(config, "reg_modifiers", &mods) ||
        !json_object_is_type(mods, json_type_array)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: guest_cpu_config.reg_modifiers must be an array"),
                    origin);
        return NULL;
    }
    if (!virCpregJSONGetString(root, "kernel_version", origin, "$", FALSE,
                               &kernel, error))
        return NULL;
    virCpregBuilderInit(&b, origin, VIR_CPREG_POS_INDEX,
                        "guest_cpu_config.reg_modifiers");
    b.profile->ident.kernel = g_strdup(kernel);
    b.profile->ident.source = g_strdup("firecracker");
    b.profile->ident.accel = g_strdup("kvm");
    for (i = 0; i < json_object_array_length(mods); i++) {
        if (!parseModifier(&b, json_object_array_get_idx(mods, i), (guint)i,
                           error))
            return NULL;
    }
    return virCpregBuilderFinish(&b, error);
}
