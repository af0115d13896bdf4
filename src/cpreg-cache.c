/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-cache.c: probe results and emulator versions, cached per boot
 *
 * The cache runs as root inside libvirt's migration path, so it trusts
 * only a directory that nobody else can change: the directory is created
 * 0700, or, when it exists, opened without following a symlink and
 * checked to be a directory the caller owns that neither group nor others
 * can write. Everything after that is relative to that open directory
 * (openat, renameat, unlinkat), so swapping the path afterwards changes
 * nothing. Files in it are opened without following symlinks and without
 * blocking on a FIFO, and must be regular files the caller owns; anything
 * else is a miss. A writer puts its data into a temp file with a random
 * name (O_EXCL) and renames it into place; temp files left by a killed
 * writer are removed by the next writer.
 *
 * Single flight: a profile's writer holds the key's lock (flock on
 * "<entry>.lock") while it probes; the others wait for the entry to
 * appear or for the lock, polling so that no wait outlasts its deadline.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cpreg-cache.h"
#include "cpreg-util.h"
#include "cpreg-error.h"
#include "cpreg-log.h"
#include "cpreg-qemu.h"

#define STALE_TEMP_SECONDS 60
#define TEMP_SUFFIX_LEN 6
#define VERSION_MAX_BYTES 64
#define VERSION_WAIT_MS 6000   /* the bound of virCpregQemuBinaryVersion, and some */
#define POLL_FIRST_US 1000
#define POLL_MAX_US 32000

static virCpregDeadline waitDeadline;

void
virCpregCacheSetDeadline(gint64 deadline)
{
    waitDeadline.end_us = deadline;
}

char *
virCpregCacheFileKey(const char *path)
{
    struct stat st;

    if (!path || stat(path, &st) < 0)
        return NULL;
    return g_strdup_printf("%s:%llu:%llu:%lld:%lld.%09ld:%lld.%09ld", path,
                           (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                           (long long)st.st_size,
                           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                           (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

static void
logProblem(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void
logProblem(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virCpregLog(LOG_WARNING, msg, NULL, 0);
}

/* ---- the directory -------------------------------------------------------- */

static const char *
cacheDirPath(const char *want)
{
    const char *env = g_getenv("VIRT_CPREG_CACHE_DIR");

    return want && *want ? want : env && *env ? env : VIR_CPREG_CACHE_DIR;
}

/* Why the directory open on @fd cannot hold the cache, or NULL. */
static char *
unsafeDir(int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return g_strdup(g_strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return g_strdup(_("it is not a directory"));
    if (st.st_uid != geteuid())
        return g_strdup_printf(_("it is owned by uid %1$u, not by uid %2$u"),
                               (unsigned)st.st_uid, (unsigned)geteuid());
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return g_strdup_printf(_("group or others can write to it (mode %04o)"),
                               (unsigned)(st.st_mode & 07777));
    return NULL;
}

/* Creates @path 0700 (its missing parents 0755) unless it exists. */
static char *
makeDir(const char *path)
{
    g_autofree char *parent = NULL;

    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return NULL;
    if (errno != ENOENT)
        return g_strdup(g_strerror(errno));
    parent = g_path_get_dirname(path);
    if (g_mkdir_with_parents(parent, 0755) < 0 ||
        (mkdir(path, 0700) < 0 && errno != EEXIST))
        return g_strdup(g_strerror(errno));
    return NULL;
}

/* The directory's fd, or -1 with *why. */
static int
openDirChecked(const char *path, char **why)
{
    struct stat st;
    int fd;

    if ((*why = makeDir(path)))
        return -1;
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        *why = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ?
            g_strdup(_("it is a symbolic link")) : g_strdup(g_strerror(err));
        return -1;
    }
    if ((*why = unsafeDir(fd))) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * The cache directory, opened and checked, or -1: then the caller goes
 * on without a cache, and the reason is logged (once per directory).
 */
static int
openCacheDir(const char *want)
{
    static char *logged;
    const char *path = cacheDirPath(want);
    g_autofree char *why = NULL;
    int fd = openDirChecked(path, &why);

    if (fd < 0 && g_strcmp0(logged, path) != 0) {
        g_free(logged);
        logged = g_strdup(path);
        logProblem(_("libvirt-cpreg: not caching probe results in '%1$s': %2$s"),
                   path, why);
    }
    return fd;
}

/* ---- entries -------------------------------------------------------------- */

static char *
bootId(void)
{
    char *id = NULL;

    if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &id, NULL, NULL))
        return g_strdup("");
    return g_strstrip(id);
}

/* "PREFIX<hash of key and boot>SUFFIX"; the boot left out for an answer
 * a reboot does not change (@lasting) */
static char *
entryNameFor(const char *prefix, const char *key, const char *suffix,
             gboolean lasting)
{
    g_autofree char *boot = lasting ? g_strdup("any") : bootId();
    g_autofree char *full = g_strconcat(key, "\nboot=", boot, NULL);
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, full, -1);

    return g_strdup_printf("%s%.32s%s", prefix, hash, suffix);
}

static char *
entryName(const char *prefix, const char *key, const char *suffix)
{
    return entryNameFor(prefix, key, suffix, FALSE);
}

/*
 * Opens @name in @dirfd: never through a symlink, never blocking on a
 * FIFO, only a regular file the caller owns. -1 otherwise.
 */
static int
openEntry(int dirfd, const char *name, int flags)
{
    struct stat st;
    int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

/* @name's contents, at most @max bytes, or NULL (a miss). */
static char *
readEntry(int dirfd, const char *name, gsize max, gsize *len)
{
    g_autofree char *buf = NULL;
    gsize size = 0, want;
    struct stat st;
    int fd = openEntry(dirfd, name, O_RDONLY);

    if (fd < 0)
        return NULL;
    /* sized by the file; reading one byte more tells it did not grow */
    want = fstat(fd, &st) == 0 && (gsize)st.st_size < max ? (gsize)st.st_size : max;
    buf = g_malloc(want + 2);
    while (size <= want) {
        ssize_t n = read(fd, buf + size, want + 1 - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size += (gsize)n;
    }
    close(fd);
    if (size == 0 || size > want)
        return NULL;
    buf[size] = '\0';
    *len = size;
    return g_steal_pointer(&buf);
}

static gboolean
writeAll(int fd, const char *data, gsize len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* A new temp file "@name.XXXXXX" with a random suffix, or -1. */
static int
createTemp(int dirfd, const char *name, char **tmp)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    guint attempt, i;

    for (attempt = 0; attempt < 100; attempt++) {
        char suffix[TEMP_SUFFIX_LEN + 1];
        int fd;
        for (i = 0; i < TEMP_SUFFIX_LEN; i++)
            suffix[i] = chars[g_random_int_range(0, sizeof(chars) - 1)];
        suffix[TEMP_SUFFIX_LEN] = '\0';
        g_free(*tmp);
        *tmp = g_strdup_printf("%s.%s", name, suffix);
        fd = openat(dirfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* Puts @data into @name atomically; a failure is logged, nothing more. */
static void
writeEntry(int dirfd, const char *dir, const char *name, const char *data)
{
    g_autofree char *tmp = NULL;
    int fd = createTemp(dirfd, name, &tmp);
    gboolean ok;
    int err;

    if (fd < 0) {
        err = errno;
        logProblem(_("libvirt-cpreg: cannot cache '%1$s/%2$s': %3$s"), dir, name,
                   g_strerror(err));
        return;
    }
    ok = writeAll(fd, data, strlen(data));
    err = errno;
    if (close(fd) < 0 && ok) {
        ok = FALSE;
        err = errno;
    }
    if (ok && renameat(dirfd, tmp, dirfd, name) < 0) {
        ok = FALSE;
        err = errno;
    }
    if (!ok) {
        unlinkat(dirfd, tmp, 0);
        logProblem(_("libvirt-cpreg: cannot cache '%1$s/%2$s': %3$s"), dir, name,
                   g_strerror(err));
    }
}

/* "PREFIX<32 hex>SUFFIX.XXXXXX": a writer's temp file; *base is the entry. */
static gboolean
isTempName(const char *name, gsize *base)
{
    const char *dot = strrchr(name, '.');
    const char *p;

    if ((!g_str_has_prefix(name, "profile-") && !g_str_has_prefix(name, "version-")) ||
        !dot || strlen(dot + 1) != TEMP_SUFFIX_LEN || g_str_equal(dot + 1, "json"))
        return FALSE;
    for (p = dot + 1; *p; p++) {
        if (!g_ascii_isalnum(*p))
            return FALSE;
    }
    *base = (gsize)(dot - name);
    return TRUE;
}

/*
 * Removes temp files left by killed writers: those of @locked (whose
 * lock the caller holds, so their writer is gone), and any other older
 * than a minute.
 */
static void
removeStaleTemps(int dirfd, const char *locked)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *ent;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((ent = readdir(d))) {
        struct stat st;
        gsize base;
        if (!isTempName(ent->d_name, &base) ||
            fstatat(dirfd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if ((locked && strlen(locked) == base && strncmp(ent->d_name, locked, base) == 0) ||
            now - (gint64)st.st_mtime > STALE_TEMP_SECONDS)
            unlinkat(dirfd, ent->d_name, 0);
    }
    closedir(d);
}

/* ---- single flight -------------------------------------------------------- */

/* Reads entry @name of @dirfd into *@out (a miss: FALSE). */
typedef gboolean (*EntryReader)(int dirfd, const char *dir, const char *name,
                                gpointer out);

/* @timeout_ms from now, or the caller's deadline if that comes first */
static virCpregDeadline
deadlineAfter(guint timeout_ms)
{
    virCpregDeadline deadline = virCpregDeadlineIn(timeout_ms);

    if (waitDeadline.end_us && waitDeadline.end_us < deadline.end_us)
        return waitDeadline;
    return deadline;
}

/*
 * Takes @name's lock (its fd), or finds with @reader that another caller
 * has written @name meanwhile (-1, *@out set). Else -1 as well: the lock
 * cannot be had before the deadline (logged), and the caller goes on
 * without caching. Polls, so that no wait outlasts the deadline.
 */
static int
lockEntry(int dirfd, const char *dir, const char *name, guint timeout_ms,
          EntryReader reader, gpointer out)
{
    g_autofree char *lock = g_strconcat(name, ".lock", NULL);
    virCpregDeadline deadline = deadlineAfter(timeout_ms);
    gulong pause = POLL_FIRST_US;
    int fd = openEntry(dirfd, lock, O_RDWR | O_CREAT);
    int err = errno;

    while (fd >= 0) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        err = errno;
        if (err != EWOULDBLOCK && err != EINTR)
            break;
        /* the first caller's result, as soon as it is there */
        if (reader(dirfd, dir, name, out)) {
            close(fd);
            return -1;
        }
        if (g_get_monotonic_time() + (gint64)pause > deadline.end_us) {
            err = ETIMEDOUT;
            break;
        }
        g_usleep(pause);
        pause = MIN(pause * 2, POLL_MAX_US);
    }
    if (fd >= 0)
        close(fd);
    logProblem(_("libvirt-cpreg: cannot lock '%1$s/%2$s': %3$s"), dir, lock,
               g_strerror(err));
    return -1;
}

/*
 * @name's entry through @reader: at once if it is there, else after
 * taking its lock (*@lockfd; -1 if that failed) or after another caller
 * wrote it while this one waited.
 */
static gboolean
readOrLock(int dirfd, const char *dir, const char *name, guint timeout_ms,
           EntryReader reader, gpointer out, int *lockfd)
{
    *lockfd = -1;
    if (reader(dirfd, dir, name, out))
        return TRUE;
    if ((*lockfd = lockEntry(dirfd, dir, name, timeout_ms, reader, out)) < 0)
        return *(gpointer *)out != NULL;
    return reader(dirfd, dir, name, out);   /* written before we locked */
}

/* ---- profiles ------------------------------------------------------------- */

static gboolean
readProfile(int dirfd, const char *dir, const char *name, gpointer out)
{
    g_autofree char *origin = g_build_filename(dir, name, NULL);
    g_autofree char *data = NULL;
    gsize len;

    if (!(data = readEntry(dirfd, name, VIR_CPREG_PROFILE_MAX_BYTES, &len)))
        return FALSE;
    /* a file that does not load is probed again and replaced */
    *(virCpregProfile **)out = virCpregProfileParse(origin, data, len, NULL);
    return *(virCpregProfile **)out != NULL;
}

static virCpregProfile *
cacheGet(const char *want, const char *key, gboolean lasting,
         virCpregCacheProbeFunc probe, gpointer opaque, guint timeout_ms,
         gboolean *hit, GError **error)
{
    const char *dir = cacheDirPath(want);
    /* a register dump, the form read fastest (JSON in the rare case a dump
     * cannot carry the profile: readers recognise both) */
    g_autofree char *name = entryNameFor("profile-", key, ".regs", lasting);
    g_autoptr(virCpregProfile) profile = NULL;
    int dirfd = openCacheDir(want);
    int lockfd = -1;

    *hit = FALSE;
    if (dirfd < 0)
        return probe(opaque, error);
    if (readOrLock(dirfd, dir, name, timeout_ms, readProfile, &profile, &lockfd)) {
        *hit = TRUE;
    } else if ((profile = probe(opaque, error)) && lockfd >= 0) {
        g_autofree char *text = virCpregProfileToText(profile);
        removeStaleTemps(dirfd, name);
        writeEntry(dirfd, dir, name, text);
    }
    if (lockfd >= 0)
        close(lockfd);   /* releases the lock */
    close(dirfd);
    return g_steal_pointer(&profile);
}

virCpregProfile *
virCpregCacheGet(const char *want, const char *key, virCpregCacheProbeFunc probe,
                 gpointer opaque, guint timeout_ms, gboolean *hit,
                 GError **error)
{
    return cacheGet(want, key, FALSE, probe, opaque, timeout_ms, hit, error);
}

virCpregProfile *
virCpregCacheGetLasting(const char *dir, const char *key,
                        virCpregCacheProbeFunc probe, gpointer opaque,
                        guint timeout_ms, gboolean *hit, GError **error)
{
    return cacheGet(dir, key, TRUE, probe, opaque, timeout_ms, hit, error);
}

/* ---- emulator versions ---------------------------------------------------- */

/* "7.2.22": digits and dots, as virCpregQemuBinaryVersion returns it. */
static gboolean
readVersion(int dirfd, const char *dir, const char *name, gpointer out)
{
    g_autofree char *data = NULL;
    unsigned int major, minor;
    gsize len;

    (void)dir;
    if (!(data = readEntry(dirfd, name, VERSION_MAX_BYTES, &len)) ||
        strlen(data) != len || strspn(data, "0123456789.") != len ||
        !virCpregQemuParseVersion(data, &major, &minor))
        return FALSE;
    *(char **)out = g_steal_pointer(&data);
    return TRUE;
}

char *
virCpregCacheQemuVersion(const char *want, const char *emulator, GError **error)
{
    const char *dir = cacheDirPath(want);
    g_autofree char *key = virCpregCacheFileKey(emulator);
    g_autofree char *name = key ? entryName("version-", key, ".txt") : NULL;
    g_autofree char *version = NULL;
    g_autofree char *after = NULL;
    int dirfd = key ? openCacheDir(want) : -1;
    int lockfd = -1;
    gboolean cached = dirfd >= 0 &&
        readOrLock(dirfd, dir, name, VERSION_WAIT_MS, readVersion, &version, &lockfd);

    if (!cached && (version = virCpregQemuBinaryVersion(emulator, error)) && lockfd >= 0 &&
               (after = virCpregCacheFileKey(emulator)) && g_str_equal(after, key)) {
        /* kept only if the binary did not change while it ran */
        removeStaleTemps(dirfd, name);
        writeEntry(dirfd, dir, name, version);
    }
    if (lockfd >= 0)
        close(lockfd);
    if (dirfd >= 0)
        close(dirfd);
    return g_steal_pointer(&version);
}
