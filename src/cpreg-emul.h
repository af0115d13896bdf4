/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-emul.h: the KVM profile of an arm64 kernel that no host runs yet
 *
 * virt-cpreg probe --kernel: the kernel (an Image, a gzip vmlinuz, or a
 * Debian or RPM kernel package holding one) boots under
 * qemu-system-aarch64 TCG with EL2 (virtualization=on, GICv3), on any
 * host; the initramfs is generated, its /init the static arm64 KVM probe,
 * which probes a nested KVM vCPU per configuration and prints the
 * profiles on the serial console. Every step is bounded in time and size;
 * results are cached across boots by the image's SHA-256, the emulated
 * CPU model, the features, the emulator's version and the probe's hash.
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

/* The whole boot, from QEMU's start to its end. */
#define VIR_CPREG_EMUL_TIMEOUT_MS 180000

typedef struct {
    const char *image;        /* path: Image, vmlinuz, .deb, .rpm */
    const char *cpu;          /* NULL: "max" */
    const char *const *features; /* NULL-terminated, normalized; NULL: none */
    const char *emulator;     /* NULL: qemu-system-aarch64 from PATH */
    gboolean no_cache;
} virCpregEmulRequest;

virCpregProfile *virCpregEmulProbe(const virCpregEmulRequest *req,
                                   gboolean *cache_hit, GError **error);

/* The probe's bound (CONSOLE_CONFIGS_MAX in src/probe/virt-cpreg-probe.c). */
#define VIR_CPREG_EMUL_CONFIGS_MAX 16

/* Several vCPU configurations of one kernel in one boot: @feature_sets
 * has @n of them (1 to VIR_CPREG_EMUL_CONFIGS_MAX) (each NULL-terminated, normalized; NULL: none);
 * req->features is ignored. Returns @n profiles (in that order) or NULL;
 * *cache_hits (if not NULL) counts the configurations the cache had. */
virCpregProfile **virCpregEmulProbeMany(const virCpregEmulRequest *req,
                                        const char *const *const *feature_sets,
                                        guint n, guint *cache_hits,
                                        GError **error);

/* the kernel release in an image, without booting it */
char *virCpregEmulImageRelease(const char *image, GError **error);

/* Where emulated probes are cached: $VIRT_CPREG_CACHE_DIR, else
 * /var/cache/libvirt-cpreg for root, else $XDG_CACHE_HOME/libvirt-cpreg. */
char *virCpregEmulCacheDir(void);

G_END_DECLS
