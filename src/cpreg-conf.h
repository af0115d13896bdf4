/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-conf.h: /etc/libvirt-cpreg/cpreg.conf
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

#define VIR_CPREG_CONF_ENV "VIRT_CPREG_CONF"

typedef enum {
    VIR_CPREG_ON_ALLOW,
    VIR_CPREG_ON_DENY,
} virCpregOnAction;

typedef struct {
    char *path;                 /* the file read, or NULL for defaults */
    char *host_profile;         /* host-profile=: use this file, not a probe
                                 * (whose results are cached per boot in
                                 * /run/libvirt-cpreg, VIRT_CPREG_CACHE_DIR) */
    char *qemu_version;         /* qemu-version=: the destination QEMU model */
    char **policy_dirs;         /* policy-dirs=: replaces the defaults */
    char *cache_dir;            /* cache-dir=: the probe cache (default
                                 * /run/libvirt-cpreg) */
    virCpregOnAction on_missing_profile;
    virCpregOnAction on_internal_error;
    unsigned int time_budget_ms;
} virCpregConf;

virCpregConf *virCpregConfLoad(GError **error);
virCpregConf *virCpregConfLoadFile(const char *path, GError **error);
void virCpregConfFree(virCpregConf *conf);
gboolean virCpregConfStampSource(const char *path, virCpregProfile **profile,
                                 char **cacheDir, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregConf, virCpregConfFree);

G_END_DECLS
