/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-log.c: one structured line to the journal, else syslog
 *
 * The journal's native protocol is a datagram of KEY=VALUE lines on
 * /run/systemd/journal/socket (systemd's journal-native-protocol); that
 * is all we need of it, so no libsystemd. Where there is no journal,
 * syslog(3) gets the message. Logging never fails the caller.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "cpreg-log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* KEY=VALUE, with newlines in VALUE folded (the text form allows none). */
static void
appendField(GString *msg, const char *key, const char *value)
{
    const char *p;

    g_string_append_printf(msg, "%s=", key);
    for (p = value; *p; p++)
        g_string_append_c(msg, *p == '\n' ? ' ' : *p);
    g_string_append_c(msg, '\n');
}

static gboolean
sendJournal(const char *path, const GString *msg)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;
    gboolean ok;

    if (strlen(path) >= sizeof(sa.sun_path) ||
        (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return FALSE;
    strcpy(sa.sun_path, path);
    ok = sendto(fd, msg->str, msg->len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
                sizeof(sa)) == (ssize_t)msg->len;
    close(fd);
    return ok;
}

void
virCpregLog(int priority, const char *message, const virCpregLogField *fields,
            size_t nfields)
{
    const char *path = g_getenv(VIR_CPREG_LOG_SOCKET_ENV);
    g_autoptr(GString) msg = g_string_new(NULL);
    g_autofree char *prio = g_strdup_printf("%d", priority);
    size_t i;

    appendField(msg, "MESSAGE", message);
    appendField(msg, "PRIORITY", prio);
    appendField(msg, "SYSLOG_IDENTIFIER", "libvirt-cpreg");
    for (i = 0; i < nfields; i++) {
        if (fields[i].value)
            appendField(msg, fields[i].key, fields[i].value);
    }
    if (sendJournal(path ? path : JOURNAL_SOCKET, msg))
        return;
    if (path)
        return;     /* a test's socket: no syslog behind its back */
    openlog("libvirt-cpreg", LOG_PID, LOG_DAEMON);
    syslog(priority, "%s", message);
    closelog();
}
