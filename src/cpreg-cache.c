/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-cache.c: probe results, cached per boot
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cpreg-cache.h"
#include "cpreg-error.h"

char *
virCpregCacheFileKey(const char *path)
{
    GStatBuf st;

    if (!path || g_stat(path, &st) < 0)
        return NULL;
    return g_strdup_printf("%s:%lld.%09ld:%lld", path, (long long)st.st_mtim.tv_sec,
                           st.st_mtim.tv_nsec, (long long)st.st_size);
}

static char *
bootId(void)
{
    char *id = NULL;

    if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &id, NULL, NULL))
        return g_strdup("");
    return g_strstrip(id);
}

/* @dir, else $VIRT_CPREG_CACHE_DIR, else /run/libvirt-cpreg; created. */
static char *
cacheDir(const char *want, GError **error)
{
    const char *env = g_getenv("VIRT_CPREG_CACHE_DIR");
    const char *dir = want && *want ? want : env && *env ? env : VIR_CPREG_CACHE_DIR;

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int err = errno;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("cannot create the cache directory '%1$s': %2$s"), dir,
                    g_strerror(err));
        return NULL;
    }
    return g_strdup(dir);
}

/* flock() with a deadline: another caller may be probing. */
static int
lockFile(const char *path, guint timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    int fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0) {
        int err = errno;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("cannot open '%1$s': %2$s"), path, g_strerror(err));
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) ||
            g_get_monotonic_time() > deadline) {
            int err = errno == EWOULDBLOCK ? ETIMEDOUT : errno;
            close(fd);
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("cannot lock '%1$s': %2$s"), path, g_strerror(err));
            return -1;
        }
        g_usleep(10000);
    }
    return fd;
}

virCpregProfile *
virCpregCacheGet(const char *dir_, const char *key, virCpregCacheProbeFunc probe,
                 gpointer opaque, guint timeout_ms, gboolean *hit,
                 GError **error)
{
    g_autofree char *dir = cacheDir(dir_, error);
    g_autofree char *boot = bootId();
    g_autofree char *full = g_strconcat(key, "\nboot=", boot, NULL);
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, full, -1);
    g_autofree char *file = NULL;
    g_autofree char *lock = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    int fd;

    *hit = FALSE;
    if (!dir)
        return NULL;
    file = g_strdup_printf("%s/profile-%.32s.json", dir, hash);
    lock = g_strdup_printf("%s.lock", file);
    if ((fd = lockFile(lock, timeout_ms, error)) < 0)
        return NULL;
    /* a cache file that does not load is probed again and replaced */
    if (g_file_test(file, G_FILE_TEST_IS_REGULAR) &&
        (profile = virCpregProfileLoad(file, NULL))) {
        *hit = TRUE;
    } else if ((profile = probe(opaque, error)) &&
               !virCpregProfileSave(profile, file, error)) {
        g_clear_pointer(&profile, virCpregProfileFree);
    }
    close(fd);   /* releases the lock */
    return g_steal_pointer(&profile);
}
