/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-qemu-rows.c: the distributions' QEMU releases (issue 12), one case
 * per row, each derived by hand from that release's cpu_post_load,
 * write_list_to_kvmstate and get_int32_le (/work notes: qemu-rows.md):
 * lists that differ the way real kernels' do, and the outcome that code
 * gives them.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpreg-profile.h"
#include "cpreg-rules.h"
#include "cpreg-verdict.h"

/* register ids, as KVM_GET_REG_LIST gives them */
#define MIDR        "0x603000000013c000 0x410fd0c0\n"
#define SCTLR       "0x603000000013c080 0x30d00800\n"
#define TCR         "0x603000000013c102 0x0\n"
#define TCR2        "0x603000000013c103 0x0\n"
#define PIRE0       "0x603000000013c512 0x0\n"
#define PIR         "0x603000000013c513 0x0\n"
#define CNTPCT      "0x603000000013df01 0x100\n"
#define TIMER_CVAL  "0x603000000013df02 0x0\n"
#define CNTP_CTL    "0x603000000013df11 0x0\n"
#define CNTP_CVAL   "0x603000000013df12 0x0\n"
#define TIMER_CTL   "0x603000000013df19 0x0\n"
#define TIMER_CNT   "0x603000000013df1a 0x100\n"
#define PSCI_1_1    "0x6030000000140000 0x10001\n"
#define PSCI_1_3    "0x6030000000140000 0x10003\n"
#define STD_BMAP    "0x6030000000160000 0x3\n"
#define STD_HYP     "0x6030000000160001 0x1\n"
#define VENDOR_HYP  "0x6030000000160002 0x3\n"
#define VENDOR_HYP2 "0x6030000000160003 0x0\n"

typedef struct {
    const char *name;
    const char *qemu;
    const char *src_kernel, *src;
    const char *dst_kernel, *dst;
    virCpregVerdictKind kind;
    const char *rules;          /* the findings' rule names, space-separated */
    const char *message;        /* in the text of one of them, or NULL */
} RowCase;

static const RowCase rowCases[] = {
    /* E-7.2a: a 6.4+ source adds the physical timer registers; 7.2 takes
     * at most its own list's length and fails before the arrays load */
    { "7.2: the length check", "7.2",
      "6.12.0", MIDR SCTLR TCR CNTPCT TIMER_CVAL CNTP_CTL CNTP_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      "6.1.0", MIDR SCTLR TCR TIMER_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      VIR_CPREG_VERDICT_VETO,
      "qemu-length-check qemu-unknown-register qemu-unknown-register qemu-unknown-register",
      "takes at most 7 ('Failed to load cpu:cpreg_vmstate_array_len')" },
    /* E-7.2b: the counts fit, but the stream has TCR2_EL1, which the
     * destination's walk meets before its own TIMER_CVAL: the load fails */
    { "7.2: an unknown register", "7.2",
      "6.12.0", MIDR SCTLR TCR2 TIMER_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      "6.1.0", MIDR SCTLR TCR TIMER_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      VIR_CPREG_VERDICT_VETO, "qemu-unknown-register qemu-missing-in-stream", NULL },
    /* E-8.2: the registers only the destination lists keep their reset
     * values, but KVM on 6.12 refuses PSCI 1.3 at the write-back */
    { "8.2: PSCI 1.3 refused, missing registers harmless", "8.2",
      "6.13.0", MIDR TCR TIMER_CTL PSCI_1_3,
      "6.12.0", MIDR TCR TCR2 PIRE0 PIR TIMER_CTL PSCI_1_1,
      VIR_CPREG_VERDICT_VETO,
      "kvm-psci-version qemu-missing-in-stream qemu-missing-in-stream qemu-missing-in-stream",
      NULL },
    /* E-8.2's control: PSCI 1.1 on both ends loads */
    { "8.2: the same at PSCI 1.1 loads", "8.2",
      "6.13.0", MIDR TCR TIMER_CTL PSCI_1_1,
      "6.12.0", MIDR TCR TCR2 PIRE0 PIR TIMER_CTL PSCI_1_1,
      VIR_CPREG_VERDICT_ALLOW,
      "qemu-missing-in-stream qemu-missing-in-stream qemu-missing-in-stream", NULL },
    /* E-9.1: VENDOR_HYP_BMAP_2 (6.15+) lies past the destination's last id:
     * the walk ends before it, whatever its value (at 0 here: a guest that
     * enabled its bits would lose them, which the built-in policy vetoes
     * apart from QEMU) */
    { "9.1: past the end, dropped", "9.1",
      "6.15.0", MIDR TCR TIMER_CTL PSCI_1_1 STD_BMAP STD_HYP VENDOR_HYP VENDOR_HYP2,
      "6.12.0", MIDR TCR TCR2 PIRE0 PIR TIMER_CTL PSCI_1_1 STD_BMAP STD_HYP VENDOR_HYP,
      VIR_CPREG_VERDICT_ALLOW,
      "qemu-missing-in-stream qemu-missing-in-stream qemu-missing-in-stream qemu-past-end-dropped",
      NULL },
    /* E-9.2: CNTPCT_EL0 in the middle of the stream, unknown to a 6.1
     * destination: the walk fails at it */
    { "9.2: an unknown register in the middle", "9.2",
      "6.12.0", MIDR TCR CNTPCT TIMER_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      "6.1.0", MIDR SCTLR TCR TIMER_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      VIR_CPREG_VERDICT_VETO, "qemu-unknown-register qemu-missing-in-stream", NULL },
    /* E-7.2a on 10.2: the same veto, with 10.2's chained message */
    { "10.2: the length check's message", "10.2",
      "6.12.0", MIDR SCTLR TCR CNTPCT TIMER_CVAL CNTP_CTL CNTP_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      "6.1.0", MIDR SCTLR TCR TIMER_CVAL TIMER_CTL TIMER_CNT PSCI_1_1,
      VIR_CPREG_VERDICT_VETO,
      "qemu-length-check qemu-unknown-register qemu-unknown-register qemu-unknown-register",
      "('Failed to load element of type int32 le for cpreg_vmstate_array_len: -22')" },
};

static virCpregProfile *
profileOf(const char *kernel, const char *regs)
{
    g_autofree char *text = g_strdup_printf("# kernel: %s\n# vCPU features: base\n%s",
                                            kernel, regs);
    g_autoptr(GError) error = NULL;
    virCpregProfile *p = virCpregProfileParse(kernel, text, strlen(text), &error);

    if (!p)
        fail_msg("%s", error->message);
    return p;
}

static void
testRow(void **state)
{
    const RowCase *c = *state;
    g_autoptr(virCpregProfile) src = profileOf(c->src_kernel, c->src);
    g_autoptr(virCpregProfile) dst = profileOf(c->dst_kernel, c->dst);
    virCpregCheckOptions opts = { .dest_qemu = c->qemu };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregVerdict) v = virCpregCheck(src, dst, &opts, &error);
    g_autoptr(GString) rules = g_string_new(NULL);
    gboolean found = !c->message;
    guint i;

    if (!v)
        fail_msg("%s", error->message);
    assert_string_equal(v->qemu_model, c->qemu);
    assert_null(v->qemu_note);
    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        g_autofree char *msg = virCpregFindingMessage(v, f);
        g_string_append_printf(rules, "%s%s", i ? " " : "", virCpregRuleGet(f->rule)->name);
        found |= c->message && strstr(msg, c->message) != NULL;
    }
    if (!g_str_equal(rules->str, c->rules) || v->kind != c->kind || !found)
        fail_msg("%s: %s with [%s], wanted %s with [%s]%s%s", c->name,
                 virCpregVerdictKindToString(v->kind), rules->str,
                 virCpregVerdictKindToString(c->kind), c->rules,
                 found ? "" : ", and a message with ", found ? "" : c->message);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(rowCases); i++) {
        struct CMUnitTest t = { .name = rowCases[i].name, .test_func = testRow,
                                .initial_state = (void *)&rowCases[i] };
        g_array_append_val(tests, t);
    }
    return _cmocka_run_group_tests("qemu-rows", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
