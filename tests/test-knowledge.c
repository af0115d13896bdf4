/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-knowledge.c: one fact is one row
 *
 * Built twice (tests/meson.build), each time with src/cpreg-knowledge.c
 * compiled in and one extra row from tests/knowledge/: a QEMU release that
 * tolerates a register, a kernel release that hides one. The same
 * situation is judged by the stock virt-cpreg (the tables as shipped) and
 * by the engine linked here: the row alone turns the veto into an allow,
 * on the register the row names and with the rule it implies.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "cpreg-verdict.h"
#include "testutils.h"
#include VIR_CPREG_TEST_ROWS   /* which row this build has */

typedef struct {
    const char *name;
    const char *src, *dst;        /* fixtures */
    const char *dst_without;      /* a line prefix left out of dst, or NULL */
    const char *qemu;
    const char *reg;              /* the register the row is about */
    const char *stock_rule;       /* the shipped tables: a veto on reg */
    const char *row_rule;         /* with the row: not blocking */
} KnowledgeCase;

#ifdef VIR_CPREG_TEST_QEMU_ROW
/* A 7.2 destination whose kernel stopped listing ACTLR_EL1 (the stream
 * carries it): QEMU 12.0 is modelled as 11.1, which fails on it, until a
 * row says that 12.0 tolerates it. */
static const KnowledgeCase knowledgeCase = {
    "7.2 -> a 7.2 that no longer lists ACTLR_EL1, on QEMU 12.0",
    "lab/linux-7.2-max-pmu.regs", "lab/linux-7.2-max-pmu.regs", "0x603000000013c081 ",
    "12.0", "ACTLR_EL1", "qemu-unknown-register", "qemu-tolerated",
};
#endif

#ifdef VIR_CPREG_TEST_KERNEL_ROW
/* 6.1 -> 6.12 on the same CPU: 6.12 does not let userspace change
 * ID_AA64MMFR1_EL1.HCX, until a row says that it hides the register and
 * ignores the host's own value. */
static const KnowledgeCase knowledgeCase = {
    "6.1 -> 6.12, same CPU: ID_AA64MMFR1_EL1.HCX",
    "lab/linux-6.1-max-pmu.regs", "lab/linux-6.12-max-pmu.regs", NULL,
    "11.1", "ID_AA64MMFR1_EL1", "kvm-id-field-fixed", "kvm-host-value-ignored",
};
#endif

/* The destination's fixture, less the lines the case leaves out. */
static char *
destFile(const KnowledgeCase *c)
{
    g_autofree char *path = testFixture(c->dst);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    if (!c->dst_without)
        return g_steal_pointer(&path);
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], c->dst_without))
            g_string_append_printf(out, "%s%s", lines[i], lines[i + 1] ? "\n" : "");
    }
    g_assert_cmpuint(out->len, <, strlen(text));
    return testWriteTemp("knowledge-dest.regs", out->str, -1);
}

/* The verdict's kind and the rule of the first finding on @reg. */
static void
verdictOf(json_object *root, const char *reg, const char **kind, const char **rule)
{
    json_object *findings = json_object_object_get(root, "findings");
    size_t i;

    *kind = json_object_get_string(json_object_object_get(root, "verdict"));
    *rule = NULL;
    for (i = 0; i < json_object_array_length(findings) && !*rule; i++) {
        json_object *f = json_object_array_get_idx(findings, i);
        if (g_str_equal(json_object_get_string(json_object_object_get(f, "name")), reg))
            *rule = json_object_get_string(json_object_object_get(f, "rule"));
    }
}

/* The shipped tables, through the built virt-cpreg. */
static json_object *
stockVerdict(const KnowledgeCase *c, const char *src, const char *dst)
{
    const char *argv[] = { VIRT_CPREG, "check", "--json", "--source", src, "--dest", dst,
                           "--dest-qemu", c->qemu, NULL };
    const char *envp[] = { "LC_ALL=C.UTF-8", "VIRT_CPREG_POLICY_DIRS=", NULL };
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &status, &error))
        fail_msg("%s: %s", VIRT_CPREG, error->message);
    return json_tokener_parse(out);
}

/* The tables with the extra row, through the engine linked here. */
static json_object *
rowVerdict(const KnowledgeCase *c, const char *src, const char *dst)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) s = virCpregProfileLoad(src, &error);
    g_autoptr(virCpregProfile) d = s ? virCpregProfileLoad(dst, &error) : NULL;
    virCpregCheckOptions opts = { .dest_qemu = c->qemu };
    g_autoptr(virCpregVerdict) v = NULL;
    g_autofree char *json = NULL;

    if (!d || !(v = virCpregCheck(s, d, &opts, &error)))
        fail_msg("%s: %s", c->name, error->message);
    json = virCpregVerdictToJSON(v);
    return json_tokener_parse(json);
}

static void
testOneRow(void **state)
{
    const KnowledgeCase *c = &knowledgeCase;
    g_autofree char *src = testFixture(c->src);
    g_autofree char *dst = destFile(c);
    json_object *stock = stockVerdict(c, src, dst);
    json_object *row = rowVerdict(c, src, dst);
    const char *kind, *rule;

    (void)state;
    assert_non_null(stock);
    assert_non_null(row);
    verdictOf(stock, c->reg, &kind, &rule);
    assert_string_equal(kind, "veto");
    assert_non_null(rule);
    assert_string_equal(rule, c->stock_rule);
    verdictOf(row, c->reg, &kind, &rule);
    if (!g_str_equal(kind, "allow") && !g_str_equal(kind, "allow-with-changes"))
        fail_msg("%s: the row leaves the verdict at %s", c->name, kind);
    assert_non_null(rule);
    assert_string_equal(rule, c->row_rule);
    json_object_put(stock);
    json_object_put(row);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testOneRow),
    };

    return cmocka_run_group_tests_name(knowledgeCase.name, tests, NULL, NULL);
}
