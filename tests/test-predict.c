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

#include <sys/wait.h>

#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-knowledge.h"
#include "cpreg-policy.h"
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

/* One prediction against the real probe: the list exact but for entries
 * marked presence-uncertain, firmware values exact, every other entry
 * exact or marked where it is not. */
static void
compare(const char *step, const char *config, const virCpregProfile *pred,
        const virCpregProfile *real, Counts *c)
{
    char name[VIR_CPREG_NAME_MAX];
    guint i;

    for (i = 0; i < virCpregProfileCount(real); i++) {
        guint64 id = virCpregProfileEntry(real, i)->id;
        if (!virCpregProfileFind(pred, id))
            fail_msg("%s %s: %s listed, not predicted", step, config, virCpregIdFormat(id, name));
    }
    for (i = 0; i < virCpregProfileCount(pred); i++) {
        const virCpregEntry *p = virCpregProfileEntry(pred, i);
        const virCpregEntry *r = virCpregProfileFind(real, p->id);
        const virCpregRegInfo *info = virCpregKnowledgeReg(p->id);
        guint64 dv, dw;

        if (!r && (p->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)) {
            c->uncertain++;
            continue;
        }
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

static virCpregVerdict *
checkLab(const virCpregProfile *src, const virCpregProfile *dst, const char *qemu)
{
    virCpregCheckOptions opts = { .dest_qemu = qemu };
    g_autoptr(GError) error = NULL;
    virCpregVerdict *v = virCpregCheck(src, dst, &opts, &error);

    if (!v)
        fail_msg("%s", error->message);
    return v;
}

/*
 * The real 6.1 -> 6.12 migration of the max host failed on
 * ID_AA64MMFR1_EL1 (HCX, which 6.12 shows and 6.1 hid): from the
 * predicted 6.12 profile the verdict must not allow. It is uncertain, and
 * its findings name the predicted registers; without the marks the same
 * values would be judged as measured.
 */
static void
testVerdictNotFalseAllow(void **state G_GNUC_UNUSED)
{
    const char *qemus[] = { "10.0", "11.1" };
    size_t q, k;

    for (k = 0; k < G_N_ELEMENTS(maxConfigs); k++) {
        g_autoptr(virCpregProfile) src = loadLab("6.1", "max", maxConfigs[k]);
        g_autoptr(virCpregProfile) pred = predictLab("6.1", "6.12", maxConfigs[k]);
        g_autoptr(virCpregProfile) real = loadLab("6.12", "max", maxConfigs[k]);
        for (q = 0; q < G_N_ELEMENTS(qemus); q++) {
            g_autoptr(virCpregVerdict) vr = checkLab(src, real, qemus[q]);
            g_autoptr(virCpregVerdict) vp = checkLab(src, pred, qemus[q]);
            const virCpregFinding *f = &g_array_index(vp->findings, virCpregFinding, 0);
            assert_int_equal(vr->kind, VIR_CPREG_VERDICT_VETO);
            assert_true(vp->kind == VIR_CPREG_VERDICT_VETO ||
                        vp->kind == VIR_CPREG_VERDICT_UNCERTAIN);
            if (vp->kind == VIR_CPREG_VERDICT_UNCERTAIN)
                assert_string_equal(virCpregRuleGet(f->rule)->name, "predicted-uncertain");
        }
    }
}

/* A blocking finding on uncertain bits is uncertain (exit 3); the same
 * bits marked certain veto. */
static void
testUncertainDemotes(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) src = loadLab("6.1", "max", "pmu");
    g_autoptr(virCpregProfile) dst = loadLab("6.12", "max", "pmu");
    virCpregEntry *e = (virCpregEntry *)virCpregProfileFind(dst, VIR_CPREG_SYSREG(3, 0, 0, 7, 1));
    g_autoptr(virCpregVerdict) certain = NULL;
    g_autoptr(virCpregVerdict) doubtful = NULL;
    guint i;

    e->flags |= VIR_CPREG_ENTRY_PREDICTED;
    certain = checkLab(src, dst, "11.1");
    assert_int_equal(certain->kind, VIR_CPREG_VERDICT_VETO);
    e->uncertain = 0xfULL << 40;          /* HCX, the field that refuses */
    doubtful = checkLab(src, dst, "11.1");
    assert_int_equal(doubtful->kind, VIR_CPREG_VERDICT_UNCERTAIN);
    for (i = 0; i < doubtful->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(doubtful->findings, virCpregFinding, i);
        if (f->id == e->id && f->field) {
            g_autofree char *msg = virCpregFindingMessage(doubtful, f);
            assert_non_null(strstr(msg, "ID_AA64MMFR1_EL1.HCX is predicted"));
        }
    }
}

/* An allow that uncertain bits could still turn: uncertain. A bitmap's
 * uncertain bit where the source has none cannot. */
static void
testUncertainAllow(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) src = loadLab("7.2", "max", "pmu");
    g_autoptr(virCpregProfile) dst = loadLab("7.2", "max", "pmu");
    virCpregEntry *bmap = (virCpregEntry *)virCpregProfileFind(dst, VIR_CPREG_STD_HYP_BMAP);
    virCpregEntry *mmfr1 = (virCpregEntry *)virCpregProfileFind(dst, VIR_CPREG_SYSREG(3, 0, 0, 7, 1));
    g_autoptr(virCpregVerdict) v1 = NULL;
    g_autoptr(virCpregVerdict) v2 = NULL;

    bmap->flags |= VIR_CPREG_ENTRY_PREDICTED;
    bmap->uncertain = 1ULL << 40;         /* a bit no one offers */
    v1 = checkLab(src, dst, "11.1");
    assert_int_equal(v1->kind, VIR_CPREG_VERDICT_ALLOW);
    mmfr1->flags |= VIR_CPREG_ENTRY_PREDICTED;
    mmfr1->uncertain = 0xfULL << 40;      /* HCX: the source has 1, fixed */
    v2 = checkLab(src, dst, "11.1");
    assert_int_equal(v2->kind, VIR_CPREG_VERDICT_UNCERTAIN);
}

/* An informational finding on a register (a writable field lowered)
 * does not settle its uncertain bits: SHA2 still hangs on them. */
static void
testUncertainBesideInfo(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) src = loadLab("6.12", "n1", "pmu");
    g_autoptr(virCpregProfile) dst = loadLab("6.12", "n1", "pmu");
    virCpregEntry *isar0 = (virCpregEntry *)virCpregProfileFind(dst, VIR_CPREG_SYSREG(3, 0, 0, 6, 0));
    g_autoptr(virCpregVerdict) alone = NULL;
    g_autoptr(virCpregVerdict) beside = NULL;

    isar0->flags |= VIR_CPREG_ENTRY_PREDICTED;
    isar0->uncertain = 0xf000;               /* SHA2 */
    alone = checkLab(src, dst, "10.0");
    assert_int_equal(alone->kind, VIR_CPREG_VERDICT_UNCERTAIN);
    isar0->value |= 1ULL << 40;              /* SM3 raised: the source's is lower */
    beside = checkLab(src, dst, "10.0");
    assert_int_equal(beside->kind, VIR_CPREG_VERDICT_UNCERTAIN);
}

/*
 * A register whose listing a kernel row ties to a CPU feature the emulated
 * CPU lacks (TCR2_EL1 and the S1PIE pair, 6.13) is kept, its presence
 * uncertain: the real 6.12 -> 7.2 failure on QEMU 10.0 (the length check,
 * 269 > 267 on the lab's max host) hangs on whether 7.2 lists them for
 * this host, so the verdict is uncertain, never an allow; on QEMU 11.1,
 * which ignores them when one end lacks them, it is allowed; the same
 * prediction made on the host's own CPU (max) has no doubt and vetoes.
 */
static void
testPresenceUncertain(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) src = loadLab("6.12", "max", "pmu");
    g_autoptr(virCpregProfile) pred = predictLab("6.12", "7.2", "pmu");
    g_autoptr(virCpregProfile) hostA = loadLab("6.12", "max", "pmu");
    g_autoptr(virCpregProfile) maxB = loadLab("7.2", "max", "pmu");
    g_autoptr(virCpregProfile) onMax = NULL;
    g_autoptr(virCpregVerdict) v10 = checkLab(src, pred, "10.0");
    g_autoptr(virCpregVerdict) v11 = checkLab(src, pred, "11.1");
    g_autoptr(virCpregVerdict) vmax = NULL;
    g_autoptr(GError) error = NULL;
    const virCpregEntry *tcr2 = virCpregProfileFind(pred, VIR_CPREG_SYSREG(3, 0, 2, 0, 3));

    assert_non_null(tcr2);
    assert_true(tcr2->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN);
    assert_int_equal(v10->kind, VIR_CPREG_VERDICT_UNCERTAIN);
    assert_int_not_equal(v11->kind, VIR_CPREG_VERDICT_VETO);
    onMax = virCpregPredict(hostA, hostA, maxB, NULL, &error);
    assert_non_null(onMax);
    assert_null(virCpregProfileFind(onMax, VIR_CPREG_SYSREG(3, 0, 2, 0, 3)));
    vmax = checkLab(src, onMax, "10.0");
    assert_int_equal(vmax->kind, VIR_CPREG_VERDICT_VETO);
}

/*
 * The same unknown on both ends: one prediction of two hosts with the same
 * CPU compares as measured (guests moving between like hosts after the
 * upgrade); another prediction, or another CPU, on one end stays uncertain.
 */
static void
testSameUnknown(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) a = predictLab("7.2", "7.3", "pmu");
    g_autoptr(virCpregProfile) b = predictLab("7.2", "7.3", "pmu");
    g_autoptr(virCpregProfile) other = predictLab("6.12", "7.3", "pmu");
    g_autoptr(virCpregVerdict) same = NULL;
    g_autoptr(virCpregVerdict) mixed = NULL;
    g_autoptr(virCpregVerdict) cpu = NULL;

    same = checkLab(a, b, "10.0");
    assert_int_equal(same->kind, VIR_CPREG_VERDICT_ALLOW);
    /* 6.12's prediction differs: its uncertain fields are its own */
    mixed = checkLab(other, b, "10.0");
    assert_int_equal(mixed->kind, VIR_CPREG_VERDICT_UNCERTAIN);
    /* another CPU: the same bits may be different hardware */
    b->ident.midr ^= 1;
    cpu = checkLab(a, b, "10.0");
    assert_int_equal(cpu->kind, VIR_CPREG_VERDICT_UNCERTAIN);
}

/* A site policy's deny or required value met on uncertain bits: uncertain. */
static void
testUncertainPolicy(void **state G_GNUC_UNUSED)
{
    static const char *const rules[] = {
        "{\"register\": \"KVM_REG_ARM_STD_HYP_BMAP\", \"action\": \"deny\"}",
        "{\"register\": \"KVM_REG_ARM_STD_HYP_BMAP\", \"action\": \"require-value\", \"value\": \"0x1\"}",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(rules); i++) {
        g_autoptr(virCpregProfile) src = loadLab("7.2", "max", "pmu");
        g_autoptr(virCpregProfile) dst = loadLab("7.2", "max", "pmu");
        virCpregEntry *e = (virCpregEntry *)virCpregProfileFind(src, VIR_CPREG_STD_HYP_BMAP);
        g_autofree char *text = g_strdup_printf("{\"libvirt-cpreg-policy\": 1, \"rules\": [%s]}",
                                                rules[i]);
        g_autofree char *path = testWriteTemp("predict-policy.json", text, -1);
        g_autoptr(virCpregPolicy) policy = virCpregPolicyNew();
        g_autoptr(GError) error = NULL;
        virCpregCheckOptions opts = { .dest_qemu = "11.1", .policy = policy };
        g_autoptr(virCpregVerdict) certain = NULL;
        g_autoptr(virCpregVerdict) doubtful = NULL;

        if (!virCpregPolicyLoadFile(policy, path, &error))
            fail_msg("%s", error->message);
        assert_int_equal(e->value & 1, 1);      /* PV_TIME, as the policy requires */
        certain = virCpregCheck(src, dst, &opts, &error);
        assert_non_null(certain);
        assert_int_equal(certain->kind, VIR_CPREG_VERDICT_ALLOW);
        e->flags |= VIR_CPREG_ENTRY_PREDICTED;
        e->uncertain = 1;
        doubtful = virCpregCheck(src, dst, &opts, &error);
        assert_non_null(doubtful);
        assert_int_equal(doubtful->kind, VIR_CPREG_VERDICT_UNCERTAIN);
    }
}

/* The verb: a profile file and a summary; unfit inputs exit 2; check
 * of the predicted profile exits 3 where the real one vetoes. */
static void
testCli(void **state G_GNUC_UNUSED)
{
    g_autofree char *lab = testFixture("lab");
    g_autofree char *dir = g_dir_make_tmp("predict-XXXXXX", NULL);
    g_autofree char *out = g_build_filename(dir, "p.regs", NULL);
    g_autofree char *cmd = g_strdup_printf("%s predict --host %s/linux-6.1-max-pmu.regs --from %s/linux-6.1-n1-pmu.regs --to %s/linux-6.12-n1-pmu.regs -o %s",
                                           VIRT_CPREG, lab, lab, lab, out);
    g_autofree char *bad = g_strdup_printf("%s predict --host %s/linux-6.1-max-pmu.regs --from %s/linux-6.1-n1-pmu.regs --to %s/linux-6.12-n1-base.regs -o %s",
                                           VIRT_CPREG, lab, lab, lab, out);
    g_autofree char *check = g_strdup_printf("%s check --source %s/linux-6.1-max-pmu.regs --dest %s --dest-qemu 11.1",
                                             VIRT_CPREG, lab, out);
    g_autofree char *domain = testFixture("../golden/domains/host.xml");
    g_autofree char *stamp = g_strdup_printf("%s stamp --xml %s --profile %s", VIRT_CPREG, domain, out);
    g_autofree char *text = NULL;
    g_autofree char *saved = NULL;
    g_autofree char *verdict = NULL;
    g_autofree char *err = NULL;
    int status = 0;

    assert_true(g_spawn_command_line_sync(cmd, &text, NULL, &status, NULL));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(strstr(text, "added: 17: CCSIDR_L2I..L7I (6), CCSIDR_L3D..L7D (5)"));
    assert_non_null(strstr(text, "uncertain: "));
    assert_true(g_file_get_contents(out, &saved, NULL, NULL));
    assert_non_null(strstr(saved, "# predicted: kernel 6.1.0-50-arm64 -> 6.12.107+deb13-arm64"));
    assert_true(g_spawn_command_line_sync(check, &verdict, NULL, &status, NULL));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    assert_non_null(strstr(verdict, "is predicted, and uncertain"));
    assert_true(g_spawn_command_line_sync(bad, NULL, &err, &status, NULL));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    assert_non_null(strstr(err, "different vCPU features"));
    /* a prediction never stands for a guest's measured profile */
    g_clear_pointer(&err, g_free);
    assert_true(g_spawn_command_line_sync(stamp, NULL, &err, &status, NULL));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    assert_non_null(strstr(err, "cannot stand for a guest's measured one"));
    testRemoveTree(dir);
}

/* The marks read back from both formats, byte for byte. */
static void
testMarksRoundTrip(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) pred = predictLab("6.12", "7.2", "pmu-sve-ptrauth");
    g_autofree char *dump = virCpregProfileToDump(pred);
    g_autofree char *json = virCpregProfileToJSON(pred);
    g_autoptr(virCpregProfile) fromDump = NULL;
    g_autoptr(virCpregProfile) fromJson = NULL;
    g_autofree char *dump2 = NULL;
    g_autofree char *json2 = NULL;
    g_autoptr(GError) error = NULL;

    assert_non_null(dump);
    assert_non_null(strstr(dump, " predicted uncertain=0x"));
    /* TCR2_EL1: 6.13+ lists it only for a CPU with FEAT_TCR2 */
    assert_non_null(strstr(dump, "0x603000000013c103 0x0 predicted uncertain=0xffffffffffffffff presence-uncertain"));
    assert_non_null(strstr(json, "\"presence-uncertain\": true"));
    assert_non_null(strstr(dump, "# predicted: kernel 6.12.107+deb13-arm64 -> 7.2.13+deb14-arm64"));
    fromDump = virCpregProfileParse("dump", dump, strlen(dump), &error);
    assert_non_null(fromDump);
    fromJson = virCpregProfileParse("json", json, strlen(json), &error);
    assert_non_null(fromJson);
    dump2 = virCpregProfileToDump(fromDump);
    json2 = virCpregProfileToJSON(fromJson);
    assert_string_equal(dump, dump2);
    assert_string_equal(json, json2);
}

/* Hostile marks: refused with the line named (exit 2 from the CLI). */
static void
testHostileMarks(void **state G_GNUC_UNUSED)
{
    static const char *const lines[] = {
        "0x603000000013c020 0x1 uncertain=0x1",          /* no "predicted" */
        "0x603000000013c020 0x1 predicted uncertain=0x0",
        "0x603000000013c020 0x1 predicted uncertain=0x10000000000000000",
        "0x603000000013c020 0x1 predicted uncertain=",
        "0x603000000013c020 0x1 predicted predicted",
        "0x603000000013c020 0x1 writable-uncertain predicted",
        "0x603000000013c020 0x1 predicted writable-uncertain",   /* no mask */
        "0x603000000013c020 predicted uncertain=0x1",            /* no value */
        "0x603000000013c020 0x1 0x1 predicted garbage",
        "0x603000000013c020 0x1 0x1 0x2 predicted",
        "0x603000000013c020 0x1 PREDICTED",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(lines); i++) {
        g_autofree char *text = g_strdup_printf("# kernel: 7.2\n%s\n", lines[i]);
        g_autofree char *path = testWriteTemp("hostile.regs", text, -1);
        g_autofree char *cmd = g_strdup_printf("%s diff %s %s", VIRT_CPREG, path, path);
        g_autofree char *err = NULL;
        int status = 0;
        g_autoptr(GError) error = NULL;
        g_autoptr(virCpregProfile) p = virCpregProfileParse("hostile", text, strlen(text), &error);

        if (p)
            fail_msg("accepted: %s", lines[i]);
        assert_non_null(strstr(error->message, "hostile:2:"));
        assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL));
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    }
}

static void
removeEntry(virCpregProfile *p, guint64 id)
{
    guint i;

    for (i = 0; i < virCpregProfileCount(p); i++) {
        if (virCpregProfileEntry(p, i)->id == id) {
            g_array_remove_index(p->entries, i);
            return;
        }
    }
    fail_msg("0x%" G_GINT64_MODIFIER "x is not listed", id);
}

/*
 * Registers of a feature the emulated CPU lacks (SVE, pauth on n1) are the
 * host's as measured; where a kernel row says a release between the two
 * changes whether such a register is listed (6.13 stops listing TCR2_EL1
 * for CPUs without it), all of it is uncertain.
 */
static void
testHostOnly(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) host = loadLab("7.2", "max", "pmu-sve-ptrauth");
    g_autoptr(virCpregProfile) from = loadLab("7.2", "n1", "pmu");
    g_autoptr(virCpregProfile) to = loadLab("7.3", "n1", "pmu");
    g_autoptr(virCpregProfile) host612 = loadLab("6.12", "max", "pmu");
    g_autoptr(virCpregProfile) from612 = loadLab("6.12", "n1", "pmu");
    g_autoptr(virCpregProfile) to72 = loadLab("7.2", "n1", "pmu");
    g_autoptr(virCpregProfile) out = NULL;
    g_autoptr(virCpregProfile) out72 = NULL;
    virCpregPredictStats st;
    const virCpregEntry *tcr2;
    g_autoptr(GError) error = NULL;

    out = virCpregPredict(host, from, to, &st, &error);
    assert_non_null(out);
    assert_true(st.host_only > 0);
    assert_non_null(virCpregProfileFind(out, VIR_CPREG_SYSREG(3, 0, 1, 2, 0)));   /* ZCR_EL1 */
    assert_false(virCpregProfileFind(out, VIR_CPREG_SYSREG(3, 0, 1, 2, 0))->flags &
                 VIR_CPREG_ENTRY_MARKS);

    removeEntry(from612, VIR_CPREG_SYSREG(3, 0, 2, 0, 3));
    out72 = virCpregPredict(host612, from612, to72, NULL, &error);
    assert_non_null(out72);
    tcr2 = virCpregProfileFind(out72, VIR_CPREG_SYSREG(3, 0, 2, 0, 3));
    assert_non_null(tcr2);
    assert_true(tcr2->flags & VIR_CPREG_ENTRY_PREDICTED);
    assert_true(tcr2->uncertain == ~0ULL);
}

/* The host's kernel image from its profile's release: hostile releases
 * never reach a path. */
static void
testHostKernelImage(void **state G_GNUC_UNUSED)
{
    static const struct { const char *release; const char *image; } cases[] = {
        { "6.12.107+deb13-arm64", "/boot/vmlinuz-6.12.107+deb13-arm64" },
        { "6.1.0-50-arm64", "/boot/vmlinuz-6.1.0-50-arm64" },
        { "6.18.30-61.amzn2023.aarch64", "/boot/vmlinuz-6.18.30-61.amzn2023.aarch64" },
        { "7.3.4+deb13~bpo12", "/boot/vmlinuz-7.3.4+deb13~bpo12" },
        { "../../etc/passwd", NULL },
        { "6.1/../../x", NULL },
        { "6.1..x", NULL },
        { "arm64", NULL },
        { "6.1 x", NULL },
        { "6.1\nx", NULL },
        { "", NULL },
        { NULL, NULL },
        { "6.1.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(virCpregProfile) p = virCpregProfileNew();
        g_autoptr(GError) error = NULL;
        g_autofree char *image = NULL;

        p->ident.kernel = g_strdup(cases[i].release);
        image = virCpregPredictHostKernelImage(p, &error);
        assert_string_equal(image ? image : "(refused)",
                            cases[i].image ? cases[i].image : "(refused)");
        if (!image)
            assert_int_equal(error->code, VIR_CPREG_ERROR_INPUT);
    }
}

/* EA and EB of other CPUs, features or kernel than the host's: refused. */
static void
testUnfit(void **state G_GNUC_UNUSED)
{
    g_autoptr(virCpregProfile) host = loadLab("6.12", "max", "pmu");
    g_autoptr(virCpregProfile) n1 = loadLab("6.12", "n1", "pmu");
    g_autoptr(virCpregProfile) n1base = loadLab("7.2", "n1", "base");
    g_autoptr(virCpregProfile) max72 = loadLab("7.2", "max", "pmu");
    g_autoptr(virCpregProfile) n1old = loadLab("6.1", "n1", "pmu");
    g_autoptr(virCpregProfile) n172 = loadLab("7.2", "n1", "pmu");
    g_autoptr(virCpregProfile) hostBase = loadLab("6.12", "max", "base");
    const virCpregProfile *cases[][3] = {
        { host, n1, n1base },      /* features differ */
        { host, n1, max72 },       /* CPUs differ */
        { host, n1old, n172 },     /* not the host's kernel */
        { hostBase, n1, n172 },    /* features the host does not have */
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(virCpregProfile) out = virCpregPredict(cases[i][0], cases[i][1], cases[i][2],
                                                         NULL, &error);
        assert_null(out);
        assert_int_equal(error->code, VIR_CPREG_ERROR_INPUT);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testLabSteps),
        cmocka_unit_test(testVerdictNotFalseAllow),
        cmocka_unit_test(testUncertainDemotes),
        cmocka_unit_test(testUncertainAllow),
        cmocka_unit_test(testSameUnknown),
        cmocka_unit_test(testPresenceUncertain),
        cmocka_unit_test(testUncertainBesideInfo),
        cmocka_unit_test(testUncertainPolicy),
        cmocka_unit_test(testCli),
        cmocka_unit_test(testMarksRoundTrip),
        cmocka_unit_test(testHostileMarks),
        cmocka_unit_test(testUnfit),
        cmocka_unit_test(testHostOnly),
        cmocka_unit_test(testHostKernelImage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
