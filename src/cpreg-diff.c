/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-diff.c: the named differences of two register profiles
 */
#include "config.h"

#include "cpreg-diff.h"
#include "cpreg-id.h"
#include "cpreg-value.h"

static unsigned int
entryChanges(const virCpregEntry *a, const virCpregEntry *b)
{
    unsigned int changes = 0;

    if ((a->flags & b->flags & VIR_CPREG_ENTRY_VALUE) &&
        (a->value != b->value || a->value_hi != b->value_hi))
        changes |= VIR_CPREG_DIFF_VALUE;
    if ((a->flags & b->flags & VIR_CPREG_ENTRY_WRITABLE) &&
        a->writable != b->writable)
        changes |= VIR_CPREG_DIFF_WRITABLE;
    return changes;
}

/*
 * One walk over both sorted lists. The items point into @a and @b, which
 * must outlive the result; they come in ascending id order.
 */
GArray *
virCpregDiff(const virCpregProfile *a, const virCpregProfile *b)
{
    guint na = virCpregProfileCount(a), nb = virCpregProfileCount(b);
    GArray *items = g_array_sized_new(FALSE, FALSE, sizeof(virCpregDiffItem), 32);
    guint i = 0, j = 0;

    while (i < na || j < nb) {
        virCpregDiffItem item = { 0 };

        if (j == nb || (i < na && virCpregProfileEntry(a, i)->id <
                                  virCpregProfileEntry(b, j)->id)) {
            item.kind = VIR_CPREG_DIFF_ONLY_A;
            item.a = virCpregProfileEntry(a, i++);
        } else if (i == na || virCpregProfileEntry(b, j)->id <
                              virCpregProfileEntry(a, i)->id) {
            item.kind = VIR_CPREG_DIFF_ONLY_B;
            item.b = virCpregProfileEntry(b, j++);
        } else {
            item.a = virCpregProfileEntry(a, i++);
            item.b = virCpregProfileEntry(b, j++);
            if (!(item.changes = entryChanges(item.a, item.b)))
                continue;
            item.kind = VIR_CPREG_DIFF_CHANGED;
        }
        g_array_append_val(items, item);
    }
    return items;
}

static int
fieldWritable(const virCpregField *f, const virCpregEntry *b)
{
    guint64 mask = virCpregFieldMask(f);

    if (!(b->flags & VIR_CPREG_ENTRY_WRITABLE))
        return -1;
    if ((b->writable & mask) == mask)
        return 1;
    return (b->writable & mask) ? 2 : 0;
}

/*
 * The fields of a register with field data (ID registers, CCSIDR...)
 * whose values differ between @a and @b; at most @max of them.
 */
guint
virCpregDiffFields(const virCpregEntry *a, const virCpregEntry *b,
                   virCpregFieldChange *out, guint max)
{
    size_t nfields, i;
    const virCpregField *fields = virCpregIdFields(a->id, &nfields);
    guint n = 0;

    if (!(a->flags & b->flags & VIR_CPREG_ENTRY_VALUE))
        return 0;
    for (i = 0; i < nfields && n < max; i++) {
        guint64 va = virCpregFieldGet(&fields[i], a->value);
        guint64 vb = virCpregFieldGet(&fields[i], b->value);
        if (va == vb)
            continue;
        out[n].field = &fields[i];
        out[n].a = va;
        out[n].b = vb;
        out[n].writable_on_b = fieldWritable(&fields[i], b);
        n++;
    }
    return n;
}
