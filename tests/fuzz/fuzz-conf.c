/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-conf.c: cpreg.conf (GKeyFile, group [hook]) (libFuzzer)
 */
#include "config.h"

#include "cpreg-conf.h"
#include "fuzz-util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *path = NULL;
    g_autoptr(virCpregConf) conf = NULL;
    g_autoptr(GError) error = NULL;
    int fd;

    path = fuzzAsFile(data, size, &fd);
    conf = virCpregConfLoadFile(path, &error);
    close(fd);
    FUZZ_CHECK(!conf != !error, "a configuration and an error");
    FUZZ_CHECK(!conf || conf->time_budget_ms > 0, "no time budget");
    return 0;
}
