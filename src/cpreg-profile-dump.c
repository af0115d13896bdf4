/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-dump.c: read and write a plain register dump
 *
 *   # kernel: Linux version 6.12.107+deb13-arm64 (...)
 *   # vCPU features: pmu+sve (...)
 *   0x<id> [0x<value> [0x<writable mask>]] [predicted [uncertain=0x<mask>]
 *                                            [writable-uncertain]
 *                                            [presence-uncertain]]
 *
 * The marks of a prediction are words after the columns, so that a
 * reader that does not know them refuses the line rather than taking a
 * prediction for a measurement.
 * Comments may carry identity as "# key: value"; other comments are text.
 * It is also the compact form the project writes for machines to read
 * (domain metadata, `probe -o FILE.regs`): see virCpregProfileToDump.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-text.h"

typedef gboolean (*virCpregDumpKeySetter)(virCpregIdentity *ident,
                                          const char *value);

static gboolean
setKernel(virCpregIdentity *ident, const char *value)
{
    /* "Linux version 6.1.0-50-arm64 (gcc...) #1 SMP" or a bare release */
    if (g_str_has_prefix(value, "Linux version "))
        value += strlen("Linux version ");
    g_free(ident->kernel);
    ident->kernel = g_strndup(value, strcspn(value, " \t"));
    return TRUE;
}

/* "pmu+sve (inferred from the registers)", or the lab's "pmu (KVM_ARM_VCPU_INIT
 * features=0xc)": the first word */
#define FEATURES_INFERRED "(inferred from the registers)"

static gboolean
setFeatures(virCpregIdentity *ident, const char *value)
{
    g_autofree char *first = g_strndup(value, strcspn(value, " \t("));
    g_auto(GStrv) words = g_strsplit_set(first, "+,", -1);
    g_autoptr(GPtrArray) features = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; words[i]; i++) {
        char *f = virCpregProfileFeaturesNormalize(words[i]);
        if (f)
            g_ptr_array_add(features, f);
    }
    g_ptr_array_add(features, NULL);
    virCpregIdentitySetFeatures(ident, (const char *const *)features->pdata);
    ident->features_inferred = strstr(value, FEATURES_INFERRED) != NULL;
    return TRUE;
}

static gboolean
setMidr(virCpregIdentity *ident, const char *value)
{
    ident->has_midr = virCpregTextParseHex64(value, strlen(value), &ident->midr);
    return ident->has_midr;
}

typedef struct {
    const char *key;               /* "# key: value" */
    virCpregDumpKeySetter set;
} virCpregDumpKey;

/*
 * The comment keys read their own way; every other is a text field of the
 * identity (virCpregIdentityTexts), so that a profile written as a dump
 * reads back the same.
 */
static const virCpregDumpKey dumpKeys[] = {
    { "kernel", setKernel },
    { "midr", setMidr },
    { "vCPU features", setFeatures },
};

/* Does @text start with "@key:"? Then *value is what follows, stripped. */
static gboolean
commentKey(char *text, const char *key, char **value)
{
    size_t n = strlen(key);

    if (g_ascii_strncasecmp(text, key, n) != 0 || text[n] != ':')
        return FALSE;
    *value = g_strstrip(text + n + 1);
    return TRUE;
}

static gboolean
parseComment(virCpregBuilder *b, char *text, guint lineno, GError **error)
{
    virCpregIdentity *ident = &b->profile->ident;
    char *value;
    size_t i;

    while (*text == '#' || g_ascii_isspace(*text))
        text++;
    for (i = 0; i < G_N_ELEMENTS(dumpKeys); i++) {
        if (!commentKey(text, dumpKeys[i].key, &value))
            continue;
        if (dumpKeys[i].set(ident, value))
            return TRUE;
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$u: invalid '%3$s' comment"),
                    b->profile->origin, lineno, dumpKeys[i].key);
        return FALSE;
    }
    for (i = 0; i < virCpregIdentityTextCount; i++) {
        if (commentKey(text, virCpregIdentityTexts[i].comment, &value)) {
            char **field = virCpregIdentityTextField(ident, i);
            g_free(*field);
            *field = g_strdup(value);
            return TRUE;
        }
    }
    return TRUE;
}

/* Splits a line into at most @max whitespace-separated words. */
static guint
splitWords(char *line, char **words, guint max)
{
    guint n = 0;
    char *p = line;

    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return n;
        if (n == max)
            return max + 1;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

/* A register's columns: up to three hexadecimal words, then its marks. */
#define DUMP_COLUMNS 3
#define DUMP_MARKS 4
#define MARK_PREDICTED "predicted"
#define MARK_UNCERTAIN "uncertain="
#define MARK_WRITABLE_UNCERTAIN "writable-uncertain"
#define MARK_PRESENCE_UNCERTAIN "presence-uncertain"

/* The marks of a predicted entry, in this order, each at most once:
 * "predicted [uncertain=0x<mask>] [writable-uncertain] [presence-uncertain]". */
static gboolean
parseMarks(char **words, guint n, virCpregEntry *e)
{
    guint i = 0;

    if (n == 0)
        return TRUE;
    if (!g_str_equal(words[i++], MARK_PREDICTED))
        return FALSE;
    e->flags |= VIR_CPREG_ENTRY_PREDICTED;
    if (i < n && g_str_has_prefix(words[i], MARK_UNCERTAIN)) {
        const char *mask = words[i++] + strlen(MARK_UNCERTAIN);
        if (!virCpregTextParseHex64(mask, strlen(mask), &e->uncertain) || !e->uncertain)
            return FALSE;
    }
    if (i < n && g_str_equal(words[i], MARK_WRITABLE_UNCERTAIN)) {
        i++;
        e->flags |= VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN;
    }
    if (i < n && g_str_equal(words[i], MARK_PRESENCE_UNCERTAIN)) {
        i++;
        e->flags |= VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN;
    }
    return i == n;
}

static gboolean
parseRegisterLine(virCpregBuilder *b, char *line, guint lineno,
                  GError **error)
{
    char *words[DUMP_COLUMNS + DUMP_MARKS];
    guint n = splitWords(line, words, G_N_ELEMENTS(words));
    guint cols = 0;
    virCpregEntry e = { 0 };

    while (cols < MIN(n, G_N_ELEMENTS(words)) && words[cols][0] == '0')
        cols++;
    if (n > G_N_ELEMENTS(words) || cols == 0 || cols > DUMP_COLUMNS ||
        !virCpregTextParseHex64(words[0], strlen(words[0]), &e.id) ||
        (cols >= 2 && !virCpregTextParseHex128(words[1], strlen(words[1]),
                                               &e.value, &e.value_hi)) ||
        (cols == 3 && !virCpregTextParseHex64(words[2], strlen(words[2]),
                                              &e.writable))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$u: expected '0x<id> [0x<value> [0x<writable mask>]]'"),
                    b->profile->origin, lineno);
        return FALSE;
    }
    e.flags = (cols >= 2 ? VIR_CPREG_ENTRY_VALUE : 0) |
              (cols == 3 ? VIR_CPREG_ENTRY_WRITABLE : 0);
    if (!parseMarks(words + cols, n - cols, &e)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$u: expected the marks 'predicted [uncertain=0x<mask>] [writable-uncertain] [presence-uncertain]' after the register's columns"),
                    b->profile->origin, lineno);
        return FALSE;
    }
    return virCpregBuilderAdd(b, &e, lineno, error);
}

virCpregProfile *
virCpregProfileParseDump(const char *origin, const char *data, gsize len,
                         GError **error)
{
    g_auto(virCpregBuilder) b = { 0 };
    g_autofree char *copy = g_strndup(data, len);
    char *line = copy, *next;
    guint lineno = 0;

    virCpregBuilderInit(&b, origin, VIR_CPREG_POS_LINE, NULL);
    b.profile->ident.source = g_strdup("dump");
    for (; line; line = next) {
        char *hash;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if ((hash = strchr(line, '#'))) {
            if (hash == line + strspn(line, " \t") &&
                !parseComment(&b, hash, lineno, error))
                return NULL;
            *hash = '\0';
        }
        g_strchomp(line);
        if (!*g_strchug(line))
            continue;
        if (!parseRegisterLine(&b, line, lineno, error))
            return NULL;
    }
    if (b.raw->len == 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: no registers: not a register profile"), origin);
        return NULL;
    }
    return virCpregBuilderFinish(&b, error);
}

/* ---- the writer -------------------------------------------------------- */

/* Does @text read back as itself from a "# key: value" comment? */
static gboolean
commentCarries(const char *text)
{
    const char *p;

    for (p = text; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return FALSE;
    }
    return p == text || (!g_ascii_isspace(*text) && !g_ascii_isspace(p[-1]));
}

/* Can a dump carry all of @profile? It has no syntax for trials, nor for
 * a writable mask without a value. */
static gboolean
dumpCarries(const virCpregProfile *profile)
{
    const virCpregIdentity *ident = &profile->ident;
    size_t i;

    if (profile->trials->len || !ident->source)
        return FALSE;
    if (ident->kernel && (strpbrk(ident->kernel, " \t") ||
                          g_str_has_prefix(ident->kernel, "Linux version")))
        return FALSE;
    for (i = 0; i < virCpregIdentityTextCount; i++) {
        const char *text = virCpregIdentityTextGet(ident, i);
        if (text && !commentCarries(text))
            return FALSE;
    }
    for (i = 0; i < profile->entries->len; i++) {
        if (!(virCpregProfileEntry(profile, i)->flags & VIR_CPREG_ENTRY_VALUE) &&
            (virCpregProfileEntry(profile, i)->flags & VIR_CPREG_ENTRY_WRITABLE))
            return FALSE;
    }
    return TRUE;
}

static void
writeIdentity(GString *out, const virCpregIdentity *ident)
{
    g_autofree char *features = g_strjoinv("+", ident->features);
    size_t i;

    for (i = 0; i < virCpregIdentityTextCount; i++) {
        const char *text = virCpregIdentityTextGet(ident, i);
        if (text)
            g_string_append_printf(out, "# %s: %s\n", virCpregIdentityTexts[i].comment, text);
    }
    if (ident->has_midr)
        g_string_append_printf(out, "# midr: 0x%" PRIx64 "\n", ident->midr);
    g_string_append_printf(out, "# vCPU features: %s%s\n", *features ? features : "base",
                           ident->features_inferred ? " " FEATURES_INFERRED : "");
}

static void
writeMarks(GString *out, const virCpregEntry *e)
{
    if (!(e->flags & VIR_CPREG_ENTRY_PREDICTED))
        return;
    g_string_append(out, " " MARK_PREDICTED);
    if (e->uncertain) {
        g_string_append(out, " " MARK_UNCERTAIN);
        virCpregTextFormatHex64(out, e->uncertain, 1);
    }
    if (e->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN)
        g_string_append(out, " " MARK_WRITABLE_UNCERTAIN);
    if (e->flags & VIR_CPREG_ENTRY_PRESENCE_UNCERTAIN)
        g_string_append(out, " " MARK_PRESENCE_UNCERTAIN);
}

/*
 * @profile as a register dump, the compact form that machines read back:
 * a third of the bytes of the JSON, and a fifth of the work to read.
 * NULL when a dump cannot carry it all (see dumpCarries).
 */
char *
virCpregProfileToDump(const virCpregProfile *profile)
{
    GString *out;
    guint i;

    if (!dumpCarries(profile))
        return NULL;
    out = g_string_sized_new(48 * (profile->entries->len + 12));
    g_string_append(out, "# libvirt-cpreg register profile: one register a line, as its id, value and writable mask in hexadecimal\n");
    writeIdentity(out, &profile->ident);
    g_string_append_printf(out, "# registers: %u\n", profile->entries->len);
    for (i = 0; i < profile->entries->len; i++) {
        const virCpregEntry *e = virCpregProfileEntry(profile, i);
        virCpregTextFormatHex64(out, e->id, 16);
        if (e->flags & VIR_CPREG_ENTRY_VALUE) {
            g_string_append_c(out, ' ');
            virCpregTextFormatHex128(out, e->value, e->value_hi);
        }
        if (e->flags & VIR_CPREG_ENTRY_WRITABLE) {
            g_string_append_c(out, ' ');
            virCpregTextFormatHex64(out, e->writable, 1);
        }
        writeMarks(out, e);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}
