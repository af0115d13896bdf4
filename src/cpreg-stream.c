/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stream.c: walk a QEMU migration stream to its Arm "cpu" sections
 *
 * The format, from QEMU's migration/savevm.c (qemu_savevm_state_*):
 *   be32 QEVM magic, be32 version 3
 *   CONFIGURATION: be32 len + machine type, then subsections
 *   START (iterable, "ram"): be32 id, u8 len + idstr, be32 instance,
 *     be32 version, RAM records up to EOS, footer
 *   PART/END: be32 id, RAM records up to EOS, footer
 *   COMMAND: be16 command, be16 len + payload (e.g. 11, SWITCHOVER_START,
 *     QEMU 10.0)
 *   FULL (device state): header as START, the fields, subsections
 *     (0x05, u8 len + name, be32 version, fields), footer
 *   EOF, then VMDESC: be32 len + the VM description JSON
 * A footer is 0x7e + be32 section id (QEMU 2.4 onwards).
 *
 * The device sections come after the last RAM section, so the reader keeps
 * only them (bounded) and walks them with the VM description.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-stream-priv.h"
#include "cpreg-error.h"
#include "cpreg-vmdesc.h"

/* migration/savevm.c */
#define QEMU_VM_FILE_MAGIC      0x5145564d
#define QEMU_VM_FILE_VERSION    3
enum {
    QEMU_VM_EOF = 0x00,
    QEMU_VM_SECTION_START = 0x01,
    QEMU_VM_SECTION_PART = 0x02,
    QEMU_VM_SECTION_END = 0x03,
    QEMU_VM_SECTION_FULL = 0x04,
    QEMU_VM_SUBSECTION = 0x05,
    QEMU_VM_VMDESCRIPTION = 0x06,
    QEMU_VM_CONFIGURATION = 0x07,
    QEMU_VM_COMMAND = 0x08,
    QEMU_VM_SECTION_FOOTER = 0x7e,
};
#define MIG_CMD_PACKAGED 8      /* postcopy: a stream inside the stream */

/* The cpreg arrays of vmstate_arm_cpu (target/arm/machine.c). */
#define CPREG_LEN_FIELD     "cpreg_vmstate_array_len"
#define CPREG_IDS_FIELD     "cpreg_vmstate_indexes"
#define CPREG_VALUES_FIELD  "cpreg_vmstate_values"

static void
cpuFree(gpointer p)
{
    virCpregStreamCpu *cpu = p;

    g_array_unref(cpu->ids);
    g_array_unref(cpu->values);
    g_free(cpu);
}

static void
sectionClear(gpointer p)
{
    g_free(((virCpregStreamSection *)p)->name);
}

static void
blockClear(gpointer p)
{
    g_free(((virCpregStreamRamBlock *)p)->name);
}

virCpregStreamInfo *
virCpregStreamInfoNew(const char *origin)
{
    virCpregStreamInfo *info = g_new0(virCpregStreamInfo, 1);

    info->origin = g_strdup(origin);
    info->ram_blocks = g_array_new(FALSE, TRUE, sizeof(virCpregStreamRamBlock));
    g_array_set_clear_func(info->ram_blocks, blockClear);
    info->sections = g_array_new(FALSE, TRUE, sizeof(virCpregStreamSection));
    g_array_set_clear_func(info->sections, sectionClear);
    info->commands = g_array_new(FALSE, TRUE, sizeof(guint16));
    info->cpus = g_ptr_array_new_with_free_func(cpuFree);
    /* Without a configuration/target-page-bits subsection the stream uses
     * the target's smallest page: TARGET_PAGE_BITS_MIN is 10 on Arm. */
    info->page_size = 1024;
    return info;
}

void
virCpregStreamInfoFree(virCpregStreamInfo *info)
{
    if (!info)
        return;
    g_free(info->origin);
    g_free(info->save_format);
    g_free(info->domain_xml);
    g_free(info->machine_type);
    g_array_unref(info->ram_blocks);
    g_array_unref(info->sections);
    g_array_unref(info->commands);
    g_ptr_array_unref(info->cpus);
    g_free(info);
}

typedef struct {
    virCpregInput *in;           /* the file, then the tail */
    virCpregInput tail_in;
    GBytes *tail;
    virCpregStreamInfo *info;
    virCpregVmdesc *vmdesc;
    guint next_device;           /* in vmdesc->devices */
    guint64 vmdesc_at;           /* file offset of the VMDESC section */
    GHashTable *ids;             /* section id -> index in info->sections */
    gboolean ignore_shared;      /* capability x-ignore-shared */
    const virCpregStreamRamBlock *block;   /* for RAM_SAVE_FLAG_CONTINUE */
    gboolean done;
} StreamParser;

static void
parserClear(StreamParser *p)
{
    virCpregInputClear(&p->tail_in);
    g_clear_pointer(&p->tail, g_bytes_unref);
    g_clear_pointer(&p->vmdesc, virCpregVmdescFree);
    g_clear_pointer(&p->ids, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StreamParser, parserClear);

#define FAIL(p, at, ...) \
    (virCpregInputError((p)->in, (at), error, __VA_ARGS__), FALSE)

/* ---- the configuration section ----------------------------------------- */

static gboolean
configPageBits(StreamParser *p, GError **error)
{
    guint64 at = virCpregInputOffset(p->in);
    guint32 bits;

    if (!virCpregInputBe32(p->in, &bits, error))
        return FALSE;
    /* Arm's target pages are 1 KiB (ARMv7 TARGET_PAGE_BITS_MIN) to 64 KiB */
    if (bits < 10 || bits > 16)
        return FAIL(p, at, _("target page bits %u out of range"), bits);
    p->info->page_size = 1U << bits;
    return TRUE;
}

/* Capabilities both sides must agree on (migration/options.c,
 * migrate_caps_check); those that change the RAM format matter here. */
static gboolean
configCapabilities(StreamParser *p, GError **error)
{
    guint64 at = virCpregInputOffset(p->in);
    guint32 count, i;

    if (!virCpregInputBe32(p->in, &count, error))
        return FALSE;
    if (count > 256)
        return FAIL(p, at, _("%u migration capabilities"), count);
    for (i = 0; i < count; i++) {
        char name[256];
        at = virCpregInputOffset(p->in);
        if (!virCpregInputIdstr(p->in, name, error))
            return FALSE;
        if (g_str_equal(name, "x-ignore-shared"))
            p->ignore_shared = TRUE;
        if (g_str_equal(name, "mapped-ram"))
            return FAIL(p, at, _("the stream was saved with the mapped-ram capability, which this reader does not support"));
    }
    return TRUE;
}

static gboolean
configUuid(StreamParser *p, GError **error)
{
    return virCpregInputSkip(p->in, 16, error);
}

static const struct {
    const char *name;
    gboolean (*parse)(StreamParser *p, GError **error);
} configSubsections[] = {
    { "configuration/target-page-bits", configPageBits },
    { "configuration/capabilities", configCapabilities },
    { "configuration/uuid", configUuid },
};

static gboolean
parseConfiguration(StreamParser *p, GError **error)
{
    guint64 at = virCpregInputOffset(p->in);
    char name[257];
    guint32 len;
    guint8 c;
    gboolean eof;
    size_t i;

    if (!virCpregInputBe32(p->in, &len, error))
        return FALSE;
    if (len > 256)
        return FAIL(p, at, _("machine type name of %u bytes"), len);
    if (!virCpregInputRead(p->in, name, len, error))
        return FALSE;
    name[len] = '\0';
    for (i = 0; i < len; i++) {
        if (!g_ascii_isprint(name[i]))
            return FAIL(p, at, _("the machine type is not printable"));
    }
    p->info->machine_type = g_strdup(name);
    for (;;) {
        char sub[256];
        guint32 version;
        at = virCpregInputOffset(p->in);
        if (!virCpregInputPeek(p->in, &c, &eof, error))
            return FALSE;
        if (eof || c != QEMU_VM_SUBSECTION)
            return TRUE;
        if (!virCpregInputSkip(p->in, 1, error) ||
            !virCpregInputIdstr(p->in, sub, error) ||
            !virCpregInputBe32(p->in, &version, error))
            return FALSE;
        for (i = 0; i < G_N_ELEMENTS(configSubsections); i++) {
            if (g_str_equal(sub, configSubsections[i].name))
                break;
        }
        if (i == G_N_ELEMENTS(configSubsections))
            return FAIL(p, at, _("unknown configuration subsection '%s'"), sub);
        if (!configSubsections[i].parse(p, error))
            return FALSE;
    }
}

/* ---- section headers and footers --------------------------------------- */

static gboolean
parseHeader(StreamParser *p, guint8 type, guint64 at,
            virCpregStreamSection **out, GError **error)
{
    virCpregStreamSection s = { 0, type, NULL, 0, 0, at };
    guint32 instance, version;
    char name[256];

    if (!virCpregInputBe32(p->in, &s.id, error) ||
        !virCpregInputIdstr(p->in, name, error) ||
        !virCpregInputBe32(p->in, &instance, error) ||
        !virCpregInputBe32(p->in, &version, error))
        return FALSE;
    if (p->info->sections->len >= VIR_CPREG_STREAM_MAX_SECTIONS)
        return FAIL(p, at, _("more than %d sections"), VIR_CPREG_STREAM_MAX_SECTIONS);
    if (g_hash_table_contains(p->ids, GUINT_TO_POINTER(s.id)))
        return FAIL(p, at, _("section id %u is used twice"), s.id);
    s.name = g_strdup(name);
    s.instance = instance;
    s.version = version;
    g_hash_table_insert(p->ids, GUINT_TO_POINTER(s.id),
                        GUINT_TO_POINTER(p->info->sections->len));
    g_array_append_val(p->info->sections, s);
    *out = &g_array_index(p->info->sections, virCpregStreamSection,
                          p->info->sections->len - 1);
    return TRUE;
}

static gboolean
parseFooter(StreamParser *p, guint32 id, GError **error)
{
    guint64 at = virCpregInputOffset(p->in);
    guint32 got;
    guint8 c;
    gboolean eof;

    if (!virCpregInputPeek(p->in, &c, &eof, error))
        return FALSE;
    if (eof || c != QEMU_VM_SECTION_FOOTER)
        return TRUE;    /* machine types before 2.4 send no footers */
    if (!virCpregInputSkip(p->in, 1, error) ||
        !virCpregInputBe32(p->in, &got, error))
        return FALSE;
    if (got != id)
        return FAIL(p, at, _("section footer for id %1$u ends section %2$u"), got, id);
    return TRUE;
}

/* ---- device sections, walked with the VM description ------------------- */

static gboolean
readU64Array(StreamParser *p, guint32 n, GArray **out, GError **error)
{
    guint32 i;

    *out = g_array_sized_new(FALSE, FALSE, sizeof(guint64), n);
    for (i = 0; i < n; i++) {
        guint64 v;
        if (!virCpregInputBe64(p->in, &v, error))
            return FALSE;
        g_array_append_val(*out, v);
    }
    return TRUE;
}

static gboolean
cpregFieldOk(const virCpregVmdescSection *dev, gint idx, const char *name,
             guint32 n)
{
    const virCpregVmdescField *f;

    if (idx < 0 || (guint)idx >= dev->fields->len)
        return FALSE;
    f = &g_array_index(dev->fields, virCpregVmdescField, idx);
    return g_str_equal(f->name, name) && f->size == 8 && f->count == n;
}

/* vmstate_arm_cpu: the fields before the cpreg arrays, an int32 count,
 * N be64 ids, N be64 values (VMSTATE_VARRAY_INT32), more fields. */
static gboolean
parseCpu(StreamParser *p, const virCpregVmdescSection *dev,
         const virCpregStreamSection *section, GError **error)
{
    g_autoptr(GArray) ids = NULL;
    g_autoptr(GArray) values = NULL;
    virCpregStreamCpu *cpu;
    guint64 before, at;
    gint idx = virCpregVmdescFieldFind(dev, CPREG_LEN_FIELD, &before);
    guint32 n;

    if (idx < 0)
        return FAIL(p, section->offset,
                    _("the cpu section has no field '%s': not an Arm vCPU, or a QEMU this reader does not know"),
                    CPREG_LEN_FIELD);
    if (p->info->cpus->len >= VIR_CPREG_STREAM_MAX_VCPUS)
        return FAIL(p, section->offset, _("more than %d vCPUs"), VIR_CPREG_STREAM_MAX_VCPUS);
    if (!virCpregInputSkip(p->in, before, error))
        return FALSE;
    at = virCpregInputOffset(p->in);
    if (!virCpregInputBe32(p->in, &n, error))
        return FALSE;
    if (n > VIR_CPREG_PROFILE_MAX_REGS)
        return FAIL(p, at, _("the cpu section lists %1$d registers (at most %2$d)"),
                    (gint32)n, VIR_CPREG_PROFILE_MAX_REGS);
    if (!cpregFieldOk(dev, idx + 1, CPREG_IDS_FIELD, n) ||
        !cpregFieldOk(dev, idx + 2, CPREG_VALUES_FIELD, n))
        return FAIL(p, at, _("the VM description does not describe %u cpreg ids and values after the count"),
                    n);
    if (!readU64Array(p, n, &ids, error) || !readU64Array(p, n, &values, error))
        return FALSE;
    cpu = g_new0(virCpregStreamCpu, 1);
    cpu->instance = section->instance;
    cpu->version = section->version;
    cpu->offset = section->offset;
    cpu->ids = g_steal_pointer(&ids);
    cpu->values = g_steal_pointer(&values);
    g_ptr_array_add(p->info->cpus, cpu);
    return virCpregInputSkip(p->in, dev->size - before - 4 - 16ULL * n, error);
}

/* Subsections are written after the fields, in the order of the
 * description; a nested one's name does not match its parent's list
 * (vmstate_subsection_load() stops there). */
static gboolean
skipSubsections(StreamParser *p, const virCpregVmdescSection *sec,
                gboolean top, GError **error)
{
    guint next = 0;

    for (;;) {
        const virCpregVmdescSection *sub;
        const guint8 *b;
        guint64 at = virCpregInputOffset(p->in);
        guint8 c;
        gboolean eof;
        guint32 version;
        char name[256];

        if (!virCpregInputPeek(p->in, &c, &eof, error))
            return FALSE;
        if (eof || c != QEMU_VM_SUBSECTION)
            return TRUE;
        if (!virCpregInputPeekN(p->in, 2, &b, error) ||
            !virCpregInputPeekN(p->in, 2 + (gsize)b[1], &b, error))
            return FALSE;
        sub = next < sec->subsections->len ? g_ptr_array_index(sec->subsections, next) : NULL;
        if (!sub || strlen(sub->name) != b[1] || memcmp(sub->name, b + 2, b[1]) != 0) {
            if (!top)
                return TRUE;
            return FAIL(p, at, _("subsection '%1$.*2$s' of '%3$s' is not in the VM description"),
                        (const char *)b + 2, (int)b[1], sec->name);
        }
        next++;
        if (!virCpregInputSkip(p->in, 1, error) ||
            !virCpregInputIdstr(p->in, name, error) ||
            !virCpregInputBe32(p->in, &version, error) ||
            !virCpregInputSkip(p->in, sub->size, error) ||
            !skipSubsections(p, sub, FALSE, error))
            return FALSE;
    }
}

static gboolean
parseDevice(StreamParser *p, const virCpregStreamSection *section,
            GError **error)
{
    const virCpregVmdescSection *dev;

    if (p->next_device >= p->vmdesc->devices->len)
        return FAIL(p, section->offset,
                    _("section '%1$s' instance %2$u is not in the VM description"),
                    section->name, section->instance);
    dev = g_ptr_array_index(p->vmdesc->devices, p->next_device++);
    if (!g_str_equal(dev->name, section->name) || dev->instance != section->instance)
        return FAIL(p, section->offset,
                    _("section '%1$s' instance %2$u, but the VM description expects '%3$s' instance %4$u"),
                    section->name, section->instance, dev->name, dev->instance);
    if (g_str_equal(section->name, "cpu")) {
        if (!parseCpu(p, dev, section, error))
            return FALSE;
    } else if (!virCpregInputSkip(p->in, dev->size, error)) {
        return FALSE;
    }
    return skipSubsections(p, dev, TRUE, error);
}

/* ---- the tail: device state, EOF, the VM description -------------------- */

static gsize
findVmdesc(const guint8 *d, gsize len)
{
    gsize q;

    /* JSON text holds no byte 0x06, so the last match is the section */
    for (q = len >= 5 ? len - 5 : 0; len >= 6 && q > 0; q--) {
        guint32 n = (guint32)d[q + 1] << 24 | (guint32)d[q + 2] << 16 |
                    (guint32)d[q + 3] << 8 | d[q + 4];
        if (d[q] == QEMU_VM_VMDESCRIPTION && d[q - 1] == QEMU_VM_EOF &&
            n == len - q - 5 && n > 0 && d[q + 5] == '{')
            return q;
    }
    return 0;
}

static gboolean
enterTail(StreamParser *p, GError **error)
{
    guint64 base = virCpregInputOffset(p->in);
    const guint8 *d;
    gsize len, q;

    if (!virCpregInputSlurp(p->in, VIR_CPREG_STREAM_MAX_TAIL, &p->tail, error) ||
        !virCpregInputFinish(p->in, error))
        return FALSE;
    d = g_bytes_get_data(p->tail, &len);
    p->info->stream_size = base + len;
    if (!(q = findVmdesc(d, len)))
        return FAIL(p, base, _("no VM description at the end of the stream (saved with suppress-vmdesc?): cannot locate the vCPU registers"));
    p->vmdesc_at = base + q;
    if (!(p->vmdesc = virCpregVmdescParse(p->in->origin, base + q + 5,
                                          (const char *)d + q + 5, len - q - 5,
                                          error)))
        return FALSE;
    p->info->has_vmdesc = TRUE;
    virCpregInputInitMemory(&p->tail_in, p->in->origin, d, q, base);
    p->in = &p->tail_in;
    return TRUE;
}

/* ---- the section loop --------------------------------------------------- */

static gboolean
sectionStartOrFull(StreamParser *p, guint8 type, guint64 at, GError **error)
{
    virCpregStreamSection *s;

    if (!parseHeader(p, type, at, &s, error))
        return FALSE;
    if (type == QEMU_VM_SECTION_START) {
        if (!g_str_equal(s->name, "ram"))
            return FAIL(p, at, _("iterable section '%s' is not supported (only RAM)"), s->name);
        if (!virCpregStreamParseRam(p->in, p->info, p->ignore_shared, &p->block, error))
            return FALSE;
    } else if (!parseDevice(p, s, error)) {
        return FALSE;
    }
    return parseFooter(p, s->id, error);
}

static gboolean
sectionPartOrEnd(StreamParser *p, guint8 type, guint64 at, GError **error)
{
    const virCpregStreamSection *s;
    gpointer idx;
    guint32 id;

    (void)type;
    if (!virCpregInputBe32(p->in, &id, error))
        return FALSE;
    if (!g_hash_table_lookup_extended(p->ids, GUINT_TO_POINTER(id), NULL, &idx))
        return FAIL(p, at, _("part of section id %u, which did not start"), id);
    s = &g_array_index(p->info->sections, virCpregStreamSection, GPOINTER_TO_UINT(idx));
    if (s->type != QEMU_VM_SECTION_START)
        return FAIL(p, at, _("part of section '%s', which is not iterable"), s->name);
    if (!virCpregStreamParseRam(p->in, p->info, p->ignore_shared, &p->block, error))
        return FALSE;
    return parseFooter(p, id, error);
}

static gboolean
sectionCommand(StreamParser *p, guint8 type, guint64 at, GError **error)
{
    guint16 cmd, len;

    (void)type;
    if (!virCpregInputBe16(p->in, &cmd, error) ||
        !virCpregInputBe16(p->in, &len, error))
        return FALSE;
    if (cmd == MIG_CMD_PACKAGED)
        return FAIL(p, at, _("a postcopy package (command %u) is not supported"), cmd);
    if (p->info->commands->len < 1024)
        g_array_append_val(p->info->commands, cmd);
    return virCpregInputSkip(p->in, len, error);
}

static gboolean
sectionEof(StreamParser *p, guint8 type, guint64 at, GError **error)
{
    (void)type;
    if (!p->vmdesc)
        return FAIL(p, at, _("the stream ends without device state"));
    if (virCpregInputOffset(p->in) != p->vmdesc_at)
        return FAIL(p, at, _("end-of-stream marker before the VM description"));
    p->done = TRUE;
    return TRUE;
}

static gboolean
sectionConfiguration(StreamParser *p, guint8 type, guint64 at, GError **error)
{
    (void)type;
    if (p->info->sections->len || p->info->machine_type)
        return FAIL(p, at, _("a configuration section after the first section"));
    return parseConfiguration(p, error);
}

static const struct {
    guint8 type;
    gboolean (*parse)(StreamParser *p, guint8 type, guint64 at, GError **error);
} sectionTypes[] = {
    { QEMU_VM_SECTION_START, sectionStartOrFull },
    { QEMU_VM_SECTION_FULL, sectionStartOrFull },
    { QEMU_VM_SECTION_PART, sectionPartOrEnd },
    { QEMU_VM_SECTION_END, sectionPartOrEnd },
    { QEMU_VM_COMMAND, sectionCommand },
    { QEMU_VM_CONFIGURATION, sectionConfiguration },
    { QEMU_VM_EOF, sectionEof },
};

static gboolean
parseSection(StreamParser *p, GError **error)
{
    guint64 at = virCpregInputOffset(p->in);
    guint8 type;
    gboolean eof;
    size_t i;

    if (!virCpregInputPeek(p->in, &type, &eof, error))
        return FALSE;
    if (eof)
        return FAIL(p, at, _("the stream ends without an end-of-stream marker"));
    if (type == QEMU_VM_SECTION_FULL && !p->vmdesc && !enterTail(p, error))
        return FALSE;
    if (!virCpregInputSkip(p->in, 1, error))
        return FALSE;
    for (i = 0; i < G_N_ELEMENTS(sectionTypes); i++) {
        if (sectionTypes[i].type == type)
            return sectionTypes[i].parse(p, type, at, error);
    }
    return FAIL(p, at, _("unknown section type 0x%02x"), type);
}

gboolean
virCpregStreamParseInput(virCpregInput *in, virCpregStreamInfo *info,
                         GError **error)
{
    g_auto(StreamParser) p = { 0 };
    guint64 at = virCpregInputOffset(in);
    guint32 magic, version;

    p.in = in;
    p.info = info;
    p.ids = g_hash_table_new(g_direct_hash, g_direct_equal);
    virCpregInputInitMemory(&p.tail_in, in->origin, NULL, 0, 0);
    if (!virCpregInputBe32(in, &magic, error) ||
        !virCpregInputBe32(in, &version, error))
        return FALSE;
    if (magic != QEMU_VM_FILE_MAGIC)
        return FAIL(&p, at, _("not a QEMU migration stream (magic 0x%08x)"), magic);
    if (version != QEMU_VM_FILE_VERSION)
        return FAIL(&p, at + 4, _("QEMU stream version %u is not supported (only 3)"), version);
    while (!p.done) {
        if (!parseSection(&p, error))
            return FALSE;
    }
    if (!info->cpus->len)
        return FAIL(&p, at, _("the stream has no cpu section"));
    return TRUE;
}
