/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile.h: a vCPU register profile
 *
 * What one host's kernel (and, where known, QEMU) exposes for one vCPU
 * configuration: an identity, and a sorted, de-duplicated set of register
 * ids, each with an optional value and an optional writable mask. Every
 * source of register data (our JSON, Firecracker fingerprints, plain
 * dumps, probes, migration streams) converts into this one type.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bounds on hostile input. A KVM vCPU lists about 350 registers, 420 with
 * SVE; the bounds leave room without letting a file eat memory. */
#define VIR_CPREG_PROFILE_MAX_REGS   8192
#define VIR_CPREG_PROFILE_MAX_BYTES  (4 * 1024 * 1024)

typedef enum {
    VIR_CPREG_ENTRY_VALUE = 1 << 0,     /* value (and value_hi) is known */
    VIR_CPREG_ENTRY_WRITABLE = 1 << 1,  /* writable mask is known */
    /* The marks of a prediction (virt-cpreg predict, cpreg-predict.c):
     * the entry's value or writable mask is not measured but predicted;
     * the bits of `uncertain` are those the prediction cannot vouch for.
     * A predicted entry is present for certain unless marked
     * PRESENCE_UNCERTAIN (see cpreg-predict.c). */
    VIR_CPREG_ENTRY_PREDICTED = 1 << 2,
    /* the predicted writable mask may be wrong in any bit */
    VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN = 1 << 3,
    /* the new kernel may not list the register at all */
    VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN = 1 << 4,
} virCpregEntryFlags;

#define VIR_CPREG_ENTRY_MARKS (VIR_CPREG_ENTRY_PREDICTED | VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN | \
                               VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)

typedef struct {
    guint64 id;
    guint64 value;        /* bits 0..63 */
    guint64 value_hi;     /* bits 64..127, for registers wider than 64 bits */
    guint64 writable;     /* KVM_ARM_GET_REG_WRITABLE_MASKS: bits userspace
                           * may change (ID registers, kernels >= 6.8) */
    guint64 uncertain;    /* PREDICTED: value bits (0..63) the prediction
                           * cannot vouch for; for a register wider than
                           * 64 bits, bit 63 also stands for the bits above */
    unsigned int flags;   /* virCpregEntryFlags */
} virCpregEntry;

/* Does @e carry uncertain bits (value or writable mask)? */
static inline gboolean
virCpregEntryUncertain(const virCpregEntry *e)
{
    return e->uncertain ||
           (e->flags & (VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN | VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN));
}

typedef struct {
    char *kernel;         /* kernel release (uname -r) */
    char *machine;        /* uname -m */
    char *machine_type;   /* QEMU's machine type ("virt-10.0"), from a stream */
    char *qemu;           /* QEMU version, when the data came through QEMU */
    char *accel;          /* "kvm" or "tcg" */
    char *cpu;            /* vCPU model ("host", "max", ...) */
    char *host;           /* free text: the host CPU the data was taken on */
    char *source;         /* kvm-probe, qemu-stream, firecracker, dump... */
    char *predicted;      /* how the profile was predicted ("kernel A ->
                           * B, delta emulated on neoverse-n1"), or NULL */
    char **features;      /* vCPU features ("pmu", "sve", "pauth"), sorted */
    gboolean features_inferred;  /* from the registers (a stream), not
                                  * declared by the source */
    gboolean has_midr;
    guint64 midr;         /* host MIDR_EL1 */
} virCpregIdentity;

/* What the destination's kernel made of a source value (probe --trial). */
typedef enum {
    VIR_CPREG_TRIAL_ACCEPTED,     /* KVM_SET_ONE_REG succeeded */
    VIR_CPREG_TRIAL_REJECTED,     /* ... failed with errno */
    VIR_CPREG_TRIAL_UNKNOWN,      /* the kernel does not list the id */
    VIR_CPREG_TRIAL_LAST
} virCpregTrialResult;

typedef struct {
    guint64 id;
    guint64 value;                /* written: the source's value */
    guint64 readback;             /* read after the write */
    gboolean has_readback;
    virCpregTrialResult result;
    char err[16];                 /* errno name when rejected */
} virCpregTrial;

/* the public API's cpregProfile (libvirt-cpreg.h) */
typedef struct _cpregProfile virCpregProfile;
struct _cpregProfile {
    virCpregIdentity ident;
    GArray *entries;      /* virCpregEntry, ascending id, unique */
    GArray *trials;       /* virCpregTrial, ascending id, possibly empty */
    char *origin;         /* where it was read from, for messages */
};

virCpregProfile *virCpregProfileNew(void);
void virCpregProfileFree(virCpregProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregProfile, virCpregProfileFree);

static inline guint
virCpregProfileCount(const virCpregProfile *profile)
{
    return profile->entries->len;
}

static inline const virCpregEntry *
virCpregProfileEntry(const virCpregProfile *profile, guint i)
{
    return &g_array_index(profile->entries, virCpregEntry, i);
}

const virCpregEntry *virCpregProfileFind(const virCpregProfile *profile,
                                         guint64 id);
const virCpregTrial *virCpregProfileFindTrial(const virCpregProfile *profile,
                                              guint64 id);
const char *virCpregTrialResultToString(virCpregTrialResult result);
virCpregProfile *virCpregProfileQemuView(const virCpregProfile *profile);
gboolean virCpregProfileHasMarks(const virCpregProfile *profile);
gboolean virCpregProfileRefuseMarks(const virCpregProfile *profile, const char *what,
                                    GError **error);
gboolean virCpregProfileSameFeatures(const virCpregProfile *a,
                                     const virCpregProfile *b);
gboolean virCpregProfileHasFeature(const virCpregProfile *profile,
                                   const char *feature);
void virCpregProfileSetFeatures(virCpregProfile *profile,
                                const char *const *features);
char *virCpregProfileDescribe(const virCpregProfile *profile);
/* The feature a word means ("ptrauth" is "pauth"), "" for "base", NULL
 * for an unknown word. */
char *virCpregProfileFeaturesNormalize(const char *word);

/* Reading and writing; the format is recognised from the content. */
typedef enum {
    VIR_CPREG_PROFILE_FORMAT_STREAM,   /* a QEMU stream or libvirt save image */
    VIR_CPREG_PROFILE_FORMAT_JSON,     /* ours or a Firecracker fingerprint */
    VIR_CPREG_PROFILE_FORMAT_DUMP,     /* a register dump (or nothing known) */
} virCpregProfileFormat;

virCpregProfileFormat virCpregProfileDetect(const char *data, gsize len);
virCpregProfile *virCpregProfileLoad(const char *path, GError **error);
virCpregProfile *virCpregProfileParse(const char *origin, const char *data,
                                      gsize len, GError **error);
char *virCpregProfileToJSON(const virCpregProfile *profile);
/* The register dump format, or NULL when it cannot carry all of @profile
 * (trials, identity text with control characters). */
char *virCpregProfileToDump(const virCpregProfile *profile);
/* The most compact text that carries all of @profile: a dump, else JSON. */
char *virCpregProfileToText(const virCpregProfile *profile);
gboolean virCpregProfileSave(const virCpregProfile *profile,
                             const char *path, GError **error);

G_END_DECLS
