/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-priv.h: what the profile readers share
 *
 * A reader collects raw entries with their position in the input, then
 * the builder sorts them, folds identical duplicates and refuses
 * conflicting ones, naming both positions.
 */
#pragma once

#include "cpreg-json.h"

#include "cpreg-profile.h"

typedef enum {
    VIR_CPREG_POS_LINE,     /* pos is a 1-based line number */
    VIR_CPREG_POS_INDEX,    /* pos is an index into a JSON array */
} virCpregPosKind;

typedef struct {
    virCpregProfile *profile;
    GArray *raw;            /* virCpregRawEntry */
    virCpregPosKind poskind;
    const char *array;      /* JSON path of the array, for POS_INDEX */
} virCpregBuilder;

void virCpregBuilderInit(virCpregBuilder *b, const char *origin,
                         virCpregPosKind poskind, const char *array);
gboolean virCpregBuilderAdd(virCpregBuilder *b, const virCpregEntry *entry,
                            guint pos, GError **error);
gboolean virCpregBuilderMarksValid(const virCpregEntry *entry);
virCpregProfile *virCpregBuilderFinish(virCpregBuilder *b, GError **error);
void virCpregBuilderClear(virCpregBuilder *b);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCpregBuilder, virCpregBuilderClear);

/*
 * The identity's text fields, one row each: the JSON and the dump, read
 * and written, and the identity's copy and clear all walk this table, so
 * a new field is one row (and its member in virCpregIdentity).
 */
typedef struct {
    const char *json;       /* member of the JSON's "identity" */
    const char *comment;    /* "# comment: value" of a register dump */
    size_t offset;          /* of the char * in virCpregIdentity */
} virCpregIdentityText;

extern const virCpregIdentityText virCpregIdentityTexts[];
extern const size_t virCpregIdentityTextCount;

static inline char **
virCpregIdentityTextField(virCpregIdentity *ident, size_t i)
{
    return G_STRUCT_MEMBER_P(ident, virCpregIdentityTexts[i].offset);
}

static inline const char *
virCpregIdentityTextGet(const virCpregIdentity *ident, size_t i)
{
    return G_STRUCT_MEMBER(const char *, ident, virCpregIdentityTexts[i].offset);
}

void virCpregProfileSetMidrFromRegisters(virCpregProfile *profile);
void virCpregProfileInferFeatures(virCpregProfile *profile);
int virCpregTrialResultFromString(const char *str);
char *virCpregProfileFeaturesNormalize(const char *word);
void virCpregIdentitySetFeatures(virCpregIdentity *ident,
                                 const char *const *features);

/* virCpregProfileParse of text known to be valid UTF-8 without a NUL
 * (out of libxml2): the hook's reading of the domain's metadata. */
virCpregProfile *virCpregProfileParseText(const char *origin, const char *data,
                                          gsize len, GError **error);

/* The readers, tried by virCpregProfileParse(). */
virCpregProfile *virCpregProfileParseJSON(const char *origin,
                                          json_object *root, GError **error);
virCpregProfile *virCpregProfileParseFirecracker(const char *origin,
                                                 json_object *root,
                                                 GError **error);
virCpregProfile *virCpregProfileParseDump(const char *origin,
                                          const char *data, gsize len,
                                          GError **error);
