/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stream-ram.c: skip the RAM records of a QEMU migration stream
 *
 * QEMU's migration/ram.c (ram_save_setup, save_page_header,
 * ram_load_precopy): every record starts with a be64 whose bits below the
 * target page size are flags and whose other bits are a page address (or
 * the total RAM size). A page record names its RAM block (u8 len + idstr)
 * unless RAM_SAVE_FLAG_CONTINUE says "the block of the last page". Page
 * data is skipped, never kept.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-stream-priv.h"

/* migration/ram.h (QEMU 9.1+; migration/ram.c before) */
#define RAM_SAVE_FLAG_ZERO           0x02
#define RAM_SAVE_FLAG_MEM_SIZE       0x04
#define RAM_SAVE_FLAG_PAGE           0x08
#define RAM_SAVE_FLAG_EOS            0x10
#define RAM_SAVE_FLAG_CONTINUE       0x20
#define RAM_SAVE_FLAG_XBZRLE         0x40
#define RAM_SAVE_FLAG_HOOK           0x80   /* RDMA only */
#define RAM_SAVE_FLAG_COMPRESS_PAGE  0x100  /* removed in QEMU 9.1 */
#define RAM_SAVE_FLAG_MULTIFD_FLUSH  0x200
#define ENCODING_FLAG_XBZRLE         0x1    /* migration/xbzrle.h */

#define MAX_RAM_BLOCKS 256

typedef struct {
    virCpregInput *in;
    virCpregStreamInfo *info;
    gboolean ignore_shared;
    const virCpregStreamRamBlock **block;
    guint64 at;          /* offset of the record */
    guint64 addr;        /* the record's address bits */
    guint flags;
} RamRecord;

#define FAIL(r, ...) \
    (virCpregInputError((r)->in, (r)->at, error, __VA_ARGS__), FALSE)

/* RAM_SAVE_FLAG_MEM_SIZE: the total, then every block's name and size
 * (parse_ramblock: plus its address with x-ignore-shared). */
static gboolean
ramMemSize(RamRecord *r, GError **error)
{
    guint64 left = r->addr;

    if (r->info->ram_blocks->len)
        return FAIL(r, _("a second RAM size record"));
    r->info->ram_total = r->addr;
    while (left) {
        virCpregStreamRamBlock b;
        char name[256];
        guint64 len, addr;
        if (r->info->ram_blocks->len >= MAX_RAM_BLOCKS)
            return FAIL(r, _("more than %d RAM blocks"), MAX_RAM_BLOCKS);
        if (!virCpregInputIdstr(r->in, name, error) ||
            !virCpregInputBe64(r->in, &len, error))
            return FALSE;
        if (r->ignore_shared && !virCpregInputBe64(r->in, &addr, error))
            return FALSE;
        if (len > left)
            return FAIL(r, _("RAM block '%1$s' is larger than the RAM left (%2$llu bytes)"),
                        name, (unsigned long long)left);
        left -= len;
        b.name = g_strdup(name);
        b.length = len;
        g_array_append_val(r->info->ram_blocks, b);
    }
    return TRUE;
}

/* The block of a page record, and the page's place in it. */
static gboolean
ramBlock(RamRecord *r, GError **error)
{
    const virCpregStreamRamBlock *block = *r->block;
    guint i;

    if (!(r->flags & RAM_SAVE_FLAG_CONTINUE)) {
        char name[256];
        if (!virCpregInputIdstr(r->in, name, error))
            return FALSE;
        block = NULL;
        for (i = 0; i < r->info->ram_blocks->len && !block; i++) {
            const virCpregStreamRamBlock *b = &g_array_index(r->info->ram_blocks,
                                                             virCpregStreamRamBlock, i);
            if (g_str_equal(b->name, name))
                block = b;
        }
        if (!block)
            return FAIL(r, _("a page of the unknown RAM block '%s'"), name);
        *r->block = block;
    }
    if (!block)
        return FAIL(r, _("a page continues a RAM block, but none was named"));
    if (r->addr > block->length || block->length - r->addr < r->info->page_size)
        return FAIL(r, _("page 0x%1$llx is outside RAM block '%2$s'"),
                    (unsigned long long)r->addr, block->name);
    return TRUE;
}

static gboolean
ramZero(RamRecord *r, GError **error)
{
    guint8 fill;

    if (!ramBlock(r, error) || !virCpregInputU8(r->in, &fill, error))
        return FALSE;
    if (fill)
        return FAIL(r, _("a zero page filled with 0x%02x"), fill);
    r->info->pages_zero++;
    return TRUE;
}

static gboolean
ramPage(RamRecord *r, GError **error)
{
    if (!ramBlock(r, error) || !virCpregInputSkip(r->in, r->info->page_size, error))
        return FALSE;
    r->info->pages_normal++;
    return TRUE;
}

static gboolean
ramXbzrle(RamRecord *r, GError **error)
{
    guint8 enc;
    guint16 len;

    if (!ramBlock(r, error) || !virCpregInputU8(r->in, &enc, error) ||
        !virCpregInputBe16(r->in, &len, error))
        return FALSE;
    if (enc != ENCODING_FLAG_XBZRLE || len > r->info->page_size)
        return FAIL(r, _("a bad XBZRLE page (encoding %1$u, %2$u bytes)"), enc, len);
    r->info->pages_other++;
    return virCpregInputSkip(r->in, len, error);
}

static gboolean
ramCompressed(RamRecord *r, GError **error)
{
    guint32 n = r->info->page_size;
    /* zlib's compressBound() of one page, the bound QEMU's
     * ram_load_precopy() checked before 9.1 */
    guint32 bound = n + (n >> 12) + (n >> 14) + (n >> 25) + 13;
    guint32 len;

    if (!ramBlock(r, error) || !virCpregInputBe32(r->in, &len, error))
        return FALSE;
    if (len > bound)
        return FAIL(r, _("a compressed page of %u bytes"), len);
    r->info->pages_other++;
    return virCpregInputSkip(r->in, len, error);
}

static gboolean
ramNothing(RamRecord *r, GError **error)
{
    (void)r;
    (void)error;
    return TRUE;
}

static const struct {
    guint flag;              /* flags without RAM_SAVE_FLAG_CONTINUE */
    gboolean (*parse)(RamRecord *r, GError **error);
} ramRecords[] = {
    { RAM_SAVE_FLAG_PAGE, ramPage },
    { RAM_SAVE_FLAG_ZERO, ramZero },
    { RAM_SAVE_FLAG_MEM_SIZE, ramMemSize },
    { RAM_SAVE_FLAG_XBZRLE, ramXbzrle },
    { RAM_SAVE_FLAG_COMPRESS_PAGE, ramCompressed },
    { RAM_SAVE_FLAG_MULTIFD_FLUSH, ramNothing },
};

gboolean
virCpregStreamParseRam(virCpregInput *in, virCpregStreamInfo *info,
                       gboolean ignore_shared,
                       const virCpregStreamRamBlock **block, GError **error)
{
    RamRecord r = { in, info, ignore_shared, block, 0, 0, 0 };
    guint64 mask = info->page_size - 1;
    size_t i;

    for (;;) {
        guint64 word;
        r.at = virCpregInputOffset(in);
        if (!virCpregInputBe64(in, &word, error))
            return FALSE;
        r.flags = (guint)(word & mask);
        r.addr = word & ~mask;
        if (r.flags == RAM_SAVE_FLAG_EOS)
            return TRUE;
        if (r.flags & RAM_SAVE_FLAG_HOOK)
            return FAIL(&r, _("RDMA RAM records are not supported"));
        for (i = 0; i < G_N_ELEMENTS(ramRecords); i++) {
            if (ramRecords[i].flag == (r.flags & ~RAM_SAVE_FLAG_CONTINUE))
                break;
        }
        if (i == G_N_ELEMENTS(ramRecords))
            return FAIL(&r, _("unknown RAM record flags 0x%x"), r.flags);
        if (!ramRecords[i].parse(&r, error))
            return FALSE;
    }
}
