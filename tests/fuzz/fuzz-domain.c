/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-domain.c: the domain XML parser and the rewrite of a parsed domain
 * (libFuzzer)
 *
 * What the rewrite writes must parse again as the same guest, with our
 * metadata where our parser looks for it.
 */
#include "config.h"

#include <string.h>

#include "cpreg-domain.h"
#include "cpreg-domain-edit.h"
#include "fuzz-util.h"

static virCpregProfile *stamp;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char json[] =
        "{\"libvirt-cpreg-profile\": 1, \"identity\": {\"kernel\": \"6.1.0\", \"features\": [\"pmu\"]},"
        " \"registers\": [{\"id\": \"0x6030000000140000\", \"value\": \"0x10001\"},"
        " {\"id\": \"0x603000000013c000\", \"value\": \"0x410fd0c1\"}]}";

    (void)argc;
    (void)argv;
    stamp = virCpregProfileParse("fuzz", json, strlen(json), NULL);
    if (!stamp)
        abort();
    return 0;
}

static void
checkRewrite(virCpregDomain *d, size_t size)
{
    const char *const pmu[] = { "pmu", NULL };
    virCpregDomainEdit edit = { .profile = stamp, .psci_pin = "1.0" };
    g_autofree char *out = virCpregDomainRewrite(d, &edit);
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregDomain) again = NULL;
    g_autoptr(virCpregProfile) p = NULL;

    (void)virCpregDomainIsAarch64(d);
    (void)virCpregDomainIsKvm(d);
    (void)virCpregDomainHasPsciProperty(d);
    (void)virCpregDomainCheckFeatures(d, pmu, "fuzz", NULL);
    /* the profile and the pin make it longer: past the bound is refused */
    if (strlen(out) > VIR_CPREG_DOMAIN_MAX_BYTES || size > VIR_CPREG_DOMAIN_MAX_BYTES / 2)
        return;
    again = virCpregDomainParse("rewrite", out, strlen(out), &error);
    FUZZ_CHECK(again, "%s", error->message);
    FUZZ_CHECK(g_strcmp0(again->name, d->name) == 0, "name '%s', was '%s'", again->name, d->name);
    FUZZ_CHECK(g_strcmp0(again->uuid, d->uuid) == 0, "uuid changed");
    FUZZ_CHECK(g_strcmp0(again->type, d->type) == 0, "type changed");
    FUZZ_CHECK(g_strcmp0(again->arch, d->arch) == 0, "arch changed");
    FUZZ_CHECK(g_strcmp0(again->cpu_model, d->cpu_model) == 0, "model changed");
    FUZZ_CHECK(g_strcmp0(again->emulator, d->emulator) == 0, "emulator changed");
    FUZZ_CHECK(again->profile_text, "the stamped profile is not where the parser looks");
    p = virCpregProfileParse("stamped", again->profile_text, strlen(again->profile_text), &error);
    FUZZ_CHECK(p, "%s", error->message);
    FUZZ_CHECK(virCpregProfileCount(p) == virCpregProfileCount(stamp), "%u registers",
               virCpregProfileCount(p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(virCpregDomain) d = virCpregDomainParse("fuzz", (const char *)data, size, NULL);

    if (d)
        checkRewrite(d, size);
    return 0;
}
