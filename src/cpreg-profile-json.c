/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-json.c: read and write our profile JSON
 * (schemas/profile.schema.json)
 *
 * Version 1. Unknown members are ignored so that a newer writer's extra
 * facts do not break an older reader; everything read is checked.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-text.h"

#define PROFILE_VERSION 1

/* @val, as above, as a hexadecimal number of 64 or (@wide) 128 bits. */
static gboolean
hexValue(json_object *val, const char *key, const char *origin,
         const char *path, gboolean wide, gboolean *present, guint64 *lo,
         guint64 *hi, GError **error)
{
    const char *s;
    gsize len = 0;
    gboolean ok;

    if (!virCpregJSONStringValue(val, key, origin, path, &s, &len, error))
        return FALSE;
    *present = s != NULL;
    if (!s)
        return TRUE;
    ok = wide ? virCpregTextParseHex128(s, len, lo, hi)
              : virCpregTextParseHex64(s, len, lo);
    if (!ok) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.%3$s: '%4$s' is not a hexadecimal number of at most %5$d bits"),
                    origin, path, key, s, wide ? 128 : 64);
        return FALSE;
    }
    return TRUE;
}

static gboolean
hexMember(json_object *obj, const char *key, const char *origin,
          const char *path, gboolean wide, gboolean *present, guint64 *lo,
          guint64 *hi, GError **error)
{
    json_object *val = NULL;

    json_object_object_get_ex(obj, key, &val);
    return hexValue(val, key, origin, path, wide, present, lo, hi, error);
}

/* "features-inferred": true when the features come from the registers */
static gboolean
parseFeaturesInferred(virCpregProfile *profile, json_object *ident,
                      GError **error)
{
    json_object *val;

    if (!json_object_object_get_ex(ident, "features-inferred", &val) || !val)
        return TRUE;
    if (!json_object_is_type(val, json_type_boolean)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: identity.features-inferred: expected true or false"),
                    profile->origin);
        return FALSE;
    }
    profile->ident.features_inferred = json_object_get_boolean(val);
    return TRUE;
}

static gboolean
parseFeatures(virCpregProfile *profile, json_object *ident, GError **error)
{
    g_autoptr(GPtrArray) features = g_ptr_array_new_with_free_func(g_free);
    json_object *arr;
    size_t i;

    if (!json_object_object_get_ex(ident, "features", &arr))
        return TRUE;
    if (!json_object_is_type(arr, json_type_array)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: identity.features: expected an array of strings"),
                    profile->origin);
        return FALSE;
    }
    for (i = 0; i < json_object_array_length(arr); i++) {
        json_object *w = json_object_array_get_idx(arr, i);
        char *feature = NULL;
        if (json_object_is_type(w, json_type_string))
            feature = virCpregProfileFeaturesNormalize(json_object_get_string(w));
        if (!feature) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: identity.features[%2$zu]: not a vCPU feature (pmu, sve, pauth)"),
                        profile->origin, i);
            return FALSE;
        }
        g_ptr_array_add(features, feature);
    }
    g_ptr_array_add(features, NULL);
    virCpregProfileSetFeatures(profile, (const char *const *)features->pdata);
    return parseFeaturesInferred(profile, ident, error);
}

static gboolean
parseIdentity(virCpregProfile *profile, json_object *root, GError **error)
{
    json_object *ident;
    gboolean present;
    guint64 hi;
    size_t i;

    if (!json_object_object_get_ex(root, "identity", &ident) ||
        !json_object_is_type(ident, json_type_object)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: 'identity' must be an object"), profile->origin);
        return FALSE;
    }
    for (i = 0; i < virCpregIdentityTextCount; i++) {
        const char *s;
        if (!virCpregJSONGetString(ident, virCpregIdentityTexts[i].json,
                                   profile->origin, "identity", FALSE, &s, error))
            return FALSE;
        *virCpregIdentityTextField(&profile->ident, i) = g_strdup(s);
    }
    if (!hexMember(ident, "midr", profile->origin, "identity", FALSE, &present,
                   &profile->ident.midr, &hi, error))
        return FALSE;
    profile->ident.has_midr = present;
    return parseFeatures(profile, ident, error);
}

/*
 * "registers[@i]" into @buf, without printf: it names each register in
 * case of an error, and a profile has hundreds of them.
 */
static const char *
registerPath(char buf[static 32], guint i)
{
    char digits[16];
    gsize n = 0, len = strlen("registers[");

    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    memcpy(buf, "registers[", len);
    while (n)
        buf[len++] = digits[--n];
    buf[len++] = ']';
    buf[len] = '\0';
    return buf;
}

/* A register's members, in the order they are checked. */
enum { REG_ID, REG_NAME, REG_VALUE, REG_WRITABLE, REG_PREDICTED, REG_UNCERTAIN,
       REG_WRITABLE_UNCERTAIN, REG_PRESENCE_UNCERTAIN, REG_N_MEMBERS };
static const char *const registerKeys[REG_N_MEMBERS] = {
    [REG_ID] = "id", [REG_NAME] = "name", [REG_VALUE] = "value",
    [REG_WRITABLE] = "writable", [REG_PREDICTED] = "predicted",
    [REG_UNCERTAIN] = "uncertain", [REG_WRITABLE_UNCERTAIN] = "writable-uncertain",
    [REG_PRESENCE_UNCERTAIN] = "presence-uncertain",
};

/* Finds them in one pass over @reg, not a hash lookup for each key: a
 * profile has hundreds of registers. Absent or null members are NULL. */
static void
registerMembers(json_object *reg, json_object *members[REG_N_MEMBERS])
{
    struct json_object_iter it;
    size_t k;

    for (k = 0; k < REG_N_MEMBERS; k++)
        members[k] = NULL;
    json_object_object_foreachC(reg, it) {
        for (k = 0; k < REG_N_MEMBERS; k++) {
            if (strcmp(it.key, registerKeys[k]) == 0) {
                members[k] = it.val;
                break;
            }
        }
    }
}

/* A mark: absent, null or false is no mark. */
static gboolean
markMember(json_object *val, const char *key, const char *origin, const char *path,
           unsigned int flag, virCpregEntry *e, GError **error)
{
    if (!val)
        return TRUE;
    if (!json_object_is_type(val, json_type_boolean)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.%3$s: expected true or false"), origin, path, key);
        return FALSE;
    }
    e->flags |= json_object_get_boolean(val) ? flag : 0;
    return TRUE;
}

/* "predicted", "uncertain" (a mask of value bits), "writable-uncertain",
 * "presence-uncertain" */
static gboolean
parseMarks(json_object *m[REG_N_MEMBERS], const char *origin, const char *path,
           virCpregEntry *e, GError **error)
{
    gboolean present;
    guint64 hi;

    if (!markMember(m[REG_PREDICTED], "predicted", origin, path,
                    VIR_CPREG_ENTRY_PREDICTED, e, error) ||
        !markMember(m[REG_WRITABLE_UNCERTAIN], "writable-uncertain", origin, path,
                    VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN, e, error) ||
        !markMember(m[REG_PRESENCE_UNCERTAIN], "presence-uncertain", origin, path,
                    VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN, e, error))
        return FALSE;
    return hexValue(m[REG_UNCERTAIN], "uncertain", origin, path, FALSE, &present,
                    &e->uncertain, &hi, error);
}

static gboolean
parseRegister(virCpregBuilder *b, json_object *reg, guint i, GError **error)
{
    char pathbuf[32];
    const char *path = registerPath(pathbuf, i);
    const char *origin = b->profile->origin;
    json_object *m[REG_N_MEMBERS];
    virCpregEntry e = { 0 };
    gboolean present;
    guint64 hi;
    const char *name;
    gsize len;

    if (!json_object_is_type(reg, json_type_object)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: expected an object"), origin, path);
        return FALSE;
    }
    registerMembers(reg, m);
    if (!hexValue(m[REG_ID], "id", origin, path, FALSE, &present, &e.id, &hi,
                  error))
        return FALSE;
    if (!present) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: missing '%3$s'"), origin, path, "id");
        return FALSE;
    }
    /* the name is for people; the id is the register */
    if (!virCpregJSONStringValue(m[REG_NAME], "name", origin, path, &name, &len, error))
        return FALSE;
    if (!hexValue(m[REG_VALUE], "value", origin, path, TRUE, &present, &e.value,
                  &e.value_hi, error))
        return FALSE;
    e.flags |= present ? VIR_CPREG_ENTRY_VALUE : 0;
    if (!hexValue(m[REG_WRITABLE], "writable", origin, path, FALSE, &present,
                  &e.writable, &hi, error))
        return FALSE;
    e.flags |= present ? VIR_CPREG_ENTRY_WRITABLE : 0;
    if (!parseMarks(m, origin, path, &e, error))
        return FALSE;
    return virCpregBuilderAdd(b, &e, i, error);
}

static gboolean
parseTrial(virCpregProfile *profile, json_object *obj, guint i, GError **error)
{
    g_autofree char *path = g_strdup_printf("trial[%u]", i);
    const char *origin = profile->origin;
    virCpregTrial t = { 0 };
    const char *result, *err;
    gboolean present;
    guint64 hi;
    int r;

    if (!json_object_is_type(obj, json_type_object)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: expected an object"), origin, path);
        return FALSE;
    }
    if (!hexMember(obj, "id", origin, path, FALSE, &present, &t.id, &hi, error) ||
        !hexMember(obj, "value", origin, path, FALSE, &present, &t.value, &hi, error) ||
        !hexMember(obj, "readback", origin, path, FALSE, &t.has_readback,
                   &t.readback, &hi, error) ||
        !virCpregJSONGetString(obj, "result", origin, path, TRUE, &result, error) ||
        !virCpregJSONGetString(obj, "errno", origin, path, FALSE, &err, error))
        return FALSE;
    if ((r = virCpregTrialResultFromString(result)) < 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.result: '%3$s' is not accepted, rejected or unknown"),
                    origin, path, result);
        return FALSE;
    }
    t.result = r;
    if (err && g_strlcpy(t.err, err, sizeof(t.err)) >= sizeof(t.err)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s.errno: not an errno name"), origin, path);
        return FALSE;
    }
    if (profile->trials->len &&
        g_array_index(profile->trials, virCpregTrial, profile->trials->len - 1).id >= t.id) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s: trial results must be sorted by id, without duplicates"),
                    origin, path);
        return FALSE;
    }
    g_array_append_val(profile->trials, t);
    return TRUE;
}

/* The destination's trial of a source's values (virt-cpreg-probe --trial). */
static gboolean
parseTrials(virCpregProfile *profile, json_object *root, GError **error)
{
    json_object *arr;
    size_t i;

    if (!json_object_object_get_ex(root, "trial", &arr))
        return TRUE;
    if (!json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) > VIR_CPREG_PROFILE_MAX_REGS) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: 'trial' must be an array of at most %2$d results"),
                    profile->origin, VIR_CPREG_PROFILE_MAX_REGS);
        return FALSE;
    }
    for (i = 0; i < json_object_array_length(arr); i++) {
        if (!parseTrial(profile, json_object_array_get_idx(arr, i), (guint)i, error))
            return FALSE;
    }
    return TRUE;
}

virCpregProfile *
virCpregProfileParseJSON(const char *origin, json_object *root, GError **error)
{
    g_auto(virCpregBuilder) b = { 0 };
    json_object *version, *regs;
    size_t i;

    json_object_object_get_ex(root, "libvirt-cpreg-profile", &version);
    if (!json_object_is_type(version, json_type_int) ||
        json_object_get_int64(version) != PROFILE_VERSION) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: unsupported profile version (expected %2$d)"),
                    origin, PROFILE_VERSION);
        return NULL;
    }
    if (!json_object_object_get_ex(root, "registers", &regs) ||
        !json_object_is_type(regs, json_type_array)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: 'registers' must be an array"), origin);
        return NULL;
    }
    virCpregBuilderInit(&b, origin, VIR_CPREG_POS_INDEX, "registers");
    if (!parseIdentity(b.profile, root, error) ||
        !parseTrials(b.profile, root, error))
        return NULL;
    for (i = 0; i < json_object_array_length(regs); i++) {
        if (!parseRegister(&b, json_object_array_get_idx(regs, i), (guint)i,
                           error))
            return NULL;
    }
    return virCpregBuilderFinish(&b, error);
}

/* ---- the writer, with json-c ------------------------------------------- */

static json_object *
hexString(guint64 lo, guint64 hi, guint width)
{
    g_autoptr(GString) text = g_string_sized_new(40);

    if (hi)
        virCpregTextFormatHex128(text, lo, hi);
    else
        virCpregTextFormatHex64(text, lo, width);
    return json_object_new_string_len(text->str, (int)text->len);
}

static json_object *
identityJSON(const virCpregIdentity *ident)
{
    json_object *obj = json_object_new_object();
    json_object *features = json_object_new_array();
    size_t i;

    for (i = 0; i < virCpregIdentityTextCount; i++) {
        const char *text = virCpregIdentityTextGet(ident, i);
        if (text)
            json_object_object_add(obj, virCpregIdentityTexts[i].json,
                                   json_object_new_string(text));
    }
    if (ident->has_midr)
        json_object_object_add(obj, "midr", hexString(ident->midr, 0, 1));
    for (i = 0; ident->features && ident->features[i]; i++)
        json_object_array_add(features, json_object_new_string(ident->features[i]));
    json_object_object_add(obj, "features", features);
    if (ident->features_inferred)
        json_object_object_add(obj, "features-inferred", json_object_new_boolean(TRUE));
    return obj;
}

static json_object *
entryJSON(const virCpregEntry *e)
{
    json_object *obj = json_object_new_object();
    char name[VIR_CPREG_NAME_MAX];

    json_object_object_add(obj, "id", hexString(e->id, 0, 16));
    json_object_object_add(obj, "name",
                           json_object_new_string(virCpregIdFormat(e->id, name)));
    if (e->flags & VIR_CPREG_ENTRY_VALUE)
        json_object_object_add(obj, "value", hexString(e->value, e->value_hi, 1));
    if (e->flags & VIR_CPREG_ENTRY_WRITABLE)
        json_object_object_add(obj, "writable", hexString(e->writable, 0, 1));
    if (e->flags & VIR_CPREG_ENTRY_PREDICTED)
        json_object_object_add(obj, "predicted", json_object_new_boolean(TRUE));
    if (e->uncertain)
        json_object_object_add(obj, "uncertain", hexString(e->uncertain, 0, 1));
    if (e->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN)
        json_object_object_add(obj, "writable-uncertain", json_object_new_boolean(TRUE));
    if (e->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)
        json_object_object_add(obj, "presence-uncertain", json_object_new_boolean(TRUE));
    return obj;
}

static json_object *
trialJSON(const virCpregTrial *t)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "id", hexString(t->id, 0, 16));
    json_object_object_add(obj, "value", hexString(t->value, 0, 1));
    json_object_object_add(obj, "result",
                           json_object_new_string(virCpregTrialResultToString(t->result)));
    if (*t->err)
        json_object_object_add(obj, "errno", json_object_new_string(t->err));
    if (t->has_readback)
        json_object_object_add(obj, "readback", hexString(t->readback, 0, 1));
    return obj;
}

char *
virCpregProfileToJSON(const virCpregProfile *profile)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *regs = json_object_new_array_ext((int)profile->entries->len);
    guint i;

    json_object_object_add(root, "libvirt-cpreg-profile",
                           json_object_new_int(PROFILE_VERSION));
    json_object_object_add(root, "identity", identityJSON(&profile->ident));
    for (i = 0; i < profile->entries->len; i++)
        json_object_array_add(regs, entryJSON(virCpregProfileEntry(profile, i)));
    json_object_object_add(root, "registers", regs);
    if (profile->trials->len) {
        json_object *trials = json_object_new_array_ext((int)profile->trials->len);
        for (i = 0; i < profile->trials->len; i++)
            json_object_array_add(trials, trialJSON(&g_array_index(profile->trials,
                                                                   virCpregTrial, i)));
        json_object_object_add(root, "trial", trials);
    }
    return g_strconcat(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_SPACED |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE),
                       "\n", NULL);
}
