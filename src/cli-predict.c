/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-predict.c: virt-cpreg predict: a real host's profile after a kernel
 * upgrade (cpreg-predict.c does the work)
 */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-emul.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-predict.h"
#include "cpreg-value.h"
#include "cpreg-verdict-render.h"

/* The names of a list, for people: "A, B and C" or "N registers: ...". */
#define NAMES_MAX 600

typedef struct {
    GPtrArray *added;       /* char *: register labels */
    GPtrArray *dropped;
    GPtrArray *predicted;   /* values or masks the delta changed */
    GPtrArray *uncertain;   /* names of entries with uncertain bits */
    GPtrArray *parts;       /* ... and what of each: "FIELD, FIELD" */
} virCpregPredictLists;

static void
listsClear(virCpregPredictLists *l)
{
    g_clear_pointer(&l->added, g_ptr_array_unref);
    g_clear_pointer(&l->dropped, g_ptr_array_unref);
    g_clear_pointer(&l->predicted, g_ptr_array_unref);
    g_clear_pointer(&l->uncertain, g_ptr_array_unref);
    g_clear_pointer(&l->parts, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCpregPredictLists, listsClear);

/* What of @e is uncertain: its ID fields (or "value" for all of it, "other
 * bits" for bits of no field), and "writable mask". */
static char *
uncertainParts(const virCpregEntry *e)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    size_t n, i;
    const virCpregField *fields = virCpregIdFields(e->id, &n);
    guint64 named = 0;

    if (e->uncertain == ~0ULL)
        n = 0;                  /* the whole value */
    for (i = 0; i < n && e->uncertain; i++) {
        if (e->uncertain & virCpregFieldMask(&fields[i]) & ~named) {
            g_ptr_array_add(parts, (gpointer)fields[i].name);
            named |= virCpregFieldMask(&fields[i]);
        }
    }
    if (e->uncertain & ~named)
        g_ptr_array_add(parts, (gpointer)(named ? _("other bits") : _("value")));
    if (e->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN)
        g_ptr_array_add(parts, (gpointer)_("writable mask"));
    g_ptr_array_add(parts, NULL);
    return g_strjoinv(", ", (char **)parts->pdata);
}

static char *
nameOf(guint64 id)
{
    char buf[VIR_CPREG_NAME_MAX];

    return g_strdup(virCpregIdFormat(id, buf));
}

static void
collect(virCpregPredictLists *l, const virCpregProfile *host, const virCpregProfile *out)
{
    guint i;

    l->added = g_ptr_array_new_with_free_func(g_free);
    l->dropped = g_ptr_array_new_with_free_func(g_free);
    l->predicted = g_ptr_array_new_with_free_func(g_free);
    l->uncertain = g_ptr_array_new_with_free_func(g_free);
    l->parts = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < virCpregProfileCount(out); i++) {
        const virCpregEntry *e = virCpregProfileEntry(out, i);
        if (!virCpregProfileFind(host, e->id))
            g_ptr_array_add(l->added, nameOf(e->id));
        else if (e->flags & VIR_CPREG_ENTRY_PREDICTED && !virCpregEntryUncertain(e))
            g_ptr_array_add(l->predicted, nameOf(e->id));
        if (virCpregEntryUncertain(e)) {
            g_ptr_array_add(l->uncertain, nameOf(e->id));
            g_ptr_array_add(l->parts, uncertainParts(e));
        }
    }
    for (i = 0; i < virCpregProfileCount(host); i++) {
        guint64 id = virCpregProfileEntry(host, i)->id;
        if (!virCpregProfileFind(out, id))
            g_ptr_array_add(l->dropped, nameOf(id));
    }
}

/* "NAME (PARTS)", or NAME without parts. */
static char *
withParts(const char *name, const GPtrArray *parts, guint i)
{
    return parts ? g_strdup_printf("%s (%s)", name, (const char *)parts->pdata[i]) :
                   g_strdup(name);
}

/* The key of @names[i]'s possible run: what surrounds its number, and its
 * parts; NULL when its name has no number. */
static char *
runKey(const GPtrArray *names, const GPtrArray *parts, guint i, guint *num)
{
    const char *name = names->pdata[i];
    gsize at, digits;

    if (!virCpregNameSplitNumbered(name, &at, &digits, num))
        return NULL;
    return g_strdup_printf("%.*s\x01%s\x01%s", (int)at, name, name + at + digits,
                           parts ? (const char *)parts->pdata[i] : "");
}

static int
compareNum(gconstpointer a, gconstpointer b)
{
    const guint *x = a, *y = b;

    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The runs of three or more consecutive numbers among the names of @key,
 * from @from on, as one name each ("PMEVCNTR0..30_EL0 (31)"), where
 * the first of them stands; @used marks the names folded. */
static void
foldRunsOf(const GPtrArray *names, const GPtrArray *parts, guint from, const char *key,
           gboolean *used, GPtrArray *out, GArray *counts)
{
    g_autoptr(GArray) members = g_array_new(FALSE, FALSE, 2 * sizeof(guint));
    guint i, k, start = 0;

    for (i = from; i < names->len; i++) {
        guint m[2];
        g_autofree char *other = used[i] ? NULL : runKey(names, parts, i, &m[0]);
        m[1] = i;
        if (other && g_str_equal(other, key))
            g_array_append_val(members, m);
    }
    g_array_sort(members, compareNum);
    for (k = 1; k <= members->len; k++) {
        const guint *cur = &g_array_index(members, guint, 2 * k);
        const guint *prev = &g_array_index(members, guint, 2 * (k - 1));
        guint first = g_array_index(members, guint, 2 * start + 1), n = k - start;
        g_autofree char *run = NULL;
        if (k < members->len && cur[0] == prev[0] + 1)
            continue;
        if (n >= 3) {
            run = virCpregNameRun(names->pdata[first], prev[0], n);
            g_ptr_array_add(out, withParts(run, parts, first));
            g_array_append_val(counts, n);
            for (i = start; i < k; i++)
                used[g_array_index(members, guint, 2 * i + 1)] = TRUE;
        }
        start = k;
    }
}

/* @names (with @parts, or NULL) for people: runs folded as the verdict's
 * findings are, within NAMES_MAX bytes. */
static char *
joinNames(const GPtrArray *names, const GPtrArray *parts)
{
    g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autofree gboolean *used = g_new0(gboolean, names->len + 1);
    guint one = 1, i, num;

    for (i = 0; i < names->len; i++) {
        g_autofree char *key = used[i] ? NULL : runKey(names, parts, i, &num);
        if (key)
            foldRunsOf(names, parts, i, key, used, out, counts);
        if (used[i])
            continue;
        used[i] = TRUE;
        g_ptr_array_add(out, withParts(names->pdata[i], parts, i));
        g_array_append_val(counts, one);
    }
    return virCpregJoinNames(out, counts, NAMES_MAX, FALSE);
}

static void
printLine(const char *label, guint count, const GPtrArray *names, const GPtrArray *parts)
{
    g_autofree char *list = names && names->len ? joinNames(names, parts) : NULL;

    printf("%s: %u%s%s\n", label, count, list ? ": " : "", list ? list : "");
}

static void
printText(const virCpregProfile *out, const virCpregPredictStats *s,
          const virCpregPredictLists *l)
{
    printf(_("predicted: %s\n"), out->ident.predicted);
    printf(_("registers: %u\n"), virCpregProfileCount(out));
    printLine(_("added"), s->added, l->added, NULL);
    printLine(_("dropped"), s->dropped, l->dropped, NULL);
    printLine(_("values or masks predicted"), l->predicted->len, l->predicted, NULL);
    printLine(_("uncertain"), s->uncertain, l->uncertain, l->parts);
    printf(_("kept as measured: %1$u counters and timers, %2$u registers the emulated CPU does not have\n"),
           s->transient, s->host_only);
}

static json_object *
namesJSON(const GPtrArray *names)
{
    json_object *arr = json_object_new_array();
    guint i;

    for (i = 0; i < names->len; i++)
        json_object_array_add(arr, json_object_new_string(names->pdata[i]));
    return arr;
}

static json_object *
uncertainJSON(const virCpregProfile *out)
{
    json_object *arr = json_object_new_array();
    guint i;

    for (i = 0; i < virCpregProfileCount(out); i++) {
        const virCpregEntry *e = virCpregProfileEntry(out, i);
        g_autofree char *label = NULL;
        json_object *obj, *fields;
        size_t n, k;
        const virCpregField *f;
        if (!virCpregEntryUncertain(e))
            continue;
        obj = json_object_new_object();
        fields = json_object_new_array();
        f = virCpregIdFields(e->id, &n);
        for (k = 0; k < n; k++) {
            if (e->uncertain & virCpregFieldMask(&f[k]))
                json_object_array_add(fields, json_object_new_string(f[k].name));
        }
        label = nameOf(e->id);
        json_object_object_add(obj, "register", json_object_new_string(label));
        json_object_object_add(obj, "id", cliJSONHex(e->id));
        json_object_object_add(obj, "uncertain", cliJSONHex(e->uncertain));
        json_object_object_add(obj, "fields", fields);
        json_object_object_add(obj, "writable-uncertain",
                               json_object_new_boolean(e->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN));
        json_object_object_add(obj, "presence-uncertain",
                               json_object_new_boolean(e->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN));
        json_object_array_add(arr, obj);
    }
    return arr;
}

static void
printJSON(const virCpregProfile *out, const char *output, const virCpregPredictStats *s,
          const virCpregPredictLists *l)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *counts = json_object_new_object();

    json_object_object_add(root, "predicted", json_object_new_string(out->ident.predicted));
    json_object_object_add(root, "kernel", json_object_new_string(out->ident.kernel));
    json_object_object_add(root, "output", json_object_new_string(output));
    json_object_object_add(root, "registers", json_object_new_int((int)virCpregProfileCount(out)));
    json_object_object_add(counts, "added", json_object_new_int((int)s->added));
    json_object_object_add(counts, "dropped", json_object_new_int((int)s->dropped));
    json_object_object_add(counts, "predicted", json_object_new_int((int)s->predicted));
    json_object_object_add(counts, "uncertain", json_object_new_int((int)s->uncertain));
    json_object_object_add(counts, "transient", json_object_new_int((int)s->transient));
    json_object_object_add(counts, "host-only", json_object_new_int((int)s->host_only));
    json_object_object_add(root, "counts", counts);
    json_object_object_add(root, "added", namesJSON(l->added));
    json_object_object_add(root, "dropped", namesJSON(l->dropped));
    json_object_object_add(root, "values-predicted", namesJSON(l->predicted));
    json_object_object_add(root, "uncertain", uncertainJSON(out));
    cliPrintJSON(root);
}

/* The emulated delta's two ends: --kernel and the host's own kernel
 * (--host-kernel, else /boot/vmlinuz-RELEASE of the host's profile),
 * probed on the same emulated CPU with the same features. */
typedef struct {
    const char *kernel;
    const char *host_kernel;
    const char *cpu;
    const char *features;
    const char *emulator;
} virCpregPredictEmulation;

static gboolean
emulateDelta(const virCpregPredictEmulation *emu, const virCpregProfile *host,
             virCpregProfile **from, virCpregProfile **to, GError **error)
{
    g_auto(GStrv) featlist = NULL;
    g_autofree char *emulator = NULL;
    g_autofree char *hostImage = NULL;
    virCpregEmulRequest req = { .cpu = emu->cpu };

    if (emu->features && !cliParseFeatures(emu->features, &featlist, error))
        return FALSE;
    req.features = featlist ? (const char *const *)featlist
                            : (const char *const *)host->ident.features;
    if (emu->emulator && !(emulator = cliFindEmulator(emu->emulator, error)))
        return FALSE;
    req.emulator = emulator;
    hostImage = emu->host_kernel ? g_strdup(emu->host_kernel)
                                 : virCpregPredictHostKernelImage(host, error);
    if (!hostImage)
        return FALSE;
    req.image = emu->kernel;
    if (!(*to = virCpregEmulProbe(&req, NULL, error)))
        return FALSE;
    req.image = hostImage;
    return (*from = virCpregEmulProbe(&req, NULL, error)) != NULL;
}

int
cliPredict(int argc, char **argv)
{
    g_autofree char *hostPath = NULL;
    g_autofree char *fromPath = NULL;
    g_autofree char *toPath = NULL;
    g_autofree char *output = NULL;
    g_autofree char *kernel = NULL;
    g_autofree char *hostKernel = NULL;
    g_autofree char *cpu = NULL;
    g_autofree char *features = NULL;
    g_autofree char *emulator = NULL;
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "host", 0, 0, G_OPTION_ARG_FILENAME, &hostPath,
          N_("the host's measured profile, under its current kernel"), N_("PROFILE") },
        { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &kernel,
          N_("the new kernel (an Image, a vmlinuz, a Debian or RPM kernel package), probed in an emulated machine"), N_("IMAGE") },
        { "host-kernel", 0, 0, G_OPTION_ARG_FILENAME, &hostKernel,
          N_("with --kernel: the host's current kernel (default: /boot/vmlinuz-RELEASE, the release of the host's profile)"), N_("IMAGE") },
        { "cpu", 0, 0, G_OPTION_ARG_STRING, &cpu,
          N_("with --kernel: the emulated CPU of both probes (default: max)"), N_("MODEL") },
        { "features", 0, 0, G_OPTION_ARG_STRING, &features,
          N_("with --kernel: the vCPU features of both probes (default: the host's), those of pmu, sve, pauth the emulated CPU offers"), N_("LIST") },
        { "emulator", 0, 0, G_OPTION_ARG_FILENAME, &emulator,
          N_("with --kernel: the QEMU binary (default: qemu-system-aarch64)"), N_("PATH") },
        { "from", 0, 0, G_OPTION_ARG_FILENAME, &fromPath,
          N_("instead of --kernel: the emulated profile of the host's current kernel (probe --kernel)"), N_("EMULATED_A") },
        { "to", 0, 0, G_OPTION_ARG_FILENAME, &toPath,
          N_("instead of --kernel: the emulated profile of the new kernel (same CPU and features)"), N_("EMULATED_B") },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          N_("write the predicted profile to FILE (a FILE.regs as a register dump; else JSON)"), N_("FILE") },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the summary as JSON"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    virCpregPredictEmulation emu = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) host = NULL;
    g_autoptr(virCpregProfile) from = NULL;
    g_autoptr(virCpregProfile) to = NULL;
    g_autoptr(virCpregProfile) out = NULL;
    g_auto(virCpregPredictLists) lists = { 0 };
    virCpregPredictStats stats;

    if (!cliParseOptions(cliVerb("predict"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 1)
        return cliUsage("predict", "%s", _("unexpected arguments"));
    if (!hostPath || !!kernel == !!toPath)
        return cliUsage("predict", "%s", _("--host and one of --kernel and --to are required"));
    if (kernel && fromPath)
        return cliUsage("predict", "%s", _("--from goes with --to; with --kernel, the host's kernel is --host-kernel"));
    if (!kernel && (hostKernel || cpu || features || emulator))
        return cliUsage("predict", "%s", _("--host-kernel, --cpu, --features and --emulator go with --kernel"));
    if (toPath && !fromPath)
        return cliUsage("predict", "%s", _("--from is required (the emulated profile of the host's kernel)"));
    if (json && !output)
        return cliUsage("predict", "%s", _("--json needs -o FILE: the summary goes to standard output, the profile to FILE"));
    emu = (virCpregPredictEmulation) { kernel, hostKernel, cpu, features, emulator };
    if (!(host = cliLoadProfile(hostPath, TRUE, &error)))
        return cliFail(error);
    if (kernel ? !emulateDelta(&emu, host, &from, &to, &error)
               : (!(from = cliLoadProfile(fromPath, TRUE, &error)) ||
                  !(to = cliLoadProfile(toPath, TRUE, &error))))
        return cliFail(error);
    if (!(out = virCpregPredict(host, from, to, &stats, &error)))
        return cliFail(error);
    if (!output) {
        g_autofree char *text = virCpregProfileToJSON(out);
        fputs(text, stdout);
        return VIR_CPREG_EXIT_OK;
    }
    if (!virCpregProfileSave(out, output, &error))
        return cliFail(error);
    collect(&lists, host, out);
    if (json)
        printJSON(out, output, &stats, &lists);
    else
        printText(out, &stats, &lists);
    return VIR_CPREG_EXIT_OK;
}
