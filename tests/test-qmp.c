/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-qmp.c: the QMP client against scripted servers, and its message
 * parser on hostile replies
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "cpreg-qmp.h"
#include "testutils.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}, \"package\": \"Debian 1:10.0.2\"}, \"capabilities\": [\"oob\"]}}"
#define MAXSTEPS 8

/* ---- the message parser ------------------------------------------------- */

typedef struct {
    const char *name;
    const char *message;
    int kind;                 /* virCpregQmpKind, or -1: refused */
    const char *error;
} MessageCase;

static const MessageCase messageCases[] = {
    { "QEMU 10.0's greeting", GREETING, VIR_CPREG_QMP_GREETING, NULL },
    { "a return", "{\"return\": {}, \"id\": \"cpreg-1\"}", VIR_CPREG_QMP_RETURN, NULL },
    { "an event", "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}",
      VIR_CPREG_QMP_EVENT, NULL },
    { "an error", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}",
      VIR_CPREG_QMP_ERROR, NULL },
    { "not JSON", "{\"return\": ", -1, "invalid JSON: unexpected end" },
    { "two objects on a line", "{\"return\": {}} {}", -1, "byte 15 of a message: invalid JSON" },
    { "an array", "[1, 2]", -1, "not a JSON object" },
    { "an error without desc", "{\"error\": {\"class\": \"GenericError\"}}", -1,
      "not a QMP greeting, reply or event" },
    { "an event that is not a name", "{\"event\": 3}", -1, "not a QMP greeting" },
    { "an unknown object", "{\"hello\": 1}", -1, "not a QMP greeting" },
    { "invalid UTF-8", "{\"return\": \"\xff\xfe\"}", -1, "invalid JSON" },
};

static void
testMessage(void **state)
{
    const MessageCase *c = *state;
    g_autoptr(GError) error = NULL;
    virCpregQmpKind kind;
    json_object *obj = virCpregQmpParseMessage("test", c->message,
                                               strlen(c->message), &kind, &error);

    if (c->kind >= 0) {
        if (!obj)
            fail_msg("%s", error->message);
        assert_int_equal(kind, c->kind);
        json_object_put(obj);
        return;
    }
    assert_null(obj);
    if (!strstr(error->message, c->error))
        fail_msg("got '%s', want '%s'", error->message, c->error);
}

/* Deeper than the bound of 64: refused, not recursed into. */
static void
testDeepNesting(void **state)
{
    g_autoptr(GString) s = g_string_new("{\"return\": ");
    g_autoptr(GError) error = NULL;
    virCpregQmpKind kind;
    int i;

    (void)state;
    for (i = 0; i < 100000; i++)
        g_string_append_c(s, '[');
    assert_null(virCpregQmpParseMessage("test", s->str, s->len, &kind, &error));
    assert_non_null(strstr(error->message, "invalid JSON"));
}

/* ---- scripted servers --------------------------------------------------- */

typedef enum { SEND, RECV, HANG, CLOSE, SEND_HUGE } StepKind;

typedef struct {
    StepKind kind;
    const char *text;         /* SEND: "%ID%" becomes the last request's id */
} Step;

typedef struct {
    const char *name;
    Step steps[MAXSTEPS];
    const char *command;      /* run after connecting; NULL: only connect */
    const char *connect_error;
    const char *result;       /* the command's return, as JSON */
    const char *error;
    guint events;
} ServerCase;

static const ServerCase serverCases[] = {
    { "a command, with an event and a late reply in between",
      { { SEND, GREETING }, { RECV, NULL }, { SEND, "{\"return\": {}, \"id\": \"%ID%\"}" },
        { RECV, NULL }, { SEND, "{\"event\": \"RESUME\"}" },
        { SEND, "{\"return\": {\"stale\": 1}, \"id\": \"cpreg-0\"}" },
        { SEND, "{\"return\": {\"x\": 1}, \"id\": \"%ID%\"}" }, { HANG, NULL } },
      "query-version", NULL, "{ \"x\": 1 }", NULL, 1 },
    { "a QMP error",
      { { SEND, GREETING }, { RECV, NULL }, { SEND, "{\"return\": {}, \"id\": \"%ID%\"}" },
        { RECV, NULL },
        { SEND, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Class 'host-arm-cpu' not found\"}, \"id\": \"%ID%\"}" },
        { HANG, NULL } },
      "qom-list-properties", NULL, NULL,
      "'qom-list-properties' failed: Class 'host-arm-cpu' not found (GenericError)", 0 },
    { "no answer",
      { { SEND, GREETING }, { RECV, NULL }, { SEND, "{\"return\": {}, \"id\": \"%ID%\"}" },
        { RECV, NULL }, { HANG, NULL } },
      "query-version", NULL, NULL, "no answer to 'query-version' in time", 0 },
    { "the server goes away",
      { { SEND, GREETING }, { RECV, NULL }, { SEND, "{\"return\": {}, \"id\": \"%ID%\"}" },
        { RECV, NULL }, { CLOSE, NULL } },
      "query-version", NULL, NULL, "QEMU closed the connection while 'query-version' was running", 0 },
    { "a reply of 5 MiB",
      { { SEND, GREETING }, { RECV, NULL }, { SEND, "{\"return\": {}, \"id\": \"%ID%\"}" },
        { RECV, NULL }, { SEND_HUGE, NULL }, { HANG, NULL } },
      "query-version", NULL, NULL, "a message of more than 4194304 bytes", 0 },
    { "no greeting", { { SEND, "{\"event\": \"STOP\"}" }, { HANG, NULL } },
      NULL, "the first message is not a QMP greeting", NULL, NULL, 0 },
    { "a greeting without a version",
      { { SEND, "{\"QMP\": {\"capabilities\": []}}" }, { HANG, NULL } },
      NULL, "the greeting has no QEMU version", NULL, NULL, 0 },
};

typedef struct {
    const ServerCase *c;
    int listen_fd;
} Server;

static gpointer
serve(gpointer data)
{
    Server *srv = data;
    int fd = accept(srv->listen_fd, NULL, NULL);
    g_autofree char *id = g_strdup("");
    FILE *in;
    guint i;

    if (fd < 0)
        return NULL;
    in = fdopen(dup(fd), "r");
    for (i = 0; i < MAXSTEPS; i++) {
        const Step *s = &srv->c->steps[i];
        char line[65536];
        if (s->kind == SEND && !s->text)
            break;      /* the end of the script */
        if (s->kind == SEND) {
            g_autoptr(GString) out = g_string_new(s->text);
            g_string_replace(out, "%ID%", id, 0);
            g_string_append(out, "\r\n");
            if (write(fd, out->str, out->len) < 0)
                break;
        } else if (s->kind == RECV) {
            json_object *req, *v;
            if (!fgets(line, sizeof(line), in))
                break;
            req = json_tokener_parse(line);
            g_free(id);
            id = g_strdup(json_object_object_get_ex(req, "id", &v) ? json_object_get_string(v) : "");
            json_object_put(req);
        } else if (s->kind == SEND_HUGE) {
            g_autofree char *big = g_strnfill(5 * 1024 * 1024, ' ');
            if (write(fd, "{\"return\": \"", 12) < 0 || write(fd, big, strlen(big)) < 0)
                break;
        } else if (s->kind == HANG) {
            g_usleep(600 * 1000);
            break;
        } else {
            break;
        }
    }
    fclose(in);
    close(fd);
    return NULL;
}

static void
testServer(void **state)
{
    const ServerCase *c = *state;
    g_autofree char *dir = g_dir_make_tmp("cpreg-qmp-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qmp.sock", NULL);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    Server srv = { c, socket(AF_UNIX, SOCK_STREAM, 0) };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregQmp) qmp = NULL;
    json_object *ret = NULL;
    GThread *thread;

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    assert_int_equal(bind(srv.listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(srv.listen_fd, 1), 0);
    thread = g_thread_new("qmp-server", serve, &srv);
    qmp = virCpregQmpConnect(path, 2000, NULL, NULL, &error);
    if (qmp && c->command)
        ret = virCpregQmpCommand(qmp, c->command, NULL, 300, &error);
    if (c->connect_error) {
        assert_null(qmp);
        if (!strstr(error->message, c->connect_error))
            fail_msg("got '%s'", error->message);
    } else if (c->error) {
        assert_null(ret);
        if (!strstr(error->message, c->error))
            fail_msg("got '%s'", error->message);
    } else {
        if (!ret)
            fail_msg("%s", error->message);
        assert_string_equal(json_object_to_json_string(ret), c->result);
        assert_string_equal(virCpregQmpVersion(qmp), "10.0.2");
        assert_int_equal(virCpregQmpEventCount(qmp), c->events);
        json_object_put(ret);
    }
    g_clear_pointer(&qmp, virCpregQmpFree);
    g_thread_join(thread);
    close(srv.listen_fd);
    unlink(path);
    rmdir(dir);
}

/* A server that never appears: the connect deadline holds. */
static void
testNoServer(void **state)
{
    g_autoptr(GError) error = NULL;
    gint64 t0 = g_get_monotonic_time();

    (void)state;
    assert_null(virCpregQmpConnect("/nonexistent/qmp.sock", 200, NULL, NULL, &error));
    assert_non_null(strstr(error->message, "QEMU did not open its QMP socket"));
    assert_true(g_get_monotonic_time() - t0 < 2 * G_USEC_PER_SEC);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testDeepNesting),
        cmocka_unit_test(testNoServer),
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(messageCases); i++) {
        struct CMUnitTest t = { messageCases[i].name, testMessage, NULL, NULL,
                                (void *)&messageCases[i] };
        g_array_append_val(tests, t);
    }
    for (i = 0; i < G_N_ELEMENTS(serverCases); i++) {
        struct CMUnitTest t = { serverCases[i].name, testServer, NULL, NULL,
                                (void *)&serverCases[i] };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("qmp", (const struct CMUnitTest *)tests->data,
                                   tests->len, NULL, NULL);
}
