/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-emul-image.c: the arm64 kernel an emulated probe boots, and the
 * initramfs it boots with
 *
 * Everything here reads untrusted input: a file the user names, and what
 * dpkg-deb or rpm2cpio make of it. Sizes are bounded (cpreg-emul-priv.h),
 * nothing from the input names a program, a path we write to or an
 * option: the packages are unpacked by fixed programs from PATH into a
 * stream that an in-process reader (tar, newc cpio) walks until the
 * kernel, which is held in memory, never written where the input says.
 *
 * The forms (by their magic, never by the file's name):
 *   an arm64 Image        "ARM\x64" at 0x38 (Documentation/arch/arm64/booting.rst)
 *   a gzip of one         Debian's and Ubuntu's vmlinuz on some releases
 *   an EFI zboot image    "MZ", "zimg" at 4 (drivers/firmware/efi/libstub/zboot-header.S),
 *                         with a gzip payload
 *   a Debian package      "!<arch>\n": boot/vmlinuz-*, or usr/lib/modules/X/vmlinuz
 *                         (linux-binary-* since 6.17)
 *   an RPM                0xedabeedb: lib/modules/X/vmlinuz or boot/vmlinuz-*
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "cpreg-emul.h"
#include "cpreg-emul-priv.h"
#include "cpreg-error.h"

#define ARM64_MAGIC_OFFSET 0x38
#define ARM64_HEADER_LEN 64
#define ZBOOT_HEADER_LEN 56
#define UNPACK_TIMEOUT_MS 120000
#define TOOL_STDERR_MAX 1024
#define TAR_BLOCK 512
#define TAR_LONGNAME_MAX 4096
#define CPIO_HEADER_LEN 110
#define CPIO_NAME_MAX 4096


static gboolean
badImage(GError **error, const char *what, const char *why)
{
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("'%1$s' is not a usable arm64 kernel image: %2$s"), what, why);
    return FALSE;
}

static gboolean
isArm64Image(const guint8 *p, gsize len)
{
    return len >= ARM64_HEADER_LEN && memcmp(p + ARM64_MAGIC_OFFSET, "ARM\x64", 4) == 0;
}

/* ---- decompression -------------------------------------------------------- */

static GBytes *
gunzip(const guint8 *in, gsize inlen, const char *what, GError **error)
{
    g_autoptr(GZlibDecompressor) conv = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    g_autoptr(GByteArray) out = g_byte_array_new();
    gsize pos = 0;
    guint8 buf[65536];

    for (;;) {
        g_autoptr(GError) err = NULL;
        gsize nread = 0, nwritten = 0;
        GConverterResult r = g_converter_convert(G_CONVERTER(conv), in + pos, inlen - pos,
                                                 buf, sizeof(buf), G_CONVERTER_INPUT_AT_END,
                                                 &nread, &nwritten, &err);
        if (r == G_CONVERTER_ERROR) {
            badImage(error, what,
                     g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ?
                     _("the gzip data is truncated") : err->message);
            return NULL;
        }
        pos += nread;
        g_byte_array_append(out, buf, (guint)nwritten);
        if (out->len > VIR_CPREG_EMUL_IMAGE_MAX) {
            g_autofree char *why = g_strdup_printf(_("it decompresses to more than %d MiB"),
                                                   VIR_CPREG_EMUL_IMAGE_MAX >> 20);
            badImage(error, what, why);
            return NULL;
        }
        if (r == G_CONVERTER_FINISHED)   /* padding after the member is ignored */
            break;
        if (!nread && !nwritten) {
            badImage(error, what, _("the gzip data is truncated"));
            return NULL;
        }
    }
    return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* An EFI zboot image's payload (its header: zboot-header.S). */
static GBytes *
zbootPayload(const guint8 *p, gsize len, const char *what, GError **error)
{
    guint32 off, size;
    char comp[33];

    if (len < ZBOOT_HEADER_LEN) {
        badImage(error, what, _("the EFI zboot header is truncated"));
        return NULL;
    }
    off = GUINT32_FROM_LE(*(const guint32 *)(p + 8));
    size = GUINT32_FROM_LE(*(const guint32 *)(p + 12));
    memcpy(comp, p + 24, 32);
    comp[32] = '\0';
    if (off > len || size > len - off) {
        badImage(error, what, _("the EFI zboot payload lies outside the file"));
        return NULL;
    }
    if (!g_str_equal(comp, "gzip")) {
        g_autofree char *shown = g_strescape(comp, NULL);
        g_autofree char *why = g_strdup_printf(_("its payload is compressed with '%s'; only gzip is supported"),
                                               shown);
        badImage(error, what, why);
        return NULL;
    }
    return gunzip(p + off, size, what, error);
}

GBytes *
virCpregEmulImageDecode(GBytes *data, const char *what, GError **error)
{
    gsize len;
    const guint8 *p = g_bytes_get_data(data, &len);
    g_autoptr(GBytes) image = NULL;

    if (isArm64Image(p, len))
        return g_bytes_ref(data);
    if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        image = gunzip(p, len, what, error);
    else if (len >= 8 && p[0] == 'M' && p[1] == 'Z' && memcmp(p + 4, "zimg", 4) == 0)
        image = zbootPayload(p, len, what, error);
    else {
        badImage(error, what, _("no arm64 Image header, gzip or EFI zboot magic"));
        return NULL;
    }
    if (!image)
        return NULL;
    p = g_bytes_get_data(image, &len);
    if (!isArm64Image(p, len)) {
        badImage(error, what, _("what it decompresses to has no arm64 Image header"));
        return NULL;
    }
    return g_steal_pointer(&image);
}

/* ---- the release ---------------------------------------------------------- */

/* init/version-timestamp.c: "Linux version " UTS_RELEASE " (" ... */
static gboolean
releaseChar(char c)
{
    return g_ascii_isalnum(c) || strchr("._+~-", c);
}

char *
virCpregEmulImageFindRelease(GBytes *image, GError **error)
{
    static const char banner[] = "Linux version ";
    gsize len;
    const char *base = g_bytes_get_data(image, &len);
    const char *p = base;
    const char *end = base + len;

    while (p < end && (p = memmem(p, (gsize)(end - p), banner, sizeof(banner) - 1))) {
        const char *r = p + sizeof(banner) - 1;
        gsize n = 0;

        while (r + n < end && n <= VIR_CPREG_EMUL_RELEASE_MAX && releaseChar(r[n]))
            n++;
        if (n > 0 && n <= VIR_CPREG_EMUL_RELEASE_MAX && g_ascii_isdigit(r[0]) &&
            end - (r + n) >= 2 && r[n] == ' ' && r[n + 1] == '(')
            return g_strndup(r, n);
        p = r;
    }
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("the kernel image has no 'Linux version RELEASE (' banner"));
    return NULL;
}

/* ---- packages ------------------------------------------------------------- */

/* boot/vmlinuz-X, usr/lib/modules/X/vmlinuz, lib/modules/X/vmlinuz */
static gboolean
isKernelMember(const char *name)
{
    static const char *const moduleDirs[] = { "usr/lib/modules/", "lib/modules/" };
    size_t i;

    while (g_str_has_prefix(name, "./"))
        name += 2;
    if (g_str_has_prefix(name, "boot/vmlinuz-"))
        return name[13] && !strchr(name + 13, '/');
    for (i = 0; i < G_N_ELEMENTS(moduleDirs); i++) {
        const char *rest = name + strlen(moduleDirs[i]);
        const char *slash;
        if (!g_str_has_prefix(name, moduleDirs[i]) || !(slash = strchr(rest, '/')))
            continue;
        if (slash > rest && g_str_equal(slash + 1, "vmlinuz"))
            return TRUE;
    }
    return FALSE;
}

typedef struct {
    GInputStream *in;
    guint64 consumed;
    const char *what;
} Unpack;

static gboolean
readExact(Unpack *u, void *buf, gsize len, GError **error)
{
    gsize got = 0;
    g_autoptr(GError) err = NULL;

    if (u->consumed + len > (guint64)VIR_CPREG_EMUL_PACKAGE_MAX)
        return badImage(error, u->what, _("the package's contents are too large"));
    if (!g_input_stream_read_all(u->in, buf, len, &got, NULL, &err))
        return badImage(error, u->what, err->message);
    if (got != len)
        return badImage(error, u->what, _("the archive is truncated"));
    u->consumed += len;
    return TRUE;
}

static gboolean
skipExact(Unpack *u, guint64 len, GError **error)
{
    guint8 buf[65536];

    while (len) {
        gsize n = (gsize)MIN(len, sizeof(buf));
        if (!readExact(u, buf, n, error))
            return FALSE;
        len -= n;
    }
    return TRUE;
}

static GBytes *
readMember(Unpack *u, guint64 size, GError **error)
{
    g_autofree guint8 *buf = NULL;

    if (size > VIR_CPREG_EMUL_IMAGE_MAX) {
        badImage(error, u->what, _("its kernel is too large"));
        return NULL;
    }
    buf = g_malloc(size ? size : 1);
    if (!readExact(u, buf, (gsize)size, error))
        return NULL;
    return g_bytes_new_take(g_steal_pointer(&buf), (gsize)size);
}

/* An octal field of a tar header: digits, then NULs or spaces. */
static gboolean
tarOctal(const guint8 *f, gsize len, guint64 *out)
{
    gsize i = 0;
    guint64 v = 0;

    while (i < len && f[i] == ' ')
        i++;
    if (i == len || f[i] < '0' || f[i] > '7')
        return FALSE;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return FALSE;
        v = v << 3 | (guint64)(f[i] - '0');
    }
    for (; i < len; i++) {
        if (f[i] != '\0' && f[i] != ' ')
            return FALSE;
    }
    *out = v;
    return TRUE;
}

static gboolean
tarChecksumOk(const guint8 *h)
{
    guint64 want, sum = 0;
    gsize i;

    if (!tarOctal(h + 148, 8, &want))
        return FALSE;
    for (i = 0; i < TAR_BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

/* The kernel in a tar stream (dpkg-deb --fsys-tarfile), or NULL. */
static GBytes *
tarFindKernel(Unpack *u, GError **error)
{
    g_autofree char *longname = NULL;
    guint8 h[TAR_BLOCK];

    for (;;) {
        g_autofree char *name = NULL;
        guint64 size;
        char type;

        if (!readExact(u, h, sizeof(h), error))
            return NULL;
        if (h[0] == '\0')
            break;       /* the end-of-archive block */
        if (!tarChecksumOk(h) || !tarOctal(h + 124, 12, &size)) {
            badImage(error, u->what, _("bad tar header in the package"));
            return NULL;
        }
        type = (char)h[156];
        if (longname)
            name = g_steal_pointer(&longname);
        else if (memcmp(h + 257, "ustar", 5) == 0 && h[345])
            name = g_strdup_printf("%.155s/%.100s", (const char *)h + 345, (const char *)h);
        else
            name = g_strndup((const char *)h, 100);
        if (type == 'L') {          /* GNU: the next member's long name */
            g_autoptr(GBytes) ln = NULL;
            if (size > TAR_LONGNAME_MAX) {
                badImage(error, u->what, _("bad tar header in the package"));
                return NULL;
            }
            if (!(ln = readMember(u, size, error)) ||
                !skipExact(u, (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK, error))
                return NULL;
            longname = g_strndup(g_bytes_get_data(ln, NULL), g_bytes_get_size(ln));
            continue;
        }
        if ((type == '0' || type == '\0') && isKernelMember(name))
            return readMember(u, size, error);
        if (!skipExact(u, (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK, error))
            return NULL;
    }
    return NULL;
}

static gboolean
cpioHex(const guint8 *f, guint32 *out)
{
    guint32 v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        int d = g_ascii_xdigit_value((char)f[i]);
        if (d < 0)
            return FALSE;
        v = v << 4 | (guint32)d;
    }
    *out = v;
    return TRUE;
}

/* One newc header and name; FALSE with *@name NULL at the trailer. */
static gboolean
cpioNext(Unpack *u, char **name, guint32 *mode, guint32 *size, guint32 *rdev,
         GError **error)
{
    guint8 h[CPIO_HEADER_LEN];
    guint32 f[13];
    g_autofree char *buf = NULL;
    int i;

    *name = NULL;
    if (!readExact(u, h, sizeof(h), error))
        return FALSE;
    if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0)
        return badImage(error, u->what, _("bad cpio header"));
    for (i = 0; i < 13; i++) {
        if (!cpioHex(h + 6 + 8 * i, &f[i]))
            return badImage(error, u->what, _("bad cpio header"));
    }
    /* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check */
    if (f[11] == 0 || f[11] > CPIO_NAME_MAX)
        return badImage(error, u->what, _("bad cpio header"));
    buf = g_malloc(f[11] + 4);
    if (!readExact(u, buf, f[11] + (4 - (CPIO_HEADER_LEN + f[11]) % 4) % 4, error))
        return FALSE;
    if (buf[f[11] - 1] != '\0' || strlen(buf) != f[11] - 1)
        return badImage(error, u->what, _("bad cpio header"));
    if (g_str_equal(buf, "TRAILER!!!"))
        return FALSE;
    *name = g_steal_pointer(&buf);
    *mode = f[1];
    *size = f[6];
    rdev[0] = f[9];
    rdev[1] = f[10];
    return TRUE;
}

static gboolean
cpioSkipData(Unpack *u, guint32 size, GError **error)
{
    return skipExact(u, (guint64)size + (4 - size % 4) % 4, error);
}

static GBytes *
cpioFindKernel(Unpack *u, GError **error)
{
    char *name;
    guint32 mode, size, rdev[2];

    while (cpioNext(u, &name, &mode, &size, rdev, error)) {
        gboolean kernel = S_ISREG(mode) && isKernelMember(name);
        g_free(name);
        if (kernel)
            return readMember(u, size, error);
        if (!cpioSkipData(u, size, error))
            return NULL;
    }
    return NULL;
}

/* Kills the unpacker when the deadline passes (a hostile package must not
 * keep it busy for ever): its whole process group, since dpkg-deb
 * --fsys-tarfile forks the writers of its stdout. */
typedef struct {
    GMutex lock;
    GCond cond;
    gboolean stop;
    pid_t group;
} Watchdog;

/* The unpacker's child setup: a process group of its own, for killGroup. */
static void
ownGroup(gpointer opaque G_GNUC_UNUSED)
{
    setpgid(0, 0);
}

static void
killGroup(pid_t group)
{
    if (group > 1)
        kill(-group, SIGKILL);
}

static gpointer
watchdogRun(gpointer opaque)
{
    Watchdog *w = opaque;
    gint64 end = g_get_monotonic_time() + UNPACK_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

    g_mutex_lock(&w->lock);
    while (!w->stop) {
        if (!g_cond_wait_until(&w->cond, &w->lock, end)) {
            killGroup(w->group);
            break;
        }
    }
    g_mutex_unlock(&w->lock);
    return NULL;
}

typedef GBytes *(*MemberFinder)(Unpack *u, GError **error);

/*
 * The kernel in package @path: @tool (a fixed name, from PATH) writes
 * the package's files as a stream that @find walks.
 */
static GBytes *
unpackKernel(const char *path, const char *const *argv, MemberFinder find,
             GError **error)
{
    g_autofree char *tool = g_find_program_in_path(argv[0]);
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) kernel = NULL;
    Watchdog w = { .group = 0 };
    const char *id;
    GThread *thread;
    Unpack u = { .what = path };
    char said[TOOL_STDERR_MAX + 1];
    gsize saidLen = 0;

    if (!tool) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("reading '%1$s' needs %2$s, which is not in PATH"), path, argv[0]);
        return NULL;
    }
    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_subprocess_launcher_set_child_setup(launcher, ownGroup, NULL, NULL);
    if (!(proc = g_subprocess_launcher_spawnv(launcher, argv, &err))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot run %1$s: %2$s"), argv[0], err->message);
        return NULL;
    }
    g_mutex_init(&w.lock);
    g_cond_init(&w.cond);
    /* NULL once the tool has ended and been reaped: its writers, if any
     * are left, end on EPIPE when its stdout closes below */
    id = g_subprocess_get_identifier(proc);
    w.group = id ? (pid_t)atoi(id) : 0;
    thread = g_thread_new("cpreg-unpack", watchdogRun, &w);
    u.in = g_subprocess_get_stdout_pipe(proc);
    kernel = find(&u, &err);
    /* the writers get EPIPE now, so the tool ends and what it said can be
     * read (while the watchdog still runs) */
    g_input_stream_close(u.in, NULL, NULL);
    if (!kernel)
        g_input_stream_read_all(g_subprocess_get_stderr_pipe(proc), said, TOOL_STDERR_MAX,
                                &saidLen, NULL, NULL);
    said[saidLen] = '\0';
    g_mutex_lock(&w.lock);
    w.stop = TRUE;
    g_cond_signal(&w.cond);
    g_mutex_unlock(&w.lock);
    g_thread_join(thread);
    g_mutex_clear(&w.lock);
    g_cond_clear(&w.cond);
    killGroup(w.group);
    g_subprocess_wait(proc, NULL, NULL);
    if (kernel)
        return g_steal_pointer(&kernel);
    if (saidLen) {
        g_autofree char *shown = g_utf8_make_valid(g_strstrip(said), -1);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s cannot read '%2$s': %3$s"), argv[0], path, shown);
    } else if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
    } else {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("'%s' holds no kernel (boot/vmlinuz-*, usr/lib/modules/*/vmlinuz)"), path);
    }
    return NULL;
}

/* ---- files ---------------------------------------------------------------- */

/* At most @max bytes of @path (a regular file), or NULL. */
static GBytes *
readBounded(const char *path, gsize max, GError **error)
{
    g_autofree guint8 *buf = NULL;
    struct stat st;
    gsize got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int err;

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        err = fd < 0 ? errno : EINVAL;
        if (fd >= 0)
            close(fd);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("cannot read '%1$s': %2$s"), path,
                    err == EINVAL ? _("not a regular file") : g_strerror(err));
        return NULL;
    }
    if ((guint64)st.st_size > max) {
        close(fd);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("'%1$s' is larger than %2$u MiB"), path, (unsigned)(max >> 20));
        return NULL;
    }
    buf = g_malloc((gsize)st.st_size + 1);
    while (got <= (gsize)st.st_size) {
        ssize_t n = read(fd, buf + got, (gsize)st.st_size + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (gsize)n;
    }
    close(fd);
    if (got != (gsize)st.st_size) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("'%s' changed while it was read"), path);
        return NULL;
    }
    return g_bytes_new_take(g_steal_pointer(&buf), got);
}

/* The first bytes of @path, to tell the form. */
static gboolean
readHead(const char *path, guint8 *head, gsize len, gsize *got, GError **error)
{
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int err = fd < 0 ? errno : EINVAL;
        if (fd >= 0)
            close(fd);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("cannot read '%1$s': %2$s"), path,
                    err == EINVAL ? _("not a regular file") : g_strerror(err));
        return FALSE;
    }
    do
        n = read(fd, head, len);
    while (n < 0 && errno == EINTR);
    close(fd);
    *got = n > 0 ? (gsize)n : 0;
    return TRUE;
}

GBytes *
virCpregEmulImageLoad(const char *path, char **release, GError **error)
{
    guint8 head[8];
    gsize got;
    g_autofree char *abs = g_canonicalize_filename(path, NULL);
    g_autoptr(GBytes) raw = NULL;
    g_autoptr(GBytes) image = NULL;

    if (!readHead(path, head, sizeof(head), &got, error))
        return NULL;
    if (got >= 8 && memcmp(head, "!<arch>\n", 8) == 0) {
        /* an absolute path: never an option, whatever the name */
        const char *argv[] = { "dpkg-deb", "--fsys-tarfile", "--", abs, NULL };
        raw = unpackKernel(path, argv, tarFindKernel, error);
    } else if (got >= 4 && memcmp(head, "\xed\xab\xee\xdb", 4) == 0) {
        const char *argv[] = { "rpm2cpio", abs, NULL };
        raw = unpackKernel(path, argv, cpioFindKernel, error);
    } else {
        raw = readBounded(path, VIR_CPREG_EMUL_IMAGE_MAX, error);
    }
    if (!raw || !(image = virCpregEmulImageDecode(raw, path, error)))
        return NULL;
    if (release && !(*release = virCpregEmulImageFindRelease(image, error))) {
        g_prefix_error(error, "%s: ", path);
        return NULL;
    }
    return g_steal_pointer(&image);
}

char *
virCpregEmulImageRelease(const char *image, GError **error)
{
    char *release = NULL;
    g_autoptr(GBytes) data = virCpregEmulImageLoad(image, &release, error);

    return data ? release : NULL;
}

/* ---- newc cpio (Documentation/driver-api/early-userspace/buffer-format.rst) */

static void
pad4(GByteArray *out)
{
    static const guint8 zeros[4];

    g_byte_array_append(out, zeros, (4 - out->len % 4) % 4);
}

void
virCpregCpioAdd(GByteArray *out, const char *name, guint32 mode,
                guint32 rdev_major, guint32 rdev_minor,
                const guint8 *data, gsize len)
{
    g_autofree char *h = NULL;
    guint32 ino = out->len / 4 + 1;     /* distinct per entry */

    h = g_strdup_printf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                        ino, mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u,
                        (guint32)len, 0u, 0u, rdev_major, rdev_minor,
                        (guint32)strlen(name) + 1, 0u);
    g_byte_array_append(out, (const guint8 *)h, CPIO_HEADER_LEN);
    g_byte_array_append(out, (const guint8 *)name, (guint)strlen(name) + 1);
    pad4(out);
    if (len) {
        g_byte_array_append(out, data, (guint)len);
        pad4(out);
    }
}

void
virCpregCpioFinish(GByteArray *out)
{
    virCpregCpioAdd(out, "TRAILER!!!", 0, 0, 0, NULL, 0);
}

void
virCpregCpioEntryClear(gpointer entry)
{
    virCpregCpioEntry *e = entry;

    g_free(e->name);
    g_clear_pointer(&e->data, g_bytes_unref);
}

GArray *
virCpregCpioParse(const guint8 *data, gsize len, GError **error)
{
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data(data, (gssize)len, NULL);
    g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(virCpregCpioEntry));
    g_autoptr(GError) err = NULL;
    Unpack u = { .in = in, .what = "cpio" };
    virCpregCpioEntry e = { 0 };
    guint32 rdev[2];
    guint32 size;

    g_array_set_clear_func(entries, virCpregCpioEntryClear);
    while (cpioNext(&u, &e.name, &e.mode, &size, rdev, &err)) {
        e.rdev_major = rdev[0];
        e.rdev_minor = rdev[1];
        e.data = NULL;
        if (S_ISREG(e.mode) && !(e.data = readMember(&u, size, &err))) {
            g_free(e.name);
            break;
        }
        if (!skipExact(&u, S_ISREG(e.mode) ? (4 - size % 4) % 4 : (guint64)size + (4 - size % 4) % 4,
                       &err)) {
            virCpregCpioEntryClear(&e);
            break;
        }
        g_array_append_val(entries, e);
        memset(&e, 0, sizeof(e));
    }
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    return g_steal_pointer(&entries);
}

GBytes *
virCpregEmulInitramfs(GBytes *probe)
{
    static const char *const dirs[] = { "dev", "proc", "sys", "tmp" };
    g_autoptr(GByteArray) out = g_byte_array_new();
    gsize len;
    const guint8 *p = g_bytes_get_data(probe, &len);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++)
        virCpregCpioAdd(out, dirs[i], S_IFDIR | (g_str_equal(dirs[i], "tmp") ? 01777 : 0755),
                        0, 0, NULL, 0);
    /* the console init's stdout is, before devtmpfs is mounted over /dev */
    virCpregCpioAdd(out, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0);
    virCpregCpioAdd(out, "init", S_IFREG | 0755, 0, 0, p, len);
    virCpregCpioFinish(out);
    return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}
