/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-input.h: a bounded, buffered binary input for hostile data
 *
 * Reads a file descriptor (a file, or the pipe from a decompressor, with a
 * deadline) or memory through one fixed buffer. Every error names the
 * origin and the byte offset in the file.
 */
#pragma once

#include <glib.h>

#include "cpreg-util.h"

G_BEGIN_DECLS

/* The fuzz build shrinks it to exercise refills (at least 257: a name). */
#ifndef VIR_CPREG_INPUT_BUFSIZE
# define VIR_CPREG_INPUT_BUFSIZE (1024 * 1024)
#endif

typedef struct {
    const char *origin;
    int fd;                  /* -1: memory */
    GPid child;              /* decompressor writing into fd, or 0 */
    int child_err;           /* its stderr, or -1 */
    GString *child_msg;      /* what it said on stderr (bounded) */
    const guint8 *data;      /* memory, or the buffer */
    guint8 *buf;             /* owned buffer for fd input */
    gsize pos, len;          /* the unread bytes are data[pos..len) */
    guint64 consumed;        /* bytes before data[0] */
    guint64 base;            /* file offset of the input's first byte */
    virCpregDeadline deadline;   /* or VIR_CPREG_DEADLINE_NONE */
    gboolean eof;
} virCpregInput;

void virCpregInputInitMemory(virCpregInput *in, const char *origin,
                             const guint8 *data, gsize len, guint64 base);
void virCpregInputInitFd(virCpregInput *in, const char *origin, int fd,
                         guint64 base, virCpregDeadline deadline);
gboolean virCpregInputStartFilter(virCpregInput *in, const char *const *argv,
                                  int src_fd, guint64 base,
                                  virCpregDeadline deadline, GError **error);
gboolean virCpregInputFinish(virCpregInput *in, GError **error);
void virCpregInputClear(virCpregInput *in);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCpregInput, virCpregInputClear);

static inline guint64
virCpregInputOffset(const virCpregInput *in)
{
    return in->base + in->consumed + in->pos;
}

gboolean virCpregInputPeek(virCpregInput *in, guint8 *c, gboolean *eof,
                           GError **error);
gboolean virCpregInputPeekN(virCpregInput *in, gsize n, const guint8 **p,
                            GError **error);
gboolean virCpregInputRead(virCpregInput *in, void *dst, gsize n,
                           GError **error);
gboolean virCpregInputSkip(virCpregInput *in, guint64 n, GError **error);
gboolean virCpregInputU8(virCpregInput *in, guint8 *v, GError **error);
gboolean virCpregInputBe16(virCpregInput *in, guint16 *v, GError **error);
gboolean virCpregInputBe32(virCpregInput *in, guint32 *v, GError **error);
gboolean virCpregInputBe64(virCpregInput *in, guint64 *v, GError **error);
gboolean virCpregInputIdstr(virCpregInput *in, char out[256], GError **error);
gboolean virCpregInputSlurp(virCpregInput *in, gsize max, GBytes **out,
                            GError **error);
void virCpregInputError(const virCpregInput *in, guint64 offset,
                        GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

G_END_DECLS
