/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cli.c: virt-cpreg as a user runs it: arguments, output, exit status
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "testutils.h"

#define LAB "@lab/"
#define MAXV 8

typedef struct {
    const char *name;
    const char *argv[MAXV];      /* "@x" is tests/fixtures/x */
    const char *locale;
    int status;
    const char *out[MAXV];       /* must appear on stdout */
    const char *notout[MAXV];    /* must not */
    const char *err[MAXV];       /* must appear on stderr */
} CliCase;

static const CliCase cliCases[] = {
    { "diff 6.12 → 7.2 pmu names the registers",
      { "diff", LAB "linux-6.12-max-pmu.regs", LAB "linux-7.2-max-pmu.regs" },
      "C.UTF-8", 1,
      { "Only in A (3):\n  TCR2_EL1 (3,0,2,0,3) 0x603000000013c103",
        "  PIRE0_EL1 (3,0,10,2,2) 0x603000000013c512",
        "  PIR_EL1 (3,0,10,2,3) 0x603000000013c513",
        "Only in B (1):\n  KVM_REG_ARM_VENDOR_HYP_BMAP_2 0x6030000000160003 = 0\n",
        "KVM_REG_ARM_PSCI_VERSION 0x6030000000140000: 1.1 → 1.3",
        "    ID_AA64MMFR2_EL1.NV 2 → 0 (read-only on B)" },
      /* no CORE register without --all */
      { "  pstate 0x", "  x0 0x", "  fpsr 0x", "core" }, { NULL } },
    { "diff --all shows CORE registers that differ",
      { "diff", "--all", LAB "linux-6.1-max-pmu.regs", LAB "linux-7.2-max-pmu-sve.regs" },
      "C.UTF-8", 1, { "  v0 0x6040000000100054", "  SVE_Z0 0x6080000000150000", "  SVE_VLS 0x606000000015ffff" }, { NULL }, { NULL } },
    { "diff in the C locale uses ASCII",
      { "diff", LAB "linux-6.12-max-pmu.regs", LAB "linux-7.2-max-pmu.regs" },
      "C", 1, { "1.1 -> 1.3" }, { "→" }, { NULL } },
    { "diff of a profile with itself",
      { "diff", LAB "linux-6.1-n1-pmu.regs", LAB "linux-6.1-n1-pmu.regs" },
      "C.UTF-8", 0, { "the same registers with the same values" }, { NULL }, { NULL } },
    { "diff of Firecracker 6.1 → 6.18 on Neoverse V1",
      { "diff", "@firecracker/fingerprint_ARM_NEOVERSE_V1_6.1host.json",
        "@firecracker/fingerprint_ARM_NEOVERSE_V1_6.18host.json" },
      "C.UTF-8", 1, { "Only in B", "KVM_REG_ARM_PSCI_VERSION", "1.1 → 1.3" },
      { NULL }, { NULL } },
    { "diff with a missing file",
      { "diff", LAB "linux-6.1-n1-pmu.regs", "/nonexistent/profile" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "cannot open '/nonexistent/profile'" } },
    { "diff with one argument", { "diff", LAB "linux-6.1-n1-pmu.regs" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "expected two profiles" } },
    { "diff with an unknown option", { "diff", "--frobnicate" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "frobnicate" } },
    { "decode the examples",
      { "decode", "TCR2_EL1", "S3_0_C2_C0_3", "KVM_REG_ARM_VENDOR_HYP_BMAP_2",
        "0x40200000200e0298", "S3_6_C15_C15_7" },
      "C.UTF-8", 0,
      { "TCR2_EL1\n  id:        0x603000000013c103\n  class:     sysreg (64 bits)\n",
        "  encoding:  S3_0_C2_C0_3 (op0 3, op1 0, CRn 2, CRm 0, op2 3)\n",
        "KVM_REG_ARM_VENDOR_HYP_BMAP_2\n  id:        0x6030000000160003\n",
        "DBGDTRTX\n  input:     0x40200000200e0298\n",
        "S3_6_C15_C15_7\n  id:        0x603000000013f7ff\n",
        "no architectural name known" },
      { NULL }, { NULL } },
    { "decode QEMU's AArch32 ids by their architectural names",
      { "decode", "CP14_0_C0_C0_0_NS", "0x40200000000f6801", "DBGDEVID", "0x40300000200f0380" },
      "C.UTF-8", 0,
      { "DBGDIDR\n  input:     CP14_0_C0_C0_0_NS\n  id:        0x40200000200e0000\n",
        "CONTEXTIDR_S\n  input:     0x40200000000f6801\n",
        "DBGDEVID\n  id:        0x40200000200e3802\n",
        "QEMU's encoding of DBGDEVID (the architecture's is cp14, opc1 0, CRn 7, CRm 2, opc2 7)",
        "PAR_64\n  input:     0x40300000200f0380\n  id:        0x40300000200f0380\n  class:     aarch32 (64 bits)" },
      { NULL }, { NULL } },
    { "decode an unallocated ID-register slot", { "decode", "S3_0_C0_C3_3" },
      "C.UTF-8", 0, { "unallocated ID-register slot" }, { NULL }, { NULL } },
    { "decode the timer quirk", { "decode", "0x603000000013df02" },
      "C.UTF-8", 0, { "CNTV_CVAL_EL0\n", "KVM timer ABI" }, { NULL }, { NULL } },
    { "decode an unknown name", { "decode", "FOO_EL1" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "unknown register 'FOO_EL1'" } },
    { "check 6.12 → 7.2 on QEMU 10.0 vetoes",
      { "check", "--source", LAB "linux-6.12-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu.regs",
        "--dest-qemu", "10.0" }, "C.UTF-8", 1,
      { "migration vetoed: cpreg_vmstate_array_len, TCR2_EL1, PIRE0_EL1 and PIR_EL1 would fail",
        "fix: use QEMU 11.1 or later on the destination\n",
        "Model: QEMU 10.0 on the destination (KVM)" }, { NULL }, { NULL } },
    { "check 6.12 → 7.2 on QEMU 11.1 pins PSCI",
      { "check", "--source", LAB "linux-6.12-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu.regs",
        "--dest-qemu", "11.1.0" }, "C.UTF-8", 0,
      { "migration allowed with changes: pin kvm-psci-version=1.1 on the destination\n",
        "kvm-psci-version=1.1 on the destination (-global host-arm-cpu.kvm-psci-version=1.1)" },
      { "Blocking:" }, { NULL } },
    { "check 7.2 → 7.2 allows",
      { "check", "--source", LAB "linux-7.2-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu.regs",
        "--dest-qemu", "6.2.0" },
      "C.UTF-8", 0, { "migration allowed: no vCPU register stands in the way",
                      "older than any modelled QEMU" }, { NULL }, { NULL } },
    { "check without masks is uncertain",
      { "check", "--source", "@firecracker/fingerprint_ARM_NEOVERSE_N1_6.1host.json",
        "--dest", "@firecracker/fingerprint_ARM_NEOVERSE_N1_6.18host.json", "--dest-qemu", "11.1" },
      "C.UTF-8", 3, { "migration uncertain: the model cannot tell whether the destination takes ID_AA64DFR0_EL1",
                      "no writable masks to decide" }, { NULL }, { NULL } },
    /* issue 12: 93 lines before, 75+ of them one warning each */
    { "check Firecracker N1 6.1 → 5.10: the verdict, the blockers, a warning summary",
      { "check", "--source", "@firecracker/fingerprint_ARM_NEOVERSE_N1_6.1host.json",
        "--dest", "@firecracker/fingerprint_ARM_NEOVERSE_N1_5.10host.json" },
      "C.UTF-8", 1,
      { "migration vetoed: OSLSR_EL1, ID_DFR0_EL1, ID_AA64DFR0_EL1 and KVM_REG_ARM_PSCI_VERSION",
        "Blocking:\n  OSLSR_EL1 is in the stream but kernel 5.10",
        "  PSCI version 1.1 is newer than kernel 5.10",
        "Warnings: 77 (-v lists each)\n",
        "  qemu-missing-in-stream (74): PMINTENSET_EL1, ",
        "  qemu-past-end-dropped (3): KVM_REG_ARM_STD_BMAP, " },
      { "PMEVCNTR0_EL0 is not in the stream" }, { NULL } },
    { "check -v Firecracker N1 6.1 → 5.10 groups the runs of counters",
      { "check", "-v", "--source", "@firecracker/fingerprint_ARM_NEOVERSE_N1_6.1host.json",
        "--dest", "@firecracker/fingerprint_ARM_NEOVERSE_N1_5.10host.json" },
      "C.UTF-8", 1,
      { "  PMEVCNTR0..30_EL0 (31) is not in the stream: the guest gets the destination's reset value 0x1de7ec7edbadc0de\n",
        "  PMEVTYPER0..30_EL0 (31) is not in the stream",
        "  PMCR_EL0 is not in the stream: the guest gets the destination's reset value 0x410c30ac\n" },
      { "PMEVCNTR1_EL0", "PMEVTYPER30_EL0 is" }, { NULL } },
    { "check of different vCPU features is an input error",
      { "check", "--source", LAB "linux-7.2-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu-sve.regs" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "different vCPU configurations" } },
    { "check --dest-qemu banana is a usage error",
      { "check", "--source", LAB "linux-7.2-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu.regs",
        "--dest-qemu", "banana" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "--dest-qemu: 'banana' is not a QEMU version", "Try 'virt-cpreg check --help'" } },
    { "check --dest-qemu takes a Debian version",
      { "check", "--source", LAB "linux-7.2-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu.regs",
        "--dest-qemu", "1:10.0.2+ds-1~bpo12+1" },
      "C.UTF-8", 0, { "migration allowed", "Model: QEMU 10.0 on the destination" }, { NULL }, { NULL } },
    { "matrix --dest-qemu with trailing junk is a usage error",
      { "matrix", "--dest-qemu", "10.0banana", LAB "linux-7.2-max-pmu.regs" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "--dest-qemu: '10.0banana' is not a QEMU version" } },
    { "check needs --dest", { "check", "--source", LAB "linux-7.2-max-pmu.regs" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "--dest is required" } },
    { "check with a bad policy",
      { "check", "--source", LAB "linux-7.2-max-pmu.regs", "--dest", LAB "linux-7.2-max-pmu.regs",
        "--policy", "@../../schemas/profile.schema.json" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "profile.schema.json: $: not a libvirt-cpreg policy" } },
    /* a veto in any direction: exit 1, as check */
    { "matrix of three kernels",
      { "matrix", "--dest-qemu", "11.1", LAB "linux-6.1-max-pmu.regs", LAB "linux-6.12-max-pmu.regs",
        LAB "linux-7.2-max-pmu.regs" }, "C.UTF-8", 1,
      { "  [2] linux-6.12-max-pmu\n", "    2   ✘   ✔   ~\n",
        "[3] → [2]: migration vetoed: ID_AA64MMFR2_EL1 and KVM_REG_ARM_PSCI_VERSION would fail" },
      { NULL }, { NULL } },
    { "matrix where every direction allows",
      { "matrix", "--dest-qemu", "11.1", LAB "linux-7.2-max-pmu.regs", LAB "linux-7.2-max-pmu.regs" },
      "C.UTF-8", 0, { "    1   ✔   ✔\n", "    2   ✔   ✔\n" }, { "[1] → [2]", "[2] → [1]" }, { NULL } },
    { "matrix --help documents its exit status", { "matrix", "--help" }, "C.UTF-8", 0,
      { "1 when any direction is vetoed, 3 when any is uncertain and none is vetoed" },
      { NULL }, { NULL } },
    { "baseline of three kernels",
      { "baseline", LAB "linux-6.1-max-pmu.regs", LAB "linux-6.12-max-pmu.regs", LAB "linux-7.2-max-pmu.regs" },
      "C.UTF-8", 0,
      { "Pin on every host: kvm-psci-version=1.1", "  linux-7.2-max-pmu: QEMU 11.1 or later\n" },
      { NULL }, { NULL } },
    { "no verb", { NULL }, "C.UTF-8", 2, { NULL }, { NULL }, { "Usage:" } },
    { "unknown verb", { "frob" }, "C.UTF-8", 2, { NULL }, { NULL }, { "unknown verb 'frob'" } },
    { "help", { "--help" }, "C.UTF-8", 0, { "decode", "diff", "inspect", "probe" },
      { NULL }, { NULL } },
    { "inspect a real QEMU 10.0 stream (2 vCPUs)", { "inspect", "@streams/virt-max-smp2.qemu" },
      "C.UTF-8", 0,
      { "QEMU migration stream", "machine type virt-10.0, target pages of 4096 bytes",
        "vCPUs: 2", "vCPU 0: 328 registers (cpu section version 22",
        "vCPU 1: 328 registers", "0 registers listed differently" }, { NULL }, { NULL } },
    { "inspect a save image: header and domain XML", { "inspect", "@streams/virt-max-smp2.save" },
      "C.UTF-8", 0,
      { "libvirt save image", "version 2, raw, was running: no, stream at byte 1116",
        "    name       cpreg-fixture\n", "    cpu_model  max\n", "vCPUs: 2" }, { NULL }, { NULL } },
    { "inspect --json", { "inspect", "--json", "@streams/virt-max-smp2.save" }, "C.UTF-8", 0,
      { "\"format\": \"libvirt-save\"", "\"machine_type\": \"virt-10.0\"",
        "\"qemu_version\": null", "\"vcpus_differ\": false", "\"registers\": 328" },
      { NULL }, { NULL } },
    { "inspect a register dump", { "inspect", LAB "linux-6.1-n1-pmu.regs" }, "C.UTF-8", 2,
      { NULL }, { NULL }, { "byte 0: not a QEMU migration stream" } },
    { "diff a stream with its save image", { "diff", "@streams/virt-max-smp2.qemu",
      "@streams/virt-max-smp2.save" }, "C.UTF-8", 0,
      { "328 registers", "the same registers with the same values" }, { NULL }, { NULL } },
    { "diff a QEMU stream with a KVM profile", { "diff", "@streams/virt-max-smp2.qemu",
      LAB "linux-6.1-max-base.regs" }, "C.UTF-8", 1, { "Only in A", "ZCR_EL1" }, { NULL }, { NULL } },
    { "probe --via nonsense", { "probe", "--via", "xen" }, "C.UTF-8", 2, { NULL }, { NULL },
      { "--via: expected 'kvm' or 'qemu', not 'xen'" } },
    { "probe --trial needs the KVM probe", { "probe", "--via", "qemu", "--trial", "x" },
      "C.UTF-8", 2, { NULL }, { NULL }, { "--trial needs --via kvm" } },
    { "probe --features with a typo", { "probe", "--features", "pmu,sev" }, "C.UTF-8", 2,
      { NULL }, { NULL }, { "unknown feature 'sev'" } },
};

static char *
expandArg(const char *arg)
{
    return arg[0] == '@' ? testFixture(arg + 1) : g_strdup(arg);
}

static int
runCli(const char *const *args, const char *locale, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GError) error = NULL;
    int status;
    guint i;

    g_ptr_array_add(argv, g_strdup(VIRT_CPREG));
    for (i = 0; i < MAXV && args[i]; i++)
        g_ptr_array_add(argv, expandArg(args[i]));
    g_ptr_array_add(argv, NULL);
    env = g_environ_setenv(env, "LC_ALL", locale, TRUE);
    env = g_environ_setenv(env, "VIRT_CPREG_POLICY_DIRS", "", TRUE);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL,
                      NULL, out, err, &status, &error))
        fail_msg("%s", error->message);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void
testCliCase(void **state)
{
    const CliCase *c = *state;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = runCli(c->argv, c->locale, &out, &err);
    guint i;

    if (status != c->status)
        fail_msg("exit %d, want %d; stderr: %s", status, c->status, err);
    for (i = 0; i < MAXV && c->out[i]; i++) {
        if (!strstr(out, c->out[i]))
            fail_msg("stdout lacks '%s':\n%s", c->out[i], out);
    }
    for (i = 0; i < MAXV && c->notout[i]; i++) {
        if (strstr(out, c->notout[i]))
            fail_msg("stdout has '%s':\n%s", c->notout[i], out);
    }
    for (i = 0; i < MAXV && c->err[i]; i++) {
        if (!strstr(err, c->err[i]))
            fail_msg("stderr lacks '%s':\n%s", c->err[i], err);
    }
}

/* Output people can read: how long the text of a real case may be. */
static const struct {
    const char *argv[MAXV];
    int status;
    guint max_lines;
} lineCases[] = {
    /* issue 12: 93 lines before, 77 of them one warning each */
    { { "check", "--source", "@firecracker/fingerprint_ARM_NEOVERSE_N1_6.1host.json",
        "--dest", "@firecracker/fingerprint_ARM_NEOVERSE_N1_5.10host.json" }, 1, 40 },
};

static void
testLineCounts(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(lineCases); i++) {
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        guint lines = 0;
        const char *p;

        assert_int_equal(runCli(lineCases[i].argv, "C.UTF-8", &out, &err),
                         lineCases[i].status);
        for (p = out; *p; p++)
            lines += *p == '\n';
        if (lines > lineCases[i].max_lines)
            fail_msg("%s: %u lines, want at most %u:\n%s", lineCases[i].argv[0],
                     lines, lineCases[i].max_lines, out);
    }
}

/* diff --json is what scripts read: check its shape and content. */
static void
testDiffJSON(void **state)
{
    const char *const args[] = { "diff", "--json", LAB "linux-6.12-max-pmu.regs",
                                 LAB "linux-7.2-max-pmu.regs", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    json_object *root, *onlyA, *onlyB, *changed, *v;
    size_t i;
    gboolean psci = FALSE;

    (void)state;
    assert_int_equal(runCli(args, "C.UTF-8", &out, &err), 1);
    root = json_tokener_parse(out);
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "only_a", &onlyA));
    assert_true(json_object_object_get_ex(root, "only_b", &onlyB));
    assert_true(json_object_object_get_ex(root, "changed", &changed));
    assert_int_equal(json_object_array_length(onlyA), 3);
    assert_int_equal(json_object_array_length(onlyB), 1);
    json_object_object_get_ex(json_object_array_get_idx(onlyA, 0), "id", &v);
    assert_string_equal(json_object_get_string(v), "0x603000000013c103");
    json_object_object_get_ex(json_object_array_get_idx(onlyB, 0), "name", &v);
    assert_string_equal(json_object_get_string(v), "KVM_REG_ARM_VENDOR_HYP_BMAP_2");
    for (i = 0; i < json_object_array_length(changed); i++) {
        json_object *item = json_object_array_get_idx(changed, i), *a, *b;
        json_object_object_get_ex(item, "name", &v);
        if (!g_str_equal(json_object_get_string(v), "KVM_REG_ARM_PSCI_VERSION"))
            continue;
        assert_true(json_object_object_get_ex(item, "a", &a));
        assert_true(json_object_object_get_ex(item, "b", &b));
        assert_string_equal(json_object_get_string(a), "1.1");
        assert_string_equal(json_object_get_string(b), "1.3");
        psci = TRUE;
    }
    assert_true(psci);
    json_object_put(root);
}

/* check --json carries what DESIGN.md promises scripts and Nova. */
static void
testCheckJSON(void **state)
{
    const char *const args[] = { "check", "--json", "--source", LAB "linux-7.2-max-pmu.regs",
                                 "--dest", LAB "linux-6.12-max-pmu.regs", "--dest-qemu", "11.1", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    json_object *root, *v, *findings, *changes;
    size_t i, blocking = 0;

    (void)state;
    assert_int_equal(runCli(args, "C.UTF-8", &out, &err), 1);
    root = json_tokener_parse(out);
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "verdict", &v));
    assert_string_equal(json_object_get_string(v), "veto");
    assert_true(json_object_object_get_ex(root, "summary", &v));
    assert_true(strlen(json_object_get_string(v)) <= 200);
    assert_true(json_object_object_get_ex(root, "changes", &changes));
    assert_int_equal(json_object_array_length(changes), 0);
    assert_true(json_object_object_get_ex(root, "findings", &findings));
    for (i = 0; i < json_object_array_length(findings); i++) {
        json_object *f = json_object_array_get_idx(findings, i), *b, *id;
        static const char *const keys[] = { "id", "name", "kind", "blocking", "severity",
                                            "rule", "message", "remedy" };
        size_t k;
        for (k = 0; k < G_N_ELEMENTS(keys); k++)
            assert_true(json_object_object_get_ex(f, keys[k], NULL));
        json_object_object_get_ex(f, "blocking", &b);
        json_object_object_get_ex(f, "id", &id);
        if (json_object_get_boolean(b)) {
            blocking++;
            assert_true(g_str_equal(json_object_get_string(id), "0x603000000013c03a") ||
                        g_str_equal(json_object_get_string(id), "0x6030000000140000"));
        }
    }
    assert_int_equal(blocking, 2);
    json_object_put(root);
}

/* A hostile file: exit 2, the message names the file and the line. */
static void
testBadFile(void **state)
{
    g_autofree char *path = testWriteTemp("bad.regs",
                                          "0x603000000013c000 0x1\n0xnothex 0x2\n", -1);
    const char *const args[] = { "diff", path, path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *want = g_strdup_printf("virt-cpreg: %s:2: expected", path);

    (void)state;
    assert_int_equal(runCli(args, "C.UTF-8", &out, &err), 2);
    if (!strstr(err, want))
        fail_msg("stderr: %s", err);
    assert_string_equal(out, "");
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testDiffJSON),
        cmocka_unit_test(testLineCounts),
        cmocka_unit_test(testCheckJSON),
        cmocka_unit_test(testBadFile),
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cliCases); i++) {
        struct CMUnitTest t = {
            .name = cliCases[i].name,
            .test_func = testCliCase,
            .initial_state = (void *)&cliCases[i],
        };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("cli", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
