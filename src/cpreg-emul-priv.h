/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-emul-priv.h: the parts of the emulated probe the tests reach
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bounds on what an image may make us hold. */
#define VIR_CPREG_EMUL_IMAGE_MAX   (256 * 1024 * 1024)  /* a decompressed Image */
#define VIR_CPREG_EMUL_PACKAGE_MAX G_GINT64_CONSTANT(4) * 1024 * 1024 * 1024 /* tar stream */
#define VIR_CPREG_EMUL_CONSOLE_MAX (16 * 1024 * 1024)
#define VIR_CPREG_EMUL_RELEASE_MAX 64

/* ---- images (cpreg-emul-image.c) ---------------------------------------- */

/* The arm64 Image in @path (any of the forms virCpregEmulRequest takes),
 * decompressed, and the kernel release it names. */
GBytes *virCpregEmulImageLoad(const char *path, char **release, GError **error);

/* The Image in @data (an Image or a gzip of one, or an EFI zboot image
 * with a gzip payload); @what names it in errors. */
GBytes *virCpregEmulImageDecode(GBytes *data, const char *what, GError **error);

/* "Linux version RELEASE (" in an Image: the release, or NULL. */
char *virCpregEmulImageFindRelease(GBytes *image, GError **error);

/* ---- newc cpio ---------------------------------------------------------- */

typedef struct {
    char *name;
    guint32 mode;             /* with the file type bits */
    guint32 rdev_major, rdev_minor;
    GBytes *data;             /* regular files; NULL otherwise */
} virCpregCpioEntry;

void virCpregCpioEntryClear(gpointer entry);

/* Appends an entry to the archive in @out (uid and gid 0, mtime 0). */
void virCpregCpioAdd(GByteArray *out, const char *name, guint32 mode,
                     guint32 rdev_major, guint32 rdev_minor,
                     const guint8 *data, gsize len);
void virCpregCpioFinish(GByteArray *out);

/* The entries of a newc archive (up to its trailer); GArray of
 * virCpregCpioEntry with a clear func, or NULL. */
GArray *virCpregCpioParse(const guint8 *data, gsize len, GError **error);

/* The initramfs of an emulated probe: / with /init = @probe. */
GBytes *virCpregEmulInitramfs(GBytes *probe);

/* ---- console (cpreg-emul.c) --------------------------------------------- */

typedef struct {
    char *config;             /* "base", "pmu,sve" */
    int status;               /* the probe's exit status; -1: no END */
    GBytes *out;              /* NULL when garbled or missing */
    GBytes *err;
    char *problem;            /* why out/err are NULL */
} virCpregEmulResult;

typedef struct {
    char *release;            /* the guest's uname -r; NULL: never booted */
    gboolean usage;           /* the probe refused its arguments */
    gboolean done;            /* the final marker came */
    GPtrArray *results;       /* virCpregEmulResult * */
} virCpregEmulConsole;

virCpregEmulConsole *virCpregEmulConsoleParse(const char *text, gsize len);
void virCpregEmulConsoleFree(virCpregEmulConsole *console);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregEmulConsole, virCpregEmulConsoleFree);

/* The probe's 64-bit FNV-1a, as it frames its output. */
guint64 virCpregEmulFnv1a(const guint8 *data, gsize len);

G_END_DECLS
