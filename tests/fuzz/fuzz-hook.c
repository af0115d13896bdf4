/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-hook.c: the hook's decision on an incoming domain XML, in-process
 * (libFuzzer): the XML, our metadata in it (the source's profile), the
 * verdict, its words and the rewrite, against a fixed host profile and
 * QEMU version, so nothing is ever executed.
 *
 * The answer must be one the hook can give: exit 0 with the rewritten XML
 * or nothing, or exit 1 with a reason; the rewritten XML parses again.
 */
#include "config.h"

#include <string.h>

#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-hook.h"
#include "fuzz-util.h"

static virCpregConf *conf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char text[] =
        "[hook]\n"
        "host-profile=" FIXTUREDIR "/lab/linux-7.2-max-pmu.regs\n"
        "qemu-version=10.0\n"
        "policy-dirs=/nonexistent/policy.d\n"
        "on-internal-error=deny\n"
        "on-missing-profile=allow\n";

    (void)argc;
    (void)argv;
    fuzzQuietJournal();
    conf = virCpregConfLoadData("fuzz", text, sizeof(text) - 1);
    if (conf->problems->len)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_auto(virCpregHookAnswer) answer = { 0 };
    g_autoptr(virCpregDomain) again = NULL;
    g_autoptr(GError) error = NULL;

    virCpregHookAnswerInit(&answer);
    virCpregHookIncoming(conf, "migrate", (const char *)data, size, &answer);
    FUZZ_CHECK(answer.status == 0 || answer.status == 1, "exit %d", answer.status);
    FUZZ_CHECK(answer.status == 0 || answer.err->len, "a refusal without a reason");
    FUZZ_CHECK(answer.status == 0 || !answer.out->len, "a refusal with XML");
    if (!answer.out->len || answer.out->len > VIR_CPREG_DOMAIN_MAX_BYTES)
        return 0;
    again = virCpregDomainParse("answer", answer.out->str, answer.out->len, &error);
    FUZZ_CHECK(again, "%s", error->message);
    FUZZ_CHECK(again->profile_text, "the answer carries no profile");
    return 0;
}
