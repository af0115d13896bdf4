/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * testutils.c: what the tests share
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "testutils.h"

char *
testFixture(const char *relative)
{
    return g_build_filename(FIXTUREDIR, relative, NULL);
}

/* For g_ptr_array_sort() of strings. */
int
testCompareStrings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every real register data file under tests/fixtures, sorted. */
GPtrArray *
testFixtureFiles(void)
{
    static const char *const dirs[] = { "lab", "firecracker" };
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *dir = testFixture(dirs[i]);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        g_assert_nonnull(d);
        while ((name = g_dir_read_name(d))) {
            if (g_str_has_suffix(name, ".regs") || g_str_has_suffix(name, ".json"))
                g_ptr_array_add(files, g_build_filename(dir, name, NULL));
        }
    }
    g_ptr_array_sort(files, testCompareStrings);
    return files;
}

/* Writes @data into a fresh file in a private temporary directory. */
char *
testWriteTemp(const char *name, const char *data, gssize len)
{
    static char *dir;
    char *path;

    if (!dir)
        dir = g_dir_make_tmp("cpreg-test-XXXXXX", NULL);
    g_assert_nonnull(dir);
    path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

/* rm -rf @dir: what a test made under its temporary directory. */
void
testRemoveTree(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                 NULL, NULL, NULL, NULL);
}

/* A domain XML with @edit applied (the XML must parse). */
char *
testRewrite(const char *xml, gsize len, const virCpregDomainEdit *edit)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregDomain) d = virCpregDomainParse("guest", xml, len, &error);

    if (!d)
        g_error("%s", error->message);
    return virCpregDomainRewrite(d, edit);
}
