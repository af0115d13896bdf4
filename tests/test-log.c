/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-log.c: the hook's journal records, as glib's structured logging
 * hands them to the process's log writer: `journalctl MESSAGE_ID=…`
 * finds every veto, with the guest, the verdict and the registers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-hook.h"
#include "cpreg-log.h"
#include "testutils.h"

#define LAB_612 "lab/linux-6.12-max-pmu.regs"
#define LAB_72 "lab/linux-7.2-max-pmu.regs"
/* as README and virt-cpreg(1) give it: it must never change */
#define VETO_ID "2f6a48bafe554967a865ae5a86efbe4b"

typedef struct {
    GLogLevelFlags level;
    GHashTable *fields;         /* key → value */
} Record;

static GPtrArray *records;      /* of Record, what the writer received */

static void
recordFree(gpointer p)
{
    Record *r = p;

    g_hash_table_unref(r->fields);
    g_free(r);
}

static GLogWriterOutput
captureWriter(GLogLevelFlags level, const GLogField *fields, gsize n,
              gpointer opaque G_GNUC_UNUSED)
{
    Record *r = g_new0(Record, 1);
    gsize i;

    r->level = level;
    r->fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (i = 0; i < n; i++)
        g_hash_table_insert(r->fields, g_strdup(fields[i].key),
                            fields[i].length < 0 ? g_strdup(fields[i].value) :
                            g_strndup(fields[i].value, fields[i].length));
    g_ptr_array_add(records, r);
    return G_LOG_WRITER_HANDLED;
}

/* guest1, stamped on linux 6.12, comes to a linux 7.2 host with @qemu */
static void
runHook(const char *qemu, virCpregHookAnswer *answer)
{
    g_autofree char *host = testFixture(LAB_72);
    g_autofree char *src = testFixture(LAB_612);
    g_autofree char *text = g_strdup_printf("[hook]\nhost-profile=%s\nqemu-version=%s\n"
                                            "policy-dirs=\n", host, qemu);
    g_autoptr(virCpregConf) conf = virCpregConfLoadData("cpreg.conf", text, strlen(text));
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(src, NULL);
    g_autoptr(virCpregProfile) view = virCpregProfileQemuView(p);
    virCpregDomainEdit edit = { .profile = view };
    static const char guest[] =
        "<domain type='kvm'><name>guest1</name>"
        "<uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>"
        "<memory unit='KiB'>65536</memory>"
        "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
        "<cpu mode='host-passthrough'/>"
        "<devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices>"
        "</domain>";
    g_autofree char *xml = testRewrite(guest, strlen(guest), &edit);

    g_ptr_array_set_size(records, 0);
    virCpregHookAnswerInit(answer);
    virCpregHookIncoming(conf, "migrate", xml, strlen(xml), answer);
}

static const char *
field(const Record *r, const char *key)
{
    return g_hash_table_lookup(r->fields, key);
}

static void
testVetoRecord(void **state)
{
    g_auto(virCpregHookAnswer) answer = { 0 };
    const Record *r;
    size_t i;

    (void)state;
    runHook("10.0.2", &answer);
    assert_int_equal(answer.status, 1);
    assert_int_equal(records->len, 1);
    r = records->pdata[0];
    assert_string_equal(field(r, "MESSAGE_ID"), VETO_ID);
    assert_string_equal(VIR_CPREG_LOG_MESSAGE_ID_VETO, VETO_ID);
    /* a systemd id128: 32 lowercase hex digits */
    assert_int_equal(strlen(VETO_ID), 32);
    for (i = 0; i < 32; i++)
        assert_true(g_ascii_isxdigit(VETO_ID[i]) && !g_ascii_isupper(VETO_ID[i]));
    assert_string_equal(field(r, "GLIB_DOMAIN"), "libvirt-cpreg");
    assert_string_equal(field(r, "SYSLOG_IDENTIFIER"), "libvirt-cpreg");
    assert_string_equal(field(r, "PRIORITY"), "3");
    assert_int_equal(r->level, G_LOG_LEVEL_CRITICAL);
    assert_string_equal(field(r, "CPREG_VERDICT"), "veto");
    assert_string_equal(field(r, "CPREG_DOMAIN"), "guest1");
    assert_string_equal(field(r, "CPREG_DOMAIN_UUID"), "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
    assert_string_equal(field(r, "CPREG_OPERATION"), "migrate");
    assert_string_equal(field(r, "CPREG_REGISTERS"),
                        "cpreg_vmstate_array_len,TCR2_EL1,PIRE0_EL1,PIR_EL1");
    /* the journal's MESSAGE is the summary libvirt shows: stderr's first line */
    assert_true(g_str_has_prefix(field(r, "MESSAGE"), "migration vetoed: "));
    assert_true(g_str_has_prefix(answer.err->str, field(r, "MESSAGE")));
    assert_int_equal(answer.err->str[strlen(field(r, "MESSAGE"))], '\n');
}

/* Only a veto carries the veto's MESSAGE_ID. */
static void
testAllowRecord(void **state)
{
    g_auto(virCpregHookAnswer) answer = { 0 };
    const Record *r;

    (void)state;
    runHook("11.1.0", &answer);
    assert_int_equal(answer.status, 0);
    assert_int_equal(records->len, 1);
    r = records->pdata[0];
    assert_null(field(r, "MESSAGE_ID"));
    assert_null(field(r, "CPREG_REGISTERS"));
    assert_string_equal(field(r, "CPREG_VERDICT"), "allow-with-changes");
    assert_string_equal(field(r, "PRIORITY"), "6");
    assert_int_equal(r->level, G_LOG_LEVEL_INFO);
}

/* VIRT_CPREG_JOURNAL_SOCKET (tests) takes the record instead of the
 * writer, in the journal's KEY=VALUE form. */
static void
testSocketOverride(void **state)
{
    g_autofree char *sock = testWriteTemp("journal", "", 0);
    int fd = testJournalSocket(sock);
    g_auto(virCpregHookAnswer) answer = { 0 };
    g_autofree char *journal = NULL;

    (void)state;
    g_setenv(VIR_CPREG_LOG_SOCKET_ENV, sock, TRUE);
    runHook("10.0.2", &answer);
    g_unsetenv(VIR_CPREG_LOG_SOCKET_ENV);
    journal = testJournalDrain(fd);
    close(fd);
    g_unlink(sock);
    assert_int_equal(records->len, 0);
    assert_non_null(strstr(journal, "MESSAGE_ID=" VETO_ID "\n"));
    assert_non_null(strstr(journal, "PRIORITY=3\n"));
    assert_non_null(strstr(journal, "CPREG_VERDICT=veto\n"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testVetoRecord),
        cmocka_unit_test(testAllowRecord),
        cmocka_unit_test(testSocketOverride),
    };
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(recordFree);

    records = all;
    g_unsetenv(VIR_CPREG_LOG_SOCKET_ENV);
    g_setenv("VIRT_CPREG_POLICY_DIRS", "", TRUE);
    g_log_set_writer_func(captureWriter, NULL, NULL);
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
