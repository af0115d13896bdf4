/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-cache.h: probe results and emulator versions, cached per boot
 *
 * A probe starts a VM or a QEMU; its answer only changes with the kernel,
 * the emulator and the vCPU configuration, so it is kept under
 * /run/libvirt-cpreg (a tmpfs: gone at reboot; cache-dir= or
 * $VIRT_CPREG_CACHE_DIR moves it) in a file named by a hash of those and
 * of the boot id. Concurrent callers for one key share one probe: the
 * first takes the key's lock and probes, the others wait for its result.
 *
 * The cache is best-effort and trusts nothing it did not make: a
 * directory that is not the caller's own (see cpreg-cache.c) is not used,
 * and no failure of the cache (a full or read-only disk, a lock that does
 * not come) ever fails the caller: the probe runs and its answer is used,
 * only not kept.
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

#define VIR_CPREG_CACHE_DIR "/run/libvirt-cpreg"

typedef virCpregProfile *(*virCpregCacheProbeFunc)(gpointer opaque,
                                                   GError **error);

/* The identity of a file: "PATH:DEV:INODE:SIZE:MTIME:CTIME", or NULL if
 * it cannot be stat()ed. */
char *virCpregCacheFileKey(const char *path);

/* No wait for another caller's probe outlasts @deadline (monotonic
 * microseconds, 0: none): the hook sets its time budget's end. */
void virCpregCacheSetDeadline(gint64 deadline);

/* The cached profile for @key in @dir (NULL: $VIRT_CPREG_CACHE_DIR, else
 * /run/libvirt-cpreg), or what @probe returns (then cached). Waits at
 * most @timeout_ms for another caller's probe of the same key. Fails
 * only when @probe does. */
virCpregProfile *virCpregCacheGet(const char *dir, const char *key,
                                  virCpregCacheProbeFunc probe,
                                  gpointer opaque, guint timeout_ms,
                                  gboolean *hit, GError **error);

/* Like virCpregCacheGet, for an answer that a reboot does not change (an
 * emulated probe boots a kernel of its own): the entry is the same in
 * every boot, so @dir should be a persistent directory. */
virCpregProfile *virCpregCacheGetLasting(const char *dir, const char *key,
                                         virCpregCacheProbeFunc probe,
                                         gpointer opaque, guint timeout_ms,
                                         gboolean *hit, GError **error);

/* `@emulator --version`'s QEMU version ("7.2.22"), cached in @dir by the
 * binary's identity (path, inode, size, mtime, ctime): a hit runs
 * nothing. Fails only when running it does. */
char *virCpregCacheQemuVersion(const char *dir, const char *emulator,
                               GError **error);

G_END_DECLS
