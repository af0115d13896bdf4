/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-text.c: reading hostile text: bounded files, UTF-8, hex numbers
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cpreg-text.h"
#include "cpreg-error.h"

/*
 * Reads at most @max bytes of @path ("-" is standard input) into a
 * NUL-terminated buffer. A larger file is an input error, not a truncation.
 */
gboolean
virCpregTextReadFile(const char *path, gsize max, char **data, gsize *len,
                     GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autoptr(GError) failure = NULL;
    gboolean is_stdin = g_str_equal(path, "-");
    int fd = is_stdin ? STDIN_FILENO : g_open(path, O_RDONLY | O_CLOEXEC, 0);
    guint8 chunk[65536];

    if (fd < 0) {
        int err = errno;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("cannot open '%1$s': %2$s"), path, g_strerror(err));
        return FALSE;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            g_set_error(&failure, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("cannot read '%1$s': %2$s"), path, g_strerror(err));
            break;
        }
        if (n == 0)
            break;
        if (buf->len + (gsize)n > max) {
            /* name the line the bound was reached in */
            g_byte_array_append(buf, chunk, (guint)(max - buf->len));
            g_set_error(&failure, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s:%2$u: more than %3$zu bytes"), path,
                        virCpregTextLineOf((const char *)buf->data, buf->len),
                        (size_t)max);
            break;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    if (!is_stdin)
        close(fd);
    /* a caller that wants no GError still gets FALSE, not a truncation */
    if (failure) {
        g_propagate_error(error, g_steal_pointer(&failure));
        return FALSE;
    }
    *len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    *data = (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
    return TRUE;
}

/* 1-based line number of byte @offset. */
guint
virCpregTextLineOf(const char *data, gsize offset)
{
    guint line = 1;
    gsize i;

    for (i = 0; i < offset; i++)
        line += data[i] == '\n';
    return line;
}

/* The length of @data's leading run of ASCII bytes, eight at a time:
 * domain XML and profiles are nearly all ASCII. */
static gsize
asciiPrefix(const char *data, gsize len)
{
    gsize i = 0;

    for (; len - i >= 8; i += 8) {
        guint64 word;
        memcpy(&word, data + i, sizeof(word));
        if (word & G_GUINT64_CONSTANT(0x8080808080808080))
            break;
    }
    while (i < len && !(data[i] & 0x80))
        i++;
    return i;
}

gboolean
virCpregTextCheckUTF8(const char *origin, const char *data, gsize len,
                      GError **error)
{
    const char *end = memchr(data, '\0', len);
    gsize ascii = end ? 0 : asciiPrefix(data, len);

    /* a NUL byte is valid UTF-8 but never text; glib checks what follows
     * the ASCII run, which starts on a character */
    if (!end && g_utf8_validate_len(data + ascii, len - ascii, &end))
        return TRUE;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%1$s:%2$u: not valid UTF-8 text"), origin,
                virCpregTextLineOf(data, (gsize)(end - data)));
    return FALSE;
}

/* A hex digit's value, or -1: inline, as the profile readers call it for
 * every digit of every register (g_ascii_xdigit_value is a call into
 * glib each time). */
static inline int
hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0x" then 1..@digits hex digits, exactly @len bytes. */
static gboolean
parseHexDigits(const char *s, gsize len, int maxdigits, guint64 *lo,
               guint64 *hi)
{
    guint64 l = 0, h = 0;   /* locals: stores through *lo would alias s */
    gsize i;

    *lo = *hi = 0;
    if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return FALSE;
    /* leading zeros are allowed, but only significant digits count */
    for (i = 2; i < len - 1 && s[i] == '0'; i++)
        ;
    if ((gssize)(len - i) > maxdigits)
        return FALSE;
    /* the digits before the last 16 are the high half */
    for (; len - i > 16; i++) {
        int d = hexDigit(s[i]);
        if (d < 0)
            return FALSE;
        h = h << 4 | (guint64)d;
    }
    for (; i < len; i++) {
        int d = hexDigit(s[i]);
        if (d < 0)
            return FALSE;
        l = l << 4 | (guint64)d;
    }
    *lo = l;
    *hi = h;
    return TRUE;
}

gboolean
virCpregTextParseHex64(const char *s, gsize len, guint64 *out)
{
    guint64 hi;

    return parseHexDigits(s, len, 16, out, &hi);
}

gboolean
virCpregTextParseHex128(const char *s, gsize len, guint64 *lo, guint64 *hi)
{
    return parseHexDigits(s, len, 32, lo, hi);
}

/*
 * "0x" and @v in lower-case hexadecimal, at least @width digits: what
 * printf("0x%0*" PRIx64) writes, without printf's cost, which the writers
 * of profiles would pay hundreds of times.
 */
void
virCpregTextFormatHex64(GString *out, guint64 v, guint width)
{
    char text[2 + 16];
    guint n = sizeof(text);

    do {
        text[--n] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v);
    while (sizeof(text) - n < MIN(width, 16))
        text[--n] = '0';
    text[--n] = 'x';
    text[--n] = '0';
    g_string_append_len(out, text + n, (gssize)(sizeof(text) - n));
}

void
virCpregTextFormatHex128(GString *out, guint64 lo, guint64 hi)
{
    if (!hi) {
        virCpregTextFormatHex64(out, lo, 1);
        return;
    }
    virCpregTextFormatHex64(out, hi, 1);
    virCpregTextFormatHex64(out, lo, 16);
    /* one number: drop the second "0x" */
    g_string_erase(out, (gssize)out->len - 18, 2);
}
