/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-vmdesc.h: QEMU's VM description, the JSON at the end of a
 * migration stream
 *
 * QEMU (migration/vmstate.c, vmstate_save_state_v) describes every field
 * it wrote: "devices": [{ "name", "instance_id", "version", "fields":
 * [{ "name", "size", "array_len"? }], "subsections": [{ "vmsd_name", ... }]
 * }]. "size" is the bytes one element took in the stream (measured while
 * writing); an array QEMU could describe once carries "array_len",
 * otherwise every element has its own entry. So the bytes of a field are
 * size * array_len, and a section's length is their sum.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *name;
    guint64 size;        /* bytes per element */
    guint64 count;       /* "array_len", or 1 */
} virCpregVmdescField;

typedef struct _virCpregVmdescSection virCpregVmdescSection;
struct _virCpregVmdescSection {
    char *name;          /* device idstr, or a subsection's vmsd_name */
    guint instance;
    guint version;
    GArray *fields;      /* virCpregVmdescField */
    guint64 size;        /* bytes of all fields */
    GPtrArray *subsections;  /* virCpregVmdescSection */
};

typedef struct {
    GPtrArray *devices;  /* virCpregVmdescSection, in stream order */
    guint page_size;
} virCpregVmdesc;

virCpregVmdesc *virCpregVmdescParse(const char *origin, guint64 offset,
                                    const char *json, gsize len,
                                    GError **error);
void virCpregVmdescFree(virCpregVmdesc *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregVmdesc, virCpregVmdescFree);

/* Index of the field named @name, and the bytes before it; -1 if none. */
gint virCpregVmdescFieldFind(const virCpregVmdescSection *section,
                             const char *name, guint64 *offset);

G_END_DECLS
