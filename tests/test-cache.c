/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-cache.c: the per-boot probe cache under hostile conditions (issue
 * 10): a directory others can write, planted symlinks and FIFOs, a
 * read-only disk, temp files of killed writers, and concurrent callers
 * that must share one probe. The probe is a counting stand-in where the
 * test is about the cache, and the real qemu-system-aarch64 (behind a
 * wrapper that logs each start) where it is about QEMU starts.
 */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "cpreg-cache.h"
#include "cpreg-log.h"
#include "testutils.h"

#define LAB_72 "lab/linux-7.2-max-pmu.regs"
#define LAB_612 "lab/linux-6.12-max-pmu.regs"
#define QEMU "/usr/bin/qemu-system-aarch64"
#define KEY "kernel=test\nvia=qemu\ncpu=max"

/* ---- a stand-in probe that counts its runs --------------------------------- */

typedef struct {
    char *log;          /* one line a run, shared across processes */
    guint sleep_ms;
} Probe;

static guint probes;

static virCpregProfile *
countingProbe(gpointer opaque, GError **error)
{
    const Probe *p = opaque;
    g_autofree char *path = testFixture(LAB_72);

    probes++;
    if (p && p->log) {
        int fd = open(p->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        assert_true(write(fd, "probe\n", 6) == 6);
        close(fd);
    }
    if (p && p->sleep_ms)
        g_usleep(p->sleep_ms * 1000);
    return virCpregProfileLoad(path, error);
}

/* ---- the journal ------------------------------------------------------------ */

static int journalFd = -1;

static void
journalOpen(void)
{
    g_autofree char *path = testWriteTemp("journal", "", 0);

    journalFd = testJournalSocket(path);
    g_setenv(VIR_CPREG_LOG_SOCKET_ENV, path, TRUE);
}

static char *
journalDrain(void)
{
    return testJournalDrain(journalFd);
}

/* ---- helpers ----------------------------------------------------------------- */

static char *
makeDir(const char *name, mode_t mode)
{
    g_autofree char *root = g_dir_make_tmp("cpreg-cache-XXXXXX", NULL);
    char *dir = g_build_filename(root, name, NULL);

    assert_int_equal(g_mkdir(dir, 0700), 0);
    assert_int_equal(g_chmod(dir, mode), 0);
    return dir;
}

static void
removeDir(const char *dir)
{
    g_autofree char *root = g_path_get_dirname(dir);

    testRemoveTree(root);
}

/* The names in @dir, sorted, one a line. */
static char *
listDir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (d && (name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, testCompareStrings);
    g_ptr_array_add(names, NULL);
    return g_strjoinv("\n", (char **)names->pdata);
}

/* The one "PREFIX...SUFFIX" entry in @dir. */
static char *
entryIn(const char *dir, const char *prefix, const char *suffix)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    char *found = NULL;

    while (d && (name = g_dir_read_name(d))) {
        if (g_str_has_prefix(name, prefix) && g_str_has_suffix(name, suffix)) {
            assert_null(found);
            found = g_build_filename(dir, name, NULL);
        }
    }
    assert_non_null(found);
    return found;
}

/* Gets KEY from @dir with the counting probe; the profile must be LAB_72. */
static gboolean
get(const char *dir)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) p = NULL;
    g_autofree char *path = testFixture(LAB_72);
    g_autoptr(virCpregProfile) want = virCpregProfileLoad(path, NULL);
    gboolean hit;

    p = virCpregCacheGet(dir, KEY, countingProbe, NULL, 10000, &hit, &error);
    assert_non_null(p);
    assert_int_equal(virCpregProfileCount(p), virCpregProfileCount(want));
    assert_string_equal(p->ident.kernel, want->ident.kernel);
    return hit;
}

static char *
writeForgedProfile(void)
{
    g_autofree char *path = testFixture(LAB_612);
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(path, NULL);
    g_autofree char *json = virCpregProfileToJSON(p);

    return testWriteTemp("forged.json", json, -1);
}

/* ---- the directory ------------------------------------------------------------ */

static void
assertNotUsed(const char *dir, const char *why)
{
    g_autofree char *journal = NULL;
    g_autofree char *before = listDir(dir);
    g_autofree char *after = NULL;

    probes = 0;
    g_free(journalDrain());
    assert_false(get(dir));
    assert_false(get(dir));
    /* not cached: probed each time, nothing written */
    assert_int_equal(probes, 2);
    after = listDir(dir);
    assert_string_equal(before, after);
    journal = journalDrain();
    if (!strstr(journal, "not caching probe results") || !strstr(journal, why))
        fail_msg("journal: %s", journal);
}

/* A directory others can write, or can swap, is never used. */
static void
testUnsafeDir(void **state)
{
    g_autofree char *group = makeDir("cache", 0770);
    g_autofree char *other = makeDir("cache", 0707);
    g_autofree char *good = makeDir("cache", 0700);
    g_autofree char *link = g_build_filename(good, "..", "link", NULL);
    g_autofree char *foreign = makeDir("cache", 0700);

    (void)state;
    assertNotUsed(group, "group or others can write to it (mode 0770)");
    assertNotUsed(other, "group or others can write to it (mode 0707)");
    assert_int_equal(symlink(good, link), 0);
    assertNotUsed(link, "it is a symbolic link");
    if (geteuid() == 0) {
        assert_int_equal(chown(foreign, 65534, 65534), 0);
        assertNotUsed(foreign, "it is owned by uid 65534, not by uid 0");
    }
    /* the same directory, safe: the second call is a hit */
    probes = 0;
    assert_false(get(good));
    assert_true(get(good));
    assert_int_equal(probes, 1);
    removeDir(group);
    removeDir(other);
    removeDir(good);
    removeDir(foreign);
}

/* A missing directory is created 0700. */
static void
testCreatedPrivate(void **state)
{
    g_autofree char *root = g_dir_make_tmp("cpreg-cache-XXXXXX", NULL);
    g_autofree char *dir = g_build_filename(root, "a", "b", NULL);
    GStatBuf st;

    (void)state;
    assert_false(get(dir));
    assert_int_equal(g_stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_true(get(dir));
    testRemoveTree(root);
}

/* ---- entries -------------------------------------------------------------------- */

/* A symlink planted as a profile is not followed, and is replaced. */
static void
testSymlinkProfile(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *forged = writeForgedProfile();
    g_autofree char *entry = NULL;
    g_autofree char *forgedBefore = NULL;
    g_autofree char *forgedAfter = NULL;
    GStatBuf st;

    (void)state;
    probes = 0;
    assert_false(get(dir));
    entry = entryIn(dir, "profile-", ".regs");
    assert_int_equal(g_unlink(entry), 0);
    assert_int_equal(symlink(forged, entry), 0);
    g_file_get_contents(forged, &forgedBefore, NULL, NULL);
    /* get() asserts the profile is the probe's, not the forged one */
    assert_false(get(dir));
    assert_int_equal(probes, 2);
    assert_int_equal(g_lstat(entry, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    g_file_get_contents(forged, &forgedAfter, NULL, NULL);
    assert_string_equal(forgedBefore, forgedAfter);
    assert_true(get(dir));
    removeDir(dir);
}

/* A symlink planted as the lock creates nothing where it points. */
static void
testSymlinkLock(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *elsewhere = makeDir("elsewhere", 0755);
    g_autofree char *target = g_build_filename(elsewhere, "created-by-root", NULL);
    g_autofree char *entry = NULL;
    g_autofree char *lock = NULL;
    g_autofree char *journal = NULL;

    (void)state;
    assert_false(get(dir));
    entry = entryIn(dir, "profile-", ".regs");
    lock = g_strconcat(entry, ".lock", NULL);
    assert_int_equal(g_unlink(entry), 0);
    assert_int_equal(g_unlink(lock), 0);
    assert_int_equal(symlink(target, lock), 0);
    g_free(journalDrain());
    probes = 0;
    assert_false(get(dir));
    assert_int_equal(probes, 1);
    assert_false(g_file_test(target, G_FILE_TEST_EXISTS));
    journal = journalDrain();
    assert_non_null(strstr(journal, "cannot lock"));
    removeDir(dir);
    removeDir(elsewhere);
}

static void
alarmed(int sig)
{
    (void)sig;
    fail_msg("a planted FIFO blocked the cache");
}

/* FIFOs planted as a profile, its lock or a version never block. */
static void
testFifo(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *entry = NULL;
    g_autofree char *lock = NULL;
    g_autofree char *version = NULL;
    g_autofree char *got = NULL;

    (void)state;
    assert_false(get(dir));
    entry = entryIn(dir, "profile-", ".regs");
    lock = g_strconcat(entry, ".lock", NULL);
    signal(SIGALRM, alarmed);
    alarm(20);
    /* the profile */
    assert_int_equal(g_unlink(entry), 0);
    assert_int_equal(mkfifo(entry, 0600), 0);
    assert_false(get(dir));
    /* its lock */
    assert_int_equal(g_unlink(entry), 0);
    assert_int_equal(g_unlink(lock), 0);
    assert_int_equal(mkfifo(lock, 0600), 0);
    assert_false(get(dir));
    /* an emulator's version, when there is one to ask */
    if (g_file_test(QEMU, G_FILE_TEST_IS_EXECUTABLE)) {
        g_free(virCpregCacheQemuVersion(dir, QEMU, NULL));
        version = entryIn(dir, "version-", ".txt");
        assert_int_equal(g_unlink(version), 0);
        assert_int_equal(mkfifo(version, 0600), 0);
        got = virCpregCacheQemuVersion(dir, QEMU, NULL);
        assert_non_null(got);
        assert_true(g_str_has_prefix(got, "7.") || g_ascii_isdigit(*got));
    }
    alarm(0);
    signal(SIGALRM, SIG_DFL);
    removeDir(dir);
}

/* Temp files of killed writers go: this key's at once, others' after a minute. */
static void
testStaleTemps(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *entry = NULL;
    g_autofree char *mine = NULL;
    g_autofree char *oldOther = g_build_filename(dir, "profile-0123456789abcdef0123456789abcdef.regs.Xy7Zq1", NULL);
    g_autofree char *oldVersion = g_build_filename(dir, "version-0123456789abcdef0123456789abcdef.txt.Ab3dE9", NULL);
    g_autofree char *freshOther = g_build_filename(dir, "profile-fedcba9876543210fedcba9876543210.regs.Qw8eR2", NULL);
    struct timespec old[2] = { { .tv_sec = time(NULL) - 120 }, { .tv_sec = time(NULL) - 120 } };

    (void)state;
    assert_false(get(dir));
    entry = entryIn(dir, "profile-", ".regs");
    mine = g_strconcat(entry, ".K1ll3d", NULL);
    assert_int_equal(g_unlink(entry), 0);
    assert_true(g_file_set_contents(mine, "{", -1, NULL));
    assert_true(g_file_set_contents(oldOther, "{", -1, NULL));
    assert_true(g_file_set_contents(oldVersion, "7.", -1, NULL));
    assert_true(g_file_set_contents(freshOther, "{", -1, NULL));
    assert_int_equal(utimensat(AT_FDCWD, oldOther, old, 0), 0);
    assert_int_equal(utimensat(AT_FDCWD, oldVersion, old, 0), 0);
    assert_false(get(dir));
    assert_false(g_file_test(mine, G_FILE_TEST_EXISTS));
    assert_false(g_file_test(oldOther, G_FILE_TEST_EXISTS));
    assert_false(g_file_test(oldVersion, G_FILE_TEST_EXISTS));
    /* a writer of another key may still be at work */
    assert_true(g_file_test(freshOther, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(entry, G_FILE_TEST_IS_REGULAR));
    removeDir(dir);
}

/* ---- a read-only cache ---------------------------------------------------------- */

/* In a child with its own mount namespace, @dir becomes read-only. */
static gboolean
readOnlyChild(const char *dir)
{
    return unshare(CLONE_NEWNS) == 0 &&
           mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
           mount(dir, dir, NULL, MS_BIND, NULL) == 0 &&
           mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

static void
testReadOnlyDir(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *listed = NULL;
    int status;
    pid_t pid;

    (void)state;
    if (geteuid() != 0)
        skip();
    if ((pid = fork()) == 0) {
        g_autoptr(virCpregProfile) p = NULL;
        g_autofree char *journal = NULL;
        gboolean hit;
        if (!readOnlyChild(dir))
            _exit(77);
        p = virCpregCacheGet(dir, KEY, countingProbe, NULL, 10000, &hit, NULL);
        journal = journalDrain();
        _exit(!p ? 1 : hit ? 2 : !strstr(journal, "Read-only file system") ? 3 : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        skip();
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    listed = listDir(dir);
    assert_string_equal(listed, "");
    removeDir(dir);
}

/* `virt-cpreg probe` with a read-only cache: the probe's answer, exit 0. */
static void
testReadOnlyProbeExit(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *script = g_strdup_printf(
        "mount --bind -o ro '%1$s' '%1$s' || exit 77; "
        "exec '%2$s' probe --via qemu --emulator " QEMU " --accel tcg --cpu max", dir, VIRT_CPREG);
    const char *argv[] = { "unshare", "-m", "sh", "-c", script, NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "VIRT_CPREG_CACHE_DIR", dir, TRUE);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    (void)state;
    if (geteuid() != 0 || !g_file_test(QEMU, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL,
                             &out, &err, &status, NULL));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        skip();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("status %d, stderr: %s", status, err);
    assert_non_null(strstr(out, "\"source\": \"qemu-stream\""));
    removeDir(dir);
}

/* ---- single flight ---------------------------------------------------------------- */

/* Two processes want the same key at once: one probe. */
static void
testSingleFlight(void **state)
{
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *log = g_build_filename(dir, "..", "probes.log", NULL);
    g_autofree char *lines = NULL;
    Probe slow = { .log = log, .sleep_ms = 500 };
    pid_t pids[2];
    guint i, hits = 0;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(pids); i++) {
        if ((pids[i] = fork()) == 0) {
            g_autoptr(virCpregProfile) p = NULL;
            gboolean hit;
            p = virCpregCacheGet(dir, KEY, countingProbe, &slow, 10000, &hit, NULL);
            _exit(!p ? 1 : hit ? 10 : 0);
        }
    }
    for (i = 0; i < G_N_ELEMENTS(pids); i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 10);
        hits += WEXITSTATUS(status) == 10;
    }
    assert_true(g_file_get_contents(log, &lines, NULL, NULL));
    assert_string_equal(lines, "probe\n");
    assert_int_equal(hits, 1);
    removeDir(dir);
}

/*
 * A wrapper emulator in the allow-list that logs each start to @log and
 * runs the real QEMU: root-owned, in a root-owned directory, 0755.
 */
static char *
wrapperEmulator(const char *dir, const char *log)
{
    g_autofree char *text = g_strdup_printf("#!/bin/sh\necho \"$*\" >> '%s'\nexec " QEMU " \"$@\"\n", log);
    g_autofree char *logDir = NULL;
    char *path = g_build_filename(dir, "qemu-system-aarch64", NULL);

    assert_int_equal(g_chmod(dir, 0755), 0);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    assert_int_equal(g_chmod(path, 0755), 0);
    /* the scratch QEMU may run as the qemu user (libvirt-qemu on Debian) */
    assert_true(g_file_set_contents(log, "", 0, NULL));
    assert_int_equal(g_chmod(log, 0666), 0);
    logDir = g_path_get_dirname(log);
    assert_int_equal(g_chmod(logDir, 0755), 0);
    return path;
}

static guint
countLines(const char *log, const char *prefix)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    guint i, n = 0;

    if (!g_file_get_contents(log, &text, NULL, NULL))
        return 0;
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++)
        n += g_str_has_prefix(lines[i], prefix);
    return n;
}

/* A guest of the real QEMU under TCG, stamped with its own profile. */
static char *
tcgGuest(const char *emulator, const char *cache)
{
    const char *argv[] = { VIRT_CPREG, "probe", "--via", "qemu", "--emulator", QEMU,
                           "--accel", "tcg", "--cpu", "max", NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "VIRT_CPREG_CACHE_DIR", cache, TRUE);
    g_autofree char *out = NULL;
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>guest1</name>"
        "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
        "<cpu mode='custom'><model>max</model></cpu>"
        "<devices><emulator>%s</emulator></devices></domain>", emulator);
    g_autoptr(virCpregProfile) src = NULL;
    virCpregDomainEdit edit = { 0 };
    int status;

    assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, NULL, &status, NULL));
    assert_int_equal(WEXITSTATUS(status), 0);
    src = virCpregProfileParse("probe", out, strlen(out), NULL);
    assert_non_null(src);
    edit.profile = src;
    return testRewrite(xml, strlen(xml), &edit);
}

/* Four hooks for guests of one vCPU configuration at once: one QEMU. */
static void
testHooksShareOneQemu(void **state)
{
    g_autofree char *bin = g_dir_make_tmp("cpreg-wrapper-XXXXXX", NULL);
    g_autofree char *root = g_dir_make_tmp("cpreg-hooks-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(root, "starts.log", NULL);
    g_autofree char *cache = g_build_filename(root, "cache", NULL);
    g_autofree char *srcCache = g_build_filename(root, "source-cache", NULL);
    g_autofree char *emulator = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *confText = NULL;
    const char *argv[] = { VIRT_CPREG, "hook", "guest1", "migrate", "begin", "-", NULL };
    g_auto(GStrv) env = NULL;
    GPid pids[4];
    int errs[4];
    guint i;

    (void)state;
    if (geteuid() != 0 || !g_file_test(QEMU, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    emulator = wrapperEmulator(bin, log);
    xml = tcgGuest(emulator, srcCache);
    confText = g_strdup_printf("[hook]\nemulators=%s\ncache-dir=%s\non-internal-error=deny\n"
                               "policy-dirs=\ntime-budget-ms=60000\n", emulator, cache);
    conf = testWriteTemp("share.conf", confText, -1);
    env = g_environ_setenv(g_get_environ(), "VIRT_CPREG_CONF", conf, TRUE);
    env = g_environ_setenv(env, "LC_ALL", "C", TRUE);
    env = g_environ_unsetenv(env, "VIRT_CPREG_CACHE_DIR");
    for (i = 0; i < G_N_ELEMENTS(pids); i++) {
        int in;
        assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, env, G_SPAWN_DO_NOT_REAP_CHILD |
                                             G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pids[i],
                                             &in, NULL, &errs[i], NULL));
        assert_true(write(in, xml, strlen(xml)) == (ssize_t)strlen(xml));
        close(in);
    }
    for (i = 0; i < G_N_ELEMENTS(pids); i++) {
        char err[4096] = "";
        int status;
        ssize_t n = read(errs[i], err, sizeof(err) - 1);
        err[MAX(n, 0)] = '\0';
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        close(errs[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("hook %u: status %d: %s", i, status, err);
    }
    /* one scratch QEMU (-S ...) for four hooks, and their `--version`
     * once (the probe may ask its QEMU's version once more itself) */
    assert_int_equal(countLines(log, "-S "), 1);
    assert_true(countLines(log, "--version") >= 1 && countLines(log, "--version") <= 2);
    testRemoveTree(bin);
    testRemoveTree(root);
}

/* An emulator's version is asked once, until the binary changes. */
static void
testVersionCache(void **state)
{
    g_autofree char *bin = g_dir_make_tmp("cpreg-wrapper-XXXXXX", NULL);
    g_autofree char *dir = makeDir("cache", 0700);
    g_autofree char *log = g_build_filename(dir, "..", "starts.log", NULL);
    g_autofree char *emulator = NULL;
    g_autofree char *v1 = NULL;
    g_autofree char *v2 = NULL;
    g_autofree char *v3 = NULL;
    g_autofree char *v4 = NULL;
    struct timespec later[2] = { { .tv_sec = time(NULL) + 60 }, { .tv_sec = time(NULL) + 60 } };

    (void)state;
    if (!g_file_test(QEMU, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    emulator = wrapperEmulator(bin, log);
    v1 = virCpregCacheQemuVersion(dir, emulator, NULL);
    v2 = virCpregCacheQemuVersion(dir, emulator, NULL);
    assert_non_null(v1);
    assert_non_null(v2);
    assert_string_equal(v1, v2);
    assert_int_equal(countLines(log, "--version"), 1);
    /* a new binary in place: asked again */
    assert_int_equal(utimensat(AT_FDCWD, emulator, later, 0), 0);
    v3 = virCpregCacheQemuVersion(dir, emulator, NULL);
    v4 = virCpregCacheQemuVersion(dir, emulator, NULL);
    assert_string_equal(v1, v3);
    assert_string_equal(v3, v4);
    assert_int_equal(countLines(log, "--version"), 2);
    testRemoveTree(bin);
    removeDir(dir);
}

/* ---- the hook's budget without a fork --------------------------------------------- */

/* The hook on @xml with @conf, as libvirt runs it: its status and wall time. */
static int
runHook(const char *conf, const char *xml, char **err, gint64 *ms)
{
    const char *argv[] = { VIRT_CPREG, "hook", "guest1", "migrate", "begin", "-", NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "VIRT_CPREG_CONF", conf, TRUE);
    gint64 start = g_get_monotonic_time();
    char buf[4096];
    GString *text = g_string_new(NULL);
    int in, errfd, status;
    ssize_t n;
    GPid pid;

    env = g_environ_setenv(env, "LC_ALL", "C", TRUE);
    assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, env, G_SPAWN_DO_NOT_REAP_CHILD |
                                         G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
                                         &in, NULL, &errfd, NULL));
    assert_true(write(in, xml, strlen(xml)) == (ssize_t)strlen(xml));
    close(in);
    while ((n = read(errfd, buf, sizeof(buf))) > 0)
        g_string_append_len(text, buf, n);
    close(errfd);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *ms = (g_get_monotonic_time() - start) / 1000;
    *err = g_string_free(text, FALSE);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * With host-profile= and qemu-version= the check runs in the hook's own
 * process (no fork): a watchdog must still answer at the budget. 20
 * policy files of 4096 rules each take far longer to load than 100 ms.
 */
static void
testInProcessBudget(void **state)
{
    g_autofree char *dir = makeDir("policy.d", 0755);
    g_autofree char *host = testFixture(LAB_72);
    g_autofree char *src = testFixture(LAB_612);
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(src, NULL);
    g_autofree char *plain = g_strdup(
        "<domain type='kvm'><name>guest1</name>"
        "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
        "<cpu mode='host-passthrough'/>"
        "<devices><emulator>" QEMU "</emulator></devices></domain>");
    virCpregDomainEdit edit = { .profile = p };
    g_autofree char *xml = testRewrite(plain, strlen(plain), &edit);
    g_autoptr(GString) rules = g_string_new("{\"libvirt-cpreg-policy\": 1, \"rules\": [");
    g_autofree char *slowText = NULL;
    g_autofree char *fullText = NULL;
    g_autofree char *slow = NULL;
    g_autofree char *full = NULL;
    g_autofree char *err1 = NULL;
    g_autofree char *err2 = NULL;
    gint64 slowMs, fullMs;
    guint i;

    (void)state;
    for (i = 0; i < 4096; i++)
        g_string_append_printf(rules, "%s{\"register\": \"TCR2_EL1\", \"action\": \"warn\"}",
                               i ? ", " : "");
    g_string_append(rules, "]}\n");
    for (i = 0; i < 20; i++) {
        g_autofree char *name = g_strdup_printf("%s/%02u.json", dir, i);
        assert_true(g_file_set_contents(name, rules->str, -1, NULL));
    }
    fullText = g_strdup_printf("[hook]\nhost-profile=%s\nqemu-version=10.0.2\npolicy-dirs=%s\n"
                               "on-internal-error=deny\ntime-budget-ms=600000\n", host, dir);
    slowText = g_strdup_printf("[hook]\nhost-profile=%s\nqemu-version=10.0.2\npolicy-dirs=%s\n"
                               "on-internal-error=deny\ntime-budget-ms=100\n", host, dir);
    full = testWriteTemp("full.conf", fullText, -1);
    slow = testWriteTemp("slow.conf", slowText, -1);
    /* the whole check: a real veto */
    assert_int_equal(runHook(full, xml, &err1, &fullMs), 1);
    if (!g_str_has_prefix(err1, "migration vetoed: "))
        fail_msg("stderr: %s", err1);
    /* 100 ms: on-internal-error answers, well before the check would */
    assert_int_equal(runHook(slow, xml, &err2, &slowMs), 1);
    if (!strstr(err2, "(on-internal-error=deny): no answer within the time budget of 100 ms"))
        fail_msg("stderr: %s", err2);
    if (slowMs * 2 > fullMs)
        fail_msg("answered after %" G_GINT64_FORMAT " ms; the whole check takes %" G_GINT64_FORMAT " ms",
                 slowMs, fullMs);
    removeDir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testUnsafeDir),
        cmocka_unit_test(testCreatedPrivate),
        cmocka_unit_test(testSymlinkProfile),
        cmocka_unit_test(testSymlinkLock),
        cmocka_unit_test(testFifo),
        cmocka_unit_test(testStaleTemps),
        cmocka_unit_test(testReadOnlyDir),
        cmocka_unit_test(testReadOnlyProbeExit),
        cmocka_unit_test(testSingleFlight),
        cmocka_unit_test(testHooksShareOneQemu),
        cmocka_unit_test(testVersionCache),
        cmocka_unit_test(testInProcessBudget),
    };

    journalOpen();
    g_unsetenv("VIRT_CPREG_CACHE_DIR");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
