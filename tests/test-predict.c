/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-predict.c: predictions of the lab's max host against its real
 * probes, for every kernel step and every vCPU configuration, from the
 * neoverse-n1 deltas; the marks of a prediction through both formats;
 * the verdicts of predicted profiles
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-id.h"
#include "cpreg-knowledge.h"
#include "cpreg-predict.h"
#include "cpreg-verdict.h"
#include "testutils.h"

static const char *const kernels[] = { "6.1", "6.12", "7.2", "7.3" };
static const char *const maxConfigs[] = {
    "base", "pmu", "pmu-ptrauth", "pmu-sve", "pmu-sve-ptrauth", "sve-ptrauth",
};

static virCpregProfile *
loadLab(const char *kernel, const char *cpu, const char *config)
{
    g_autofree char *rel = g_strdup_printf("lab/linux-%s-%s-%s.regs", kernel, cpu, config);
    g_autofree char *path = testFixture(rel);
    g_autoptr(GError) error = NULL;
    virCpregProfile *p = virCpregProfileLoad(path, &error);

    if (!p)
        fail_msg("%s", error->message);
    return p;
}

/* The n1 configuration for a max one: the PMU if it has one. */
static const char *
n1Config(const char *config)
{
    return strstr(config, "pmu") ? "pmu" : "base";
}

static virCpregProfile *
predictLab(const char *a, const char *b, const char *config)
{
    g_autoptr(virCpregProfile) host = loadLab(a, "max", config);
    g_autoptr(virCpregProfile) from = loadLab(a, "n1", n1Config(config));
    g_autoptr(virCpregProfile) to = loadLab(b, "n1", n1Config(config));
    g_autoptr(GError) error = NULL;
    virCpregProfile *out = virCpregPredict(host, from, to, NULL, &error);

    if (!out)
        fail_msg("%s -> %s %s: %s", a, b, config, error->message);
    return out;
}

static gboolean
isFirmware(guint64 id)
{
    guint coproc = (id >> 16) & 0xfff;

    return coproc == 0x14 || coproc == 0x16;
}

typedef struct {
    guint exact, uncertain, wrong;
} Counts;

/* One prediction against the real probe: the list exact, firmware values
 * exact, every other entry exact or marked where it is not. */
static void
compare(const char *step, const char *config, const virCpregProfile *pred,
        const virCpregProfile *real, Counts *c)
{
    char name[VIR_CPREG_NAME_MAX];
    guint i;

    assert_int_equal(virCpregProfileCount(pred), virCpregProfileCount(real));
    for (i = 0; i < virCpregProfileCount(pred); i++) {
        const virCpregEntry *p = virCpregProfileEntry(pred, i);
        const virCpregEntry *r = virCpregProfileFind(real, p->id);
        const virCpregRegInfo *info = virCpregKnowledgeReg(p->id);
        guint64 dv, dw;

        if (!r)
            fail_msg("%s %s: %s predicted, not listed", step, config, virCpregIdFormat(p->id, name));
        if (info && info->transient)
            continue;
        dv = (p->value ^ r->value) | (p->value_hi != r->value_hi ? 1ULL << 63 : 0);
        dw = p->writable ^ r->writable;
        if ((p->flags & ~VIR_CPREG_ENTRY_MARKS) != r->flags)
            fail_msg("%s %s: %s: columns differ", step, config, virCpregIdFormat(p->id, name));
        if (isFirmware(p->id) && (dv || virCpregEntryUncertain(p)))
            fail_msg("%s %s: firmware %s not exact", step, config, virCpregIdFormat(p->id, name));
        if ((dv & ~p->uncertain) ||
            (dw && !(p->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN))) {
            c->wrong++;
            print_message("WRONG %s %s: %s 0x%" G_GINT64_MODIFIER "x (real 0x%" G_GINT64_MODIFIER
                          "x), writable 0x%" G_GINT64_MODIFIER "x (real 0x%" G_GINT64_MODIFIER "x)\n",
                          step, config, virCpregIdFormat(p->id, name), p->value, r->value,
                          p->writable, r->writable);
        } else if (virCpregEntryUncertain(p)) {
            c->uncertain++;
        } else {
            c->exact++;
        }
    }
}

/* Every kernel step, adjacent or not, every max configuration. */
static void
testLabSteps(void **state G_GNUC_UNUSED)
{
    size_t i, j, k;
    guint wrong = 0;

    for (i = 0; i < G_N_ELEMENTS(kernels); i++) {
        for (j = i + 1; j < G_N_ELEMENTS(kernels); j++) {
            g_autofree char *step = g_strdup_printf("%s->%s", kernels[i], kernels[j]);
            Counts c = { 0 };
            for (k = 0; k < G_N_ELEMENTS(maxConfigs); k++) {
                g_autoptr(virCpregProfile) pred = predictLab(kernels[i], kernels[j], maxConfigs[k]);
                g_autoptr(virCpregProfile) real = loadLab(kernels[j], "max", maxConfigs[k]);
                compare(step, maxConfigs[k], pred, real, &c);
            }
            print_message("predict max %-9s (6 configurations, n1 deltas): %u exact, %u uncertain, %u wrong without a mark\n",
                          step, c.exact, c.uncertain, c.wrong);
            wrong += c.wrong;
        }
    }
    assert_int_equal(wrong, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testLabSteps),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
