/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-emul.c: the KVM profile of an arm64 kernel no host runs yet,
 * measured in an emulated machine (cpreg-emul.h)
 *
 * The machine: qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
 * -accel tcg, one vCPU, no devices but the PL011 on a pipe. The kernel
 * runs at EL2 and offers KVM; the initramfs (cpreg-emul-image.c) has the
 * static probe as /init, which probes each configuration in turn, prints
 * the results framed on the console (src/probe/virt-cpreg-probe.c,
 * "Console mode") and powers off. The QEMU gets what the scratch QEMU of
 * cpreg-qemu-probe.c gets (the QEMU user, seccomp, its own process group,
 * death with its parent), a private directory named after this process
 * (removed after, or by the next probe if this one was killed) and a
 * deadline, after which it is killed and reaped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cpreg-emul.h"
#include "cpreg-emul-priv.h"
#include "cpreg-cache.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-profile-priv.h"
#include "cpreg-qemu-probe.h"
#include "cpreg-util.h"

#define DEFAULT_EMULATOR "qemu-system-aarch64"
#define DEFAULT_CPU "max"
#define STATIC_PROBE_NAME "virt-cpreg-probe-aarch64-static"
#define STATIC_PROBE_MAX (32 * 1024 * 1024)
#define EMUL_SOURCE "emulated-kvm-probe"
#define EMUL_CACHE_SYSTEM "/var/cache/libvirt-cpreg"
#define POWEROFF_WAIT_MS 3000
#define MESSAGE_MAX 1024
#define ELF_MACHINE_AARCH64 183

/* The probe's configurations, in its order (probe_features[]). */
static const char *const emulFeatures[] = { "pmu", "sve", "pauth" };

/* ---- the console ---------------------------------------------------------- */

guint64
virCpregEmulFnv1a(const guint8 *data, gsize len)
{
    guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325);
    gsize i;

    for (i = 0; i < len; i++) {
        h ^= data[i];
        h *= G_GUINT64_CONSTANT(0x100000001b3);
    }
    return h;
}

static void
resultFree(gpointer p)
{
    virCpregEmulResult *r = p;

    g_free(r->config);
    g_free(r->problem);
    g_clear_pointer(&r->out, g_bytes_unref);
    g_clear_pointer(&r->err, g_bytes_unref);
    g_free(r);
}

void
virCpregEmulConsoleFree(virCpregEmulConsole *console)
{
    if (!console)
        return;
    g_free(console->release);
    g_ptr_array_unref(console->results);
    g_free(console);
}

/* "@@CPREG-WORD rest@@": rest, or NULL */
static const char *
marker(const char *line, const char *word)
{
    gsize n = strlen(word);
    gsize len = strlen(line);

    if (!g_str_has_prefix(line, "@@CPREG-") || strncmp(line + 8, word, n) != 0 ||
        len < 8 + n + 2 || !g_str_has_suffix(line, "@@"))
        return NULL;
    if (len == 8 + n + 2)
        return "";
    return line[8 + n] == ' ' ? line + 8 + n + 1 : NULL;
}

static gboolean
isBase64Line(const char *line)
{
    gsize n = strlen(line);

    return n > 0 && n % 4 == 0 &&
           strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == n;
}

static gboolean
isConfigWord(const char *s, gsize len)
{
    return len > 0 && len < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz,") >= len;
}

typedef struct {
    gsize len;
    guint64 hash;
    GString *b64;
} Block;

/* "LEN HASH" of an OUT or ERR marker */
static gboolean
blockStart(Block *b, const char *rest)
{
    char *end;
    guint64 len;

    if (!g_ascii_isdigit(*rest))
        return FALSE;
    len = g_ascii_strtoull(rest, &end, 10);
    if (*end != ' ' || len > VIR_CPREG_EMUL_CONSOLE_MAX || strlen(end + 1) != 16 + 2 ||
        strspn(end + 1, "0123456789abcdef") != 16)
        return FALSE;
    b->len = (gsize)len;
    b->hash = g_ascii_strtoull(end + 1, NULL, 16);
    if (b->b64)
        g_string_truncate(b->b64, 0);
    else
        b->b64 = g_string_new(NULL);
    return TRUE;
}

/* The block's bytes, if exactly what the probe framed. */
static GBytes *
blockBytes(const Block *b)
{
    g_autofree guint8 *data = NULL;
    gsize len = 0;

    if (!b->b64)
        return NULL;
    if (b->b64->len == 0)
        return b->len == 0 && b->hash == virCpregEmulFnv1a(NULL, 0) ? g_bytes_new(NULL, 0) : NULL;
    data = g_base64_decode(b->b64->str, &len);
    if (len != b->len || virCpregEmulFnv1a(data, len) != b->hash)
        return NULL;
    return g_bytes_new_take(g_steal_pointer(&data), len);
}

typedef struct {
    virCpregEmulConsole *console;
    virCpregEmulResult *cur;    /* between BEGIN and END */
    Block blocks[2];            /* OUT, ERR */
    Block *block;               /* the one base64 lines go to */
} ConsoleParser;

static void
parseBegin(ConsoleParser *p, const char *rest)
{
    char *end;
    guint64 n = g_ascii_strtoull(rest, &end, 10);
    gsize wordLen;

    p->cur = NULL;
    p->block = NULL;
    if (end == rest || *end != ' ' || n != p->console->results->len + 1)
        return;
    wordLen = strlen(end + 1) - 2;
    if (!isConfigWord(end + 1, wordLen))
        return;
    p->cur = g_new0(virCpregEmulResult, 1);
    p->cur->config = g_strndup(end + 1, wordLen);
    p->cur->status = -1;
    g_ptr_array_add(p->console->results, p->cur);
    if (p->blocks[0].b64)
        g_string_truncate(p->blocks[0].b64, 0);
    if (p->blocks[1].b64)
        g_string_truncate(p->blocks[1].b64, 0);
    p->blocks[0].len = p->blocks[1].len = G_MAXSIZE;
}

static void
parseEnd(ConsoleParser *p, const char *rest)
{
    char *end;
    guint64 n = g_ascii_strtoull(rest, &end, 10);
    guint64 status;

    if (!p->cur || end == rest || *end != ' ' || n != p->console->results->len)
        return;
    if (!g_ascii_isdigit(end[1]))
        return;
    status = g_ascii_strtoull(end + 1, &end, 10);
    if (status > 255 || !g_str_equal(end, "@@"))
        return;
    p->cur->status = (int)status;
    p->cur->out = blockBytes(&p->blocks[0]);
    p->cur->err = blockBytes(&p->blocks[1]);
    if (!p->cur->out || !p->cur->err)
        p->cur->problem = g_strdup(_("its output was garbled on the console"));
    p->cur = NULL;
    p->block = NULL;
}

static void
parseLine(ConsoleParser *p, char *line)
{
    const char *rest;
    gsize n, to = 0;

    /* the PL011 and the tty layer may add carriage returns anywhere */
    for (n = 0; line[n]; n++) {
        if (line[n] != '\r')
            line[to++] = line[n];
    }
    line[to] = '\0';
    if (!p->console->release && (rest = marker(line, "BOOTED"))) {
        n = strlen(rest) - 2;
        if (n > 0 && n <= VIR_CPREG_EMUL_RELEASE_MAX && g_ascii_isdigit(rest[0]) &&
            strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+~-") == n)
            p->console->release = g_strndup(rest, n);
    } else if (!p->console->release) {
        return;                  /* firmware and kernel, before the probe */
    } else if ((rest = marker(line, "BEGIN"))) {
        parseBegin(p, rest);
    } else if ((rest = marker(line, "OUT")) || (rest = marker(line, "ERR"))) {
        Block *b = &p->blocks[line[8] == 'O' ? 0 : 1];
        p->block = p->cur && blockStart(b, rest) ? b : NULL;
    } else if ((rest = marker(line, "END"))) {
        parseEnd(p, rest);
    } else if (marker(line, "USAGE")) {
        p->console->usage = TRUE;
    } else if (marker(line, "DONE")) {
        p->console->done = TRUE;
        p->cur = NULL;
        p->block = NULL;
    } else if (p->block && isBase64Line(line)) {
        if (p->block->b64->len <= (VIR_CPREG_EMUL_CONSOLE_MAX / 3 + 1) * 4)
            g_string_append(p->block->b64, line);
    }
    /* anything else: a kernel message */
}

virCpregEmulConsole *
virCpregEmulConsoleParse(const char *text, gsize len)
{
    g_autoptr(virCpregEmulConsole) console = g_new0(virCpregEmulConsole, 1);
    ConsoleParser p = { .console = console };
    gsize pos = 0;
    size_t i;

    console->results = g_ptr_array_new_with_free_func(resultFree);
    while (pos < len && !console->done) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        gsize n = nl ? (gsize)(nl - (text + pos)) : len - pos;
        g_autofree char *line = NULL;

        if (!nl)
            break;               /* a line cut off by the end of the output */
        if (n < 4096 && !memchr(text + pos, '\0', n)) {
            line = g_strndup(text + pos, n);
            parseLine(&p, line);
        }
        pos += n + 1;
    }
    for (i = 0; i < G_N_ELEMENTS(p.blocks); i++) {
        if (p.blocks[i].b64)
            g_string_free(p.blocks[i].b64, TRUE);
    }
    return g_steal_pointer(&console);
}

/* ---- what the probe needs ------------------------------------------------- */

char *
virCpregEmulCacheDir(void)
{
    const char *env = g_getenv("VIRT_CPREG_CACHE_DIR");

    if (env && *env)
        return g_strdup(env);
    if (geteuid() == 0)
        return g_strdup(EMUL_CACHE_SYSTEM);
    return g_build_filename(g_get_user_cache_dir(), "libvirt-cpreg", NULL);
}

/* $VIRT_CPREG_STATIC_PROBE, else next to the running binary (a build
 * tree), else where the packages install it. */
static char *
findStaticProbe(void)
{
    const char *env = g_getenv("VIRT_CPREG_STATIC_PROBE");
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
    g_autofree char *local = dir ? g_build_filename(dir, STATIC_PROBE_NAME, NULL) : NULL;

    if (env && *env)
        return g_strdup(env);
    if (local && g_file_test(local, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&local);
    return g_build_filename(LIBEXECDIR, "libvirt-cpreg", STATIC_PROBE_NAME, NULL);
}

/* The static probe: an arm64 ELF executable. */
static GBytes *
loadStaticProbe(GError **error)
{
    g_autofree char *path = findStaticProbe();
    g_autofree char *data = NULL;
    gsize len = 0;
    struct stat st;

    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_PROBE_MAX ||
        !g_file_get_contents(path, &data, &len, NULL)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("the static arm64 probe '%s' is missing (built with -Dstatic-probe; VIRT_CPREG_STATIC_PROBE names another)"),
                    path);
        return NULL;
    }
    /* ELF, 64-bit, little-endian, e_machine EM_AARCH64 */
    if (len < 20 || memcmp(data, "\177ELF\2\1", 6) != 0 ||
        (guint8)data[18] != ELF_MACHINE_AARCH64 || data[19] != 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("'%s' is not an arm64 executable"), path);
        return NULL;
    }
    return g_bytes_new_take(g_steal_pointer(&data), len);
}

/* "base", or the features in the probe's order: "pmu,sve". */
static char *
configWord(const char *const *features, GError **error)
{
    g_autoptr(GPtrArray) on = g_ptr_array_new();
    size_t i;

    for (i = 0; features && features[i]; i++) {
        if (*features[i] && !g_strv_contains(emulFeatures, features[i])) {
            g_autofree char *shown = g_strescape(features[i], NULL);
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                        _("unknown vCPU feature '%s' (known: pmu, sve, pauth)"), shown);
            return NULL;
        }
    }
    for (i = 0; i < G_N_ELEMENTS(emulFeatures); i++) {
        if (features && g_strv_contains(features, emulFeatures[i]))
            g_ptr_array_add(on, (gpointer)emulFeatures[i]);
    }
    if (!on->len)
        return g_strdup("base");
    g_ptr_array_add(on, NULL);
    return g_strjoinv(",", (char **)on->pdata);
}

/* Shown in an error: valid UTF-8, no control characters, bounded. */
static char *
shownText(const guint8 *data, gsize len)
{
    g_autofree char *valid = NULL;
    char *p;

    if (!data || !len)
        return g_strdup("");
    valid = g_utf8_make_valid((const char *)data, (gssize)MIN(len, MESSAGE_MAX));

    for (p = valid; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return g_strdup(g_strstrip(valid));
}

/* ---- the boot ------------------------------------------------------------- */

typedef struct {
    char *dir;
    char *kernel;
    char *initrd;
    char *errlog;
    virCpregQemuChild child;
    int outfd;
    virCpregQemuConfine confine;
    virCpregDeadline deadline;
} EmulRun;

static void
runKill(EmulRun *run)
{
    virCpregQemuChildKill(&run->child, TRUE);
    if (run->outfd >= 0)
        close(run->outfd);
    run->outfd = -1;
}

static void
runClear(EmulRun *run)
{
    const char *files[] = { run->kernel, run->initrd, run->errlog };
    size_t i;

    runKill(run);
    for (i = 0; run->dir && i < G_N_ELEMENTS(files); i++) {
        if (files[i])
            g_unlink(files[i]);
    }
    if (run->dir)
        g_rmdir(run->dir);
    g_clear_pointer(&run->dir, g_free);
    g_clear_pointer(&run->kernel, g_free);
    g_clear_pointer(&run->initrd, g_free);
    g_clear_pointer(&run->errlog, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EmulRun, runClear);

static gboolean
writePrivate(const char *path, GBytes *data, GError **error)
{
    gsize len;
    const char *p = g_bytes_get_data(data, &len);
    int fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    int err = fd < 0 ? errno : 0;

    while (!err && len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        p += n;
        len -= (gsize)n;
    }
    if (fd >= 0 && close(fd) < 0 && !err)
        err = errno;
    if (err)
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("cannot write '%1$s': %2$s"), path, g_strerror(err));
    return !err;
}

/* The private directory (readable by the QEMU user), the kernel and the
 * initramfs in it. */
static gboolean
prepareRun(EmulRun *run, GBytes *image, GBytes *initrd, GError **error)
{
    if (!(run->dir = virCpregQemuRunDir("emul", &run->confine, error)))
        return FALSE;
    run->kernel = g_build_filename(run->dir, "Image", NULL);
    run->initrd = g_build_filename(run->dir, "initrd.cpio", NULL);
    run->errlog = g_build_filename(run->dir, "stderr", NULL);
    return writePrivate(run->kernel, image, error) && writePrivate(run->initrd, initrd, error);
}

static gboolean
startQemu(EmulRun *run, const char *emulator, const char *cpu,
          const char *append, gboolean sandbox, GError **error)
{
    const char *argv[] = {
        emulator, "-M", "virt,virtualization=on,gic-version=3", "-accel", "tcg",
        "-cpu", cpu, "-smp", "1", "-m", "512", "-nodefaults", "-no-user-config",
        "-display", "none", "-no-reboot", "-nic", "none", "-serial", "stdio",
        "-kernel", run->kernel, "-initrd", run->initrd, "-append", append,
        sandbox ? "-sandbox" : NULL, VIR_CPREG_QEMU_SANDBOX "deny", NULL,
    };

    return virCpregQemuSpawn(argv, &run->confine, run->errlog, &run->child, &run->outfd, error);
}

/* The console until QEMU's end (a moment after the probe's last marker:
 * the machine powers off), the bound or the deadline (FALSE). */
static gboolean
readConsole(EmulRun *run, GString *console)
{
    static const char done[] = "@@CPREG-DONE@@";
    gboolean seen = FALSE;
    char buf[65536];

    for (;;) {
        struct pollfd pfd = { .fd = run->outfd, .events = POLLIN };
        int ms = virCpregDeadlineRemainingMs(run->deadline);
        ssize_t n;
        int rc;

        if (ms == 0)
            return seen;
        rc = poll(&pfd, 1, ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return rc == 0 ? FALSE : TRUE;
        n = read(run->outfd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return TRUE;         /* QEMU is gone */
        if (console->len + (gsize)n > VIR_CPREG_EMUL_CONSOLE_MAX)
            return TRUE;
        g_string_append_len(console, buf, n);
        if (!seen && g_strstr_len(console->str + MAX(console->len, (gsize)n + sizeof(done)) -
                                  ((gsize)n + sizeof(done)), -1, done)) {
            seen = TRUE;
            run->deadline = virCpregDeadlineIn(MIN((guint)ms, POWEROFF_WAIT_MS));
        }
    }
}

/* QEMU's end after the probe powered the machine off (bounded), else it
 * is killed. */
static void
awaitExit(EmulRun *run)
{
    virCpregDeadline until = virCpregDeadlineIn(POWEROFF_WAIT_MS);

    while (virCpregQemuChildRunning(&run->child) && !virCpregDeadlineExpired(until))
        g_usleep(10000);
    runKill(run);
}

static char *
qemuSaid(const EmulRun *run)
{
    gsize len = 0;
    g_autofree char *text = virCpregQemuReadLog(run->errlog, MESSAGE_MAX, &len);

    if (!text || !len)
        return g_strdup(_("no message"));
    return shownText((const guint8 *)text, len);
}

/* The console's last lines, for an error. */
static char *
consoleTail(const GString *console)
{
    gsize from = console->len > 600 ? console->len - 600 : 0;

    return console->len ? shownText((const guint8 *)console->str + from, console->len - from)
                        : g_strdup(_("nothing"));
}

/*
 * Boots @image with @initrd, the probe to run each of @configs, and
 * returns what it printed.
 */
static virCpregEmulConsole *
bootProbe(const char *emulator, const char *cpu, GBytes *image, GBytes *initrd,
          char **configs, GError **error)
{
    g_auto(EmulRun) run = { .outfd = -1 };
    g_autoptr(GString) console = g_string_new(NULL);
    g_autoptr(GString) append = g_string_new("console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=1 --");
    g_autoptr(virCpregEmulConsole) parsed = NULL;
    g_autofree char *said = NULL;
    gboolean sandbox = TRUE;
    gboolean inTime;
    size_t i;

    for (i = 0; configs[i]; i++)
        g_string_append_printf(append, " --config %s", configs[i]);
    run.deadline = virCpregDeadlineIn(VIR_CPREG_EMUL_TIMEOUT_MS);
    if (!prepareRun(&run, image, initrd, error))
        return NULL;
    for (;;) {
        if (!startQemu(&run, emulator, cpu, append->str, sandbox, error))
            return NULL;
        inTime = readConsole(&run, console);
        awaitExit(&run);
        said = qemuSaid(&run);
        /* a QEMU built without seccomp refuses -sandbox: the user and
         * the rest still confine it */
        if (!sandbox || console->len || (!strstr(said, "sandbox") && !strstr(said, "seccomp")))
            break;
        sandbox = FALSE;
        g_clear_pointer(&said, g_free);
    }
    parsed = virCpregEmulConsoleParse(console->str, console->len);
    if (!parsed->done) {
        g_autofree char *tail = consoleTail(console);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    inTime ? _("the emulated machine gave no complete answer (the emulator said: %1$s; the console ended with: %2$s)")
                           : _("the emulated machine timed out (the emulator said: %1$s; the console ended with: %2$s)"),
                    said, tail);
        return NULL;
    }
    if (parsed->usage || parsed->results->len != g_strv_length(configs)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("the probe in the emulated machine refused its arguments"));
        return NULL;
    }
    return g_steal_pointer(&parsed);
}

/* ---- profiles ------------------------------------------------------------- */

typedef struct {
    const char *emulator;        /* absolute */
    const char *cpu;
    GBytes *image;
    char *release;
    GBytes *initrd;
    char *version;               /* the emulator's */
    char *digest;                /* SHA-256 of the image and the initramfs */
    char **configs;              /* NULL-terminated */
    guint n;
    virCpregProfile **got;       /* per configuration, from a boot */
    GError **errors;
    gboolean booted;
    guint current;               /* the configuration the cache asks for */
} EmulJob;

static void
jobClear(EmulJob *job)
{
    guint i;

    for (i = 0; i < job->n; i++) {
        if (job->got)
            g_clear_pointer(&job->got[i], virCpregProfileFree);
        if (job->errors)
            g_clear_error(&job->errors[i]);
    }
    g_free(job->got);
    g_free(job->errors);
    g_clear_pointer(&job->image, g_bytes_unref);
    g_clear_pointer(&job->initrd, g_bytes_unref);
    g_free(job->release);
    g_free(job->version);
    g_free(job->digest);
    g_strfreev(job->configs);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EmulJob, jobClear);

/* One configuration's result as a profile with the emulated identity. */
static virCpregProfile *
resultProfile(const EmulJob *job, const char *guestRelease,
              const virCpregEmulResult *r, GError **error)
{
    g_autofree char *origin = g_strdup_printf(_("the emulated probe of %1$s (%2$s)"),
                                              job->release, r->config);
    g_autoptr(virCpregProfile) profile = NULL;
    gsize len;
    const guint8 *out;

    if (r->problem || r->status < 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                    _("%1$s: %2$s"), origin, r->problem ? r->problem : _("no result"));
        return NULL;
    }
    if (r->status != 0) {
        g_autofree char *said = shownText(g_bytes_get_data(r->err, NULL), g_bytes_get_size(r->err));
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("%1$s failed (status %2$d): %3$s"), origin, r->status,
                    *said ? said : _("no message"));
        return NULL;
    }
    out = g_bytes_get_data(r->out, &len);
    if (!(profile = virCpregProfileParse(origin, (const char *)out, len, error)))
        return NULL;
    if (g_strcmp0(guestRelease, job->release) != 0) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the image says it is Linux %1$s, the booted kernel says %2$s"),
                    job->release, guestRelease);
        return NULL;
    }
    g_free(profile->ident.kernel);
    profile->ident.kernel = g_strdup(job->release);
    g_free(profile->ident.source);
    profile->ident.source = g_strdup(EMUL_SOURCE);
    g_free(profile->ident.accel);
    profile->ident.accel = g_strdup("kvm");
    g_free(profile->ident.host);
    profile->ident.host = g_strdup_printf("QEMU %s TCG -cpu %s, virtualization=on",
                                          job->version, job->cpu);
    g_free(profile->origin);
    profile->origin = g_steal_pointer(&origin);
    return g_steal_pointer(&profile);
}

/* Boots once for configurations @from.. of @job; fills got[] and errors[]. */
static void
jobBoot(EmulJob *job, guint from)
{
    g_autoptr(virCpregEmulConsole) console = NULL;
    g_autoptr(GError) err = NULL;
    guint i;

    job->booted = TRUE;
    console = bootProbe(job->emulator, job->cpu, job->image, job->initrd,
                        job->configs + from, &err);
    for (i = from; i < job->n; i++) {
        const virCpregEmulResult *r = console ? g_ptr_array_index(console->results, i - from) : NULL;

        if (!console)
            job->errors[i] = g_error_copy(err);
        else if (!g_str_equal(r->config, job->configs[i]))
            g_set_error(&job->errors[i], VIR_CPREG_ERROR, VIR_CPREG_ERROR_INTERNAL,
                        _("the emulated probe answered for '%1$s' where '%2$s' was asked"),
                        r->config, job->configs[i]);
        else
            job->got[i] = resultProfile(job, console->release, r, &job->errors[i]);
    }
}

static virCpregProfile *
jobProbe(gpointer opaque, GError **error)
{
    EmulJob *job = opaque;
    guint i = job->current;

    if (!job->booted)
        jobBoot(job, i);
    if (job->errors[i]) {
        g_propagate_error(error, g_steal_pointer(&job->errors[i]));
        return NULL;
    }
    return g_steal_pointer(&job->got[i]);
}

/* The job's checked inputs: nothing runs before they are. */
static gboolean
jobPrepare(EmulJob *job, const virCpregEmulRequest *req,
           const char *const *const *feature_sets, guint n, char **found,
           GError **error)
{
    g_autoptr(GBytes) probe = NULL;
    g_autofree char *cacheDir = virCpregEmulCacheDir();
    guint i;

    job->n = n;
    job->cpu = req->cpu ? req->cpu : DEFAULT_CPU;
    job->emulator = req->emulator;
    if (!job->emulator && !(job->emulator = *found = g_find_program_in_path(DEFAULT_EMULATOR))) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot find %s in PATH"), DEFAULT_EMULATOR);
        return FALSE;
    }
    if (!g_path_is_absolute(job->emulator)) {
        g_autofree char *shown = g_strescape(job->emulator, NULL);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("emulator '%s' is not an absolute path"), shown);
        return FALSE;
    }
    if (!virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, job->cpu, error))
        return FALSE;
    job->configs = g_new0(char *, n + 1);
    job->got = g_new0(virCpregProfile *, n);
    job->errors = g_new0(GError *, n);
    for (i = 0; i < n; i++) {
        if (!(job->configs[i] = configWord(feature_sets[i], error)))
            return FALSE;
    }
    if (!(job->image = virCpregEmulImageLoad(req->image, &job->release, error)) ||
        !(probe = loadStaticProbe(error)) ||
        !(job->version = virCpregCacheQemuVersion(cacheDir, job->emulator, error)))
        return FALSE;
    job->initrd = virCpregEmulInitramfs(probe);
    if (!req->no_cache) {
        g_autofree char *image = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, job->image);
        g_autofree char *initrd = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, job->initrd);
        /* the binary's identity too: a rebuild of one version (a
         * distribution's update) may emulate a CPU otherwise */
        g_autofree char *binary = virCpregCacheFileKey(job->emulator);
        job->digest = g_strdup_printf("image=%s\ninitramfs=%s\nemulator=%s", image, initrd,
                                      binary ? binary : job->emulator);
    }
    return TRUE;
}

/* What the profile depends on: the kernel, the probe (in the initramfs),
 * the emulated CPU, the configuration and the emulator. */
static char *
jobKey(const EmulJob *job, guint i)
{
    return g_strdup_printf("emulated-kvm-probe 1\n%s\ncpu=%s\nfeatures=%s\nqemu=%s\n",
                           job->digest, job->cpu, job->configs[i], job->version);
}

virCpregProfile **
virCpregEmulProbeMany(const virCpregEmulRequest *req,
                      const char *const *const *feature_sets, guint n,
                      guint *cache_hits, GError **error)
{
    g_auto(EmulJob) job = { 0 };
    g_autofree char *found = NULL;
    g_autofree char *cacheDir = virCpregEmulCacheDir();
    g_autofree virCpregProfile **out = NULL;
    guint i;

    if (cache_hits)
        *cache_hits = 0;
    if (n == 0 || n > VIR_CPREG_EMUL_CONFIGS_MAX) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("an emulated probe takes 1 to %d vCPU configurations"),
                    VIR_CPREG_EMUL_CONFIGS_MAX);
        return NULL;
    }
    if (!jobPrepare(&job, req, feature_sets, n, &found, error))
        return NULL;
    out = g_new0(virCpregProfile *, n + 1);
    for (i = 0; i < n; i++) {
        g_autofree char *key = req->no_cache ? NULL : jobKey(&job, i);
        gboolean hit = FALSE;

        job.current = i;
        out[i] = req->no_cache ? jobProbe(&job, error)
                               : virCpregCacheGetLasting(cacheDir, key, jobProbe, &job,
                                                         VIR_CPREG_EMUL_TIMEOUT_MS + 10000,
                                                         &hit, error);
        if (!out[i]) {
            while (i > 0)
                virCpregProfileFree(out[--i]);
            return NULL;
        }
        if (hit && cache_hits)
            (*cache_hits)++;
    }
    return g_steal_pointer(&out);
}

virCpregProfile *
virCpregEmulProbe(const virCpregEmulRequest *req, gboolean *cache_hit,
                  GError **error)
{
    const char *const *sets[] = { req->features };
    g_autofree virCpregProfile **many = NULL;
    guint hits = 0;

    if (!(many = virCpregEmulProbeMany(req, sets, 1, &hits, error)))
        return NULL;
    if (cache_hit)
        *cache_hit = hits == 1;
    return many[0];
}
