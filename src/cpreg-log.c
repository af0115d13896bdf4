/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-log.c: one structured record to the journal, through glib
 *
 * A record is glib structured logging (g_log_structured_array): MESSAGE,
 * PRIORITY, SYSLOG_IDENTIFIER, GLIB_DOMAIN=libvirt-cpreg, MESSAGE_ID where
 * the event has one, and the caller's CPREG_* fields. It goes where the
 * process's log writer sends it; virt-cpreg, virt-cpregd and
 * virt-cpreg-libvirt install virCpregLogWriter(): glib's journald writer,
 * else syslog(3). VIRT_CPREG_JOURNAL_SOCKET (tests) sends the record to
 * another socket instead, as KEY=VALUE lines, whatever the writer.
 * Logging never fails the caller.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "cpreg-log.h"
#include "cpreg-log-priv.h"

#define LOG_IDENTIFIER "libvirt-cpreg"

/* ---- the test's socket -------------------------------------------------- */

/* KEY=VALUE, with newlines in VALUE folded (the text form allows none). */
static void
appendField(GString *msg, const GLogField *field)
{
    const char *value = field->value;
    gssize i;

    g_string_append_printf(msg, "%s=", field->key);
    for (i = 0; field->length < 0 ? value[i] != '\0' : i < field->length; i++)
        g_string_append_c(msg, value[i] == '\n' ? ' ' : value[i]);
    g_string_append_c(msg, '\n');
}

static void
sendToSocket(const char *path, const GLogField *fields, gsize n)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autoptr(GString) msg = g_string_new(NULL);
    gsize i;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path) ||
        (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return;
    for (i = 0; i < n; i++)
        appendField(msg, &fields[i]);
    strcpy(sa.sun_path, path);
    if (sendto(fd, msg->str, msg->len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
               sizeof(sa)) < 0) {
        /* a test's socket that is not there: the record is dropped */
    }
    close(fd);
}

/* ---- the writer --------------------------------------------------------- */

static const char *
fieldValue(const GLogField *fields, gsize n, const char *key)
{
    gsize i;

    for (i = 0; i < n; i++) {
        if (g_str_equal(fields[i].key, key) && fields[i].length < 0)
            return fields[i].value;
    }
    return NULL;
}

GLogWriterOutput
virCpregLogWriter(GLogLevelFlags level, const GLogField *fields, gsize n,
                  gpointer opaque)
{
    const char *prio;

    if (g_strcmp0(fieldValue(fields, n, "GLIB_DOMAIN"), VIR_CPREG_LOG_DOMAIN) != 0)
        return g_log_writer_default(level, fields, n, opaque);
    if (g_log_writer_journald(level, fields, n, opaque) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    prio = fieldValue(fields, n, "PRIORITY");
    openlog(LOG_IDENTIFIER, LOG_PID, LOG_DAEMON);
    syslog(prio ? atoi(prio) : LOG_NOTICE, "%s",
           fieldValue(fields, n, "MESSAGE"));
    closelog();
    return G_LOG_WRITER_HANDLED;
}

/* ---- a record ----------------------------------------------------------- */

/* syslog's priority as glib's level; LOG_ERR is not G_LOG_LEVEL_ERROR,
 * which aborts. PRIORITY itself goes in the record as it is. */
static GLogLevelFlags
levelOf(int priority)
{
    if (priority <= LOG_ERR)
        return G_LOG_LEVEL_CRITICAL;
    if (priority == LOG_WARNING)
        return G_LOG_LEVEL_WARNING;
    if (priority == LOG_NOTICE)
        return G_LOG_LEVEL_MESSAGE;
    return priority == LOG_INFO ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_DEBUG;
}

void
virCpregLog(int priority, const char *message, const virCpregLogField *fields,
            size_t nfields)
{
    const char *path = g_getenv(VIR_CPREG_LOG_SOCKET_ENV);
    g_autofree char *prio = g_strdup_printf("%d", priority);
    g_autofree GLogField *all = g_new(GLogField, nfields + 4);
    gsize n = 0;
    size_t i;

    all[n++] = (GLogField){ "MESSAGE", message, -1 };
    all[n++] = (GLogField){ "PRIORITY", prio, -1 };
    all[n++] = (GLogField){ "SYSLOG_IDENTIFIER", LOG_IDENTIFIER, -1 };
    all[n++] = (GLogField){ "GLIB_DOMAIN", VIR_CPREG_LOG_DOMAIN, -1 };
    for (i = 0; i < nfields; i++) {
        if (fields[i].value)
            all[n++] = (GLogField){ fields[i].key, fields[i].value, -1 };
    }
    if (path)
        sendToSocket(path, all, n);
    else
        g_log_structured_array(levelOf(priority), all, n);
}
