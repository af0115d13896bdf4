/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-input.c: a bounded, buffered binary input for hostile data
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cpreg-input.h"
#include "cpreg-error.h"

#define CHILD_MSG_MAX 2048

void
virCpregInputError(const virCpregInput *in, guint64 offset, GError **error,
                   const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%1$s: byte %2$llu: %3$s"),
                in->origin, (unsigned long long)offset, msg);
}

void
virCpregInputInitMemory(virCpregInput *in, const char *origin,
                        const guint8 *data, gsize len, guint64 base)
{
    memset(in, 0, sizeof(*in));
    in->origin = origin;
    in->fd = -1;
    in->child_err = -1;
    in->data = data;
    in->len = len;
    in->base = base;
    in->eof = TRUE;
}

void
virCpregInputInitFd(virCpregInput *in, const char *origin, int fd,
                    guint64 base, virCpregDeadline deadline)
{
    memset(in, 0, sizeof(*in));
    in->origin = origin;
    in->fd = fd;
    in->child_err = -1;
    in->buf = g_malloc(VIR_CPREG_INPUT_BUFSIZE);
    in->data = in->buf;
    in->base = base;
    in->deadline = deadline;
}

/* Runs @argv with @src_fd as its standard input; the input reads its
 * standard output. */
gboolean
virCpregInputStartFilter(virCpregInput *in, const char *const *argv,
                         int src_fd, guint64 base,
                         virCpregDeadline deadline,
                         GError **error)
{
    g_autoptr(GError) err = NULL;
    GPid pid;
    int out = -1, errfd = -1;

    if (!g_spawn_async_with_pipes_and_fds(NULL, argv, NULL,
                                          G_SPAWN_SEARCH_PATH |
                                          G_SPAWN_DO_NOT_REAP_CHILD |
                                          G_SPAWN_CLOEXEC_PIPES,
                                          NULL, NULL, src_fd, -1, -1,
                                          NULL, NULL, 0, &pid, NULL, &out,
                                          &errfd, &err)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("%1$s: cannot run '%2$s' to decompress: %3$s"),
                    in->origin, argv[0], err->message);
        return FALSE;
    }
    virCpregInputInitFd(in, in->origin, out, base, deadline);
    in->child = pid;
    in->child_err = errfd;
    in->child_msg = g_string_new(NULL);
    return TRUE;
}

static void
drainChildErr(virCpregInput *in)
{
    char chunk[512];
    ssize_t n = read(in->child_err, chunk, sizeof(chunk));

    if (n <= 0) {
        if (n == 0 || errno != EINTR) {
            close(in->child_err);
            in->child_err = -1;
        }
        return;
    }
    if (in->child_msg->len < CHILD_MSG_MAX)
        g_string_append_len(in->child_msg, chunk,
                            MIN((gsize)n, CHILD_MSG_MAX - in->child_msg->len));
}

/* Waits until the fd is readable, draining the child's stderr meanwhile. */
static gboolean
waitReadable(virCpregInput *in, GError **error)
{
    while (in->deadline.end_us || in->child_err >= 0) {
        struct pollfd fds[2] = { { in->fd, POLLIN, 0 }, { in->child_err, POLLIN, 0 } };
        int ms = virCpregDeadlineRemainingMs(in->deadline);
        int r;

        if (ms == 0) {
            virCpregInputError(in, virCpregInputOffset(in), error,
                               _("no data within the time limit"));
            return FALSE;
        }
        r = poll(fds, in->child_err >= 0 ? 2 : 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;   /* let read() report it */
        if (fds[1].revents)
            drainChildErr(in);
        if (fds[0].revents)
            return TRUE;
    }
    return TRUE;
}

/* Reads more into the buffer; FALSE on error. At the end sets in->eof. */
static gboolean
fill(virCpregInput *in, GError **error)
{
    ssize_t n;

    if (in->eof)
        return TRUE;
    if (in->pos) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->consumed += in->pos;
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->len == VIR_CPREG_INPUT_BUFSIZE)
        return TRUE;
    for (;;) {
        if (!waitReadable(in, error))
            return FALSE;
        n = read(in->fd, in->buf + in->len, VIR_CPREG_INPUT_BUFSIZE - in->len);
        if (n >= 0)
            break;
        if (errno != EINTR) {
            int err = errno;
            virCpregInputError(in, virCpregInputOffset(in), error,
                               _("read error: %s"), g_strerror(err));
            return FALSE;
        }
    }
    if (n == 0)
        in->eof = TRUE;
    in->len += (gsize)n;
    return TRUE;
}

/* The end came too early: a decompressor's failure explains why. */
static gboolean
truncated(virCpregInput *in, GError **error)
{
    if (in->child && !virCpregInputFinish(in, error))
        return FALSE;
    virCpregInputError(in, in->base + in->consumed + in->len, error,
                       _("unexpected end of data"));
    return FALSE;
}

gboolean
virCpregInputPeek(virCpregInput *in, guint8 *c, gboolean *eof, GError **error)
{
    if (in->pos == in->len && !fill(in, error))
        return FALSE;
    *eof = in->pos == in->len;
    if (!*eof)
        *c = in->data[in->pos];
    return TRUE;
}

/* Points *p at the next @n bytes (n <= the buffer size), not consuming. */
gboolean
virCpregInputPeekN(virCpregInput *in, gsize n, const guint8 **p,
                   GError **error)
{
    g_assert(n <= VIR_CPREG_INPUT_BUFSIZE);
    while (in->len - in->pos < n) {
        gsize had = in->len - in->pos;
        if (!fill(in, error))
            return FALSE;
        if (in->len - in->pos == had)
            return truncated(in, error);
    }
    *p = in->data + in->pos;
    return TRUE;
}

gboolean
virCpregInputRead(virCpregInput *in, void *dst, gsize n, GError **error)
{
    guint8 *out = dst;

    while (n) {
        gsize chunk;
        if (in->pos == in->len) {
            if (!fill(in, error))
                return FALSE;
            if (in->pos == in->len)
                return truncated(in, error);
        }
        chunk = MIN(n, in->len - in->pos);
        memcpy(out, in->data + in->pos, chunk);
        in->pos += chunk;
        out += chunk;
        n -= chunk;
    }
    return TRUE;
}

gboolean
virCpregInputSkip(virCpregInput *in, guint64 n, GError **error)
{
    while (n) {
        gsize chunk;
        if (in->pos == in->len) {
            if (!fill(in, error))
                return FALSE;
            if (in->pos == in->len)
                return truncated(in, error);
        }
        chunk = (gsize)MIN(n, (guint64)(in->len - in->pos));
        in->pos += chunk;
        n -= chunk;
    }
    return TRUE;
}

gboolean
virCpregInputU8(virCpregInput *in, guint8 *v, GError **error)
{
    if (in->pos < in->len) {
        *v = in->data[in->pos++];
        return TRUE;
    }
    return virCpregInputRead(in, v, 1, error);
}

/* A big-endian number of @bytes (at most 8), the fast way when buffered. */
static gboolean
readBe(virCpregInput *in, guint bytes, guint64 *v, GError **error)
{
    guint8 b[8];
    guint64 r = 0;
    guint i;

    if (in->pos + bytes <= in->len) {
        memcpy(b, in->data + in->pos, bytes);
        in->pos += bytes;
    } else if (!virCpregInputRead(in, b, bytes, error)) {
        return FALSE;
    }
    for (i = 0; i < bytes; i++)
        r = r << 8 | b[i];
    *v = r;
    return TRUE;
}

gboolean
virCpregInputBe16(virCpregInput *in, guint16 *v, GError **error)
{
    guint64 r;

    if (!readBe(in, 2, &r, error))
        return FALSE;
    *v = (guint16)r;
    return TRUE;
}

gboolean
virCpregInputBe32(virCpregInput *in, guint32 *v, GError **error)
{
    guint64 r;

    if (!readBe(in, 4, &r, error))
        return FALSE;
    *v = (guint32)r;
    return TRUE;
}

gboolean
virCpregInputBe64(virCpregInput *in, guint64 *v, GError **error)
{
    return readBe(in, 8, v, error);
}

/* QEMU's "u8 length + bytes" strings (idstr): printable, non-empty. */
gboolean
virCpregInputIdstr(virCpregInput *in, char out[256], GError **error)
{
    guint64 at = virCpregInputOffset(in);
    guint8 len;
    guint i;

    if (!virCpregInputU8(in, &len, error) ||
        !virCpregInputRead(in, out, len, error))
        return FALSE;
    out[len] = '\0';
    for (i = 0; i < len; i++) {
        if (!g_ascii_isprint(out[i])) {
            virCpregInputError(in, at, error,
                               _("a name holds the non-printable byte 0x%02x"),
                               (guint8)out[i]);
            return FALSE;
        }
    }
    if (!len) {
        virCpregInputError(in, at, error, _("empty name"));
        return FALSE;
    }
    return TRUE;
}

static gboolean
tooLarge(const virCpregInput *in, guint64 start, gsize max, GError **error)
{
    virCpregInputError(in, start, error,
                       _("more than %zu bytes of device state; refusing to hold them"),
                       (size_t)max);
    return FALSE;
}

/* The rest of the input, at most @max bytes, as one block. */
gboolean
virCpregInputSlurp(virCpregInput *in, gsize max, GBytes **out, GError **error)
{
    g_autoptr(GByteArray) all = NULL;
    guint64 start = virCpregInputOffset(in);

    if (in->fd < 0) {
        if (in->len - in->pos > max)
            return tooLarge(in, start, max, error);
        *out = g_bytes_new_static(in->data + in->pos, in->len - in->pos);
        in->pos = in->len;
        return TRUE;
    }
    all = g_byte_array_new();
    for (;;) {
        if (in->len - in->pos > max - all->len)
            return tooLarge(in, start, max, error);
        g_byte_array_append(all, in->data + in->pos, (guint)(in->len - in->pos));
        in->pos = in->len;
        if (in->eof)
            break;
        if (!fill(in, error))
            return FALSE;
    }
    *out = g_byte_array_free_to_bytes(g_steal_pointer(&all));
    return TRUE;
}

static void
reap(virCpregInput *in, int *status)
{
    while (waitpid(in->child, status, 0) < 0 && errno == EINTR)
        ;
    g_spawn_close_pid(in->child);
    in->child = 0;
}

/* For a decompressor: waits for it (within the deadline) and reports its
 * failure. Call after reading to the end. */
gboolean
virCpregInputFinish(virCpregInput *in, GError **error)
{
    int status = 0;

    if (!in->child)
        return TRUE;
    while (in->child_err >= 0 && !virCpregDeadlineExpired(in->deadline))
        drainChildErr(in);
    for (;;) {
        pid_t r = waitpid(in->child, &status, WNOHANG);
        if (r == in->child)
            break;
        if (r < 0 && errno != EINTR)
            break;
        if (virCpregDeadlineExpired(in->deadline)) {
            kill(in->child, SIGKILL);
            reap(in, &status);
            virCpregInputError(in, virCpregInputOffset(in), error,
                               _("the decompressor did not finish in time"));
            return FALSE;
        }
        g_usleep(2000);
    }
    g_spawn_close_pid(in->child);
    in->child = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_strstrip(in->child_msg->str);
        virCpregInputError(in, virCpregInputOffset(in), error,
                           _("the decompressor failed: %s"),
                           *in->child_msg->str ? in->child_msg->str : "?");
        return FALSE;
    }
    return TRUE;
}

void
virCpregInputClear(virCpregInput *in)
{
    int status;

    if (in->child) {
        kill(in->child, SIGKILL);
        reap(in, &status);
    }
    if (in->child_err >= 0)
        close(in->child_err);
    if (in->child_msg)
        g_string_free(in->child_msg, TRUE);
    if (in->fd >= 0 && in->buf)
        close(in->fd);
    g_free(in->buf);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->child_err = -1;
}
