/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-qmp.c: the QMP message parser on arbitrary replies (libFuzzer)
 */
#include "config.h"

#include <stdint.h>

#include "cpreg-qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    virCpregQmpKind kind;
    json_object *msg = virCpregQmpParseMessage("fuzz", (const char *)data, size,
                                               &kind, NULL);

    if (msg)
        json_object_put(msg);
    return 0;
}
