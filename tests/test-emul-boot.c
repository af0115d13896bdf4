/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-emul-boot.c: probe --kernel on a real Debian arm64 kernel
 *
 * Boots linux-image-6.1.0-50-arm64 (bookworm's, from the lab's cache:
 * tests/lab/fetch.sh) under TCG with nested KVM and holds the emulated
 * profiles to the lab's fixtures, which were measured the same way by
 * the lab's own scripts (tests/fixtures/lab/README.md):
 *
 * - under the lab's QEMU 10.0 (the fixtures' emulator), -cpu neoverse-n1
 *   with pmu: the register list and every value equal the fixture's but
 *   the virtual counter's, which moves while the machine runs; also from
 *   Debian's own .deb of that kernel (fetched once, see
 *   testRealDebianPackage);
 * - the same again is a cache hit, and takes a fraction of the boot;
 * - the lab's 6.12, 7.2 and 7.3 the same way, writable masks included;
 * - under Debian 12's QEMU 7.2, -cpu max, the kernel packed as a Debian
 *   package (dpkg-deb): base, pmu and pmu,sve,pauth in one boot, each with
 *   the fixture's register list;
 * - predict on Debian 12's QEMU 7.2: the lab's max host on 7.2 (the
 *   fixture, measured under QEMU 10.0's max: another CPU than the
 *   emulated one) plus the delta of 7.2 and 7.3 emulated on 7.2's max,
 *   against the real 7.3 probe: the register list exact, every value and
 *   writable mask equal or within the bits marked uncertain.
 *
 * Prints the wall-clock time of each probe, cold and cached (the issue's
 * "<= 60 s per emulated probe"). Skips (77) without the lab's kernel.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "cpreg-emul.h"
#include "cpreg-error.h"
#include "cpreg-predict.h"
#include "testutils.h"

#define LAB_CACHE_DEFAULT "/var/cache/libvirt-cpreg-lab"
#define KERNEL_61 "kernels/6.1/Image"
#define LAB_QEMU "qemu/qemu-system-aarch64"
#define SYSTEM_QEMU "/usr/bin/qemu-system-aarch64"

/* KVM's timer registers (arch/arm64/include/uapi/asm/kvm.h): CTL, CNT
 * (the virtual counter, moving) and CVAL */
static const guint64 movingRegs[] = {
    0x603000000013df1aULL,       /* KVM_REG_ARM_TIMER_CNT */
    0x603000000013df01ULL,       /* KVM_REG_ARM_PTIMER_CNT (6.4+) */
};

static char *labCache;

static gboolean
haveProgram(const char *name)
{
    g_autofree char *path = g_find_program_in_path(name);

    return path != NULL;
}

static char *cacheDir;

static char *
labPath(const char *rel)
{
    return g_build_filename(labCache, rel, NULL);
}

static int
setup(void **state)
{
    (void)state;
    cacheDir = g_dir_make_tmp("test-emul-boot-XXXXXX", NULL);
    g_setenv("VIRT_CPREG_CACHE_DIR", cacheDir, TRUE);
    return cacheDir ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    testRemoveTree(cacheDir);
    g_clear_pointer(&cacheDir, g_free);
    return 0;
}

static void
assertSameIds(const virCpregProfile *got, const virCpregProfile *want)
{
    guint i;

    if (virCpregProfileCount(got) != virCpregProfileCount(want))
        fail_msg("%u registers, the fixture has %u", virCpregProfileCount(got),
                 virCpregProfileCount(want));
    for (i = 0; i < virCpregProfileCount(want); i++) {
        const virCpregEntry *w = virCpregProfileEntry(want, i);
        if (!virCpregProfileFind(got, w->id))
            fail_msg("register 0x%" G_GINT64_MODIFIER "x missing", w->id);
    }
}

static gboolean
isMoving(guint64 id)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(movingRegs); i++) {
        if (movingRegs[i] == id)
            return TRUE;
    }
    return FALSE;
}

/* Values and writable masks (kernels with KVM_ARM_GET_REG_WRITABLE_MASKS). */
static void
assertSameValues(const virCpregProfile *got, const virCpregProfile *want)
{
    guint i, compared = 0;

    for (i = 0; i < virCpregProfileCount(want); i++) {
        const virCpregEntry *w = virCpregProfileEntry(want, i);
        const virCpregEntry *g = virCpregProfileFind(got, w->id);
        if (!(w->flags & VIR_CPREG_ENTRY_VALUE) || isMoving(w->id))
            continue;
        assert_non_null(g);
        assert_true(g->flags & VIR_CPREG_ENTRY_VALUE);
        if (g->value != w->value)
            fail_msg("register 0x%" G_GINT64_MODIFIER "x: 0x%" G_GINT64_MODIFIER
                     "x, the fixture has 0x%" G_GINT64_MODIFIER "x", w->id, g->value, w->value);
        assert_int_equal(g->flags & VIR_CPREG_ENTRY_WRITABLE, w->flags & VIR_CPREG_ENTRY_WRITABLE);
        if (w->flags & VIR_CPREG_ENTRY_WRITABLE)
            assert_int_equal(g->writable, w->writable);
        compared++;
    }
    assert_true(compared > 200);
}

static void
assertEmulatedIdentityOf(const virCpregProfile *p, const char *kernel, const char *cpu,
                         const char *qemu)
{
    g_autofree char *host = g_strdup_printf("QEMU %s TCG -cpu %s, virtualization=on", qemu, cpu);

    assert_string_equal(p->ident.source, "emulated-kvm-probe");
    assert_string_equal(p->ident.kernel, kernel);
    assert_string_equal(p->ident.accel, "kvm");
    assert_string_equal(p->ident.host, host);
}

static void
assertEmulatedIdentity(const virCpregProfile *p, const char *cpu, const char *qemu)
{
    assertEmulatedIdentityOf(p, "6.1.0-50-arm64", cpu, qemu);
}

static double
seconds(gint64 since)
{
    return (double)(g_get_monotonic_time() - since) / G_USEC_PER_SEC;
}

/* The fixtures' own setup: QEMU 10.0, neoverse-n1, pmu. */
static void
testNeoverseN1Qemu10(void **state)
{
    g_autofree char *kernel = labPath(KERNEL_61);
    g_autofree char *qemu = labPath(LAB_QEMU);
    g_autofree char *fixture = testFixture("lab/linux-6.1-n1-pmu.regs");
    const char *const features[] = { "pmu", NULL };
    virCpregEmulRequest req = {
        .image = kernel, .cpu = "neoverse-n1", .features = features, .emulator = qemu,
    };
    g_autoptr(virCpregProfile) want = NULL;
    g_autoptr(virCpregProfile) cold = NULL;
    g_autoptr(virCpregProfile) warm = NULL;
    g_autoptr(GError) err = NULL;
    gboolean hit = TRUE;
    double tCold, tWarm;
    gint64 t0;

    (void)state;
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    want = virCpregProfileLoad(fixture, &err);
    assert_non_null(want);
    t0 = g_get_monotonic_time();
    cold = virCpregEmulProbe(&req, &hit, &err);
    tCold = seconds(t0);
    if (!cold)
        fail_msg("%s", err->message);
    assert_false(hit);
    assertSameIds(cold, want);
    assertSameValues(cold, want);
    assertEmulatedIdentity(cold, "neoverse-n1", "10.0.2");
    assert_true(cold->ident.has_midr);
    assert_int_equal(cold->ident.midr, 0x414fd0c1);   /* Neoverse N1 r4p1 */

    t0 = g_get_monotonic_time();
    warm = virCpregEmulProbe(&req, &hit, &err);
    tWarm = seconds(t0);
    assert_non_null(warm);
    assert_true(hit);
    assertSameIds(warm, cold);
    assertSameValues(warm, cold);
    assertEmulatedIdentity(warm, "neoverse-n1", "10.0.2");
    printf("# QEMU 10.0, -cpu neoverse-n1, pmu: cold %.2f s, cached %.3f s (ratio %.3f)\n",
           tCold, tWarm, tWarm / tCold);
    /* a wide margin: a hit reads a file, a miss boots a kernel */
    assert_true(tWarm < tCold / 3);
}

/* The lab's other kernels (6.12, 7.2, 7.3; writable masks from 6.8),
 * the same way: each equal to its fixture. */
static void
testLabKernelsQemu10(void **state)
{
    static const char *const series[] = { "6.12", "7.2", "7.3" };
    g_autofree char *qemu = labPath(LAB_QEMU);
    const char *const features[] = { "pmu", NULL };
    size_t i;
    guint done = 0;

    (void)state;
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    for (i = 0; i < G_N_ELEMENTS(series); i++) {
        g_autofree char *rel = g_strdup_printf("kernels/%s/Image", series[i]);
        g_autofree char *kernel = labPath(rel);
        g_autofree char *fx = g_strdup_printf("lab/linux-%s-n1-pmu.regs", series[i]);
        g_autofree char *fixture = testFixture(fx);
        g_autofree char *release = NULL;
        virCpregEmulRequest req = {
            .image = kernel, .cpu = "neoverse-n1", .features = features, .emulator = qemu,
        };
        g_autoptr(virCpregProfile) want = NULL;
        g_autoptr(virCpregProfile) got = NULL;
        g_autoptr(GError) err = NULL;
        gint64 t0;

        if (!g_file_test(kernel, G_FILE_TEST_IS_REGULAR))
            continue;
        want = virCpregProfileLoad(fixture, &err);
        assert_non_null(want);
        release = virCpregEmulImageRelease(kernel, &err);
        assert_non_null(release);
        t0 = g_get_monotonic_time();
        if (!(got = virCpregEmulProbe(&req, NULL, &err)))
            fail_msg("%s: %s", series[i], err->message);
        printf("# kernel %s (%s), QEMU 10.0, -cpu neoverse-n1, pmu: cold %.2f s\n",
               series[i], release, seconds(t0));
        assertSameIds(got, want);
        assertSameValues(got, want);
        assertEmulatedIdentityOf(got, release, "neoverse-n1", "10.0.2");
        done++;
    }
    if (!done)
        skip();
}

/* The real kernel as a Debian package, three configurations in one boot
 * of the system's QEMU 7.2. */
static void
testDebPackageQemu72(void **state)
{
    g_autofree char *kernel = labPath(KERNEL_61);
    g_autofree char *root = g_build_filename(cacheDir, "pkg", NULL);
    g_autofree char *boot = g_build_filename(root, "boot", NULL);
    g_autofree char *vmlinuz = g_build_filename(boot, "vmlinuz-6.1.0-50-arm64", NULL);
    g_autofree char *debian = g_build_filename(root, "DEBIAN", NULL);
    g_autofree char *control = g_build_filename(debian, "control", NULL);
    g_autofree char *deb = g_build_filename(cacheDir, "linux-image-6.1.0-50-arm64_6.1.176-1_arm64.deb", NULL);
    const char *build[] = { "dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build",
                            root, deb, NULL };
    static const char *const base[] = { NULL };
    static const char *const pmu[] = { "pmu", NULL };
    static const char *const all[] = { "pmu", "sve", "pauth", NULL };
    const char *const *const sets[] = { base, pmu, all };
    static const char *const fixtures[] = {
        "lab/linux-6.1-max-base.regs", "lab/linux-6.1-max-pmu.regs",
        "lab/linux-6.1-max-pmu-sve-ptrauth.regs",
    };
    virCpregEmulRequest req = { .image = deb, .emulator = SYSTEM_QEMU };
    g_autofree virCpregProfile **got = NULL;
    g_autofree virCpregProfile **again = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    g_autofree char *release = NULL;
    gsize len;
    guint hits = 99;
    int status;
    double tCold, tWarm;
    gint64 t0;
    size_t i;

    (void)state;
    if (!g_file_test(SYSTEM_QEMU, G_FILE_TEST_IS_EXECUTABLE) ||
        !haveProgram("dpkg-deb"))
        skip();
    assert_int_equal(g_mkdir_with_parents(boot, 0755), 0);
    assert_int_equal(g_mkdir_with_parents(debian, 0755), 0);
    assert_true(g_file_get_contents(kernel, &data, &len, NULL));
    assert_true(g_file_set_contents(vmlinuz, data, (gssize)len, NULL));
    assert_true(g_file_set_contents(control,
        "Package: linux-image-6.1.0-50-arm64\nVersion: 6.1.176-1\nArchitecture: arm64\n"
        "Maintainer: Test <test@example.org>\nDescription: Linux 6.1 for 64-bit ARMv8 machines\n",
        -1, NULL));
    assert_true(g_spawn_sync(NULL, (char **)build, NULL, G_SPAWN_SEARCH_PATH |
                             G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &err));
    assert_int_equal(status, 0);
    testRemoveTree(root);

    release = virCpregEmulImageRelease(deb, &err);
    assert_string_equal(release, "6.1.0-50-arm64");

    t0 = g_get_monotonic_time();
    got = virCpregEmulProbeMany(&req, sets, 3, &hits, &err);
    tCold = seconds(t0);
    if (!got)
        fail_msg("%s", err->message);
    assert_int_equal(hits, 0);
    for (i = 0; i < G_N_ELEMENTS(fixtures); i++) {
        g_autofree char *path = testFixture(fixtures[i]);
        g_autoptr(virCpregProfile) want = virCpregProfileLoad(path, &err);
        assert_non_null(want);
        assertSameIds(got[i], want);
        assertEmulatedIdentity(got[i], "max", "7.2.22");
        assert_true(virCpregProfileSameFeatures(got[i], want));
    }
    t0 = g_get_monotonic_time();
    again = virCpregEmulProbeMany(&req, sets, 3, &hits, &err);
    tWarm = seconds(t0);
    assert_non_null(again);
    assert_int_equal(hits, 3);
    printf("# QEMU 7.2, -cpu max, .deb, 3 configurations in one boot: cold %.2f s, cached %.3f s\n",
           tCold, tWarm);
    for (i = 0; i < 3; i++) {
        virCpregProfileFree(got[i]);
        virCpregProfileFree(again[i]);
    }
}

/*
 * Debian's own package of the lab's 6.1 kernel (the name in the lab's
 * kernels/6.1/package), fetched once with apt-get download and the lab's
 * private apt configuration (tests/lab/fetch.sh: Debian's archive only,
 * the system's apt untouched) into $EMUL_DEB_CACHE; skipped when that
 * cannot be had. Read through dpkg-deb like any package, booted under
 * QEMU 10.0, equal to the fixture.
 */
static char *
fetchKernelDeb(void)
{
    const char *dir = g_getenv("EMUL_DEB_CACHE");
    g_autofree char *pkgFile = labPath("kernels/6.1/package");
    g_autofree char *apt = labPath("apt/arm64");
    g_autofree char *pkg = NULL;
    g_autofree char *spec = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;
    int status;

    if (!dir || !g_file_get_contents(pkgFile, &pkg, NULL, NULL))
        return NULL;
    g_strstrip(pkg);
    if (!*pkg || strspn(pkg, "abcdefghijklmnopqrstuvwxyz0123456789.+-") != strlen(pkg))
        return NULL;
    g_mkdir_with_parents(dir, 0755);
    for (int attempt = 0; attempt < 2; attempt++) {
        g_autofree char *prefix = g_strconcat(pkg, "_", NULL);
        if ((d = g_dir_open(dir, 0, NULL))) {
            while ((name = g_dir_read_name(d))) {
                if (g_str_has_prefix(name, prefix) && g_str_has_suffix(name, "_arm64.deb"))
                    return g_build_filename(dir, name, NULL);
            }
            g_clear_pointer(&d, g_dir_close);
        }
        if (attempt == 0) {
            g_autofree char *o1 = g_strdup_printf("Dir::Etc::SourceList=%s/sources.list", apt);
            g_autofree char *o2 = g_strdup_printf("Dir::State::Lists=%s/lists", apt);
            g_autofree char *o3 = g_strdup_printf("Dir::Cache=%s/cache", apt);
            const char *argv[] = {
                "timeout", "300", "apt-get", "-q", "-o", o1, "-o", "Dir::Etc::SourceParts=/dev/null",
                "-o", "Dir::Etc::Preferences=/dev/null", "-o", "Dir::Etc::PreferencesParts=/dev/null",
                "-o", o2, "-o", o3, "-o", "Acquire::Languages=none",
                "-o", "APT::Sandbox::User=root", "-o", "APT::Architectures::=arm64",
                "download", NULL, NULL,
            };
            spec = g_strdup_printf("%s:arm64/bookworm", pkg);
            argv[G_N_ELEMENTS(argv) - 2] = spec;
            if (!g_file_test(apt, G_FILE_TEST_IS_DIR) ||
                !g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH |
                              G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                              NULL, NULL, NULL, NULL, &status, NULL) ||
                !g_spawn_check_wait_status(status, NULL))
                return NULL;
        }
    }
    return NULL;
}

static void
testRealDebianPackage(void **state)
{
    g_autofree char *deb = NULL;
    g_autofree char *qemu = labPath(LAB_QEMU);
    g_autofree char *fixture = testFixture("lab/linux-6.1-n1-pmu.regs");
    const char *const features[] = { "pmu", NULL };
    g_autoptr(virCpregProfile) want = NULL;
    g_autoptr(virCpregProfile) got = NULL;
    g_autoptr(virCpregProfile) again = NULL;
    g_autoptr(GError) err = NULL;
    gboolean hit = TRUE;
    double tCold, tWarm;
    gint64 t0;

    (void)state;
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE) || !haveProgram("dpkg-deb") ||
        !(deb = fetchKernelDeb()))
        skip();
    {
        virCpregEmulRequest req = {
            .image = deb, .cpu = "neoverse-n1", .features = features, .emulator = qemu,
            .no_cache = TRUE,
        };
        want = virCpregProfileLoad(fixture, &err);
        assert_non_null(want);
        t0 = g_get_monotonic_time();
        if (!(got = virCpregEmulProbe(&req, &hit, &err)))
            fail_msg("%s: %s", deb, err->message);
        tCold = seconds(t0);
        assertSameIds(got, want);
        assertSameValues(got, want);
        assertEmulatedIdentity(got, "neoverse-n1", "10.0.2");
        /* the cache knows a kernel by its decompressed image: the .deb's
         * is the lab's Image, which testNeoverseN1Qemu10 probed */
        req.no_cache = FALSE;
        t0 = g_get_monotonic_time();
        again = virCpregEmulProbe(&req, &hit, &err);
        tWarm = seconds(t0);
        assert_non_null(again);
        assert_true(hit);
        printf("# Debian's %s, QEMU 10.0, -cpu neoverse-n1, pmu: cold %.2f s, cached %.3f s\n",
               strrchr(deb, '/') + 1, tCold, tWarm);
    }
}

/* One configuration, the system's QEMU 7.2: the figure. */
static void
testOneQemu72(void **state)
{
    g_autofree char *kernel = labPath(KERNEL_61);
    const char *const features[] = { "pmu", NULL };
    virCpregEmulRequest req = {
        .image = kernel, .cpu = "neoverse-n1", .features = features, .emulator = SYSTEM_QEMU,
    };
    g_autoptr(virCpregProfile) p = NULL;
    g_autoptr(virCpregProfile) q = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *fixture = testFixture("lab/linux-6.1-n1-pmu.regs");
    g_autoptr(virCpregProfile) want = virCpregProfileLoad(fixture, &err);
    gboolean hit = TRUE;
    double tCold, tWarm;
    gint64 t0;

    (void)state;
    if (!g_file_test(SYSTEM_QEMU, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    t0 = g_get_monotonic_time();
    p = virCpregEmulProbe(&req, &hit, &err);
    tCold = seconds(t0);
    if (!p)
        fail_msg("%s", err->message);
    assert_false(hit);
    assertSameIds(p, want);
    t0 = g_get_monotonic_time();
    q = virCpregEmulProbe(&req, &hit, &err);
    tWarm = seconds(t0);
    assert_true(hit);
    printf("# QEMU 7.2, -cpu neoverse-n1, pmu: cold %.2f s, cached %.3f s\n", tCold, tWarm);
}

/* Every entry of @pred equals @real's or differs only in bits it marks
 * uncertain (counters and timers aside: their values are the moment's). */
static void
assertExactOrMarked(const virCpregProfile *pred, const virCpregProfile *real,
                    guint *exact, guint *marked)
{
    guint i;

    assertSameIds(pred, real);
    assertSameIds(real, pred);
    for (i = 0; i < virCpregProfileCount(real); i++) {
        const virCpregEntry *r = virCpregProfileEntry(real, i);
        const virCpregEntry *p = virCpregProfileFind(pred, r->id);
        guint64 doubt = p->uncertain;
        gboolean maskDoubt = (p->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN) != 0;
        gboolean timer = (r->id & 0xfffffffffffff800ULL) == 0x603000000013d800ULL &&
                         ((r->id >> 7) & 0xf) == 14;

        if (timer || isMoving(r->id))
            continue;
        if ((p->value ^ r->value) & ~doubt)
            fail_msg("register 0x%" G_GINT64_MODIFIER "x: predicted 0x%" G_GINT64_MODIFIER
                     "x (uncertain 0x%" G_GINT64_MODIFIER "x), real 0x%" G_GINT64_MODIFIER "x",
                     r->id, p->value, doubt, r->value);
        if (p->writable != r->writable && !maskDoubt)
            fail_msg("register 0x%" G_GINT64_MODIFIER "x: writable mask", r->id);
        if (doubt || maskDoubt)
            (*marked)++;
        else
            (*exact)++;
    }
}

/* predict with Debian 12's own QEMU: 7.2 -> 7.3 on the lab's max host. */
static void
testPredictQemu72(void **state)
{
    g_autofree char *k72 = labPath("kernels/7.2/Image");
    g_autofree char *k73 = labPath("kernels/7.3/Image");
    g_autofree char *hostPath = testFixture("lab/linux-7.2-max-pmu.regs");
    g_autofree char *realPath = testFixture("lab/linux-7.3-max-pmu.regs");
    const char *const features[] = { "pmu", NULL };
    virCpregEmulRequest req = { .cpu = "max", .features = features, .emulator = SYSTEM_QEMU };
    g_autoptr(GError) err = NULL;
    g_autoptr(virCpregProfile) host = virCpregProfileLoad(hostPath, &err);
    g_autoptr(virCpregProfile) real = virCpregProfileLoad(realPath, &err);
    g_autoptr(virCpregProfile) from = NULL;
    g_autoptr(virCpregProfile) to = NULL;
    g_autoptr(virCpregProfile) pred = NULL;
    guint exact = 0, marked = 0;
    gint64 t0;

    (void)state;
    if (!g_file_test(SYSTEM_QEMU, G_FILE_TEST_IS_EXECUTABLE) ||
        !g_file_test(k72, G_FILE_TEST_IS_REGULAR) || !g_file_test(k73, G_FILE_TEST_IS_REGULAR))
        skip();
    assert_non_null(host);
    assert_non_null(real);
    t0 = g_get_monotonic_time();
    req.image = k72;
    if (!(from = virCpregEmulProbe(&req, NULL, &err)))
        fail_msg("%s", err->message);
    req.image = k73;
    if (!(to = virCpregEmulProbe(&req, NULL, &err)))
        fail_msg("%s", err->message);
    if (!(pred = virCpregPredict(host, from, to, NULL, &err)))
        fail_msg("%s", err->message);
    assertExactOrMarked(pred, real, &exact, &marked);
    assert_non_null(virCpregProfileFind(pred, 0x603000000013c4f6ULL));   /* PMMIR_EL1, new in 7.3 */
    printf("# predict 7.2 -> 7.3 on QEMU 7.2's max: %u exact, %u marked uncertain, "
           "0 wrong; two emulated probes %.1f s\n", exact, marked, seconds(t0));
}

/* No KVM in the guest: a CPU without EL2 (cortex-a53 has none under
 * TCG... but virtualization=on gives it one), so ask for a feature the
 * emulated CPU lacks instead: sve on neoverse-n1. A clear error, no hang. */
static void
testFeatureNotOffered(void **state)
{
    g_autofree char *kernel = labPath(KERNEL_61);
    const char *const features[] = { "sve", NULL };
    virCpregEmulRequest req = {
        .image = kernel, .cpu = "neoverse-n1", .features = features,
        .emulator = SYSTEM_QEMU, .no_cache = TRUE,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(virCpregProfile) p = NULL;

    (void)state;
    if (!g_file_test(SYSTEM_QEMU, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    p = virCpregEmulProbe(&req, NULL, &err);
    assert_null(p);
    assert_true(g_error_matches(err, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED));
    if (!strstr(err->message, "sve"))
        fail_msg("%s", err->message);
    printf("# %s\n", err->message);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testNeoverseN1Qemu10),
        cmocka_unit_test(testLabKernelsQemu10),
        cmocka_unit_test(testOneQemu72),
        cmocka_unit_test(testDebPackageQemu72),
        cmocka_unit_test(testRealDebianPackage),
        cmocka_unit_test(testFeatureNotOffered),
        cmocka_unit_test(testPredictQemu72),
    };
    const char *env = g_getenv("LAB_CACHE");
    g_autofree char *kernel = NULL;

    labCache = g_strdup(env && *env ? env : LAB_CACHE_DEFAULT);
    kernel = labPath(KERNEL_61);
    if (!g_file_test(kernel, G_FILE_TEST_IS_REGULAR)) {
        printf("SKIP: no %s (tests/lab/fetch.sh fetches it)\n", kernel);
        return 77;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
