/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-policy.c: a site policy file, then a verdict judged by it, in
 * words and JSON (libFuzzer)
 */
#include "config.h"

#include <string.h>

#include "cpreg-policy.h"
#include "cpreg-verdict.h"
#include "fuzz-util.h"

static virCpregProfile *src, *dst;

static virCpregProfile *
loadView(const char *path)
{
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);

    if (!p)
        abort();
    return virCpregProfileQemuView(p);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    src = loadView(FIXTUREDIR "/lab/linux-6.12-max-pmu.regs");
    dst = loadView(FIXTUREDIR "/lab/linux-7.2-max-pmu.regs");
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
    virCpregCheckOptions opts = { .dest_qemu = "10.0", .policy = policy };
    g_autoptr(virCpregVerdict) v = NULL;
    g_autofree char *path = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *json = NULL;
    gboolean loaded;
    guint i;
    int fd;

    path = fuzzAsFile(data, size, &fd);
    loaded = virCpregPolicyLoadFile(policy, path, NULL);
    close(fd);
    if (!loaded)
        return 0;
    v = virCpregCheck(src, dst, &opts, NULL);
    if (!v)
        return 0;
    summary = virCpregVerdictSummary(v);
    FUZZ_CHECK(strlen(summary) <= 200, "a summary of %zu bytes", strlen(summary));
    json = virCpregVerdictToJSON(v);
    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        g_free(virCpregFindingMessage(v, f));
        g_free(virCpregFindingRemedy(v, f));
    }
    return 0;
}
