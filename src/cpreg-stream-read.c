/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stream-read.c: open a QEMU stream or a libvirt save image, and
 * turn its vCPU registers into a profile
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cpreg-stream-priv.h"
#include "cpreg-error.h"
#include "cpreg-profile-priv.h"

gboolean
virCpregStreamDetect(const guint8 *data, gsize len)
{
    /* QEMU_VM_FILE_MAGIC, big-endian */
    static const guint8 qevm[4] = { 'Q', 'E', 'V', 'M' };

    return (len >= 4 && memcmp(data, qevm, 4) == 0) ||
           virCpregSaveIsImage(data, len);
}

static gboolean
preadAll(const char *path, int fd, void *buf, gsize len, guint64 off,
         gsize *got, GError **error)
{
    *got = 0;
    while (*got < len) {
        ssize_t n = pread(fd, (guint8 *)buf + *got, len - *got, (off_t)(off + *got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("cannot read '%1$s': %2$s"), path, g_strerror(err));
            return FALSE;
        }
        if (n == 0)
            break;
        *got += (gsize)n;
    }
    return TRUE;
}

/* The header and XML of a save image; leaves what reads the stream in @in. */
static gboolean
openSaveImage(const char *path, int fd, const guint8 *head, gsize headlen,
              guint timeout_ms, virCpregStreamInfo *info, virCpregInput *in,
              char **origin, GError **error)
{
    virCpregSaveHeader hdr;
    g_autofree guint8 *data = NULL;
    const char *const *argv;
    gsize got;

    if (!virCpregSaveHeaderParse(path, head, headlen, &hdr, error))
        return FALSE;
    data = g_malloc(hdr.data_len);
    if (!preadAll(path, fd, data, hdr.data_len, VIR_CPREG_SAVE_HEADER_SIZE, &got, error))
        return FALSE;
    if (got < hdr.data_len) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: byte %2$zu: the image ends inside the domain XML"),
                    path, (size_t)(VIR_CPREG_SAVE_HEADER_SIZE + got));
        return FALSE;
    }
    if (!virCpregSaveDataParse(path, &hdr, data, info, error))
        return FALSE;
    if (lseek(fd, (off_t)info->stream_offset, SEEK_SET) < 0) {
        int err = errno;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("cannot read '%1$s': %2$s"), path, g_strerror(err));
        return FALSE;
    }
    if (!(argv = virCpregSaveDecompressor(hdr.format))) {
        virCpregInputInitFd(in, path, dup(fd), info->stream_offset,
                            VIR_CPREG_DEADLINE_NONE);
        return TRUE;
    }
    /* offsets in a decompressed stream are not file offsets: say so */
    *origin = g_strdup_printf(_("%1$s (the stream after '%2$s -dc')"), path, argv[0]);
    in->origin = *origin;
    return virCpregInputStartFilter(in, argv, fd, 0,
                                    virCpregDeadlineIn(timeout_ms), error);
}

virCpregStreamInfo *
virCpregStreamRead(const char *path, guint timeout_ms, GError **error)
{
    g_autoptr(virCpregStreamInfo) info = virCpregStreamInfoNew(path);
    g_auto(virCpregInput) in = { 0 };
    g_autofree char *origin = NULL;
    guint8 head[VIR_CPREG_SAVE_HEADER_SIZE];
    gsize got;
    int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
    gboolean ok;

    virCpregInputInitMemory(&in, path, NULL, 0, 0);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("cannot open '%1$s': %2$s"), path, g_strerror(err));
        return NULL;
    }
    if (!timeout_ms)
        timeout_ms = VIR_CPREG_STREAM_TIMEOUT_MS;
    ok = preadAll(path, fd, head, sizeof(head), 0, &got, error);
    if (ok && virCpregSaveIsImage(head, got))
        ok = openSaveImage(path, fd, head, got, timeout_ms, info, &in, &origin, error);
    else if (ok)
        virCpregInputInitFd(&in, path, dup(fd), 0, VIR_CPREG_DEADLINE_NONE);
    close(fd);
    if (!ok || !virCpregStreamParseInput(&in, info, error))
        return NULL;
    return g_steal_pointer(&info);
}

virCpregStreamInfo *
virCpregStreamParse(const char *origin, const guint8 *data, gsize len,
                    GError **error)
{
    g_autoptr(virCpregStreamInfo) info = virCpregStreamInfoNew(origin);
    g_auto(virCpregInput) in = { 0 };
    virCpregSaveHeader hdr;
    guint64 off = 0;

    virCpregInputInitMemory(&in, origin, NULL, 0, 0);
    if (virCpregSaveIsImage(data, len)) {
        if (!virCpregSaveHeaderParse(origin, data, len, &hdr, error))
            return NULL;
        if (len - VIR_CPREG_SAVE_HEADER_SIZE < hdr.data_len) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: byte %2$zu: the image ends inside the domain XML"),
                        origin, (size_t)len);
            return NULL;
        }
        if (!virCpregSaveDataParse(origin, &hdr, data + VIR_CPREG_SAVE_HEADER_SIZE,
                                   info, error))
            return NULL;
        if (virCpregSaveDecompressor(hdr.format)) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                        _("%1$s: a %2$s-compressed save image can only be read from a file"),
                        origin, info->save_format);
            return NULL;
        }
        off = info->stream_offset;
    }
    virCpregInputInitMemory(&in, origin, data + off, len - off, off);
    if (!virCpregStreamParseInput(&in, info, error))
        return NULL;
    return g_steal_pointer(&info);
}

/* ---- vCPUs -------------------------------------------------------------- */

typedef struct {
    guint64 id;
    guint64 value;
} IdValue;

static int
compareIdValue(gconstpointer a, gconstpointer b)
{
    const IdValue *x = a, *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static GArray *
cpuSorted(const virCpregStreamCpu *cpu)
{
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(IdValue), cpu->ids->len);
    guint i;

    for (i = 0; i < cpu->ids->len; i++) {
        IdValue iv = { g_array_index(cpu->ids, guint64, i),
                       g_array_index(cpu->values, guint64, i) };
        g_array_append_val(out, iv);
    }
    g_array_sort(out, compareIdValue);
    return out;
}

void
virCpregStreamCpuCompare(const virCpregStreamInfo *info, guint i,
                         guint *ids_differ, guint *values_differ)
{
    g_autoptr(GArray) a = cpuSorted(g_ptr_array_index(info->cpus, 0));
    g_autoptr(GArray) b = cpuSorted(g_ptr_array_index(info->cpus, i));
    guint x = 0, y = 0;

    *ids_differ = *values_differ = 0;
    while (x < a->len || y < b->len) {
        const IdValue *p = x < a->len ? &g_array_index(a, IdValue, x) : NULL;
        const IdValue *q = y < b->len ? &g_array_index(b, IdValue, y) : NULL;
        if (p && q && p->id == q->id) {
            *values_differ += p->value != q->value;
            x++;
            y++;
        } else if (!q || (p && p->id < q->id)) {
            (*ids_differ)++;
            x++;
        } else {
            (*ids_differ)++;
            y++;
        }
    }
}

virCpregProfile *
virCpregStreamToProfile(const virCpregStreamInfo *info, gboolean *differ,
                        GError **error)
{
    g_auto(virCpregBuilder) b = { 0 };
    const virCpregStreamCpu *cpu;
    virCpregProfile *profile;
    guint i;

    if (!info->cpus->len) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: no vCPU registers"), info->origin);
        return NULL;
    }
    cpu = g_ptr_array_index(info->cpus, 0);
    virCpregBuilderInit(&b, info->origin, VIR_CPREG_POS_INDEX,
                        "cpu.cpreg_vmstate_indexes");
    for (i = 0; i < cpu->ids->len; i++) {
        virCpregEntry e = { .id = g_array_index(cpu->ids, guint64, i),
                            .value = g_array_index(cpu->values, guint64, i),
                            .flags = VIR_CPREG_ENTRY_VALUE };
        if (!virCpregBuilderAdd(&b, &e, i, error))
            return NULL;
    }
    if (!(profile = virCpregBuilderFinish(&b, error)))
        return NULL;
    profile->ident.source = g_strdup("qemu-stream");
    profile->ident.machine = g_strdup("aarch64");
    profile->ident.machine_type = g_strdup(info->machine_type);
    /* a stream does not say the vCPU's features: its registers show them */
    virCpregProfileInferFeatures(profile);
    if (differ) {
        *differ = FALSE;
        for (i = 1; i < info->cpus->len; i++) {
            guint ids, values;
            virCpregStreamCpuCompare(info, i, &ids, &values);
            *differ |= ids != 0;
        }
    }
    return profile;
}
