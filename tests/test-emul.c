/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-emul.c: the emulated probe's readers and writers (probe --kernel),
 * without booting: kernel images in every form it takes and in broken
 * ones, the initramfs's newc cpio (read back by our reader and, where it
 * is installed, by cpio(1)), and the console framing of the real static
 * probe (built for this host, run in console mode: on x86-64 it frames
 * its "not arm64" error, the same bytes a boot would frame) with kernel
 * messages, carriage returns, garbling and truncation mixed in.
 *
 * The images are made here: an arm64 Image header (Documentation/arch/
 * arm64/booting.rst) with a real kernel banner, gzip'ed with gzip(1),
 * packed into a .deb with dpkg-deb(1) -- the tools Debian itself uses.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "cpreg-emul.h"
#include "cpreg-emul-priv.h"
#include "cpreg-error.h"
#include "testutils.h"

#define BANNER "Linux version 6.1.0-50-arm64 (debian-kernel@lists.debian.org) " \
               "(gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP Debian 6.1.176-1"

static char *tmpdir;

static gboolean
haveProgram(const char *name)
{
    g_autofree char *path = g_find_program_in_path(name);

    return path != NULL;
}


static int
setupDir(void **state)
{
    (void)state;
    tmpdir = g_dir_make_tmp("test-emul-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int
teardownDir(void **state)
{
    (void)state;
    testRemoveTree(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
    return 0;
}

/* An arm64 Image: the 64-byte header, code-like filler, the banner. */
static GByteArray *
makeImage(const char *banner, gsize size)
{
    GByteArray *img = g_byte_array_sized_new((guint)size);
    gsize i;

    g_byte_array_set_size(img, (guint)size);
    for (i = 0; i < size; i++)
        img->data[i] = (guint8)(i * 131 + 7);
    memcpy(img->data + 0x38, "ARM\x64", 4);
    if (banner)
        memcpy(img->data + size / 2, banner, strlen(banner) + 1);
    return img;
}

static char *
writeFile(const char *name, const guint8 *data, gsize len)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    assert_true(g_file_set_contents(path, (const char *)data, (gssize)len, NULL));
    return path;
}

static void
run(const char *const *argv)
{
    int status = -1;
    g_autoptr(GError) err = NULL;

    assert_true(g_spawn_sync(tmpdir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                             NULL, NULL, NULL, NULL, &status, &err));
    assert_true(g_spawn_check_wait_status(status, NULL));
}

static void
expectImageError(const char *path, const char *fragment)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *release = virCpregEmulImageRelease(path, &err);

    assert_null(release);
    assert_non_null(err);
    assert_true(g_error_matches(err, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    if (!strstr(err->message, fragment))
        fail_msg("'%s' lacks '%s'", err->message, fragment);
}

/* ---- images ----------------------------------------------------------------- */

static void
testRawImage(void **state)
{
    g_autoptr(GByteArray) img = makeImage(BANNER, 1 << 20);
    g_autofree char *path = writeFile("Image", img->data, img->len);
    g_autoptr(GError) err = NULL;
    g_autofree char *release = virCpregEmulImageRelease(path, &err);

    (void)state;
    assert_string_equal(release, "6.1.0-50-arm64");
}

static void
testGzipImage(void **state)
{
    g_autoptr(GByteArray) img = makeImage(BANNER, 3 << 20);
    g_autofree char *path = writeFile("vmlinuz", img->data, img->len);
    g_autofree char *gz = g_strconcat(path, ".gz", NULL);
    const char *argv[] = { "gzip", "-9n", path, NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *release = NULL;
    g_autoptr(GBytes) loaded = NULL;

    (void)state;
    run(argv);
    loaded = virCpregEmulImageLoad(gz, &release, &err);
    assert_non_null(loaded);
    assert_string_equal(release, "6.1.0-50-arm64");
    /* decompressed to the byte */
    assert_int_equal(g_bytes_get_size(loaded), img->len);
    assert_memory_equal(g_bytes_get_data(loaded, NULL), img->data, img->len);
}

static void
testBadImages(void **state)
{
    g_autoptr(GByteArray) img = makeImage(BANNER, 1 << 20);
    g_autoptr(GByteArray) nobanner = makeImage(NULL, 1 << 16);
    g_autoptr(GByteArray) badrelease = makeImage("Linux version 6.1 ;rm -rf (x)", 1 << 16);
    g_autofree char *plain = writeFile("plain.txt", (const guint8 *)"hello, world\n", 13);
    g_autofree char *empty = writeFile("empty", (const guint8 *)"", 0);
    g_autofree char *nob = writeFile("nobanner", nobanner->data, nobanner->len);
    g_autofree char *badr = writeFile("badrelease", badrelease->data, badrelease->len);
    g_autofree char *full = writeFile("full", img->data, img->len);
    g_autofree char *gz = g_strconcat(full, ".gz", NULL);
    g_autofree char *data = NULL;
    g_autofree char *cut = NULL;
    gsize len;
    const char *argv[] = { "gzip", "-9n", full, NULL };

    (void)state;
    expectImageError(plain, "no arm64 Image header");
    expectImageError(empty, "no arm64 Image header");
    expectImageError(nob, "Linux version");
    expectImageError(badr, "Linux version");
    run(argv);
    /* a truncated gzip */
    assert_true(g_file_get_contents(gz, &data, &len, NULL));
    cut = writeFile("cut.gz", (const guint8 *)data, len / 2);
    expectImageError(cut, "truncated");
    /* a gzip of something else than an arm64 Image */
    {
        g_autofree char *txt = writeFile("text", (const guint8 *)"Linux version 1.0 (x)\n", 22);
        g_autofree char *txtgz = g_strconcat(txt, ".gz", NULL);
        const char *zip[] = { "gzip", "-9n", txt, NULL };
        run(zip);
        expectImageError(txtgz, "no arm64 Image header");
    }
    /* not a regular file */
    {
        g_autoptr(GError) err = NULL;
        assert_null(virCpregEmulImageRelease(tmpdir, &err));
        assert_true(g_error_matches(err, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    }
}

/* A gzip bomb: more than the bound once decompressed, stopped at it. */
static void
testOversized(void **state)
{
    g_autofree char *path = g_build_filename(tmpdir, "zeros", NULL);
    g_autofree char *gz = g_strconcat(path, ".gz", NULL);
    const char *mk[] = { "truncate", "-s", "300M", path, NULL };
    const char *zip[] = { "gzip", "-1n", path, NULL };
    g_autoptr(GByteArray) head = makeImage(NULL, 64);
    int fd;

    (void)state;
    run(mk);
    /* an Image header, so that only the size stops it */
    fd = g_open(path, O_WRONLY, 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, head->data, 64), 64);
    close(fd);
    run(zip);
    expectImageError(gz, "MiB");
}

/* A Debian kernel package, as Debian lays it out (boot/vmlinuz-RELEASE),
 * and the linux-binary-* layout (usr/lib/modules/RELEASE/vmlinuz). */
static void
testDebianPackage(void **state)
{
    static const char *const layouts[] = {
        "boot/vmlinuz-6.1.0-50-arm64", "usr/lib/modules/6.1.0-50-arm64/vmlinuz",
    };
    size_t i;

    (void)state;
    if (!haveProgram("dpkg-deb"))
        skip();
    for (i = 0; i < G_N_ELEMENTS(layouts); i++) {
        g_autoptr(GByteArray) img = makeImage(BANNER, 2 << 20);
        g_autofree char *root = g_build_filename(tmpdir, "pkgroot", NULL);
        g_autofree char *file = g_build_filename(root, layouts[i], NULL);
        g_autofree char *dir = g_path_get_dirname(file);
        g_autofree char *debian = g_build_filename(root, "DEBIAN", NULL);
        g_autofree char *control = g_build_filename(debian, "control", NULL);
        g_autofree char *other = g_build_filename(root, "usr/share/doc/x/changelog", NULL);
        g_autofree char *otherdir = g_path_get_dirname(other);
        g_autofree char *deb = g_build_filename(tmpdir, "linux-image-test_1_arm64.deb", NULL);
        const char *build[] = { "dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, deb, NULL };
        g_autoptr(GError) err = NULL;
        g_autofree char *release = NULL;
        g_autoptr(GBytes) loaded = NULL;

        testRemoveTree(root);
        assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
        assert_int_equal(g_mkdir_with_parents(debian, 0755), 0);
        assert_int_equal(g_mkdir_with_parents(otherdir, 0755), 0);
        assert_true(g_file_set_contents(other, "a member before the kernel\n", -1, NULL));
        assert_true(g_file_set_contents(file, (const char *)img->data, img->len, NULL));
        assert_true(g_file_set_contents(control,
            "Package: linux-image-test\nVersion: 1\nArchitecture: arm64\n"
            "Maintainer: Test <test@example.org>\nDescription: test kernel\n", -1, NULL));
        run(build);
        loaded = virCpregEmulImageLoad(deb, &release, &err);
        if (!loaded)
            fail_msg("%s: %s", layouts[i], err->message);
        assert_string_equal(release, "6.1.0-50-arm64");
        assert_memory_equal(g_bytes_get_data(loaded, NULL), img->data, img->len);
    }
}

/* A .deb without a kernel, and a file that only claims to be a .deb. */
static void
testBadPackages(void **state)
{
    g_autofree char *root = g_build_filename(tmpdir, "emptyroot", NULL);
    g_autofree char *debian = g_build_filename(root, "DEBIAN", NULL);
    g_autofree char *control = g_build_filename(debian, "control", NULL);
    g_autofree char *deb = g_build_filename(tmpdir, "nokernel.deb", NULL);
    g_autofree char *fake = writeFile("fake.deb", (const guint8 *)"!<arch>\ngarbage\n", 16);
    const char *build[] = { "dpkg-deb", "--root-owner-group", "--build", root, deb, NULL };

    (void)state;
    if (!haveProgram("dpkg-deb"))
        skip();
    assert_int_equal(g_mkdir_with_parents(debian, 0755), 0);
    assert_true(g_file_set_contents(control,
        "Package: no-kernel\nVersion: 1\nArchitecture: all\n"
        "Maintainer: Test <test@example.org>\nDescription: nothing\n", -1, NULL));
    run(build);
    expectImageError(deb, "holds no kernel");
    expectImageError(fake, "dpkg-deb");
}

/* One member of an ar(1) archive: the 60-byte header, the data, padding. */
static void
arMember(GByteArray *ar, const char *name, const guint8 *data, gsize len)
{
    g_autofree char *hdr = g_strdup_printf("%-16s%-12s%-6s%-6s%-8s%-10" G_GSIZE_FORMAT "`\n",
                                           name, "0", "0", "0", "100644", len);

    g_byte_array_append(ar, (const guint8 *)hdr, 60);
    g_byte_array_append(ar, data, (guint)len);
    if (len % 2)
        g_byte_array_append(ar, (const guint8 *)"\n", 1);
}

/* A .deb whose data.tar has a junk header and then megabytes: the reader
 * refuses the header while dpkg-deb's writers still have data to write.
 * The tool must end (its stdout closed, its process group killed), not
 * keep the reader waiting on its stderr. */
static void
testJunkDataTar(void **state)
{
    g_autoptr(GByteArray) ar = g_byte_array_new();
    g_autofree guint8 *junk = g_malloc0(2 * 1024 * 1024 + 512);
    g_autofree char *deb = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *release = NULL;

    (void)state;
    if (!haveProgram("dpkg-deb"))
        skip();
    memset(junk, 'J', 512);
    g_byte_array_append(ar, (const guint8 *)"!<arch>\n", 8);
    arMember(ar, "debian-binary", (const guint8 *)"2.0\n", 4);
    arMember(ar, "control.tar", junk + 512, 10240);
    arMember(ar, "data.tar", junk, 2 * 1024 * 1024 + 512);
    deb = writeFile("junk.deb", ar->data, ar->len);
    release = virCpregEmulImageRelease(deb, &err);
    assert_null(release);
    assert_true(g_error_matches(err, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
}

/* An RPM kernel package, Fedora's layout (lib/modules/RELEASE/vmlinuz),
 * built with rpmbuild and read through rpm2cpio. */
static void
testRpmPackage(void **state)
{
    g_autoptr(GByteArray) img = makeImage(BANNER, 1 << 20);
    g_autofree char *top = g_build_filename(tmpdir, "rpmtop", NULL);
    g_autofree char *image = writeFile("rpm-vmlinuz", img->data, img->len);
    g_autofree char *spec = NULL;
    g_autofree char *specText = NULL;
    g_autofree char *topdef = g_strdup_printf("_topdir %s", top);
    g_autofree char *rpmdir = g_build_filename(top, "RPMS", NULL);
    g_autofree char *rpm = g_build_filename(rpmdir, "kernel-core-test.rpm", NULL);
    const char *build[] = { "rpmbuild", "-bb", "--nodeps", "--quiet", "--define", topdef,
                            "--define", "_build_name_fmt kernel-core-test.rpm",
                            "--define", "__os_install_post %{nil}", NULL, NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *release = NULL;
    g_autoptr(GBytes) loaded = NULL;

    (void)state;
    if (!haveProgram("rpmbuild") || !haveProgram("rpm2cpio"))
        skip();
    specText = g_strdup_printf(
        "Name: kernel-core-test\nVersion: 1\nRelease: 1\nSummary: t\nLicense: GPL\n"
        "BuildArch: noarch\n%%description\nt\n%%install\n"
        "mkdir -p %%{buildroot}/lib/modules/6.1.0-50-arm64 %%{buildroot}/usr/share/doc/t\n"
        "echo first > %%{buildroot}/usr/share/doc/t/README\n"
        "cp %s %%{buildroot}/lib/modules/6.1.0-50-arm64/vmlinuz\n"
        "%%files\n/lib/modules/6.1.0-50-arm64/vmlinuz\n/usr/share/doc/t/README\n", image);
    spec = writeFile("kernel.spec", (const guint8 *)specText, strlen(specText));
    build[G_N_ELEMENTS(build) - 2] = spec;
    run(build);
    loaded = virCpregEmulImageLoad(rpm, &release, &err);
    if (!loaded)
        fail_msg("%s", err->message);
    assert_string_equal(release, "6.1.0-50-arm64");
    assert_memory_equal(g_bytes_get_data(loaded, NULL), img->data, img->len);

    /* without rpm2cpio: an error that names it */
    {
        g_autofree char *path = g_strdup(g_getenv("PATH"));
        g_autoptr(GError) e2 = NULL;
        g_setenv("PATH", "/nonexistent", TRUE);
        assert_null(virCpregEmulImageRelease(rpm, &e2));
        g_setenv("PATH", path, TRUE);
        assert_true(g_error_matches(e2, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED));
        assert_non_null(strstr(e2->message, "rpm2cpio"));
    }
}

/* An EFI zboot image (drivers/firmware/efi/libstub/zboot-header.S):
 * "MZ", "zimg", the payload's offset and size, "gzip". */
static void
testZbootImage(void **state)
{
    g_autoptr(GByteArray) img = makeImage(BANNER, 1 << 20);
    g_autofree char *path = writeFile("zpayload", img->data, img->len);
    g_autofree char *gz = g_strconcat(path, ".gz", NULL);
    const char *zip[] = { "gzip", "-9n", path, NULL };
    g_autofree char *payload = NULL;
    g_autoptr(GByteArray) zboot = g_byte_array_new();
    g_autofree char *zpath = NULL;
    g_autofree char *release = NULL;
    g_autoptr(GError) err = NULL;
    guint8 header[4096] = { 'M', 'Z' };
    guint32 off = GUINT32_TO_LE(sizeof(header)), size;
    gsize len;

    (void)state;
    run(zip);
    assert_true(g_file_get_contents(gz, &payload, &len, NULL));
    size = GUINT32_TO_LE((guint32)len);
    memcpy(header + 4, "zimg", 4);
    memcpy(header + 8, &off, 4);
    memcpy(header + 12, &size, 4);
    memcpy(header + 24, "gzip", 4);
    g_byte_array_append(zboot, header, sizeof(header));
    g_byte_array_append(zboot, (const guint8 *)payload, (guint)len);
    zpath = writeFile("vmlinuz.efi", zboot->data, zboot->len);
    release = virCpregEmulImageRelease(zpath, &err);
    if (!release)
        fail_msg("%s", err->message);
    assert_string_equal(release, "6.1.0-50-arm64");

    /* a payload said to lie past the end, and another compression */
    size = GUINT32_TO_LE((guint32)len + 1);
    memcpy(zboot->data + 12, &size, 4);
    g_free(zpath);
    zpath = writeFile("past.efi", zboot->data, zboot->len);
    expectImageError(zpath, "outside");
    size = GUINT32_TO_LE((guint32)len);
    memcpy(zboot->data + 12, &size, 4);
    memcpy(zboot->data + 24, "zstd", 4);
    g_free(zpath);
    zpath = writeFile("zstd.efi", zboot->data, zboot->len);
    expectImageError(zpath, "zstd");
}

/* ---- the initramfs ---------------------------------------------------------- */

static void
testInitramfs(void **state)
{
    static const guint8 probe[] = "\177ELF pretend probe, 29 bytes";
    g_autoptr(GBytes) p = g_bytes_new_static(probe, sizeof(probe));
    g_autoptr(GBytes) cpio = virCpregEmulInitramfs(p);
    g_autoptr(GArray) entries = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;
    const guint8 *data = g_bytes_get_data(cpio, &len);
    gboolean sawInit = FALSE, sawConsole = FALSE;
    guint i;

    (void)state;
    assert_int_equal(len % 4, 0);
    entries = virCpregCpioParse(data, len, &err);
    assert_non_null(entries);
    for (i = 0; i < entries->len; i++) {
        const virCpregCpioEntry *e = &g_array_index(entries, virCpregCpioEntry, i);
        if (g_str_equal(e->name, "init")) {
            sawInit = TRUE;
            assert_true(S_ISREG(e->mode));
            assert_int_equal(e->mode & 0777, 0755);
            assert_int_equal(g_bytes_get_size(e->data), sizeof(probe));
            assert_memory_equal(g_bytes_get_data(e->data, NULL), probe, sizeof(probe));
        } else if (g_str_equal(e->name, "dev/console")) {
            sawConsole = TRUE;
            assert_true(S_ISCHR(e->mode));
            assert_int_equal(e->rdev_major, 5);
            assert_int_equal(e->rdev_minor, 1);
        }
    }
    assert_true(sawInit && sawConsole);

    /* a truncated archive is an error, not a shorter list */
    g_clear_pointer(&entries, g_array_unref);
    g_clear_error(&err);
    assert_null(virCpregCpioParse(data, len - 40, &err));
    assert_non_null(err);
}

/* cpio(1) lists and extracts it the same way, where it is installed. */
static void
testInitramfsCpioTool(void **state)
{
    static const guint8 probe[] = "the init program";
    g_autoptr(GBytes) p = g_bytes_new_static(probe, sizeof(probe) - 1);
    g_autoptr(GBytes) cpio = virCpregEmulInitramfs(p);
    g_autofree char *file = NULL;
    g_autofree char *out = NULL;
    g_autofree char *cmd = NULL;
    int status;

    (void)state;
    if (!haveProgram("cpio"))
        skip();
    file = writeFile("initrd.cpio", g_bytes_get_data(cpio, NULL), g_bytes_get_size(cpio));
    cmd = g_strdup_printf("sh -c 'cpio -it --quiet < %s'", file);
    assert_true(g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL));
    assert_int_equal(status, 0);
    assert_string_equal(out, "dev\nproc\nsys\ntmp\ndev/console\ninit\n");
    g_free(cmd);
    g_free(out);
    cmd = g_strdup_printf("sh -c 'cpio -i --quiet --to-stdout init < %s'", file);
    assert_true(g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL));
    assert_int_equal(status, 0);
    assert_string_equal(out, "the init program");
}

/* ---- the console ------------------------------------------------------------ */

/* The native probe in console mode: what it prints for @configs. */
static char *
probeConsole(const char *const *configs)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    const char *probe = g_getenv("VIRT_CPREG_PROBE");
    int status;
    size_t i;

    assert_non_null(probe);
    g_ptr_array_add(argv, (gpointer)probe);
    g_ptr_array_add(argv, (gpointer)"--console");
    for (i = 0; configs[i]; i++) {
        g_ptr_array_add(argv, (gpointer)"--config");
        g_ptr_array_add(argv, (gpointer)configs[i]);
    }
    g_ptr_array_add(argv, NULL);
    assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, &out, NULL, &status, &err));
    return g_steal_pointer(&out);
}

static void
testConsoleClean(void **state)
{
    const char *const configs[] = { "base", "pmu,sve,pauth", NULL };
    g_autofree char *text = probeConsole(configs);
    g_autoptr(virCpregEmulConsole) c = virCpregEmulConsoleParse(text, strlen(text));
    size_t i;

    (void)state;
    assert_true(c->done);
    assert_false(c->usage);
    assert_non_null(c->release);
    assert_int_equal(c->results->len, 2);
    for (i = 0; i < 2; i++) {
        const virCpregEmulResult *r = g_ptr_array_index(c->results, i);
        assert_string_equal(r->config, configs[i]);
        assert_null(r->problem);
#if defined(__aarch64__)
        (void)r;
#else
        /* not arm64: the probe's own error, exit 2, framed */
        assert_int_equal(r->status, 2);
        assert_int_equal(g_bytes_get_size(r->out), 0);
        assert_non_null(g_strstr_len(g_bytes_get_data(r->err, NULL), g_bytes_get_size(r->err),
                                     "can only be probed on an arm64 host"));
#endif
    }
}

/* Kernel messages between lines, carriage returns everywhere: the same
 * results. */
static void
testConsoleInterleaved(void **state)
{
    const char *const configs[] = { "pmu", NULL };
    g_autofree char *text = probeConsole(configs);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GString) noisy = g_string_new("EFI stub: Booting Linux Kernel...\r\n");
    g_autoptr(virCpregEmulConsole) c = NULL;
    const virCpregEmulResult *r;
    size_t i;

    (void)state;
    for (i = 0; lines[i]; i++) {
        if (!lines[i][0] && !lines[i + 1])
            break;
        g_string_append_printf(noisy, "%s\r\r\n", lines[i]);
        if (i % 2)
            g_string_append(noisy, "[    1.234567] kvm [1]: Hyp mode initialized successfully\r\n");
    }
    c = virCpregEmulConsoleParse(noisy->str, noisy->len);
    assert_true(c->done);
    assert_int_equal(c->results->len, 1);
    r = g_ptr_array_index(c->results, 0);
    assert_null(r->problem);
    assert_non_null(r->err);
    assert_true(g_bytes_get_size(r->err) > 0);
}

/* A kernel message inside a base64 line: a garbled result, never data. */
static void
testConsoleGarbled(void **state)
{
    const char *const configs[] = { "base", NULL };
    g_autofree char *text = probeConsole(configs);
    g_autoptr(GString) s = g_string_new(text);
    g_autoptr(virCpregEmulConsole) c = NULL;
    const char *err = strstr(s->str, "@@CPREG-ERR ");
    const char *data = err ? strchr(err, '\n') : NULL;
    const virCpregEmulResult *r;

    (void)state;
    assert_non_null(data);
    /* a letter lost from the first data line */
    g_string_erase(s, data - s->str + 5, 1);
    c = virCpregEmulConsoleParse(s->str, s->len);
    assert_true(c->done);
    r = g_ptr_array_index(c->results, 0);
    assert_non_null(r->problem);
    assert_null(r->err);
}

/* Cut anywhere: never done, never a wrong result. */
static void
testConsoleTruncated(void **state)
{
    const char *const configs[] = { "base", "pmu", NULL };
    g_autofree char *text = probeConsole(configs);
    gsize len = strlen(text);
    gsize cut;

    (void)state;
    for (cut = 0; cut < len - 1; cut += 7) {
        g_autoptr(virCpregEmulConsole) c = virCpregEmulConsoleParse(text, cut);
        guint i;
        assert_false(c->done);
        for (i = 0; i < c->results->len; i++) {
            const virCpregEmulResult *r = g_ptr_array_index(c->results, i);
            /* complete (END seen) or without status */
            assert_true(r->status >= 0 ? r->err != NULL : r->err == NULL);
        }
    }
}

static void
testConsoleGarbage(void **state)
{
    static const char *const cases[] = {
        "",
        "\n\n\n",
        "@@CPREG-DONE@@\n",                             /* before BOOTED: kernel noise */
        "@@CPREG-BOOTED ../../etc@@\n@@CPREG-DONE@@\n",  /* not a release */
        "@@CPREG-BOOTED 6.1@@\n@@CPREG-BEGIN 2 base@@\n@@CPREG-END 2 0@@\n@@CPREG-DONE@@\n",
        "@@CPREG-BOOTED 6.1@@\n@@CPREG-BEGIN 1 $(reboot)@@\n@@CPREG-DONE@@\n",
        "@@CPREG-BOOTED 6.1@@\n@@CPREG-BEGIN 1 base@@\n@@CPREG-OUT 99999999999 0@@\n@@CPREG-END 1 0@@\n@@CPREG-DONE@@\n",
        "@@CPREG-BOOTED 6.1@@\n@@CPREG-BEGIN 1 base@@\n@@CPREG-OUT 3 cbf29ce484222325@@\nAAAA\n@@CPREG-END 1 0@@\n@@CPREG-DONE@@\n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(virCpregEmulConsole) c = virCpregEmulConsoleParse(cases[i], strlen(cases[i]));
        guint j;
        for (j = 0; j < c->results->len; j++) {
            const virCpregEmulResult *r = g_ptr_array_index(c->results, j);
            /* no case frames a valid stdout */
            assert_null(r->out);
        }
        if (i < 4)
            assert_int_equal(c->results->len, 0);
    }
}

/* The CLI: nonsense combinations are usage errors; a bad image exit 2. */
static void
testCliRefuses(void **state)
{
    g_autoptr(GByteArray) img = makeImage(NULL, 4096);
    g_autofree char *path = writeFile("nob", img->data, img->len);
    const char *cases[][6] = {
        { VIRT_CPREG, "probe", "--kernel", path, "--via", "kvm" },
        { VIRT_CPREG, "probe", "--kernel", path, "--trial", path },
        { VIRT_CPREG, "probe", "--kernel", path, "--accel", "tcg" },
        { VIRT_CPREG, "probe", "--kernel", path, "--features", "bogus" },
        { VIRT_CPREG, "probe", "--kernel", path, "--cpu", "max" },   /* no banner */
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *argv[7] = { 0 };
        g_autofree char *err = NULL;
        int status;
        memcpy(argv, cases[i], sizeof(cases[i]));
        assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                                 NULL, NULL, NULL, &err, &status, NULL));
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 2);
        assert_true(strlen(err) > 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRawImage),
        cmocka_unit_test(testGzipImage),
        cmocka_unit_test(testBadImages),
        cmocka_unit_test(testOversized),
        cmocka_unit_test(testDebianPackage),
        cmocka_unit_test(testBadPackages),
        cmocka_unit_test(testJunkDataTar),
        cmocka_unit_test(testRpmPackage),
        cmocka_unit_test(testZbootImage),
        cmocka_unit_test(testInitramfs),
        cmocka_unit_test(testInitramfsCpioTool),
        cmocka_unit_test(testConsoleClean),
        cmocka_unit_test(testConsoleInterleaved),
        cmocka_unit_test(testConsoleGarbled),
        cmocka_unit_test(testConsoleTruncated),
        cmocka_unit_test(testConsoleGarbage),
        cmocka_unit_test(testCliRefuses),
    };

    return cmocka_run_group_tests(tests, setupDir, teardownDir);
}
