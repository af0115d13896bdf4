/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-conf.h: /etc/libvirt-cpreg/cpreg.conf
 *
 * Loading never fails: every key is read on its own, and a key whose line
 * is invalid falls back to a compiled-in value (see cpreg-conf.c) and is
 * recorded in @problems, for the journal and for `virt-cpreg validate`.
 * An invalid file never weakens the configured decision.
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

#define VIR_CPREG_CONF_ENV "VIRT_CPREG_CONF"

typedef enum {
    VIR_CPREG_ON_ALLOW,
    VIR_CPREG_ON_DENY,
    VIR_CPREG_ON_LAST
} virCpregOnAction;

/* One thing wrong with the file: @key is NULL for the file as a whole. */
typedef struct {
    char *key;
    guint line;                 /* 0: not tied to a line */
    char *message;              /* translated, names the file and the line */
} virCpregConfProblem;

typedef struct {
    char *path;                 /* the file read, or NULL for defaults */
    char *host_profile;         /* host-profile=: use this file, not a probe
                                 * (whose results are cached per boot in
                                 * /run/libvirt-cpreg, VIRT_CPREG_CACHE_DIR) */
    char *qemu_version;         /* qemu-version=: the destination QEMU model */
    char **policy_dirs;         /* policy-dirs=: replaces the defaults */
    char *cache_dir;            /* cache-dir=: the probe cache (default
                                 * /run/libvirt-cpreg) */
    char **emulators;           /* emulators=: the only QEMU binaries the
                                 * hook and virt-cpregd may run */
    virCpregOnAction on_missing_profile;
    virCpregOnAction on_internal_error;
    unsigned int time_budget_ms;
    GPtrArray *problems;        /* of virCpregConfProblem *; empty if valid */
} virCpregConf;

virCpregConf *virCpregConfLoad(void);
virCpregConf *virCpregConfLoadFile(const char *path);
virCpregConf *virCpregConfLoadData(const char *origin, const char *data,
                                   gsize len);
void virCpregConfFree(virCpregConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregConf, virCpregConfFree);

const char *const *virCpregConfKeys(void);
const char *const *virCpregConfPolicyDirs(const virCpregConf *conf);
const virCpregConfProblem *virCpregConfProblemFor(const virCpregConf *conf,
                                                  const char *key);
char *virCpregConfProblemsText(const virCpregConf *conf);

gboolean virCpregConfEmulatorAllowed(const virCpregConf *conf,
                                     const char *path, GError **error);

gboolean virCpregConfStampSource(const char *path, virCpregProfile **profile,
                                 char **cacheDir, GError **error);

G_END_DECLS
