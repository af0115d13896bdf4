/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-decode.c: what a register id is, as text and as JSON (what
 * `virt-cpreg decode` prints)
 */
#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "cpreg-decode.h"
#include "cpreg-render.h"

static char *
describeClass(const virCpregIdInfo *info)
{
    const char *klass = virCpregClassToString(info->klass);

    if (!info->canonical)
        return g_strdup_printf(_("%1$s (%2$u bytes; not a well-formed id of this class)"),
                               klass, info->bytes);
    return g_strdup_printf(_("%1$s (%2$u bits)"), klass, info->bytes * 8);
}

static char *
describeEncoding(const virCpregIdInfo *info)
{
    char enc[VIR_CPREG_NAME_MAX];

    switch (info->klass) {
    case VIR_CPREG_CLASS_SYSREG:
        virCpregIdFormatEncoding(info, enc);
        return g_strdup_printf("%s (op0 %u, op1 %u, CRn %u, CRm %u, op2 %u)",
                               enc, info->u.sys.op0, info->u.sys.op1,
                               info->u.sys.crn, info->u.sys.crm, info->u.sys.op2);
    case VIR_CPREG_CLASS_AARCH32:
        virCpregIdFormatEncoding(info, enc);
        return g_strdup_printf("%s (cp%u, opc1 %u, CRn %u, CRm %u, opc2 %u%s%s)",
                               enc, info->u.cp.cp, info->u.cp.opc1,
                               info->u.cp.crn, info->u.cp.crm, info->u.cp.opc2,
                               info->u.cp.is64 ? ", 64-bit" : "",
                               info->u.cp.ns ? ", non-secure" : "");
    case VIR_CPREG_CLASS_CORE:
        return g_strdup_printf(_("struct kvm_regs offset 0x%x (32-bit words)"),
                               info->u.core.offset);
    case VIR_CPREG_CLASS_CCSIDR:
        return g_strdup_printf(_("CSSELR %1$u: level %2$u, %3$s cache"),
                               info->u.ccsidr.csselr, info->u.ccsidr.level,
                               info->u.ccsidr.instruction ?
                               _("instruction") : _("data or unified"));
    case VIR_CPREG_CLASS_FW:
    case VIR_CPREG_CLASS_FW_FEAT_BMAP:
        return g_strdup_printf(_("index %u"), info->u.fw.index);
    case VIR_CPREG_CLASS_SVE:
    case VIR_CPREG_CLASS_OTHER:
    case VIR_CPREG_CLASS_LAST:
        break;
    }
    return NULL;
}

static const char *
describeNote(const virCpregIdInfo *info)
{
    if (info->note)
        return info->note;
    if (info->id_reg_unallocated)
        return _("unallocated ID-register slot (reads as zero)");
    if (info->klass == VIR_CPREG_CLASS_SYSREG && info->canonical && !info->name)
        return _("no architectural name known");
    return NULL;
}

/* What `virt-cpreg decode` prints of @info, which @arg named. */
char *
virCpregDecodeToText(const char *arg, const virCpregIdInfo *info)
{
    GString *out = g_string_new(NULL);
    char name[VIR_CPREG_NAME_MAX];
    g_autofree char *klass = describeClass(info);
    g_autofree char *enc = describeEncoding(info);
    const char *note = describeNote(info);
    const virCpregField *fields;
    size_t nfields, i;
    const char *label = virCpregIdFormat(info->id, name);

    g_string_append_printf(out, "%s\n", label);
    if (!g_str_equal(arg, label))
        g_string_append_printf(out, "  %-10s %s\n", _("input:"), arg);
    g_string_append_printf(out, "  %-10s 0x%016" PRIx64 "\n", _("id:"), info->id);
    g_string_append_printf(out, "  %-10s %s\n", _("class:"), klass);
    if (enc)
        g_string_append_printf(out, "  %-10s %s\n", _("encoding:"), enc);
    if (note)
        g_string_append_printf(out, "  %-10s %s\n", _("note:"), note);
    fields = virCpregIdFields(info->id, &nfields);
    for (i = 0; i < nfields; i++) {
        g_autofree char *bits = fields[i].msb == fields[i].lsb ?
            g_strdup_printf("%u", fields[i].msb) :
            g_strdup_printf("%u:%u", fields[i].msb, fields[i].lsb);
        g_string_append_printf(out, "  %-10s %-6s %s (%s)\n", i ? "" : _("fields:"), bits,
               fields[i].name, virCpregFieldKindToString(fields[i].kind));
    }
    return g_string_free(out, FALSE);
}

/* ... and of `virt-cpreg decode --json`: one element of its array
 * (schemas/decode.schema.json). */
json_object *
virCpregDecodeToJSON(const virCpregIdInfo *info)
{
    char name[VIR_CPREG_NAME_MAX];
    g_autofree char *enc = describeEncoding(info);
    const char *note = describeNote(info);
    json_object *obj = json_object_new_object();
    json_object *jfields = json_object_new_array();
    const virCpregField *fields;
    size_t nfields, i;

    json_object_object_add(obj, "id", virCpregRenderJSONHex(info->id));
    json_object_object_add(obj, "name",
                           json_object_new_string(virCpregIdFormat(info->id, name)));
    json_object_object_add(obj, "class",
                           json_object_new_string(virCpregClassToString(info->klass)));
    json_object_object_add(obj, "bytes", json_object_new_int((int)info->bytes));
    json_object_object_add(obj, "canonical", json_object_new_boolean(info->canonical));
    json_object_object_add(obj, "known", json_object_new_boolean(info->name != NULL));
    json_object_object_add(obj, "id_register", json_object_new_boolean(info->id_reg));
    json_object_object_add(obj, "unallocated",
                           json_object_new_boolean(info->id_reg_unallocated));
    if (enc)
        json_object_object_add(obj, "encoding", json_object_new_string(enc));
    if (note)
        json_object_object_add(obj, "note", json_object_new_string(note));
    fields = virCpregIdFields(info->id, &nfields);
    for (i = 0; i < nfields; i++) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "name", json_object_new_string(fields[i].name));
        json_object_object_add(f, "msb", json_object_new_int(fields[i].msb));
        json_object_object_add(f, "lsb", json_object_new_int(fields[i].lsb));
        json_object_object_add(f, "kind",
                               json_object_new_string(virCpregFieldKindToString(fields[i].kind)));
        json_object_array_add(jfields, f);
    }
    json_object_object_add(obj, "fields", jfields);
    return obj;
}

