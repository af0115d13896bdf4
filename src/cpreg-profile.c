/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile.c: a vCPU register profile: the model, the builder the
 * readers share, format detection and the JSON writer
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-stream.h"
#include "cpreg-text.h"
#include "cpreg-util.h"

#define JSON_MAX_DEPTH 32

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

static int
compareEntryIds(gconstpointer a, gconstpointer b)
{
    guint64 x = ((const virCpregEntry *)a)->id, y = ((const virCpregEntry *)b)->id;

    return x < y ? -1 : x > y;
}

const virCpregEntry *
virCpregProfileFind(const virCpregProfile *profile, guint64 id)
{
    virCpregEntry key = { .id = id };
    guint i;

    if (!g_array_binary_search(profile->entries, &key, compareEntryIds, &i))
        return NULL;
    return virCpregProfileEntry(profile, i);
}

VIR_CPREG_ENUM_IMPL(virCpregTrialResult, virCpregTrialResult, VIR_CPREG_TRIAL_LAST,
                    "accepted", "rejected", "unknown");

static int
compareTrialIds(gconstpointer a, gconstpointer b)
{
    guint64 x = ((const virCpregTrial *)a)->id, y = ((const virCpregTrial *)b)->id;

    return x < y ? -1 : x > y;
}

const virCpregTrial *
virCpregProfileFindTrial(const virCpregProfile *profile, guint64 id)
{
    virCpregTrial key = { .id = id };
    guint i;

    if (!g_array_binary_search(profile->trials, &key, compareTrialIds, &i))
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
 * (target/arm/helper.c). All 24 lab profiles (three kernels, eight vCPU
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

/* ---- the builder ------------------------------------------------------- */

typedef struct {
    virCpregEntry entry;
    guint pos;
} virCpregRawEntry;

void
virCpregBuilderInit(virCpregBuilder *b, const char *origin,
                    virCpregPosKind poskind, const char *array)
{
    b->profile = virCpregProfileNew();
    b->profile->origin = g_strdup(origin);
    b->raw = g_array_new(FALSE, TRUE, sizeof(virCpregRawEntry));
    b->poskind = poskind;
    b->array = array;
}

void
virCpregBuilderClear(virCpregBuilder *b)
{
    virCpregProfileFree(g_steal_pointer(&b->profile));
    g_clear_pointer(&b->raw, g_array_unref);
}

static char *
builderPos(const virCpregBuilder *b, guint pos)
{
    if (b->poskind == VIR_CPREG_POS_LINE)
        return g_strdup_printf("%s:%u", b->profile->origin, pos);
    return g_strdup_printf("%s: %s[%u]", b->profile->origin, b->array, pos);
}

gboolean
virCpregBuilderAdd(virCpregBuilder *b, const virCpregEntry *entry, guint pos,
                   GError **error)
{
    virCpregRawEntry raw = { *entry, pos };

    if (!virCpregIdIsArm(entry->id)) {
        g_autofree char *where = builderPos(b, pos);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: 0x%2$016llx is not an arm64 KVM register id"),
                    where, (unsigned long long)entry->id);
        return FALSE;
    }
    if (b->raw->len >= VIR_CPREG_PROFILE_MAX_REGS) {
        g_autofree char *where = builderPos(b, pos);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: more than %2$d registers; this is not a vCPU register profile"),
                    where, VIR_CPREG_PROFILE_MAX_REGS);
        return FALSE;
    }
    g_array_append_val(b->raw, raw);
    return TRUE;
}

static int
compareRaw(gconstpointer a, gconstpointer b)
{
    const virCpregRawEntry *x = a, *y = b;

    if (x->entry.id != y->entry.id)
        return x->entry.id < y->entry.id ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static gboolean
entryEqual(const virCpregEntry *a, const virCpregEntry *b)
{
    return a->flags == b->flags && a->value == b->value &&
           a->value_hi == b->value_hi && a->writable == b->writable;
}

/* Most inputs come sorted (KVM_GET_REG_LIST's order, our writers'). */
static gboolean
rawSorted(const GArray *raw)
{
    guint i;

    for (i = 1; i < raw->len; i++) {
        if (compareRaw(&g_array_index(raw, virCpregRawEntry, i - 1),
                       &g_array_index(raw, virCpregRawEntry, i)) > 0)
            return FALSE;
    }
    return TRUE;
}

virCpregProfile *
virCpregBuilderFinish(virCpregBuilder *b, GError **error)
{
    guint i;

    if (!rawSorted(b->raw))
        g_array_sort(b->raw, compareRaw);
    for (i = 0; i < b->raw->len; i++) {
        const virCpregRawEntry *r = &g_array_index(b->raw, virCpregRawEntry, i);
        const virCpregRawEntry *prev = i ? r - 1 : NULL;

        if (prev && prev->entry.id == r->entry.id) {
            char name[VIR_CPREG_NAME_MAX];
            g_autofree char *where = builderPos(b, r->pos);
            g_autofree char *first = builderPos(b, prev->pos);
            if (entryEqual(&prev->entry, &r->entry))
                continue;
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: register %2$s is listed again with another value (first at %3$s)"),
                        where, virCpregIdFormat(r->entry.id, name), first);
            return NULL;
        }
        g_array_append_vals(b->profile->entries, &r->entry, 1);
    }
    virCpregProfileSetMidrFromRegisters(b->profile);
    return g_steal_pointer(&b->profile);
}

/* ---- format detection -------------------------------------------------- */

json_object *
virCpregJSONParse(const char *origin, const char *data, gsize len,
                  GError **error)
{
    const char *why, *syntax;
    gsize where;
    /* every caller has checked @data with virCpregTextCheckUTF8 or has it
     * from libxml2 */
    json_object *root = virCpregJSONParseText(data, len, JSON_MAX_DEPTH, &where,
                                              &why, &syntax);

    if (!root && why)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT, "%s:%u: %s",
                    origin, virCpregTextLineOf(data, where), why);
    else if (!root)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$u: invalid JSON: %3$s"), origin,
                    virCpregTextLineOf(data, where), syntax);
    return root;
}

gboolean
virCpregJSONGetString(json_object *obj, const char *key, const char *origin,
                      const char *path, gboolean required, const char **out,
                      GError **error)
{
    json_object *val;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &val) || !val) {
        if (!required)
            return TRUE;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: missing '%3$s'"), origin, path, key);
        return FALSE;
    }
    if (!json_object_is_type(val, json_type_string)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.%3$s: expected a string"), origin, path, key);
        return FALSE;
    }
    *out = json_object_get_string(val);
    return TRUE;
}

typedef struct {
    const char *key;         /* a top-level key only this format has */
    virCpregProfile *(*parse)(const char *origin, json_object *root,
                              GError **error);
} virCpregJSONFormat;

static const virCpregJSONFormat jsonFormats[] = {
    { "libvirt-cpreg-profile", virCpregProfileParseJSON },
    { "guest_cpu_config", virCpregProfileParseFirecracker },
};

static virCpregProfile *
parseJSONDocument(const char *origin, const char *data, gsize len,
                  GError **error)
{
    g_autoptr(json_object) root = virCpregJSONParse(origin, data, len, error);
    size_t i;

    if (!root)
        return NULL;
    if (json_object_is_type(root, json_type_object)) {
        for (i = 0; i < G_N_ELEMENTS(jsonFormats); i++) {
            if (json_object_object_get_ex(root, jsonFormats[i].key, NULL))
                return jsonFormats[i].parse(origin, root, error);
        }
    }
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%s: JSON but not a register profile (neither a libvirt-cpreg profile nor a Firecracker fingerprint)"),
                origin);
    return NULL;
}

/* A QEMU stream or libvirt save image: vCPU 0's registers. */
static virCpregProfile *
streamProfile(virCpregStreamInfo *info, GError **error)
{
    virCpregProfile *profile;

    if (!info)
        return NULL;
    profile = virCpregStreamToProfile(info, NULL, error);
    virCpregStreamInfoFree(info);
    return profile;
}

static virCpregProfile *
parseProfile(const char *origin, const char *data, gsize len,
             gboolean is_text, GError **error)
{
    gsize i;

    /* binary formats first: they are not UTF-8 */
    if (virCpregStreamDetect((const guint8 *)data, len))
        return streamProfile(virCpregStreamParse(origin, (const guint8 *)data,
                                                 len, error), error);
    if (!is_text && !virCpregTextCheckUTF8(origin, data, len, error))
        return NULL;
    for (i = 0; i < len && g_ascii_isspace(data[i]); i++)
        ;
    if (i < len && data[i] == '{')
        return parseJSONDocument(origin, data, len, error);
    return virCpregProfileParseDump(origin, data, len, error);
}

virCpregProfile *
virCpregProfileParse(const char *origin, const char *data, gsize len,
                     GError **error)
{
    return parseProfile(origin, data, len, FALSE, error);
}

/*
 * The same for @data already known to be valid UTF-8 without a NUL byte:
 * text out of libxml2 (the domain's metadata), which has checked it. The
 * check is a pass over every byte that the hook would otherwise pay twice.
 */
virCpregProfile *
virCpregProfileParseText(const char *origin, const char *data, gsize len,
                         GError **error)
{
    return parseProfile(origin, data, len, TRUE, error);
}

/* Does @path start like a QEMU stream or a libvirt save image? Those are
 * read as they stream, not into memory. */
static gboolean
isStreamFile(const char *path)
{
    guint8 head[16];
    gssize n = 0;
    int fd;

    if (g_str_equal(path, "-") || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return FALSE;
    while ((n = read(fd, head, sizeof(head))) < 0 && errno == EINTR)
        ;
    close(fd);
    return n > 0 && virCpregStreamDetect(head, (gsize)n);
}

virCpregProfile *
virCpregProfileLoad(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (isStreamFile(path))
        return streamProfile(virCpregStreamRead(path, 0, error), error);
    if (!virCpregTextReadFile(path, VIR_CPREG_PROFILE_MAX_BYTES, &data, &len,
                              error))
        return NULL;
    return virCpregProfileParse(path, data, len, error);
}

char *
virCpregProfileToText(const virCpregProfile *profile)
{
    char *dump = virCpregProfileToDump(profile);

    return dump ? dump : virCpregProfileToJSON(profile);
}

/* A FILE.regs is a dump; any other name, JSON. */
static char *
profileFileText(const virCpregProfile *profile, const char *path,
                GError **error)
{
    char *text;

    if (!g_str_has_suffix(path, ".regs"))
        return virCpregProfileToJSON(profile);
    if ((text = virCpregProfileToDump(profile)))
        return text;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("cannot write '%s': a register dump cannot carry this profile (trial results, or identity text with control characters); write JSON instead"),
                path);
    return NULL;
}

/* Atomic: readers see the old file or the new one, never a part. */
gboolean
virCpregProfileSave(const virCpregProfile *profile, const char *path,
                    GError **error)
{
    g_autofree char *text = profileFileText(profile, path, error);
    g_autoptr(GError) err = NULL;

    if (!text)
        return FALSE;
    if (g_file_set_contents(path, text, -1, &err))
        return TRUE;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("cannot write '%1$s': %2$s"), path, err->message);
    return FALSE;
}
