/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-load.c: a profile from memory or a file, its format
 * recognised from the content (a QEMU stream or libvirt save image, our
 * JSON, a Firecracker fingerprint, a register dump), and a profile into a
 * file
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-stream.h"
#include "cpreg-text.h"

typedef struct {
    const char *key;         /* a top-level key only this format has */
    virCpregProfile *(*parse)(const char *origin, json_object *root,
                              GError **error);
} virCpregJSONFormat;

static const virCpregJSONFormat jsonFormats[] = {
    { "libvirt-cpreg-profile", virCpregProfileParseJSON },
    { "guest_cpu_config", virCpregProfileParseFirecracker },
};

static virCpregProfile *
parseJSONDocument(const char *origin, const char *data, gsize len,
                  GError **error)
{
    g_autoptr(json_object) root = virCpregJSONParse(origin, data, len, error);
    size_t i;

    if (!root)
        return NULL;
    if (json_object_is_type(root, json_type_object)) {
        for (i = 0; i < G_N_ELEMENTS(jsonFormats); i++) {
            if (json_object_object_get_ex(root, jsonFormats[i].key, NULL))
                return jsonFormats[i].parse(origin, root, error);
        }
    }
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%s: JSON but not a register profile (neither a libvirt-cpreg profile nor a Firecracker fingerprint)"),
                origin);
    return NULL;
}

/* A QEMU stream or libvirt save image: vCPU 0's registers. */
static virCpregProfile *
streamProfile(virCpregStreamInfo *info, GError **error)
{
    virCpregProfile *profile;

    if (!info)
        return NULL;
    profile = virCpregStreamToProfile(info, NULL, error);
    virCpregStreamInfoFree(info);
    return profile;
}

/* What @data is, from its start: the one place formats are told apart. */
virCpregProfileFormat
virCpregProfileDetect(const char *data, gsize len)
{
    gsize i;

    /* binary formats first: they are not UTF-8 */
    if (virCpregStreamDetect((const guint8 *)data, len))
        return VIR_CPREG_PROFILE_FORMAT_STREAM;
    for (i = 0; i < len && g_ascii_isspace(data[i]); i++)
        ;
    return i < len && data[i] == '{' ? VIR_CPREG_PROFILE_FORMAT_JSON :
                                       VIR_CPREG_PROFILE_FORMAT_DUMP;
}

static virCpregProfile *
parseProfile(const char *origin, const char *data, gsize len,
             gboolean is_text, GError **error)
{
    virCpregProfileFormat format = virCpregProfileDetect(data, len);

    if (format == VIR_CPREG_PROFILE_FORMAT_STREAM)
        return streamProfile(virCpregStreamParse(origin, (const guint8 *)data,
                                                 len, error), error);
    if (!is_text && !virCpregTextCheckUTF8(origin, data, len, error))
        return NULL;
    if (format == VIR_CPREG_PROFILE_FORMAT_JSON)
        return parseJSONDocument(origin, data, len, error);
    return virCpregProfileParseDump(origin, data, len, error);
}

virCpregProfile *
virCpregProfileParse(const char *origin, const char *data, gsize len,
                     GError **error)
{
    return parseProfile(origin, data, len, FALSE, error);
}

/*
 * The same for @data already known to be valid UTF-8 without a NUL byte:
 * text out of libxml2 (the domain's metadata), which has checked it. The
 * check is a pass over every byte that the hook would otherwise pay twice.
 */
virCpregProfile *
virCpregProfileParseText(const char *origin, const char *data, gsize len,
                         GError **error)
{
    return parseProfile(origin, data, len, TRUE, error);
}

/* Does @path start like a QEMU stream or a libvirt save image? Those are
 * read as they stream, not into memory. */
static gboolean
isStreamFile(const char *path)
{
    guint8 head[16];
    gssize n = 0;
    int fd;

    if (g_str_equal(path, "-") || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return FALSE;
    while ((n = read(fd, head, sizeof(head))) < 0 && errno == EINTR)
        ;
    close(fd);
    return n > 0 && virCpregStreamDetect(head, (gsize)n);
}

virCpregProfile *
virCpregProfileLoad(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (isStreamFile(path))
        return streamProfile(virCpregStreamRead(path, 0, error), error);
    if (!virCpregTextReadFile(path, VIR_CPREG_PROFILE_MAX_BYTES, &data, &len,
                              error))
        return NULL;
    return virCpregProfileParse(path, data, len, error);
}

char *
virCpregProfileToText(const virCpregProfile *profile)
{
    char *dump = virCpregProfileToDump(profile);

    return dump ? dump : virCpregProfileToJSON(profile);
}

/* A FILE.regs is a dump; any other name, JSON. */
static char *
profileFileText(const virCpregProfile *profile, const char *path,
                GError **error)
{
    char *text;

    if (!g_str_has_suffix(path, ".regs"))
        return virCpregProfileToJSON(profile);
    if ((text = virCpregProfileToDump(profile)))
        return text;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("cannot write '%s': a register dump cannot carry this profile (trial results, or identity text with control characters); write JSON instead"),
                path);
    return NULL;
}

/* Atomic: readers see the old file or the new one, never a part. */
gboolean
virCpregProfileSave(const virCpregProfile *profile, const char *path,
                    GError **error)
{
    g_autofree char *text = profileFileText(profile, path, error);
    g_autoptr(GError) err = NULL;

    if (!text)
        return FALSE;
    if (g_file_set_contents(path, text, -1, &err))
        return TRUE;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("cannot write '%1$s': %2$s"), path, err->message);
    return FALSE;
}
