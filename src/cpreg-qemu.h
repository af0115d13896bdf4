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
    guint64 id;
    virCpregToleranceType type;
    guint64 mask;
    guint64 value;
    gboolean tcg;            /* TRUE: TCG's tolerance; FALSE: KVM host/max */
    const char *why;
} virCpregTolerance;

typedef struct {
    const char *version;            /* "10.0" */
    unsigned int major, minor;
    /* VMSTATE_INT32_POSITIVE_LE(cpreg_vmstate_array_len): a stream with
     * more registers than the destination fails before the arrays load */
    gboolean length_check;
    /* cpu_post_load compares incoming ids past the destination's last id
     * (before 11.0 the loop ended with the destination's list) */
    gboolean checks_past_end;
    /* built-in cpreg migration tolerances (TCR2/PIR/PIRE0, BMAP_2, DBGDTRTX) */
    gboolean tolerances;
    /* write_list_to_kvmstate names the register it cannot set */
    gboolean names_set_failures;
    /* the KVM vCPU property kvm-psci-version exists */
    gboolean psci_property;
    const char *cite;
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
