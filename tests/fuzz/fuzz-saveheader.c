/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-saveheader.c: the libvirt save image header and domain XML
 * (libFuzzer)
 */
#include "config.h"

#include <stdint.h>

#include "cpreg-stream-priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(virCpregStreamInfo) info = virCpregStreamInfoNew("fuzz");
    virCpregSaveHeader hdr;

    if (!virCpregSaveHeaderParse("fuzz", data, size, &hdr, NULL))
        return 0;
    if (size - VIR_CPREG_SAVE_HEADER_SIZE < hdr.data_len)
        return 0;
    virCpregSaveDataParse("fuzz", &hdr, data + VIR_CPREG_SAVE_HEADER_SIZE, info, NULL);
    (void)virCpregSaveDecompressor(hdr.format);
    return 0;
}
