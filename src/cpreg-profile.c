/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile.c: a vCPU register profile: the model (the readers and
 * their builder are cpreg-profile-*.c, format detection and files
 * cpreg-profile-load.c)
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-text.h"
#include "cpreg-util.h"

#define IDENT_TEXT(field) G_STRUCT_OFFSET(virCpregIdentity, field)

const virCpregIdentityText virCpregIdentityTexts[] = {
    { "kernel", "kernel", IDENT_TEXT(kernel) },
    { "machine", "machine", IDENT_TEXT(machine) },
    { "machine-type", "machine type", IDENT_TEXT(machine_type) },
    { "qemu", "qemu", IDENT_TEXT(qemu) },
    { "accel", "accel", IDENT_TEXT(accel) },
    { "cpu", "cpu", IDENT_TEXT(cpu) },
    { "host", "host CPU", IDENT_TEXT(host) },
    { "source", "source", IDENT_TEXT(source) },
    { "predicted", "predicted", IDENT_TEXT(predicted) },
};
const size_t virCpregIdentityTextCount = G_N_ELEMENTS(virCpregIdentityTexts);

static void
identityClear(virCpregIdentity *ident)
{
    size_t i;

    for (i = 0; i < virCpregIdentityTextCount; i++)
        g_free(*virCpregIdentityTextField(ident, i));
    g_strfreev(ident->features);
    memset(ident, 0, sizeof(*ident));
}

static void
identityCopy(virCpregIdentity *dst, const virCpregIdentity *src)
{
    size_t i;

    for (i = 0; i < virCpregIdentityTextCount; i++)
        *virCpregIdentityTextField(dst, i) = g_strdup(virCpregIdentityTextGet(src, i));
    dst->features = g_strdupv(src->features);
    dst->has_midr = src->has_midr;
    dst->midr = src->midr;
    dst->features_inferred = src->features_inferred;
}

virCpregProfile *
virCpregProfileNew(void)
{
    virCpregProfile *profile = g_new0(virCpregProfile, 1);

    profile->entries = g_array_new(FALSE, TRUE, sizeof(virCpregEntry));
    profile->trials = g_array_new(FALSE, TRUE, sizeof(virCpregTrial));
    profile->ident.features = g_new0(char *, 1);
    return profile;
}

void
virCpregProfileFree(virCpregProfile *profile)
{
    if (!profile)
        return;
    identityClear(&profile->ident);
    g_array_unref(profile->entries);
    g_array_unref(profile->trials);
    g_free(profile->origin);
    g_free(profile);
}

/* virCpregCompareIds orders them by their first member */
G_STATIC_ASSERT(G_STRUCT_OFFSET(virCpregEntry, id) == 0);
G_STATIC_ASSERT(G_STRUCT_OFFSET(virCpregTrial, id) == 0);

const virCpregEntry *
virCpregProfileFind(const virCpregProfile *profile, guint64 id)
{
    virCpregEntry key = { .id = id };
    guint i;

    if (!g_array_binary_search(profile->entries, &key, virCpregCompareIds, &i))
        return NULL;
    return virCpregProfileEntry(profile, i);
}

VIR_CPREG_ENUM_IMPL(virCpregTrialResult, virCpregTrialResult, VIR_CPREG_TRIAL_LAST,
                    "accepted", "rejected", "unknown");

const virCpregTrial *
virCpregProfileFindTrial(const virCpregProfile *profile, guint64 id)
{
    virCpregTrial key = { .id = id };
    guint i;

    if (!g_array_binary_search(profile->trials, &key, virCpregCompareIds, &i))
        return NULL;
    return &g_array_index(profile->trials, virCpregTrial, i);
}

/* The registers QEMU's cpreg list holds: no CORE, no SVE. */
virCpregProfile *
virCpregProfileQemuView(const virCpregProfile *profile)
{
    virCpregProfile *view = virCpregProfileNew();
    guint i;

    g_strfreev(view->ident.features);
    identityCopy(&view->ident, &profile->ident);
    view->origin = g_strdup(profile->origin);
    for (i = 0; i < profile->entries->len; i++) {
        const virCpregEntry *e = virCpregProfileEntry(profile, i);
        if (virCpregIdInQemuList(e->id))
            g_array_append_vals(view->entries, e, 1);
    }
    g_array_append_vals(view->trials, profile->trials->data, profile->trials->len);
    return view;
}

/* ---- vCPU features ----------------------------------------------------- */

typedef struct {
    const char *word;
    const char *feature;     /* NULL: the word names no optional feature */
} virCpregFeatureWord;

/* The words the sources use, and the feature each means. "base" is the
 * kernel selftest's name for PSCI 0.2 alone; "ptrauth" is the kernel's. */
static const virCpregFeatureWord featureWords[] = {
    { "pmu", "pmu" },
    { "sve", "sve" },
    { "pauth", "pauth" },
    { "ptrauth", "pauth" },
    { "base", NULL },
};

/* Returns the feature a word means, "" for "base", NULL if unknown. */
char *
virCpregProfileFeaturesNormalize(const char *word)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(featureWords); i++) {
        if (g_ascii_strcasecmp(word, featureWords[i].word) == 0)
            return g_strdup(featureWords[i].feature ? featureWords[i].feature : "");
    }
    return NULL;
}

static int
compareStrings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void
virCpregIdentitySetFeatures(virCpregIdentity *ident,
                            const char *const *features)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new();
    guint i;

    for (i = 0; features && features[i]; i++) {
        if (*features[i] && !g_ptr_array_find_with_equal_func(list, features[i],
                                                              g_str_equal, NULL))
            g_ptr_array_add(list, g_strdup(features[i]));
    }
    g_ptr_array_sort(list, compareStrings);
    g_ptr_array_add(list, NULL);
    g_strfreev(ident->features);
    ident->features = (char **)g_ptr_array_free(g_steal_pointer(&list), FALSE);
    ident->features_inferred = FALSE;
}

void
virCpregProfileSetFeatures(virCpregProfile *profile,
                           const char *const *features)
{
    virCpregIdentitySetFeatures(&profile->ident, features);
}

/* Do @a and @b describe the same vCPU configuration? The one test of it:
 * profiles of different features are not two ends of a migration. */
/* Whether any entry of @profile carries a prediction's marks (the
 * readers admit uncertainty only with "predicted"). */
gboolean
virCpregProfileHasMarks(const virCpregProfile *profile)
{
    guint i;

    for (i = 0; i < virCpregProfileCount(profile); i++) {
        if (virCpregProfileEntry(profile, i)->flags & VIR_CPREG_ENTRY_MARKS)
            return TRUE;
    }
    return FALSE;
}

/*
 * A guest's profile is what it started with, measured: a prediction's
 * marks (predict) have no place in a domain's metadata, where they could
 * only turn a veto into "uncertain". Refuses @profile if it has any.
 */
gboolean
virCpregProfileRefuseMarks(const virCpregProfile *profile, const char *what,
                           GError **error)
{
    if (!virCpregProfileHasMarks(profile))
        return TRUE;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%s: a predicted profile (virt-cpreg predict) cannot stand for a guest's measured one"),
                what);
    return FALSE;
}

gboolean
virCpregProfileSameFeatures(const virCpregProfile *a, const virCpregProfile *b)
{
    guint i;

    for (i = 0; a->ident.features[i] && b->ident.features[i]; i++) {
        if (!g_str_equal(a->ident.features[i], b->ident.features[i]))
            return FALSE;
    }
    return !a->ident.features[i] && !b->ident.features[i];
}

gboolean
virCpregProfileHasFeature(const virCpregProfile *profile, const char *feature)
{
    return g_strv_contains((const char *const *)profile->ident.features, feature);
}

/*
 * The register KVM lists only for a vCPU with each feature: its visibility
 * hooks hide the others (arch/arm64/kvm/sys_regs.c: pmu_visibility,
 * sve_visibility, ptrauth_visibility), QEMU's cpreg list under KVM is
 * KVM's, and under TCG QEMU defines them only with the feature
 * (target/arm/helper.c). All 32 lab profiles (four kernels, eight vCPU
 * configurations) agree with their declared features.
 */
typedef struct {
    const char *feature;
    guint64 id;
} virCpregFeatureMark;

static const virCpregFeatureMark featureMarks[] = {
    { "pauth", VIR_CPREG_SYSREG(3, 0, 2, 1, 0) },     /* APIAKEYLO_EL1 */
    { "pmu", VIR_CPREG_SYSREG(3, 3, 9, 12, 0) },      /* PMCR_EL0 */
    { "sve", VIR_CPREG_SYSREG(3, 0, 1, 2, 0) },       /* ZCR_EL1 */
};

/* For a source that does not say (a stream): the features its registers
 * show. */
void
virCpregProfileInferFeatures(virCpregProfile *profile)
{
    const char *features[G_N_ELEMENTS(featureMarks) + 1] = { NULL };
    size_t i, n = 0;

    for (i = 0; i < G_N_ELEMENTS(featureMarks); i++) {
        if (virCpregProfileFind(profile, featureMarks[i].id))
            features[n++] = featureMarks[i].feature;
    }
    virCpregIdentitySetFeatures(&profile->ident, features);
    profile->ident.features_inferred = TRUE;
}

void
virCpregProfileSetMidrFromRegisters(virCpregProfile *profile)
{
    const virCpregEntry *midr;

    if (profile->ident.has_midr)
        return;
    midr = virCpregProfileFind(profile, VIR_CPREG_SYSREG(3, 0, 0, 0, 0));
    if (midr && (midr->flags & VIR_CPREG_ENTRY_VALUE)) {
        profile->ident.has_midr = TRUE;
        profile->ident.midr = midr->value;
    }
}

/* One line for messages: "6.12.107+deb13-arm64 pmu (FILE)". */
char *
virCpregProfileDescribe(const virCpregProfile *profile)
{
    g_autofree char *features = g_strjoinv("+", profile->ident.features);

    return g_strdup_printf("%s %s (%s)",
                           profile->ident.kernel ? profile->ident.kernel : "?",
                           *features ? features : "base",
                           profile->origin ? profile->origin : "-");
}
