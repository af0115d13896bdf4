/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-qmp.h: a small QMP client over a UNIX socket
 *
 * QEMU's QMP (docs/interop/qmp-spec.rst): the server greets with
 * {"QMP": {"version": ..., "capabilities": [...]}}; the client leaves
 * capabilities negotiation with "qmp_capabilities"; then every command
 * {"execute", "arguments", "id"} gets one reply {"return"|"error", "id"},
 * and asynchronous {"event"} messages may arrive in between. Messages are
 * JSON objects, one per line. Every reply is bounded in size and nesting,
 * every command in time.
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

#define VIR_CPREG_QMP_MAX_REPLY   (4 * 1024 * 1024)
#define VIR_CPREG_QMP_MAX_DEPTH   64
#define VIR_CPREG_QMP_MAX_EVENTS  256

typedef struct _virCpregQmp virCpregQmp;

/* Called while waiting for the socket to appear: FALSE stops waiting (the
 * server died). */
typedef gboolean (*virCpregQmpAliveFunc)(gpointer opaque);

virCpregQmp *virCpregQmpConnect(const char *path, guint timeout_ms,
                                virCpregQmpAliveFunc alive, gpointer opaque,
                                GError **error);
void virCpregQmpFree(virCpregQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregQmp, virCpregQmpFree);

/* The greeting's QEMU version, "10.0.2", and its package string. */
const char *virCpregQmpVersion(const virCpregQmp *qmp);
const char *virCpregQmpPackage(const virCpregQmp *qmp);

/* Runs @command with @args (taken; may be NULL); returns the "return"
 * value, a new reference. */
json_object *virCpregQmpCommand(virCpregQmp *qmp, const char *command,
                                json_object *args, guint timeout_ms,
                                GError **error);

/* The same, and passes a copy of @fd to QEMU with the command (SCM_RIGHTS),
 * as "getfd" expects; the caller keeps @fd. */
json_object *virCpregQmpCommandWithFd(virCpregQmp *qmp, const char *command,
                                      json_object *args, int fd,
                                      guint timeout_ms, GError **error);

/* The events set aside while waiting for replies, oldest first. */
guint virCpregQmpEventCount(const virCpregQmp *qmp);
json_object *virCpregQmpEvent(const virCpregQmp *qmp, guint i);

/* One QMP message (a line from the server) checked and classified; exposed
 * for the tests and the fuzzer. Returns the object, a new reference. */
typedef enum {
    VIR_CPREG_QMP_GREETING,
    VIR_CPREG_QMP_RETURN,
    VIR_CPREG_QMP_ERROR,
    VIR_CPREG_QMP_EVENT,
} virCpregQmpKind;

json_object *virCpregQmpParseMessage(const char *origin, const char *data,
                                     gsize len, virCpregQmpKind *kind,
                                     GError **error);

G_END_DECLS
