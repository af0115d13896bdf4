/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-profile-builder.c: what every profile reader builds with: raw
 * entries with their positions, sorted, identical duplicates folded,
 * conflicting ones refused with both positions named
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "cpreg-profile-priv.h"
#include "cpreg-error.h"
#include "cpreg-id.h"

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

/* Uncertainty is a mark of a prediction, on what the entry carries. */
gboolean
virCpregBuilderMarksValid(const virCpregEntry *e)
{
    if (!(e->flags & VIR_CPREG_ENTRY_PREDICTED))
        return !virCpregEntryUncertain(e);
    if (e->uncertain && !(e->flags & VIR_CPREG_ENTRY_VALUE))
        return FALSE;
    return !(e->flags & VIR_CPREG_ENTRY_WRITABLE_UNCERTAIN) ||
           (e->flags & VIR_CPREG_ENTRY_WRITABLE);
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
    if (!virCpregBuilderMarksValid(entry)) {
        g_autofree char *where = builderPos(b, pos);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%s: an uncertain mark needs a predicted value or writable mask"),
                    where);
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
           a->value_hi == b->value_hi && a->writable == b->writable &&
           a->uncertain == b->uncertain;
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
