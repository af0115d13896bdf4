/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-profile.c: a profile from memory, its format recognised from the
 * content (our JSON, a Firecracker fingerprint, a register dump, a QEMU
 * migration stream, a libvirt save image) (libFuzzer)
 *
 * What we write of a profile must read back: its JSON as the same
 * registers, its register dump (the metadata we stamp), when a dump can
 * carry it, as the very same profile, down to the JSON it writes; the
 * marks of a prediction too.
 */
#include "config.h"

#include <string.h>

#include "cpreg-profile.h"
#include "fuzz-util.h"

static void
checkDump(const virCpregProfile *p)
{
    g_autofree char *dump = virCpregProfileToDump(p);
    g_autofree char *want = NULL;
    g_autofree char *got = NULL;
    g_autoptr(virCpregProfile) back = NULL;
    g_autoptr(GError) error = NULL;

    if (!dump)
        return;
    back = virCpregProfileParse("dump", dump, strlen(dump), &error);
    FUZZ_CHECK(back, "%s", error->message);
    want = virCpregProfileToJSON(p);
    got = virCpregProfileToJSON(back);
    FUZZ_CHECK(g_str_equal(want, got), "the dump reads back as another profile:\n%s\n%s",
               want, got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(virCpregProfile) p = virCpregProfileParse("fuzz", (const char *)data, size, NULL);
    g_autoptr(virCpregProfile) again = NULL;
    g_autoptr(virCpregProfile) view = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *json = NULL;
    g_autofree char *description = NULL;
    guint i;

    if (!p)
        return 0;
    view = virCpregProfileQemuView(p);
    description = virCpregProfileDescribe(p);
    json = virCpregProfileToJSON(p);
    again = virCpregProfileParse("written", json, strlen(json), &error);
    FUZZ_CHECK(again, "%s", error->message);
    FUZZ_CHECK(virCpregProfileCount(again) == virCpregProfileCount(p), "%u registers, not %u",
               virCpregProfileCount(again), virCpregProfileCount(p));
    FUZZ_CHECK(again->trials->len == p->trials->len, "%u trials, not %u",
               again->trials->len, p->trials->len);
    for (i = 0; i < virCpregProfileCount(p); i++) {
        const virCpregEntry *a = virCpregProfileEntry(p, i);
        const virCpregEntry *b = virCpregProfileEntry(again, i);
        FUZZ_CHECK(a->id == b->id && a->flags == b->flags && a->uncertain == b->uncertain &&
                   (!(a->flags & VIR_CPREG_ENTRY_VALUE) ||
                    (a->value == b->value && a->value_hi == b->value_hi)) &&
                   (!(a->flags & VIR_CPREG_ENTRY_WRITABLE) || a->writable == b->writable),
                   "register %u (%#" G_GINT64_MODIFIER "x) changed", i, a->id);
    }
    FUZZ_CHECK(g_strcmp0(again->ident.kernel, p->ident.kernel) == 0, "kernel changed");
    checkDump(p);
    return 0;
}
