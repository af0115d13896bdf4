/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-stream.h: read the vCPU register lists out of QEMU migration
 * streams and libvirt save images
 *
 * A QEMU stream (QEMU's migration/savevm.c) is a sequence of sections;
 * each Arm vCPU's "cpu" section (target/arm/machine.c, vmstate_arm_cpu)
 * carries QEMU's cpreg list: an int32 count, the sorted KVM register ids
 * and their values. The sections are not length-prefixed: the reader
 * walks the RAM sections by their record format (migration/ram.c) and the
 * device sections by the VM description (vmdesc) JSON QEMU appends to the
 * stream (migration/vmstate.c). RAM page data is skipped through a fixed
 * buffer, never held.
 *
 * A libvirt save image (libvirt's src/qemu/qemu_saveimage.h) is a 92-byte
 * header, the domain XML and the QEMU stream, raw or compressed by one of
 * gzip, bzip2, xz, lzop or zstd; compressed streams are read through a pipe
 * from that tool.
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

/* Bounds on hostile input. */
#define VIR_CPREG_STREAM_MAX_TAIL     (64 * 1024 * 1024) /* device state + vmdesc */
#define VIR_CPREG_STREAM_MAX_SECTIONS 65536
#define VIR_CPREG_STREAM_MAX_VCPUS    4096
#define VIR_CPREG_STREAM_TIMEOUT_MS   120000     /* default for a decompressor */
#define VIR_CPREG_SAVE_HEADER_SIZE    92
#define VIR_CPREG_SAVE_MAX_XML        (16 * 1024 * 1024)

typedef struct {
    guint instance;      /* the section's instance id: the vCPU index */
    guint version;       /* vmstate_arm_cpu version (22 in QEMU 7.2-10.x) */
    guint64 offset;      /* byte offset of the section in the file */
    GArray *ids;         /* guint64, as QEMU sent them (ascending) */
    GArray *values;      /* guint64, one per id */
} virCpregStreamCpu;

typedef struct {
    guint32 id;
    guint8 type;         /* QEMU_VM_SECTION_START or _FULL */
    char *name;
    guint instance;
    guint version;
    guint64 offset;
} virCpregStreamSection;

typedef struct {
    char *name;
    guint64 length;
} virCpregStreamRamBlock;

typedef struct {
    char *origin;
    /* libvirt save image; format is NULL for a bare QEMU stream */
    char *save_format;     /* "raw", "gzip", ... */
    guint save_version;
    gboolean was_running;
    char *domain_xml;
    guint64 stream_offset; /* where the QEMU stream starts in the file */
    /* the QEMU stream */
    char *machine_type;    /* the configuration section: "virt-10.0" */
    guint page_size;
    guint64 ram_total;
    GArray *ram_blocks;    /* virCpregStreamRamBlock */
    guint64 pages_normal;
    guint64 pages_zero;
    guint64 pages_other;   /* XBZRLE or compressed pages */
    GArray *sections;      /* virCpregStreamSection */
    GArray *commands;      /* guint16: QEMU_VM_COMMAND numbers seen */
    guint64 stream_size;   /* bytes of the QEMU stream */
    gboolean has_vmdesc;
    GPtrArray *cpus;       /* virCpregStreamCpu, in stream order */
} virCpregStreamInfo;

void virCpregStreamInfoFree(virCpregStreamInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregStreamInfo, virCpregStreamInfoFree);

/* Is this the start of a QEMU stream or a libvirt save image? */
gboolean virCpregStreamDetect(const guint8 *data, gsize len);

virCpregStreamInfo *virCpregStreamRead(const char *path, guint timeout_ms,
                                       GError **error);
/* The same on data in memory; compressed save images are refused. */
virCpregStreamInfo *virCpregStreamParse(const char *origin,
                                        const guint8 *data, gsize len,
                                        GError **error);

/* vCPU 0's list as a profile; *differ (may be NULL) is set when another
 * vCPU lists other registers. */
virCpregProfile *virCpregStreamToProfile(const virCpregStreamInfo *info,
                                         gboolean *differ, GError **error);
/* How vCPU @i differs from vCPU 0: registers listed differently, values
 * that differ. */
void virCpregStreamCpuCompare(const virCpregStreamInfo *info, guint i,
                              guint *ids_differ, guint *values_differ);

G_END_DECLS
