/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-cache.h: probe results, cached per boot
 *
 * A probe starts a VM or a QEMU; its answer only changes with the kernel,
 * the emulator and the vCPU configuration, so it is kept under
 * /run/libvirt-cpreg (a tmpfs: gone at reboot; $VIRT_CPREG_CACHE_DIR
 * overrides it) in a file named by a hash of those and of the boot id.
 * Writes are atomic (rename), and an flock() on a per-key lock file makes
 * concurrent callers wait for one probe instead of running their own.
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

#define VIR_CPREG_CACHE_DIR "/run/libvirt-cpreg"

typedef virCpregProfile *(*virCpregCacheProbeFunc)(gpointer opaque,
                                                   GError **error);

/* The key of a file's identity: "PATH:MTIME:SIZE", or NULL if absent. */
char *virCpregCacheFileKey(const char *path);

/* The cached profile for @key in @dir (NULL: $VIRT_CPREG_CACHE_DIR, else
 * /run/libvirt-cpreg), or what @probe returns (then cached). Waits at
 * most @timeout_ms for another caller's probe. */
virCpregProfile *virCpregCacheGet(const char *dir, const char *key,
                                  virCpregCacheProbeFunc probe,
                                  gpointer opaque, guint timeout_ms,
                                  gboolean *hit, GError **error);

G_END_DECLS
