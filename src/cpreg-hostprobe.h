/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-hostprobe.h: this host's profile for a vCPU configuration
 */
#pragma once

#include <glib.h>

#include "cpreg-conf.h"
#include "cpreg-domain.h"
#include "cpreg-profile.h"

G_BEGIN_DECLS

typedef struct {
    const char *via;               /* "kvm", "qemu"; NULL: KVM if usable */
    const char *emulator;          /* qemu: an absolute path; NULL is
                                    * qemu-system-aarch64 in PATH */
    const char *accel;             /* qemu: "kvm", "tcg" */
    const char *cpu;               /* qemu: vCPU model */
    const char *machine;           /* qemu: machine type; NULL: "virt" */
    const char *const *features;   /* NULL: the probe's default */
    const char *cache_dir;         /* NULL: the default (cpreg-cache.h) */
    /* emulator, cpu and machine come from a domain XML (set by
     * virCpregHostProbeFromDomain): untrusted, run only if @conf's
     * allow-list has the emulator (NULL: cpreg.conf is read for it) */
    gboolean from_domain;
    const virCpregConf *conf;
} virCpregHostProbe;

void virCpregHostProbeFromDomain(virCpregHostProbe *req,
                                 const virCpregDomain *domain,
                                 char ***features);
virCpregProfile *virCpregHostProbeDomain(const virCpregDomain *domain,
                                         const char *cacheDir, GError **error);
gboolean virCpregHostProbeCheck(virCpregHostProbe *req, GError **error);
gboolean virCpregHostProbeKvmUsable(void);
gboolean virCpregHostProbeCanTrial(virCpregHostProbe *req, GError **error);
virCpregProfile *virCpregHostProbeProfile(virCpregHostProbe *req,
                                          gboolean *hit, GError **error);
char *virCpregHostProbeTrial(virCpregHostProbe *req,
                             const virCpregProfile *source, GError **error);

G_END_DECLS
