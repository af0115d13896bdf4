/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-render.c: what the renderers share
 */
#include "config.h"

#include <inttypes.h>

#include "cpreg-render.h"
#include "cpreg-id.h"

/* "→" where the locale can show it. */
const char *
virCpregRenderArrow(void)
{
    const char *charset;

    return g_get_charset(&charset) ? "→" : "->";
}

/* "TCR2_EL1 (3,0,2,0,3) 0x603000000013c103" */
char *
virCpregRenderRegisterLabel(guint64 id)
{
    char name[VIR_CPREG_NAME_MAX];
    virCpregIdInfo info;
    const char *label = virCpregIdFormat(id, name);

    virCpregIdDecode(id, &info);
    if (info.klass == VIR_CPREG_CLASS_SYSREG && info.canonical && info.name)
        return g_strdup_printf("%s (%u,%u,%u,%u,%u) 0x%016" PRIx64, label,
                               info.u.sys.op0, info.u.sys.op1, info.u.sys.crn,
                               info.u.sys.crm, info.u.sys.op2, id);
    if (g_str_has_prefix(label, "0x"))
        return g_strdup(label);
    return g_strdup_printf("%s 0x%016" PRIx64, label, id);
}

json_object *
virCpregRenderJSONHex(guint64 value)
{
    g_autofree char *s = g_strdup_printf("0x%" PRIx64, value);

    return json_object_new_string(s);
}

/* As every --json output prints: pretty, spaced, a final newline. */
char *
virCpregRenderJSON(json_object *obj)
{
    return g_strconcat(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_SPACED |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE),
                       "\n", NULL);
}
