/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-inspect.c: virt-cpreg inspect FILE: what a QEMU stream or libvirt
 * save image holds
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-stream.h"

/* ---- the domain XML of a save image, summarised ------------------------- */

typedef struct {
    const char *path;         /* element path, "/"-joined */
    const char *attr;         /* NULL: the element's text */
    const char *key;          /* in the summary */
} XmlItem;

/* libvirt's domain XML (docs/formatdomain.rst) */
static const XmlItem xmlItems[] = {
    { "domain/name", NULL, "name" },
    { "domain/uuid", NULL, "uuid" },
    { "domain", "type", "type" },
    { "domain/vcpu", NULL, "vcpus" },
    { "domain/os/type", "arch", "arch" },
    { "domain/os/type", "machine", "machine" },
    { "domain/cpu", "mode", "cpu_mode" },
    { "domain/cpu/model", NULL, "cpu_model" },
    { "domain/devices/emulator", NULL, "emulator" },
};

typedef struct {
    GPtrArray *stack;
    json_object *out;
    GString *text;
    gint text_item;
} XmlSummary;

static void
xmlStart(GMarkupParseContext *ctx, const char *name, const char **attrs,
         const char **values, gpointer data, GError **error)
{
    XmlSummary *s = data;
    g_autofree char *path = NULL;
    size_t i, j;

    (void)ctx;
    (void)error;
    g_ptr_array_add(s->stack, g_strdup(name));
    g_ptr_array_add(s->stack, NULL);
    path = g_strjoinv("/", (char **)s->stack->pdata);
    g_ptr_array_remove_index(s->stack, s->stack->len - 1);
    s->text_item = -1;
    for (i = 0; i < G_N_ELEMENTS(xmlItems); i++) {
        if (!g_str_equal(xmlItems[i].path, path))
            continue;
        if (!xmlItems[i].attr) {
            s->text_item = (gint)i;
            g_string_truncate(s->text, 0);
            continue;
        }
        for (j = 0; attrs[j]; j++) {
            if (g_str_equal(attrs[j], xmlItems[i].attr))
                json_object_object_add(s->out, xmlItems[i].key,
                                       json_object_new_string(values[j]));
        }
    }
}

static void
xmlEnd(GMarkupParseContext *ctx, const char *name, gpointer data,
       GError **error)
{
    XmlSummary *s = data;

    (void)ctx;
    (void)name;
    (void)error;
    if (s->text_item >= 0)
        json_object_object_add(s->out, xmlItems[s->text_item].key,
                               json_object_new_string(g_strstrip(s->text->str)));
    s->text_item = -1;
    g_ptr_array_remove_index(s->stack, s->stack->len - 1);
}

static void
xmlText(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
        GError **error)
{
    XmlSummary *s = data;

    (void)ctx;
    (void)error;
    if (s->text_item >= 0 && s->text->len < 4096)
        g_string_append_len(s->text, text, (gssize)len);
}

static json_object *
summariseXml(const char *xml)
{
    static const GMarkupParser parser = { xmlStart, xmlEnd, xmlText, NULL, NULL };
    XmlSummary s = { g_ptr_array_new_with_free_func(g_free), json_object_new_object(),
                     g_string_new(NULL), -1 };
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &s, NULL);
    g_autoptr(GError) err = NULL;

    json_object_object_add(s.out, "bytes", json_object_new_int64((int64_t)strlen(xml)));
    if (!g_markup_parse_context_parse(ctx, xml, -1, &err) ||
        !g_markup_parse_context_end_parse(ctx, &err))
        json_object_object_add(s.out, "error", json_object_new_string(err->message));
    g_markup_parse_context_free(ctx);
    g_ptr_array_unref(s.stack);
    g_string_free(s.text, TRUE);
    return s.out;
}

/* ---- the report --------------------------------------------------------- */

static json_object *
ramJSON(const virCpregStreamInfo *info)
{
    json_object *ram = json_object_new_object();
    json_object *blocks = json_object_new_array();
    guint i;

    for (i = 0; i < info->ram_blocks->len; i++) {
        const virCpregStreamRamBlock *b = &g_array_index(info->ram_blocks,
                                                         virCpregStreamRamBlock, i);
        json_object *jb = json_object_new_object();
        json_object_object_add(jb, "name", json_object_new_string(b->name));
        json_object_object_add(jb, "bytes", json_object_new_int64((int64_t)b->length));
        json_object_array_add(blocks, jb);
    }
    json_object_object_add(ram, "bytes", json_object_new_int64((int64_t)info->ram_total));
    json_object_object_add(ram, "blocks", blocks);
    json_object_object_add(ram, "pages_normal", json_object_new_int64((int64_t)info->pages_normal));
    json_object_object_add(ram, "pages_zero", json_object_new_int64((int64_t)info->pages_zero));
    json_object_object_add(ram, "pages_other", json_object_new_int64((int64_t)info->pages_other));
    return ram;
}

static json_object *
sectionsJSON(const virCpregStreamInfo *info)
{
    json_object *out = json_object_new_array();
    guint i;

    for (i = 0; i < info->sections->len; i++) {
        const virCpregStreamSection *s = &g_array_index(info->sections,
                                                        virCpregStreamSection, i);
        json_object *js = json_object_new_object();
        json_object_object_add(js, "name", json_object_new_string(s->name));
        json_object_object_add(js, "instance", json_object_new_int64(s->instance));
        json_object_object_add(js, "version", json_object_new_int64(s->version));
        json_object_object_add(js, "offset", json_object_new_int64((int64_t)s->offset));
        json_object_array_add(out, js);
    }
    return out;
}

static json_object *
vcpusJSON(const virCpregStreamInfo *info, gboolean *differ)
{
    json_object *out = json_object_new_array();
    guint i;

    *differ = FALSE;
    for (i = 0; i < info->cpus->len; i++) {
        const virCpregStreamCpu *c = g_ptr_array_index(info->cpus, i);
        json_object *jc = json_object_new_object();
        guint ids = 0, values = 0;
        if (i)
            virCpregStreamCpuCompare(info, i, &ids, &values);
        *differ |= ids != 0;
        json_object_object_add(jc, "instance", json_object_new_int64(c->instance));
        json_object_object_add(jc, "version", json_object_new_int64(c->version));
        json_object_object_add(jc, "offset", json_object_new_int64((int64_t)c->offset));
        json_object_object_add(jc, "registers", json_object_new_int64(c->ids->len));
        json_object_object_add(jc, "registers_differ", json_object_new_int64(ids));
        json_object_object_add(jc, "values_differ", json_object_new_int64(values));
        json_object_array_add(out, jc);
    }
    return out;
}

static json_object *
inspectJSON(const virCpregStreamInfo *info)
{
    json_object *out = json_object_new_object();
    json_object *stream = json_object_new_object();
    json_object *commands = json_object_new_array();
    gboolean differ;
    guint i;

    json_object_object_add(out, "file", json_object_new_string(info->origin));
    json_object_object_add(out, "format", json_object_new_string(
                               info->save_format ? "libvirt-save" : "qemu-stream"));
    if (info->save_format) {
        json_object *save = json_object_new_object();
        json_object_object_add(save, "version", json_object_new_int64(info->save_version));
        json_object_object_add(save, "compression", json_object_new_string(info->save_format));
        json_object_object_add(save, "was_running", json_object_new_boolean(info->was_running));
        json_object_object_add(save, "stream_offset", json_object_new_int64((int64_t)info->stream_offset));
        json_object_object_add(save, "domain", summariseXml(info->domain_xml));
        json_object_object_add(out, "save", save);
    }
    json_object_object_add(stream, "bytes", json_object_new_int64((int64_t)info->stream_size));
    if (info->machine_type)
        json_object_object_add(stream, "machine_type", json_object_new_string(info->machine_type));
    json_object_object_add(stream, "page_size", json_object_new_int64(info->page_size));
    json_object_object_add(stream, "vmdesc", json_object_new_boolean(info->has_vmdesc));
    json_object_object_add(stream, "ram", ramJSON(info));
    json_object_object_add(stream, "sections", sectionsJSON(info));
    for (i = 0; i < info->commands->len; i++)
        json_object_array_add(commands, json_object_new_int64(g_array_index(info->commands, guint16, i)));
    json_object_object_add(stream, "commands", commands);
    json_object_object_add(out, "stream", stream);
    /* QEMU records no version in the stream; the machine type only says
     * which QEMU is at least needed to load it */
    json_object_object_add(out, "qemu_version", NULL);
    json_object_object_add(out, "vcpus", vcpusJSON(info, &differ));
    json_object_object_add(out, "vcpus_differ", json_object_new_boolean(differ));
    return out;
}

static const char *
getStr(json_object *obj, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(obj, key, &v) && v ? json_object_get_string(v) : NULL;
}

static void
printDomain(json_object *domain)
{
    json_object_object_foreach(domain, key, val) {
        if (!g_str_equal(key, "bytes"))
            printf("    %-10s %s\n", key, json_object_get_string(val));
    }
}

static void
printText(const virCpregStreamInfo *info, json_object *report)
{
    json_object *save, *vcpus;
    guint i;

    printf(_("%s: %s\n"), info->origin,
           info->save_format ? _("libvirt save image") : _("QEMU migration stream"));
    if (json_object_object_get_ex(report, "save", &save)) {
        json_object *domain;
        json_object_object_get_ex(save, "domain", &domain);
        printf(_("  save image: version %1$u, %2$s, was running: %3$s, stream at byte %4$llu\n"),
               info->save_version, info->save_format, info->was_running ? _("yes") : _("no"),
               (unsigned long long)info->stream_offset);
        printf(_("  domain XML: %s bytes\n"), getStr(domain, "bytes"));
        printDomain(domain);
    }
    printf(_("  stream: %1$llu bytes, machine type %2$s, target pages of %3$u bytes\n"),
           (unsigned long long)info->stream_size, info->machine_type ? info->machine_type : "?", info->page_size);
    printf(_("  RAM: %1$llu bytes in %2$u blocks; pages: %3$llu normal, %4$llu zero, %5$llu other\n"),
           (unsigned long long)info->ram_total, info->ram_blocks->len,
           (unsigned long long)info->pages_normal,
           (unsigned long long)info->pages_zero,
           (unsigned long long)info->pages_other);
    printf(_("  sections: %u:"), info->sections->len);
    for (i = 0; i < info->sections->len; i++)
        printf(" %s", g_array_index(info->sections, virCpregStreamSection, i).name);
    printf(_("\n  QEMU version: not recorded in the stream (the machine type is %s)\n"),
           info->machine_type ? info->machine_type : "?");
    json_object_object_get_ex(report, "vcpus", &vcpus);
    printf(_("  vCPUs: %u\n"), info->cpus->len);
    for (i = 0; i < json_object_array_length(vcpus); i++) {
        json_object *c = json_object_array_get_idx(vcpus, i);
        printf(_("    vCPU %1$s: %2$s registers (cpu section version %3$s at byte %4$s)"),
               getStr(c, "instance"), getStr(c, "registers"), getStr(c, "version"),
               getStr(c, "offset"));
        if (i)
            printf(_("; against vCPU 0: %1$s registers listed differently, %2$s values differ"),
                   getStr(c, "registers_differ"), getStr(c, "values_differ"));
        putchar('\n');
    }
}

int
cliInspect(int argc, char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregStreamInfo) info = NULL;
    g_autoptr(json_object) report = NULL;

    if (!cliParseOptions(cliVerb("inspect"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 2)
        return cliUsage("inspect", "%s", _("expected one file"));
    if (!(info = virCpregStreamRead(argv[1], 0, &error)))
        return cliFail(error);
    report = inspectJSON(info);
    if (json)
        cliPrintJSON(report);
    else
        printText(info, report);
    return VIR_CPREG_EXIT_OK;
}
