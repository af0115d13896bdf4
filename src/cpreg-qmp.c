/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-qmp.c: a small QMP client over a UNIX socket
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cpreg-qmp.h"
#include "cpreg-error.h"
#include "cpreg-json.h"
#include "cpreg-util.h"

struct _virCpregQmp {
    int fd;
    char *origin;           /* "QMP socket PATH", for messages */
    GByteArray *buf;        /* received, not yet split into lines */
    char *version;
    char *package;
    GPtrArray *events;      /* json_object */
    guint64 next_id;
};

/* ---- messages ----------------------------------------------------------- */

static json_object *
parseJSON(const char *origin, const char *data, gsize len, GError **error)
{
    const char *why, *syntax;
    gsize where;
    json_object *obj;

    if (len > VIR_CPREG_QMP_MAX_REPLY) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: a message of more than %2$d bytes"), origin,
                    VIR_CPREG_QMP_MAX_REPLY);
        return NULL;
    }
    if (!(obj = virCpregJSONParseValue(data, len, VIR_CPREG_QMP_MAX_DEPTH, &where,
                                       &why, &syntax)))
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: byte %2$zu of a message: invalid JSON: %3$s"), origin,
                    (size_t)where, why ? why : syntax);
    return obj;
}

static const struct {
    const char *key;
    json_type type;
    virCpregQmpKind kind;
} messageKinds[] = {
    { "return", json_type_null, VIR_CPREG_QMP_RETURN },   /* any type */
    { "error", json_type_object, VIR_CPREG_QMP_ERROR },
    { "event", json_type_string, VIR_CPREG_QMP_EVENT },
    { "QMP", json_type_object, VIR_CPREG_QMP_GREETING },
};

json_object *
virCpregQmpParseMessage(const char *origin, const char *data, gsize len,
                        virCpregQmpKind *kind, GError **error)
{
    g_autoptr(json_object) obj = parseJSON(origin, data, len, error);
    json_object *v, *desc;
    size_t i;

    if (!obj)
        return NULL;
    if (!json_object_is_type(obj, json_type_object)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: a message that is not a JSON object"), origin);
        return NULL;
    }
    for (i = 0; i < G_N_ELEMENTS(messageKinds); i++) {
        if (!json_object_object_get_ex(obj, messageKinds[i].key, &v))
            continue;
        if (messageKinds[i].type != json_type_null &&
            !json_object_is_type(v, messageKinds[i].type))
            break;
        /* an error must say what went wrong */
        if (messageKinds[i].kind == VIR_CPREG_QMP_ERROR &&
            (!json_object_object_get_ex(v, "desc", &desc) ||
             !json_object_is_type(desc, json_type_string)))
            break;
        *kind = messageKinds[i].kind;
        return g_steal_pointer(&obj);
    }
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%s: not a QMP greeting, reply or event"), origin);
    return NULL;
}

/* ---- the connection ----------------------------------------------------- */

static gboolean
timedOut(const virCpregQmp *qmp, const char *what, GError **error)
{
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                _("%1$s: no answer to '%2$s' in time"), qmp->origin, what);
    return FALSE;
}

static gboolean
waitFor(virCpregQmp *qmp, short events, virCpregDeadline deadline,
        const char *what, GError **error)
{
    for (;;) {
        struct pollfd pfd = { qmp->fd, events, 0 };
        int ms = virCpregDeadlineRemainingMs(deadline);
        int r;

        if (ms == 0)
            return timedOut(qmp, what, error);
        r = poll(&pfd, 1, ms);
        if (r > 0)
            return TRUE;
        if (r < 0 && errno != EINTR) {
            int err = errno;
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("%1$s: %2$s"), qmp->origin, g_strerror(err));
            return FALSE;
        }
    }
}

/* Reads until a whole line is buffered; returns its length (without the
 * newline) in *len. */
static gboolean
readLine(virCpregQmp *qmp, virCpregDeadline deadline, const char *what,
         gsize *len, GError **error)
{
    gsize scanned = 0;

    for (;;) {
        guint8 chunk[65536];
        /* an empty GByteArray has no data: memchr(NULL, ..., 0) is UB */
        const guint8 *nl = qmp->buf->len > scanned ?
                           memchr(qmp->buf->data + scanned, '\n', qmp->buf->len - scanned) :
                           NULL;
        ssize_t n;

        if (nl) {
            *len = (gsize)(nl - qmp->buf->data);
            return TRUE;
        }
        scanned = qmp->buf->len;
        if (qmp->buf->len > VIR_CPREG_QMP_MAX_REPLY) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: a message of more than %2$d bytes"), qmp->origin,
                        VIR_CPREG_QMP_MAX_REPLY);
            return FALSE;
        }
        if (!waitFor(qmp, POLLIN, deadline, what, error))
            return FALSE;
        n = read(qmp->fd, chunk, sizeof(chunk));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("%1$s: QEMU closed the connection while '%2$s' was running"),
                        qmp->origin, what);
            return FALSE;
        }
        g_byte_array_append(qmp->buf, chunk, (guint)n);
    }
}

static json_object *
readMessage(virCpregQmp *qmp, virCpregDeadline deadline, const char *what,
            virCpregQmpKind *kind, GError **error)
{
    for (;;) {
        json_object *msg;
        gsize len;
        if (!readLine(qmp, deadline, what, &len, error))
            return NULL;
        if (len == 0 || (len == 1 && qmp->buf->data[0] == '\r')) {
            g_byte_array_remove_range(qmp->buf, 0, (guint)len + 1);
            continue;
        }
        msg = virCpregQmpParseMessage(qmp->origin, (const char *)qmp->buf->data,
                                      len, kind, error);
        g_byte_array_remove_range(qmp->buf, 0, (guint)len + 1);
        return msg;
    }
}

/* Sends @len bytes; the first of them carries @fd (SCM_RIGHTS) when it is
 * not -1: QEMU keeps a descriptor that arrives with a command's bytes for
 * that command ("getfd"). */
static ssize_t
sendSome(virCpregQmp *qmp, const char *data, gsize len, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control = { 0 };
    struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    struct cmsghdr *cmsg;

    if (fd < 0)
        return send(qmp->fd, data, len, MSG_NOSIGNAL);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(qmp->fd, &msg, MSG_NOSIGNAL);
}

static gboolean
writeAll(virCpregQmp *qmp, const char *data, gsize len, int fd,
         virCpregDeadline deadline, const char *what, GError **error)
{
    while (len) {
        ssize_t n;
        if (!waitFor(qmp, POLLOUT, deadline, what, error))
            return FALSE;
        n = sendSome(qmp, data, len, fd);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            int err = errno;
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("%1$s: cannot send '%2$s': %3$s"), qmp->origin, what,
                        g_strerror(err));
            return FALSE;
        }
        fd = -1;    /* sent with the first bytes */
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

static void
eventFree(gpointer event)
{
    json_object_put(event);
}

static void
keepEvent(virCpregQmp *qmp, json_object *event)
{
    if (qmp->events->len >= VIR_CPREG_QMP_MAX_EVENTS)
        g_ptr_array_remove_index(qmp->events, 0);
    g_ptr_array_add(qmp->events, event);
}

static gboolean
idMatches(json_object *msg, const char *id)
{
    json_object *v;

    return json_object_object_get_ex(msg, "id", &v) &&
           json_object_is_type(v, json_type_string) &&
           g_str_equal(json_object_get_string(v), id);
}

static json_object *
commandError(virCpregQmp *qmp, const char *command, json_object *msg,
             GError **error)
{
    json_object *err, *desc, *klass;

    json_object_object_get_ex(msg, "error", &err);
    json_object_object_get_ex(err, "desc", &desc);
    if (!json_object_object_get_ex(err, "class", &klass) ||
        !json_object_is_type(klass, json_type_string))
        klass = NULL;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                _("%1$s: '%2$s' failed: %3$s (%4$s)"), qmp->origin, command,
                json_object_get_string(desc),
                klass ? json_object_get_string(klass) : "?");
    return NULL;
}

json_object *
virCpregQmpCommandWithFd(virCpregQmp *qmp, const char *command,
                         json_object *args, int fd, guint timeout_ms,
                         GError **error)
{
    g_autoptr(json_object) req = json_object_new_object();
    g_autofree char *id = g_strdup_printf("cpreg-%" G_GUINT64_FORMAT, qmp->next_id++);
    virCpregDeadline deadline = virCpregDeadlineIn(timeout_ms);
    g_autofree char *line = NULL;

    json_object_object_add(req, "execute", json_object_new_string(command));
    if (args)
        json_object_object_add(req, "arguments", args);
    json_object_object_add(req, "id", json_object_new_string(id));
    line = g_strconcat(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
                       "\n", NULL);
    if (!writeAll(qmp, line, strlen(line), fd, deadline, command, error))
        return NULL;
    for (;;) {
        virCpregQmpKind kind;
        g_autoptr(json_object) msg = readMessage(qmp, deadline, command, &kind, error);
        json_object *ret;
        if (!msg)
            return NULL;
        if (kind == VIR_CPREG_QMP_EVENT) {
            keepEvent(qmp, g_steal_pointer(&msg));
            continue;
        }
        if (kind == VIR_CPREG_QMP_GREETING || !idMatches(msg, id))
            continue;   /* a late reply to a command that timed out */
        if (kind == VIR_CPREG_QMP_ERROR)
            return commandError(qmp, command, msg, error);
        json_object_object_get_ex(msg, "return", &ret);
        return json_object_get(ret);
    }
}

json_object *
virCpregQmpCommand(virCpregQmp *qmp, const char *command, json_object *args,
                   guint timeout_ms, GError **error)
{
    return virCpregQmpCommandWithFd(qmp, command, args, -1, timeout_ms, error);
}

/* ---- connecting --------------------------------------------------------- */

static gboolean
connectFailed(const virCpregQmp *qmp, int err, GError **error)
{
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                _("%1$s: cannot connect: %2$s"), qmp->origin, g_strerror(err));
    return FALSE;
}

/* QEMU creates the socket some time after it starts: retry until it is
 * there, QEMU died, or time is up. */
static gboolean
connectSocket(virCpregQmp *qmp, const char *path, virCpregDeadline deadline,
              virCpregQmpAliveFunc alive, gpointer opaque, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("%s: the socket path is too long"), qmp->origin);
        return FALSE;
    }
    strcpy(addr.sun_path, path);
    for (;;) {
        int err;
        qmp->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (qmp->fd < 0)
            return connectFailed(qmp, errno, error);
        if (connect(qmp->fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            return TRUE;
        err = errno;
        close(qmp->fd);
        qmp->fd = -1;
        if (err != ENOENT && err != ECONNREFUSED && err != EAGAIN)
            return connectFailed(qmp, err, error);
        if ((alive && !alive(opaque)) || virCpregDeadlineExpired(deadline)) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("%s: QEMU did not open its QMP socket"), qmp->origin);
            return FALSE;
        }
        g_usleep(5000);
    }
}

static gboolean
readGreeting(virCpregQmp *qmp, virCpregDeadline deadline, GError **error)
{
    virCpregQmpKind kind;
    g_autoptr(json_object) msg = readMessage(qmp, deadline, "greeting", &kind, error);
    json_object *qmpv, *version, *qemu, *package, *n;
    static const char *const parts[] = { "major", "minor", "micro" };
    gint64 v[3];
    size_t i;

    if (!msg)
        return FALSE;
    if (kind != VIR_CPREG_QMP_GREETING) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: the first message is not a QMP greeting"), qmp->origin);
        return FALSE;
    }
    json_object_object_get_ex(msg, "QMP", &qmpv);
    if (!json_object_object_get_ex(qmpv, "version", &version) ||
        !json_object_object_get_ex(version, "qemu", &qemu)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: the greeting has no QEMU version"), qmp->origin);
        return FALSE;
    }
    for (i = 0; i < G_N_ELEMENTS(parts); i++) {
        if (!json_object_object_get_ex(qemu, parts[i], &n) ||
            !json_object_is_type(n, json_type_int) ||
            (v[i] = json_object_get_int64(n)) < 0 || v[i] > 9999) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: the greeting's version has no valid '%2$s'"),
                        qmp->origin, parts[i]);
            return FALSE;
        }
    }
    qmp->version = g_strdup_printf("%d.%d.%d", (int)v[0], (int)v[1], (int)v[2]);
    if (json_object_object_get_ex(version, "package", &package) &&
        json_object_is_type(package, json_type_string))
        qmp->package = g_strdup(json_object_get_string(package));
    return TRUE;
}

virCpregQmp *
virCpregQmpConnect(const char *path, guint timeout_ms,
                   virCpregQmpAliveFunc alive, gpointer opaque, GError **error)
{
    g_autoptr(virCpregQmp) qmp = g_new0(virCpregQmp, 1);
    virCpregDeadline deadline = virCpregDeadlineIn(timeout_ms);
    g_autoptr(json_object) ret = NULL;

    qmp->fd = -1;
    qmp->origin = g_strdup_printf(_("QMP socket %s"), path);
    qmp->buf = g_byte_array_new();
    qmp->events = g_ptr_array_new_with_free_func(eventFree);
    if (!connectSocket(qmp, path, deadline, alive, opaque, error) ||
        !readGreeting(qmp, deadline, error))
        return NULL;
    if (!(ret = virCpregQmpCommand(qmp, "qmp_capabilities", NULL,
                                   (guint)virCpregDeadlineRemainingMs(deadline), error)))
        return NULL;
    return g_steal_pointer(&qmp);
}

void
virCpregQmpFree(virCpregQmp *qmp)
{
    if (!qmp)
        return;
    if (qmp->fd >= 0)
        close(qmp->fd);
    g_free(qmp->origin);
    g_byte_array_unref(qmp->buf);
    g_free(qmp->version);
    g_free(qmp->package);
    g_ptr_array_unref(qmp->events);
    g_free(qmp);
}

const char *
virCpregQmpVersion(const virCpregQmp *qmp)
{
    return qmp->version;
}

const char *
virCpregQmpPackage(const virCpregQmp *qmp)
{
    return qmp->package;
}

guint
virCpregQmpEventCount(const virCpregQmp *qmp)
{
    return qmp->events->len;
}

json_object *
virCpregQmpEvent(const virCpregQmp *qmp, guint i)
{
    return g_ptr_array_index(qmp->events, i);
}
