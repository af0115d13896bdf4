/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-qemu.h: what each QEMU release does with an incoming cpreg list
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS,  /* may be absent on either side */
    VIR_CPREG_TOLERATE_SRC_VALUE,         /* may be in the stream only, with
                                           * (value & mask) == expected */
} virCpregToleranceType;

typedef struct {
    guint64 id;              /* 0 ends a release's list */
    virCpregToleranceType how;
    guint64 mask;            /* SRC_VALUE: (value & mask) == value */
    guint64 value;
    gboolean tcg;            /* TRUE: TCG's tolerance; FALSE: KVM host/max */
    const char *why;         /* NULL: the kernel's rows about id say why */
} virCpregTolerance;

/* A QEMU release's cpreg behaviour; a release between two rows behaves
 * like the older row. */
typedef struct {
    const char *version;            /* "10.0" */
    unsigned int major, minor;
    /* VMSTATE_INT32_POSITIVE_LE(cpreg_vmstate_array_len): a stream with
     * more registers than the destination fails before the arrays load,
     * with this message (after "Invalid value N expecting positive value
     * <= M") */
    gboolean length_check;
    const char *length_error;
    /* cpu_post_load compares incoming ids past the destination's last id
     * (before 11.0 the loop ended with the destination's list) */
    gboolean checks_past_end;
    /* the KVM vCPU property kvm-psci-version exists */
    gboolean psci_property;
    /* the cpreg migration tolerances this release adds to its
     * predecessors' (ended by an id of 0), or NULL */
    const virCpregTolerance *tolerates;
    const char *cite;               /* the QEMU commit */
} virCpregQemuModel;

const virCpregQemuModel *virCpregQemuModelFor(const char *version,
                                              const char **note);
const virCpregQemuModel *virCpregQemuModels(size_t *count);
const virCpregTolerance *virCpregQemuTolerance(const virCpregQemuModel *model,
                                               guint64 id, gboolean tcg);
const virCpregQemuModel *virCpregQemuFirstTolerating(guint64 id,
                                                     gboolean tcg);
char *virCpregQemuBinaryVersion(const char *emulator, GError **error);
gboolean virCpregQemuParseVersion(const char *version, unsigned int *major,
                                  unsigned int *minor);

G_END_DECLS
