/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-report.c: judging and summarizing a forged source profile of
 * VIR_CPREG_PROFILE_MAX_REGS (8,192) registers, in-process
 *
 *   unknown:  every register unknown to the destination (8,192 blocking
 *             findings)
 *   differ:   every register on both sides with another value, and the
 *             destination's kernel refusing each in a trial (8,192
 *             blocking findings)
 *   hook:     the hook's whole decision on a domain XML carrying the
 *             8,192-register "unknown" profile (parse, check, summary,
 *             journal fields, the refusal's details)
 *
 * Each is measured at 8,192 and at 512 registers; the floor is 16 times
 * the 512-register time, measured in the same run, so the ratio is 1 for
 * linear work and about 16 for quadratic. The target is 50 ms for
 * 8,192 registers (printed, not asserted: the machine is shared). With
 * --check, exits 1 when a ratio exceeds RATIO_LIMIT.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cpreg-conf.h"
#include "cpreg-hook.h"
#include "cpreg-id.h"
#include "cpreg-log.h"
#include "cpreg-verdict.h"
#include "testutils.h"

#define BIG VIR_CPREG_PROFILE_MAX_REGS
#define SMALL (BIG / 16)
#define TARGET_MS 50.0
#define RATIO_LIMIT 4.0

typedef enum { FORGE_UNKNOWN, FORGE_DIFFER } forgeKind;

static volatile guint64 sink;

static virCpregProfile *
loadLab(void)
{
    g_autofree char *path = testFixture("lab/linux-7.2-max-pmu.regs");
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);

    g_assert_nonnull(p);
    return virCpregProfileQemuView(p);
}

/* The next system register encoding, from *@cursor on, that @dst lacks. */
static guint64
forgedId(const virCpregProfile *dst, guint *cursor)
{
    for (;; (*cursor)++) {
        guint c = *cursor;
        guint64 id = VIR_CPREG_SYSREG(2 + (c >> 14 & 1), c >> 11 & 7, c >> 7 & 15,
                                      c >> 3 & 15, c & 7);
        if (!virCpregProfileFind(dst, id)) {
            (*cursor)++;
            return id;
        }
    }
}

static void
addEntry(virCpregProfile *p, guint64 id, guint64 value)
{
    virCpregEntry e = { .id = id, .value = value, .flags = VIR_CPREG_ENTRY_VALUE };

    g_array_append_val(p->entries, e);
}

/* A source of @n forged registers, and its destination. */
static void
forge(forgeKind kind, guint n, virCpregProfile **srcp, virCpregProfile **dstp)
{
    virCpregProfile *dst = loadLab();
    virCpregProfile *src = virCpregProfileQemuView(dst);
    guint cursor = 0;
    guint i;

    /* forgedId() ascends with its cursor: both lists stay sorted */
    g_array_set_size(src->entries, 0);
    for (i = 0; i < n; i++) {
        guint64 id = forgedId(dst, &cursor);
        addEntry(src, id, i + 1);
        if (kind == FORGE_DIFFER) {
            virCpregTrial t = { .id = id, .value = i + 1,
                                .result = VIR_CPREG_TRIAL_REJECTED };
            g_strlcpy(t.err, "EINVAL", sizeof(t.err));
            g_array_append_val(dst->trials, t);
        }
    }
    if (kind == FORGE_DIFFER) {
        /* the destination lists the same registers, with other values */
        g_array_set_size(dst->entries, 0);
        for (i = 0; i < n; i++)
            addEntry(dst, virCpregProfileEntry(src, i)->id, 0);
    }
    *srcp = src;
    *dstp = dst;
}

/* The fastest of a few rounds of judging and summarizing, in ms. */
static double
timeCheck(const virCpregProfile *src, const virCpregProfile *dst)
{
    virCpregCheckOptions opts = { .dest_qemu = "10.0" };
    double best = G_MAXDOUBLE;
    guint round;

    for (round = 0; round < 5; round++) {
        gint64 start = g_get_monotonic_time();
        g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, NULL);
        g_autofree char *summary = NULL;

        g_assert_nonnull(v);
        g_assert_cmpint(v->kind, ==, VIR_CPREG_VERDICT_VETO);
        g_assert_cmpuint(v->findings->len, >=, virCpregProfileCount(src));
        summary = virCpregVerdictSummary(v);
        best = MIN(best, (double)(g_get_monotonic_time() - start) / 1e3);
        sink += strlen(summary);
    }
    return best;
}

static double
benchCheck(forgeKind kind, guint n)
{
    g_autoptr(virCpregProfile) src = NULL;
    g_autoptr(virCpregProfile) dst = NULL;

    forge(kind, n, &src, &dst);
    return timeCheck(src, dst);
}

/* The hook's decision on a domain carrying @src, this host being @dst. */
static double
benchHook(guint n, const char *dir)
{
    g_autoptr(virCpregProfile) src = NULL;
    g_autoptr(virCpregProfile) dst = NULL;
    g_autofree char *host = g_build_filename(dir, "host.json", NULL);
    g_autofree char *json = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *text = g_strdup_printf("[hook]\nhost-profile=%s\nqemu-version=10.0\n"
                                            "policy-dirs=/nonexistent/policy.d\non-internal-error=deny\n"
                                            "on-missing-profile=deny\n", host);
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("bench", text, strlen(text));
    double best = G_MAXDOUBLE;
    guint round;

    g_assert_cmpuint(conf->problems->len, ==, 0);
    forge(FORGE_UNKNOWN, n, &src, &dst);
    g_assert_true(virCpregProfileSave(dst, host, NULL));
    json = virCpregProfileToJSON(src);
    xml = g_strdup_printf("<domain type='kvm'><name>forged</name>"
                          "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
                          "<cpu mode='host-passthrough'/>"
                          "<metadata><cpreg:profile xmlns:cpreg='%s'>%s</cpreg:profile>"
                          "</metadata></domain>", VIR_CPREG_METADATA_NS, json);
    for (round = 0; round < 5; round++) {
        g_auto(virCpregHookAnswer) answer = { 0 };
        gint64 start = g_get_monotonic_time();

        virCpregHookAnswerInit(&answer);
        virCpregHookIncoming(conf, "migrate", xml, strlen(xml), &answer);
        best = MIN(best, (double)(g_get_monotonic_time() - start) / 1e3);
        if (answer.status != 1 || !strstr(answer.err->str, "migration vetoed")) {
            fprintf(stderr, "the hook did not veto the forged profile: %s\n",
                    answer.err->str);
            exit(2);
        }
        sink += answer.err->len;
    }
    g_unlink(host);
    return best;
}

static gboolean
report(const char *what, double big, double small)
{
    double floor = small * (BIG / SMALL);
    double ratio = big / floor;

    printf("%-8s %u registers: %.2f ms (target <= %.0f ms); floor %u x %.3f ms = %.2f ms; "
           "ratio %.2f (limit %.1f)\n", what, BIG, big, TARGET_MS, BIG / SMALL, small,
           floor, ratio, RATIO_LIMIT);
    return ratio <= RATIO_LIMIT;
}

int
main(int argc, char **argv)
{
    gboolean check = argc > 1 && g_str_equal(argv[1], "--check");
    g_autofree char *dir = g_dir_make_tmp("bench-report-XXXXXX", NULL);
    g_autofree char *journal = g_build_filename(dir, "no-journal", NULL);
    gboolean ok = TRUE;

    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
    /* the hook's journal entries go nowhere (and not to syslog) */
    g_setenv(VIR_CPREG_LOG_SOCKET_ENV, journal, TRUE);
    ok &= report("unknown", benchCheck(FORGE_UNKNOWN, BIG), benchCheck(FORGE_UNKNOWN, SMALL));
    ok &= report("differ", benchCheck(FORGE_DIFFER, BIG), benchCheck(FORGE_DIFFER, SMALL));
    ok &= report("hook", benchHook(BIG, dir), benchHook(SMALL, dir));
    g_rmdir(dir);
    return check && !ok;
}
