/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-conf.c: cpreg.conf (GKeyFile lines, group [hook]) from memory
 * (libFuzzer)
 *
 * Loading never fails: every key has a value, and the problems are text.
 */
#include "config.h"

#include "cpreg-conf.h"
#include "fuzz-util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("fuzz", (const char *)data, size);
    g_autofree char *problems = NULL;
    const char *const *keys = virCpregConfKeys();
    size_t i;

    FUZZ_CHECK(conf, "no configuration");
    FUZZ_CHECK(conf->time_budget_ms > 0, "no time budget");
    FUZZ_CHECK(conf->on_internal_error == VIR_CPREG_ON_ALLOW ||
               conf->on_internal_error == VIR_CPREG_ON_DENY, "on-internal-error %d",
               conf->on_internal_error);
    for (i = 0; keys[i]; i++)
        (void)virCpregConfProblemFor(conf, keys[i]);
    problems = virCpregConfProblemsText(conf);
    FUZZ_CHECK(!conf->problems->len == !problems, "problems without text, or text without problems");
    return 0;
}
