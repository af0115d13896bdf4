/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt-cpreg.h: the public API of libvirt-cpreg
 *
 * Predict whether an arm64 KVM guest's vCPU registers will be accepted
 * by a migration destination: load the register profiles of two hosts,
 * diff them, check a migration between them (with the guest's domain
 * XML and the site's policy) and render what was found, as the
 * virt-cpreg command does.
 *
 * The only header installed; it needs glib alone. Every type is opaque,
 * every name starts with "cpreg" (CPREG_ for constants). Errors are
 * GErrors in the CPREG_ERROR domain. Strings returned are the caller's to
 * g_free().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- errors ---------------------------------------------------------- */

#define CPREG_ERROR (cpregErrorQuark())
GQuark cpregErrorQuark(void);

typedef enum {
    CPREG_ERROR_INPUT,        /* malformed or hostile input data */
    CPREG_ERROR_USAGE,        /* bad arguments */
    CPREG_ERROR_UNSUPPORTED,  /* a valid request this host cannot serve */
    CPREG_ERROR_INTERNAL,     /* a bug or a system failure */
} cpregErrorCode;

/* ---- rendering ------------------------------------------------------- */

typedef enum {
    CPREG_FORMAT_TEXT,        /* for people: what virt-cpreg prints */
    CPREG_FORMAT_JSON,        /* for programs: schemas/<verb>.schema.json */
    CPREG_FORMAT_DUMP,        /* profiles only: the register dump */
} cpregFormat;

/* ---- profiles -------------------------------------------------------- */

typedef struct _cpregProfile cpregProfile;

/* Our JSON, a register dump, a Firecracker fingerprint, a QEMU migration
 * stream or a libvirt save image: the format is recognised. */
cpregProfile *cpregProfileLoad(const char *path, GError **error);
cpregProfile *cpregProfileParse(const char *origin, const char *data,
                                gsize len, GError **error);
/* A FILE.regs as a register dump, any other as JSON. */
gboolean cpregProfileSave(const cpregProfile *profile, const char *path,
                          GError **error);
/* JSON, DUMP (NULL when a dump cannot carry the profile), or TEXT: one
 * line that names it. */
char *cpregProfileFormat(const cpregProfile *profile, cpregFormat format);
const char *cpregProfileGetKernel(const cpregProfile *profile);
guint cpregProfileGetRegisterCount(const cpregProfile *profile);
void cpregProfileFree(cpregProfile *profile);

/* ---- diff and decode ------------------------------------------------- */

/* The named differences of the registers QEMU migrates (TEXT or JSON);
 * *@count, when given, is how many registers differ. */
char *cpregDiff(const cpregProfile *a, const cpregProfile *b,
                cpregFormat format, guint *count);
/* What a register is, from its name, id or encoding (TEXT or JSON). */
char *cpregDecode(const char *reg, cpregFormat format, GError **error);

/* ---- checks ---------------------------------------------------------- */

typedef enum {
    CPREG_VERDICT_ALLOW,
    CPREG_VERDICT_ALLOW_WITH_CHANGES,   /* with vCPU property pins */
    CPREG_VERDICT_VETO,
    CPREG_VERDICT_UNCERTAIN,
} cpregVerdictKind;

typedef struct _cpregVerdict cpregVerdict;

typedef struct {
    const char *dest_qemu;              /* "10.0.2"; NULL: the destination
                                         * profile's, else the oldest model */
    const char *domain_xml;             /* the guest's domain XML, or NULL */
    const char *const *policy_files;    /* after the built-in policy, in
                                         * order; NULL-terminated, or NULL */
} cpregCheckParams;

cpregVerdict *cpregCheck(const cpregProfile *source, const cpregProfile *dest,
                         const cpregCheckParams *params, GError **error);
cpregVerdictKind cpregVerdictGetKind(const cpregVerdict *verdict);
/* TEXT (findings of severity info left out) or JSON. */
char *cpregVerdictFormat(const cpregVerdict *verdict, cpregFormat format);
/* virt-cpreg check's exit status: 0 allow, 1 veto, 3 uncertain. */
int cpregVerdictExitStatus(const cpregVerdict *verdict);
void cpregVerdictFree(cpregVerdict *verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(cpregProfile, cpregProfileFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(cpregVerdict, cpregVerdictFree)

G_END_DECLS
