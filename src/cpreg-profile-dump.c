/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-dump.c: read a plain register dump
 *
 *   # kernel: Linux version 6.12.107+deb13-arm64 (...)
 *   # vCPU features: pmu+sve (...)
 *   0x<id> [0x<value> [0x<writable mask>]]
 *
 * Comments may carry identity as "# key: value"; other comments are text.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-text.h"

typedef void (*virCpregDumpKeySetter)(virCpregIdentity *ident,
                                      const char *value);

static void
setKernel(virCpregIdentity *ident, const char *value)
{
    /* "Linux version 6.1.0-50-arm64 (gcc...) #1 SMP" or a bare release */
    if (g_str_has_prefix(value, "Linux version "))
        value += strlen("Linux version ");
    g_free(ident->kernel);
    ident->kernel = g_strndup(value, strcspn(value, " \t"));
}

static void
setHost(virCpregIdentity *ident, const char *value)
{
    g_free(ident->host);
    ident->host = g_strdup(value);
}

static void
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
}

static void
setQemu(virCpregIdentity *ident, const char *value)
{
    g_free(ident->qemu);
    ident->qemu = g_strdup(value);
}

static void
setSource(virCpregIdentity *ident, const char *value)
{
    g_free(ident->source);
    ident->source = g_strdup(value);
}

typedef struct {
    const char *key;
    virCpregDumpKeySetter set;
} virCpregDumpKey;

/* The comment keys the lab's dumps (tests/fixtures/lab) carry. */
static const virCpregDumpKey dumpKeys[] = {
    { "kernel", setKernel },
    { "host CPU", setHost },
    { "vCPU features", setFeatures },
    { "qemu", setQemu },
    { "source", setSource },
};

static void
parseComment(virCpregIdentity *ident, const char *text)
{
    size_t i;

    while (*text == '#' || g_ascii_isspace(*text))
        text++;
    for (i = 0; i < G_N_ELEMENTS(dumpKeys); i++) {
        size_t n = strlen(dumpKeys[i].key);
        if (g_ascii_strncasecmp(text, dumpKeys[i].key, n) == 0 &&
            text[n] == ':') {
            dumpKeys[i].set(ident, g_strstrip((char *)text + n + 1));
            return;
        }
    }
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

static gboolean
parseRegisterLine(virCpregBuilder *b, char *line, guint lineno,
                  GError **error)
{
    char *words[3];
    guint n = splitWords(line, words, 3);
    virCpregEntry e = { 0 };

    if (n > 3 || !virCpregTextParseHex64(words[0], strlen(words[0]), &e.id) ||
        (n >= 2 && !virCpregTextParseHex128(words[1], strlen(words[1]),
                                            &e.value, &e.value_hi)) ||
        (n == 3 && !virCpregTextParseHex64(words[2], strlen(words[2]),
                                           &e.writable))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s:%2$u: expected '0x<id> [0x<value> [0x<writable mask>]]'"),
                    b->profile->origin, lineno);
        return FALSE;
    }
    e.flags = (n >= 2 ? VIR_CPREG_ENTRY_VALUE : 0) |
              (n == 3 ? VIR_CPREG_ENTRY_WRITABLE : 0);
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
            if (hash == line + strspn(line, " \t"))
                parseComment(&b.profile->ident, hash);
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
