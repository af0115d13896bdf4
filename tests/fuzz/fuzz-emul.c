/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-emul.c: what probe --kernel reads that an image or an emulated
 * guest controls (libFuzzer): the serial console's framing, a kernel
 * image (Image, gzip, EFI zboot) and its release, a newc cpio archive
 *
 * Invariants: a console result with stdout has its exit status; a release
 * is of the grammar; a decoded image has the arm64 header.
 */
#include "config.h"

#include <string.h>

#include "cpreg-emul-priv.h"
#include "fuzz-util.h"

static void
fuzzConsole(const uint8_t *data, size_t size)
{
    g_autoptr(virCpregEmulConsole) c = virCpregEmulConsoleParse((const char *)data, size);
    guint i;

    FUZZ_CHECK(c && c->results, "no console");
    for (i = 0; i < c->results->len; i++) {
        const virCpregEmulResult *r = g_ptr_array_index(c->results, i);
        FUZZ_CHECK(!r->out || r->status >= 0, "stdout without a status");
        FUZZ_CHECK(!r->out == !r->err || r->problem, "half a result without a problem");
    }
    FUZZ_CHECK(!c->release || strspn(c->release, "0123456789") >= 1, "release %s", c->release);
}

static void
fuzzImage(const uint8_t *data, size_t size)
{
    g_autoptr(GBytes) in = g_bytes_new(data, size);
    g_autoptr(GBytes) image = virCpregEmulImageDecode(in, "fuzz", NULL);
    g_autofree char *release = NULL;
    gsize len;
    const guint8 *p;

    if (!image)
        return;
    p = g_bytes_get_data(image, &len);
    FUZZ_CHECK(len >= 64 && memcmp(p + 0x38, "ARM\x64", 4) == 0, "no arm64 header");
    release = virCpregEmulImageFindRelease(image, NULL);
    FUZZ_CHECK(!release || (strlen(release) <= VIR_CPREG_EMUL_RELEASE_MAX &&
                            !strpbrk(release, " /()\n")), "release %s", release);
}

static void
fuzzCpio(const uint8_t *data, size_t size)
{
    g_autoptr(GArray) entries = virCpregCpioParse(data, size, NULL);
    guint i;

    for (i = 0; entries && i < entries->len; i++) {
        const virCpregCpioEntry *e = &g_array_index(entries, virCpregCpioEntry, i);
        FUZZ_CHECK(e->name && *e->name, "an entry without a name");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzzConsole(data, size);
    fuzzImage(data, size);
    fuzzCpio(data, size);
    return 0;
}
