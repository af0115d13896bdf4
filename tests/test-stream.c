/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-stream.c: the stream reader on a real QEMU 10.0 stream and a save
 * image of it (tests/fixtures/streams), compressed save images, and
 * hostile variants of both
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-diff.h"
#include "cpreg-stream.h"
#include "testutils.h"

#define STREAM "streams/virt-max-smp2.qemu"
#define SAVE "streams/virt-max-smp2.save"
#define SCTLR_EL1 0x603000000013c080ULL
#define ZCR_EL1 0x603000000013c090ULL
#define MIDR_EL1 0x603000000013c000ULL

/* ---- the real stream ---------------------------------------------------- */

static virCpregStreamInfo *
readFixture(const char *rel)
{
    g_autofree char *path = testFixture(rel);
    g_autoptr(GError) error = NULL;
    virCpregStreamInfo *info = virCpregStreamRead(path, 0, &error);

    if (!info)
        fail_msg("%s", error->message);
    return info;
}

/* QEMU 10.0.2, -M virt -cpu max -smp 2 under TCG (make-fixtures.py). */
static void
testRealStream(void **state)
{
    g_autoptr(virCpregStreamInfo) info = readFixture(STREAM);
    g_autoptr(virCpregProfile) profile = NULL;
    const virCpregStreamCpu *cpu0, *cpu1;
    const virCpregEntry *sctlr;
    gboolean differ = TRUE;
    guint i;

    (void)state;
    assert_string_equal(info->machine_type, "virt-10.0");
    assert_int_equal(info->page_size, 4096);
    assert_true(info->has_vmdesc);
    assert_null(info->save_format);
    assert_int_equal(info->cpus->len, 2);
    cpu0 = g_ptr_array_index(info->cpus, 0);
    cpu1 = g_ptr_array_index(info->cpus, 1);
    assert_int_equal(cpu0->instance, 0);
    assert_int_equal(cpu1->instance, 1);
    assert_int_equal(cpu0->version, 22);     /* vmstate_arm_cpu */
    assert_int_equal(cpu0->ids->len, 328);
    assert_int_equal(cpu1->ids->len, 328);
    /* QEMU sends its list sorted by id */
    for (i = 1; i < cpu0->ids->len; i++)
        assert_true(g_array_index(cpu0->ids, guint64, i - 1) <
                    g_array_index(cpu0->ids, guint64, i));
    profile = virCpregStreamToProfile(info, &differ, NULL);
    assert_non_null(profile);
    assert_false(differ);
    assert_string_equal(profile->ident.source, "qemu-stream");
    sctlr = virCpregProfileFind(profile, SCTLR_EL1);
    assert_non_null(sctlr);
    assert_true(sctlr->flags & VIR_CPREG_ENTRY_VALUE);
    /* -cpu max has SVE on */
    assert_non_null(virCpregProfileFind(profile, ZCR_EL1));
    /* Under TCG, MIDR_EL1 is ARM_CP_NO_RAW and the ID registers are
     * constants (target/arm/helper.c): QEMU does not migrate them */
    assert_null(virCpregProfileFind(profile, MIDR_EL1));
}

/* The save image holds the same stream behind a header and XML. */
static void
testSaveImage(void **state)
{
    g_autoptr(virCpregStreamInfo) stream = readFixture(STREAM);
    g_autoptr(virCpregStreamInfo) save = readFixture(SAVE);
    g_autoptr(virCpregProfile) a = virCpregStreamToProfile(stream, NULL, NULL);
    g_autoptr(virCpregProfile) b = virCpregStreamToProfile(save, NULL, NULL);
    g_autoptr(GArray) diff = virCpregDiff(a, b);

    (void)state;
    assert_string_equal(save->save_format, "raw");
    assert_int_equal(save->save_version, 2);
    assert_int_equal(save->stream_offset, 92 + 1024);
    assert_true(g_str_has_prefix(save->domain_xml, "<domain type='qemu'>"));
    assert_non_null(strstr(save->domain_xml, "<name>cpreg-fixture</name>"));
    assert_int_equal(diff->len, 0);
    assert_int_equal(save->cpus->len, 2);
}

/* virCpregProfileLoad takes streams like any profile; Parse from memory
 * gives the same. */
static void
testProfileLoad(void **state)
{
    g_autofree char *path = testFixture(SAVE);
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) a = virCpregProfileLoad(path, &error);
    g_autoptr(virCpregProfile) b = NULL;
    g_autoptr(GArray) diff = NULL;

    (void)state;
    if (!a)
        fail_msg("%s", error->message);
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    b = virCpregProfileParse(path, data, len, &error);
    if (!b)
        fail_msg("%s", error->message);
    diff = virCpregDiff(a, b);
    assert_int_equal(diff->len, 0);
    assert_int_equal(virCpregProfileCount(a), 328);
}

/* ---- compressed save images --------------------------------------------- */

typedef struct {
    const char *name;
    guint32 format;          /* virQEMUSaveFormat */
    const char *tool;
} CompressCase;

static const CompressCase compressCases[] = {
    { "gzip save image (format 1)", 1, "gzip" },
    { "bzip2 save image (format 2)", 2, "bzip2" },
    { "xz save image (format 3)", 3, "xz" },
    { "lzop save image (format 4)", 4, "lzop" },
    { "zstd save image (format 5)", 5, "zstd" },
};

/* The fixture's save image with its stream compressed by @tool. */
static char *
compressedImage(const CompressCase *c)
{
    g_autofree char *path = testFixture(SAVE);
    g_autofree char *data = NULL;
    g_autofree char *packed = NULL;
    g_autofree char *raw = NULL;
    g_autofree char *out = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *name = g_strdup_printf("save-%s.img", c->tool);
    g_autoptr(GByteArray) img = g_byte_array_new();
    guint32 format = GUINT32_TO_LE(c->format);
    gsize len, plen;
    int status;

    assert_true(g_file_get_contents(path, &data, &len, NULL));
    raw = testWriteTemp("stream.raw", data + 1116, (gssize)(len - 1116));
    out = g_strconcat(raw, ".", c->tool, NULL);
    cmd = g_strdup_printf("%s -c < '%s' > '%s'", c->tool, raw, out);
    {
        const char *sh[] = { "/bin/sh", "-c", cmd, NULL };
        assert_true(g_spawn_sync(NULL, (char **)sh, NULL, G_SPAWN_DEFAULT, NULL,
                                 NULL, NULL, NULL, &status, NULL));
    }
    assert_true(g_spawn_check_wait_status(status, NULL));
    assert_true(g_file_get_contents(out, &packed, &plen, NULL));
    g_byte_array_append(img, (const guint8 *)data, 1116);
    memcpy(img->data + 28, &format, 4);        /* virQEMUSaveHeader.format */
    g_byte_array_append(img, (const guint8 *)packed, (guint)plen);
    return testWriteTemp(name, (const char *)img->data, img->len);
}

static void
testCompressed(void **state)
{
    const CompressCase *c = *state;
    g_autofree char *tool = g_find_program_in_path(c->tool);
    g_autofree char *path = NULL;
    g_autoptr(virCpregStreamInfo) info = NULL;
    g_autoptr(virCpregStreamInfo) ref = readFixture(STREAM);
    g_autoptr(virCpregProfile) a = NULL;
    g_autoptr(virCpregProfile) b = NULL;
    g_autoptr(GArray) diff = NULL;
    g_autoptr(GError) error = NULL;

    if (!tool) {
        print_message("[  SKIP    ] %s: '%s' is not installed\n", c->name, c->tool);
        skip();
    }
    path = compressedImage(c);
    if (!(info = virCpregStreamRead(path, 0, &error)))
        fail_msg("%s", error->message);
    assert_string_equal(info->save_format, c->tool);
    a = virCpregStreamToProfile(ref, NULL, NULL);
    b = virCpregStreamToProfile(info, NULL, NULL);
    diff = virCpregDiff(a, b);
    assert_int_equal(diff->len, 0);
    assert_int_equal(info->cpus->len, 2);
}

/* ---- hostile variants --------------------------------------------------- */

typedef struct {
    guint64 cpu;              /* vCPU 0's section */
    guint64 count;            /* its cpreg_vmstate_array_len */
    guint64 vmdesc;           /* the VMDESC section */
    guint64 timer;            /* the first device section */
    guint32 timer_id;
} Facts;

typedef void (*Mutate)(GByteArray *d, const Facts *f);

static void
poke32(GByteArray *d, guint64 at, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    memcpy(d->data + at, &be, 4);
}

/* Replaces the first @from after @at with @to, of the same length. */
static void
replace(GByteArray *d, guint64 at, const char *from, const char *to)
{
    guint8 *p = memmem(d->data + at, d->len - at, from, strlen(from));

    assert_non_null(p);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(p, to, strlen(to));
}

static void mEmpty(GByteArray *d, const Facts *f) { (void)f; g_byte_array_set_size(d, 0); }
static void mMagic(GByteArray *d, const Facts *f) { (void)f; d->data[0] = 'X'; }
static void mVersion(GByteArray *d, const Facts *f) { (void)f; poke32(d, 4, 2); }
static void mCutRam(GByteArray *d, const Facts *f) { (void)f; g_byte_array_set_size(d, 100); }
/* configuration: 8-byte header, 0x07, be32 9 "virt-10.0", the 40-byte
 * target-page-bits subsection: the RAM section starts at 62 */
static void mSectionType(GByteArray *d, const Facts *f) { (void)f; d->data[62] = 0x09; }
/* START header of 17 bytes, then be64 total|RAM_SAVE_FLAG_MEM_SIZE */
static void mRamTotal(GByteArray *d, const Facts *f) { (void)f; poke32(d, 79 + 4, 4096 | 4); poke32(d, 79, 0); }
/* the cpu section header is 17 bytes; 568 bytes of registers precede the
 * cpreg count in vmstate_arm_cpu (vmdesc: regs..sp_el) */
static void mCountHuge(GByteArray *d, const Facts *f) { poke32(d, f->count, 0x7fffffff); }
static void mCountNeg(GByteArray *d, const Facts *f) { poke32(d, f->count, 0xffffffff); }
static void mCountOff(GByteArray *d, const Facts *f) { poke32(d, f->count, 327); }
static void mNoVmdesc(GByteArray *d, const Facts *f) { g_byte_array_set_size(d, (guint)f->vmdesc); }
static void mVmdescJSON(GByteArray *d, const Facts *f) { d->data[f->vmdesc + 6] = '}'; }
static void mTrailing(GByteArray *d, const Facts *f) { (void)f; g_byte_array_append(d, (const guint8 *)"xx", 2); }
static void mFooter(GByteArray *d, const Facts *f)
{
    guint8 footer[5] = { 0x7e };
    guint32 be = GUINT32_TO_BE(f->timer_id);
    guint8 *p;

    memcpy(footer + 1, &be, 4);
    p = memmem(d->data + f->timer, d->len - f->timer, footer, 5);
    assert_non_null(p);
    p[4] ^= 0x40;
}
static void mNoCpregField(GByteArray *d, const Facts *f) { replace(d, f->vmdesc, "cpreg_vmstate_array_len", "cpreg_vmstate_array_lex"); }
static void mSubsection(GByteArray *d, const Facts *f) { replace(d, f->vmdesc, "\"cpu/vfp\"", "\"cpu/vfq\""); }
static void mDevice(GByteArray *d, const Facts *f) { replace(d, f->vmdesc, "\"timer\"", "\"timex\""); }
static void mFieldSize(GByteArray *d, const Facts *f) { replace(d, f->vmdesc, "\"size\": 8}", "\"size\": 9}"); }
/* virQEMUSaveHeader: magic[16], version, data_len, was_running, format */
static void mPartial(GByteArray *d, const Facts *f) { (void)f; memcpy(d->data + 12, "Part", 4); }
static void mSaveVersion(GByteArray *d, const Facts *f) { (void)f; d->data[16] = 3; }
static void mSaveLen(GByteArray *d, const Facts *f) { (void)f; memset(d->data + 20, 0x7f, 4); }
static void mSaveFormat(GByteArray *d, const Facts *f) { (void)f; d->data[28] = 9; }
static void mSaveNoNul(GByteArray *d, const Facts *f) { (void)f; memset(d->data + 92, 'a', 1024); }
static void mSaveCut(GByteArray *d, const Facts *f) { (void)f; g_byte_array_set_size(d, 500); }

typedef struct {
    const char *name;
    gboolean save;            /* mutate the save image, not the stream */
    Mutate mutate;
    const char *error;        /* in the message, after "FILE: " */
} BadCase;

static const BadCase badCases[] = {
    { "empty file", FALSE, mEmpty, "byte 0: unexpected end of data" },
    { "not a QEMU stream", FALSE, mMagic, "byte 0: not a QEMU migration stream" },
    { "stream version 2", FALSE, mVersion, "byte 4: QEMU stream version 2 is not supported" },
    { "cut inside the RAM block list", FALSE, mCutRam, "byte 100: unexpected end of data" },
    { "unknown section type", FALSE, mSectionType, "byte 62: unknown section type 0x09" },
    { "RAM block larger than the RAM total", FALSE, mRamTotal, "is larger than the RAM left (4096 bytes)" },
    { "cpreg count beyond the bound", FALSE, mCountHuge, "lists 2147483647 registers (at most 8192)" },
    { "negative cpreg count", FALSE, mCountNeg, "lists -1 registers" },
    { "cpreg count the vmdesc contradicts", FALSE, mCountOff, "does not describe 327 cpreg ids" },
    { "no vmdesc (suppress-vmdesc)", FALSE, mNoVmdesc, "no VM description at the end of the stream" },
    { "vmdesc is not JSON", FALSE, mVmdescJSON, "the VM description is not valid JSON" },
    { "data after the vmdesc", FALSE, mTrailing, "no VM description at the end of the stream" },
    { "section footer of another section", FALSE, mFooter, "section footer for id" },
    { "cpu section without cpreg fields", FALSE, mNoCpregField, "has no field 'cpreg_vmstate_array_len'" },
    { "subsection the vmdesc does not know", FALSE, mSubsection, "subsection 'cpu/vfp' of 'cpu' is not in the VM description" },
    { "device the vmdesc does not know", FALSE, mDevice, "but the VM description expects 'timex' instance 0" },
    { "vmdesc field size that walks off", FALSE, mFieldSize, "byte " },
    { "incomplete save image", TRUE, mPartial, "an incomplete libvirt save image" },
    { "save image version 3", TRUE, mSaveVersion, "byte 16: libvirt save image version 3 is not supported" },
    { "save image XML length beyond the bound", TRUE, mSaveLen, "byte 20: XML length 2139062143" },
    { "save image format 9", TRUE, mSaveFormat, "byte 28: unknown save image format 9" },
    { "save image XML without NUL", TRUE, mSaveNoNul, "byte 92: the domain XML is not NUL-terminated" },
    { "save image cut inside the XML", TRUE, mSaveCut, "ends inside the domain XML" },
};

static Facts
fixtureFacts(void)
{
    g_autoptr(virCpregStreamInfo) info = readFixture(STREAM);
    g_autofree char *path = testFixture(STREAM);
    g_autofree char *data = NULL;
    const virCpregStreamCpu *cpu = g_ptr_array_index(info->cpus, 0);
    const virCpregStreamSection *timer = &g_array_index(info->sections,
                                                        virCpregStreamSection, 1);
    Facts f = { cpu->offset, cpu->offset + 17 + 568, 0, timer->offset, timer->id };
    gsize len;
    const char *json;

    assert_true(g_file_get_contents(path, &data, &len, NULL));
    json = memmem(data, len, "{\"configuration\": {\"vmsd_name\"", 30);
    assert_non_null(json);
    f.vmdesc = (guint64)(json - data) - 5;
    return f;
}

/* Both readers (file and memory) refuse it, naming the file and byte. */
static void
testBadInput(void **state)
{
    const BadCase *c = *state;
    g_autofree char *src = testFixture(c->save ? SAVE : STREAM);
    g_autofree char *data = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GByteArray) d = g_byte_array_new();
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(virCpregStreamInfo) i1 = NULL;
    g_autoptr(virCpregStreamInfo) i2 = NULL;
    g_autofree char *want = NULL;
    Facts f = fixtureFacts();
    gsize len;

    assert_true(g_file_get_contents(src, &data, &len, NULL));
    g_byte_array_append(d, (const guint8 *)data, (guint)len);
    if (c->save)
        f.cpu += 1116, f.count += 1116, f.vmdesc += 1116, f.timer += 1116;
    c->mutate(d, &f);
    path = testWriteTemp("bad.stream", (const char *)d->data, d->len);
    i1 = virCpregStreamRead(path, 0, &e1);
    i2 = virCpregStreamParse(path, d->data, d->len, &e2);
    assert_null(i1);
    assert_null(i2);
    want = g_strdup_printf("%s: ", path);
    if (!g_str_has_prefix(e1->message, want) || !strstr(e1->message, c->error))
        fail_msg("got '%s', want '%s…%s'", e1->message, want, c->error);
    assert_string_equal(e1->message, e2->message);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testRealStream),
        cmocka_unit_test(testSaveImage),
        cmocka_unit_test(testProfileLoad),
    };
    size_t i;

    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    for (i = 0; i < G_N_ELEMENTS(compressCases); i++) {
        struct CMUnitTest t = { compressCases[i].name, testCompressed, NULL, NULL,
                                (void *)&compressCases[i] };
        g_array_append_val(tests, t);
    }
    for (i = 0; i < G_N_ELEMENTS(badCases); i++) {
        struct CMUnitTest t = { badCases[i].name, testBadInput, NULL, NULL,
                                (void *)&badCases[i] };
        g_array_append_val(tests, t);
    }
    return _cmocka_run_group_tests("stream", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
