/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stream-priv.h: what the stream reader's parts share
 */
#pragma once

#include "cpreg-stream.h"
#include "cpreg-input.h"

virCpregStreamInfo *virCpregStreamInfoNew(const char *origin);

/* The QEMU stream from the input's position to its end. */
gboolean virCpregStreamParseInput(virCpregInput *in, virCpregStreamInfo *info,
                                  GError **error);

/* The RAM records of one RAM section, up to RAM_SAVE_FLAG_EOS. @block is
 * the block of the last page, which RAM_SAVE_FLAG_CONTINUE refers to. */
gboolean virCpregStreamParseRam(virCpregInput *in, virCpregStreamInfo *info,
                                gboolean ignore_shared,
                                const virCpregStreamRamBlock **block,
                                GError **error);

/* libvirt save images (cpreg-saveimage.c) */
typedef struct {
    guint32 version;
    guint32 data_len;       /* XML, NUL, padding and the cookie */
    guint32 was_running;
    guint32 format;         /* virQEMUSaveFormat */
    guint32 cookie_offset;
} virCpregSaveHeader;

gboolean virCpregSaveIsImage(const guint8 *data, gsize len);
gboolean virCpregSaveHeaderParse(const char *origin, const guint8 *data,
                                 gsize len, virCpregSaveHeader *hdr,
                                 GError **error);
gboolean virCpregSaveDataParse(const char *origin, const virCpregSaveHeader *hdr,
                               const guint8 *data, virCpregStreamInfo *info,
                               GError **error);
const char *const *virCpregSaveDecompressor(guint32 format);
