/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * testutils.c: what the tests share
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/*
 * A journal for the program under test: a datagram socket bound at @path
 * (VIRT_CPREG_LOG_SOCKET points it there), with room for a burst of
 * messages; aborts the test when it cannot be made.
 */
int
testJournalSocket(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int size = 1 << 20;

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        g_error("journal socket %s: %s", path, g_strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return fd;
}

/* Everything the journal socket @fd received so far, concatenated. */
char *
testJournalDrain(int fd)
{
    GString *all = g_string_new(NULL);
    char buf[65536];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        g_string_append_len(all, buf, n);
    return g_string_free(all, FALSE);
}
