/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-probe.c: virt-cpreg probe: this host's profile for a vCPU config
 *
 * --via kvm runs the KVM probe (virt-cpreg-probe, a separate static
 * program: $VIRT_CPREG_PROBE, else next to this binary when run from the
 * build tree, else LIBEXECDIR); --via qemu runs a scratch QEMU
 * (cpreg-qemu-probe). Results are cached per boot (cpreg-cache).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "cpreg-cache.h"
#include "cpreg-error.h"
#include "cpreg-qemu-probe.h"

#define KVM_PROBE_NAME "virt-cpreg-probe"
#define KVM_PROBE_TIMEOUT_MS 30000
#define KVM_PROBE_MAX_OUTPUT (4 * 1024 * 1024)

typedef struct {
    const char *via;
    const char *emulator;
    const char *accel;
    const char *cpu;
    char **features;          /* normalised; NULL: the probe's default */
    const char *trial;        /* a profile of any format, --via kvm */
    char *kvm_probe;
} ProbeRequest;

static char *
findKvmProbe(void)
{
    const char *env = g_getenv("VIRT_CPREG_PROBE");
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
    g_autofree char *local = dir ? g_build_filename(dir, KVM_PROBE_NAME, NULL) : NULL;

    if (env && *env)
        return g_strdup(env);
    if (local && g_file_test(local, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer(&local);
    return g_build_filename(LIBEXECDIR, KVM_PROBE_NAME, NULL);
}

/* --trial SOURCE: the probe reads plain "0x<id> 0x<value>" lines. */
static char *
writeTrialDump(const char *source, GError **error)
{
    g_autoptr(virCpregProfile) p = virCpregProfileLoad(source, error);
    g_autoptr(GString) dump = g_string_new("# trial values from ");
    g_autofree char *path = NULL;
    guint i;
    int fd;

    if (!p)
        return NULL;
    g_string_append_printf(dump, "%s\n", source);
    for (i = 0; i < virCpregProfileCount(p); i++) {
        const virCpregEntry *e = virCpregProfileEntry(p, i);
        if ((e->flags & VIR_CPREG_ENTRY_VALUE) && !e->value_hi)
            g_string_append_printf(dump, "0x%016" PRIx64 " 0x%" PRIx64 "\n",
                                   e->id, e->value);
    }
    if ((fd = g_file_open_tmp("virt-cpreg-trial-XXXXXX", &path, error)) < 0)
        return NULL;
    close(fd);
    if (!g_file_set_contents(path, dump->str, (gssize)dump->len, error)) {
        g_unlink(path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* Runs the KVM probe; its standard output (JSON) in *out. */
static gboolean
runKvmProbe(const ProbeRequest *req, const char *trial, char **out,
            GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_autofree char *errout = NULL;
    int status;

    g_ptr_array_add(argv, g_strdup(req->kvm_probe));
    if (req->features) {
        g_autofree char *list = g_strjoinv(",", req->features);
        if (*list)
            g_ptr_array_add(argv, g_strdup_printf("--features=%s", list));
    }
    if (trial)
        g_ptr_array_add(argv, g_strdup_printf("--trial=%s", trial));
    g_ptr_array_add(argv, NULL);
    /* the probe is bounded itself (one scratch vCPU, no waiting); the
     * output is checked by the profile parser */
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                      NULL, out, &errout, &status, &err)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot run the KVM probe '%1$s': %2$s"), req->kvm_probe,
                    err->message);
        return FALSE;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("the KVM probe failed: %s"), g_strstrip(errout));
        return FALSE;
    }
    return TRUE;
}

static virCpregProfile *
probeKvm(const ProbeRequest *req, GError **error)
{
    g_autofree char *out = NULL;

    if (!runKvmProbe(req, NULL, &out, error))
        return NULL;
    if (strlen(out) > KVM_PROBE_MAX_OUTPUT) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the KVM probe printed more than %d bytes"), KVM_PROBE_MAX_OUTPUT);
        return NULL;
    }
    return virCpregProfileParse(req->kvm_probe, out, strlen(out), error);
}

static virCpregProfile *
probeQemu(const ProbeRequest *req, GError **error)
{
    virCpregQemuProbeOptions opts = {
        .emulator = req->emulator,
        .accel = req->accel,
        .cpu = req->cpu,
        .features = (const char *const *)req->features,
    };

    return virCpregQemuProbe(&opts, NULL, error);
}

static virCpregProfile *
probeOnce(gpointer opaque, GError **error)
{
    const ProbeRequest *req = opaque;

    return g_str_equal(req->via, "kvm") ? probeKvm(req, error) : probeQemu(req, error);
}

/* Everything the answer depends on. */
static char *
cacheKey(const ProbeRequest *req)
{
    g_autofree char *features = req->features ? g_strjoinv(",", req->features)
                                              : g_strdup("(default)");
    g_autofree char *emulator = NULL;
    const char *name = req->emulator ? req->emulator : "qemu-system-aarch64";
    struct utsname u;

    if (g_str_equal(req->via, "kvm"))
        emulator = virCpregCacheFileKey(req->kvm_probe);
    else if (!(emulator = virCpregCacheFileKey(name))) {
        g_autofree char *found = g_find_program_in_path(name);
        emulator = virCpregCacheFileKey(found);
    }
    if (uname(&u) < 0)
        u.release[0] = '\0';
    return g_strdup_printf("kernel=%s\nvia=%s\nprobe=%s\naccel=%s\ncpu=%s\nfeatures=%s",
                           u.release, req->via, emulator ? emulator : name,
                           req->accel ? req->accel : "", req->cpu ? req->cpu : "",
                           features);
}

static gboolean
kvmUsable(void)
{
    struct utsname u;

    return uname(&u) == 0 && g_str_equal(u.machine, "aarch64") &&
           g_access("/dev/kvm", R_OK | W_OK) == 0;
}

static gboolean
normalizeFeatures(const char *list, char ***out, GError **error)
{
    g_auto(GStrv) words = g_strsplit_set(list, ",+", -1);
    g_autoptr(GPtrArray) features = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; words[i]; i++) {
        char *f;
        if (!*g_strstrip(words[i]))
            continue;
        if (!(f = virCpregProfileFeaturesNormalize(words[i]))) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                        _("--features: unknown feature '%s' (known: pmu, sve, pauth)"),
                        words[i]);
            return FALSE;
        }
        if (*f && !g_ptr_array_find_with_equal_func(features, f, g_str_equal, NULL))
            g_ptr_array_add(features, f);
        else
            g_free(f);
    }
    g_ptr_array_add(features, NULL);
    *out = (char **)g_ptr_array_free(g_steal_pointer(&features), FALSE);
    return TRUE;
}

static gboolean
checkRequest(ProbeRequest *req, GError **error)
{
    gboolean qemu_opts = req->emulator || req->accel || req->cpu;

    if (!req->via)
        req->via = qemu_opts || !kvmUsable() ? "qemu" : "kvm";
    if (!g_str_equal(req->via, "kvm") && !g_str_equal(req->via, "qemu")) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("--via: expected 'kvm' or 'qemu', not '%s'"), req->via);
        return FALSE;
    }
    if (req->accel && !g_str_equal(req->accel, "kvm") && !g_str_equal(req->accel, "tcg")) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("--accel: expected 'kvm' or 'tcg', not '%s'"), req->accel);
        return FALSE;
    }
    if (g_str_equal(req->via, "kvm") && qemu_opts) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("--emulator, --accel and --cpu need --via qemu"));
        return FALSE;
    }
    if (req->trial && g_str_equal(req->via, "qemu")) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("--trial needs --via kvm"));
        return FALSE;
    }
    return TRUE;
}

/* --trial: the probe's own report (profile and trial results), uncached. */
static int
runTrial(const ProbeRequest *req, const char *output)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dump = writeTrialDump(req->trial, &error);
    g_autofree char *out = NULL;
    gboolean ok;

    if (!dump)
        return cliFail(error);
    ok = runKvmProbe(req, dump, &out, &error);
    g_unlink(dump);
    if (ok && output && !g_file_set_contents(output, out, -1, &error))
        ok = FALSE;
    if (!ok)
        return cliFail(error);
    if (!output)
        fputs(out, stdout);
    return VIR_CPREG_EXIT_OK;
}

int
cliProbe(int argc, char **argv)
{
    ProbeRequest req = { 0 };
    g_autofree char *features = NULL;
    g_autofree char *output = NULL;
    g_autofree char *key = NULL;
    g_auto(GStrv) featlist = NULL;
    g_autofree char *kvm_probe = NULL;
    GOptionEntry entries[] = {
        { "via", 0, 0, G_OPTION_ARG_STRING, &req.via,
          N_("kvm (the KVM probe) or qemu (a scratch QEMU)"), "kvm|qemu" },
        { "features", 0, 0, G_OPTION_ARG_STRING, &features,
          N_("vCPU features: pmu, sve, pauth"), N_("LIST") },
        { "emulator", 0, 0, G_OPTION_ARG_FILENAME, &req.emulator,
          N_("the QEMU binary (default: qemu-system-aarch64)"), N_("PATH") },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &req.accel,
          N_("QEMU's accelerator"), "kvm|tcg" },
        { "cpu", 0, 0, G_OPTION_ARG_STRING, &req.cpu,
          N_("QEMU's vCPU model (default: host on KVM, max on TCG)"), N_("MODEL") },
        { "trial", 0, 0, G_OPTION_ARG_FILENAME, &req.trial,
          N_("also try writing a source profile's values into a vCPU (--via kvm)"), N_("SOURCE") },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          N_("write the profile to FILE"), N_("FILE") },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    gboolean hit;

    if (!cliParseOptions(cliVerb("probe"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 1)
        return cliUsage("probe", "%s", _("unexpected argument"));
    if (features && !normalizeFeatures(features, &featlist, &error))
        return cliFail(error);
    req.features = featlist;
    if (!checkRequest(&req, &error))
        return cliFail(error);
    req.kvm_probe = kvm_probe = findKvmProbe();
    if (req.trial)
        return runTrial(&req, output);
    key = cacheKey(&req);
    profile = virCpregCacheGet(key, probeOnce, &req,
                               VIR_CPREG_QEMU_PROBE_TIMEOUT_MS + 10000, &hit, &error);
    if (!profile)
        return cliFail(error);
    if (output) {
        if (!virCpregProfileSave(profile, output, &error))
            return cliFail(error);
    } else {
        g_autofree char *json = virCpregProfileToJSON(profile);
        fputs(json, stdout);
    }
    return VIR_CPREG_EXIT_OK;
}
