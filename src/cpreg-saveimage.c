/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-saveimage.c: the header of a libvirt save image
 *
 * libvirt's src/qemu/qemu_saveimage.h, virQEMUSaveHeader (92 bytes, in the
 * byte order of the host that wrote it):
 *   char magic[16] "LibvirtQemudSave" ("LibvirtQemudPart" while incomplete)
 *   uint32 version (2; 1 had no cookie), data_len, was_running, format,
 *   cookieOffset, unused[14]
 * then data_len bytes: the NUL-terminated domain XML up to cookieOffset
 * (or data_len), the migration cookie; then the QEMU stream, compressed
 * when format is not 0 (virQEMUSaveFormat).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-stream-priv.h"
#include "cpreg-error.h"
#include "cpreg-text.h"

#define QEMU_SAVE_MAGIC    "LibvirtQemudSave"
#define QEMU_SAVE_PARTIAL  "LibvirtQemudPart"
#define QEMU_SAVE_VERSION  2

/* virQEMUSaveFormat: the values are on-disk ABI. libvirt itself
 * decompresses with "PROGRAM -dc" (qemuSaveImageGetCompressionCommand). */
static const struct {
    guint32 format;
    const char *name;
    const char *argv[3];
} saveFormats[] = {
    { 0, "raw", { NULL } },
    { 1, "gzip", { "gzip", "-dc", NULL } },
    { 2, "bzip2", { "bzip2", "-dc", NULL } },
    { 3, "xz", { "xz", "-dc", NULL } },
    { 4, "lzop", { "lzop", "-dc", NULL } },
    { 5, "zstd", { "zstd", "-dc", NULL } },
};

gboolean
virCpregSaveIsImage(const guint8 *data, gsize len)
{
    return len >= 16 && (memcmp(data, QEMU_SAVE_MAGIC, 16) == 0 ||
                         memcmp(data, QEMU_SAVE_PARTIAL, 16) == 0);
}

static guint32
u32At(const guint8 *d, gboolean swap)
{
    guint32 v;

    memcpy(&v, d, 4);
    return swap ? GUINT32_SWAP_LE_BE(v) : v;
}

static const char *
formatName(guint32 format)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(saveFormats); i++) {
        if (saveFormats[i].format == format)
            return saveFormats[i].name;
    }
    return NULL;
}

/* NULL for raw streams and unknown formats. */
const char *const *
virCpregSaveDecompressor(guint32 format)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(saveFormats); i++) {
        if (saveFormats[i].format == format && saveFormats[i].argv[0])
            return saveFormats[i].argv;
    }
    return NULL;
}

gboolean
virCpregSaveHeaderParse(const char *origin, const guint8 *data, gsize len,
                        virCpregSaveHeader *hdr, GError **error)
{
    gboolean swap = FALSE;

    if (len < VIR_CPREG_SAVE_HEADER_SIZE || !virCpregSaveIsImage(data, len)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: not a libvirt save image (no 92-byte header)"), origin);
        return FALSE;
    }
    if (memcmp(data, QEMU_SAVE_PARTIAL, 16) == 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: an incomplete libvirt save image (the save did not finish)"),
                    origin);
        return FALSE;
    }
    /* libvirt swaps the header when the version looks byte-swapped */
    hdr->version = u32At(data + 16, FALSE);
    if (hdr->version > QEMU_SAVE_VERSION) {
        swap = TRUE;
        hdr->version = u32At(data + 16, TRUE);
    }
    hdr->data_len = u32At(data + 20, swap);
    hdr->was_running = u32At(data + 24, swap);
    hdr->format = u32At(data + 28, swap);
    hdr->cookie_offset = hdr->version >= 2 ? u32At(data + 32, swap) : 0;
    if (hdr->version < 1 || hdr->version > QEMU_SAVE_VERSION) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: byte 16: libvirt save image version %2$u is not supported"),
                    origin, u32At(data + 16, FALSE));
        return FALSE;
    }
    if (hdr->data_len == 0 || hdr->data_len > VIR_CPREG_SAVE_MAX_XML ||
        hdr->cookie_offset > hdr->data_len) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: byte 20: XML length %2$u (cookie at %3$u) is out of range"),
                    origin, hdr->data_len, hdr->cookie_offset);
        return FALSE;
    }
    if (!formatName(hdr->format)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("%1$s: byte 28: unknown save image format %2$u"),
                    origin, hdr->format);
        return FALSE;
    }
    return TRUE;
}

/* @data: the header's data_len bytes that follow it. */
gboolean
virCpregSaveDataParse(const char *origin, const virCpregSaveHeader *hdr,
                      const guint8 *data, virCpregStreamInfo *info,
                      GError **error)
{
    gsize xml_len = hdr->cookie_offset ? hdr->cookie_offset : hdr->data_len;
    const guint8 *nul = memchr(data, '\0', xml_len);

    if (!nul) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: byte %2$d: the domain XML is not NUL-terminated"),
                    origin, VIR_CPREG_SAVE_HEADER_SIZE);
        return FALSE;
    }
    if (!virCpregTextCheckUTF8(origin, (const char *)data, nul - data, error))
        return FALSE;
    info->domain_xml = g_strndup((const char *)data, nul - data);
    info->save_version = hdr->version;
    info->was_running = hdr->was_running != 0;
    info->save_format = g_strdup(formatName(hdr->format));
    info->stream_offset = VIR_CPREG_SAVE_HEADER_SIZE + (guint64)hdr->data_len;
    return TRUE;
}
