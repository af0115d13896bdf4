/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-qemu.c: what each QEMU release does with an incoming cpreg list
 *
 * The releases are rows of cpreg-knowledge.c; a release between two rows
 * behaves like the older row.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "cpreg-qemu.h"
#include "cpreg-error.h"
#include "cpreg-knowledge.h"
#include "cpreg-util.h"

const virCpregQemuModel *
virCpregQemuModels(size_t *count)
{
    return virCpregKnowledgeQemu(count);
}

/* "10.0.2", "1:10.0.2+ds-1~bpo12+1", "11.1" → major, minor */
gboolean
virCpregQemuParseVersion(const char *version, unsigned int *major,
                         unsigned int *minor)
{
    const char *p = strchr(version, ':');
    char *end;
    unsigned long ma, mi;

    p = p ? p + 1 : version;
    if (!g_ascii_isdigit(*p))
        return FALSE;
    ma = strtoul(p, &end, 10);
    if (*end != '.' || !g_ascii_isdigit(end[1]))
        return FALSE;
    mi = strtoul(end + 1, &end, 10);
    if (ma > 1000 || mi > 1000)
        return FALSE;
    *major = (unsigned int)ma;
    *minor = (unsigned int)mi;
    return TRUE;
}

/*
 * The model of @version: the newest row not newer than it. *note says
 * when that is not an exact match (NULL when it is).
 */
const virCpregQemuModel *
virCpregQemuModelFor(const char *version, const char **note)
{
    size_t n, i;
    const virCpregQemuModel *qemuModels = virCpregKnowledgeQemu(&n);
    const virCpregQemuModel *best = NULL;
    unsigned int major, minor;

    *note = NULL;
    if (!version || !virCpregQemuParseVersion(version, &major, &minor)) {
        *note = _("destination QEMU version unknown: modelled as the oldest known behaviour");
        return &qemuModels[0];
    }
    for (i = 0; i < n; i++) {
        const virCpregQemuModel *m = &qemuModels[i];
        if (m->major < major || (m->major == major && m->minor <= minor))
            best = m;
    }
    if (!best) {
        *note = _("older than any modelled QEMU: modelled as the oldest known behaviour");
        return &qemuModels[0];
    }
    if (best->major != major || best->minor != minor)
        *note = _("no exact model: modelled as the nearest older release");
    return best;
}

/* @model's tolerance for @id: its own or an older release's. */
const virCpregTolerance *
virCpregQemuTolerance(const virCpregQemuModel *model, guint64 id, gboolean tcg)
{
    size_t n, i;
    const virCpregQemuModel *releases = virCpregKnowledgeQemu(&n);
    const virCpregTolerance *t;

    for (i = 0; i < n && &releases[i] <= model; i++) {
        for (t = releases[i].tolerates; t && t->id; t++) {
            if (t->id == id && t->tcg == tcg)
                return t;
        }
    }
    return NULL;
}

/* The oldest modelled QEMU that tolerates @id, or NULL. */
const virCpregQemuModel *
virCpregQemuFirstTolerating(guint64 id, gboolean tcg)
{
    size_t n, i;
    const virCpregQemuModel *releases = virCpregKnowledgeQemu(&n);

    for (i = 0; i < n; i++) {
        if (virCpregQemuTolerance(&releases[i], id, tcg))
            return &releases[i];
    }
    return NULL;
}

#define VERSION_TIMEOUT_MS 5000
#define VERSION_MAX_BYTES 4096

/* Reads at most @max bytes from @fd until EOF or @deadline. */
static gsize
readBounded(int fd, char *buf, gsize max, virCpregDeadline deadline)
{
    gsize len = 0;

    while (len < max) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int left = virCpregDeadlineRemainingMs(deadline);
        ssize_t n;
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            break;
        n = read(fd, buf + len, max - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (gsize)n;
    }
    return len;
}

/*
 * "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-1~bpo12+1)" from
 * `EMULATOR --version`, run with a time bound and killed past it.
 * @emulator is an absolute path, never looked up in PATH; whether it may
 * be run at all is the caller's to decide (virCpregConfEmulatorAllowed
 * for one a domain XML names).
 */
char *
virCpregQemuBinaryVersion(const char *emulator, GError **error)
{
    const char *argv[] = { emulator, "--version", NULL };
    g_autoptr(GError) err = NULL;
    char buf[VERSION_MAX_BYTES + 1];
    unsigned int major, minor;
    const char *p;
    GPid pid;
    int out;
    gsize len;
    g_autofree char *shown = g_strescape(emulator ? emulator : "", NULL);

    if (!emulator || !g_path_is_absolute(emulator)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%s' is not an absolute path"), shown);
        return NULL;
    }
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                  NULL, NULL, &pid, NULL, &out, NULL, &err)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot run '%1$s': %2$s"), shown, err->message);
        return NULL;
    }
    len = readBounded(out, buf, VERSION_MAX_BYTES, virCpregDeadlineIn(VERSION_TIMEOUT_MS));
    buf[len] = '\0';
    close(out);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
    p = strstr(buf, "version ");
    if (!p || !virCpregQemuParseVersion(p + strlen("version "), &major, &minor)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("'%s --version' did not print a QEMU version in time"), shown);
        return NULL;
    }
    p += strlen("version ");
    return g_strndup(p, strspn(p, "0123456789."));
}
