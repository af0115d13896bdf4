/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-hostprobe.c: this host's profile for a vCPU configuration
 *
 * "kvm" runs the KVM probe (virt-cpreg-probe, a separate static program:
 * $VIRT_CPREG_PROBE, else next to the running binary in a build tree,
 * else LIBEXECDIR); "qemu" runs a scratch QEMU (cpreg-qemu-probe).
 * Profiles are cached per boot (cpreg-cache); a trial of a source's
 * values is not, since it answers for that source only.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "cpreg-hostprobe.h"
#include "cpreg-cache.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-qemu-probe.h"

#define KVM_PROBE_NAME "virt-cpreg-probe"
#define KVM_PROBE_MAX_OUTPUT (4 * 1024 * 1024)

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

gboolean
virCpregHostProbeKvmUsable(void)
{
    struct utsname u;

    return uname(&u) == 0 && g_str_equal(u.machine, "aarch64") &&
           g_access("/dev/kvm", R_OK | W_OK) == 0;
}

/*
 * The features a domain's XML asks for: where it says anything about pmu,
 * sve or pauth, all three but those it turns off; else NULL, QEMU's
 * defaults for the vCPU model.
 */
static char **
domainFeatures(const virCpregDomain *d)
{
    const virCpregTristate states[] = { d->pmu, d->sve, d->pauth };
    static const char *const names[] = { "pmu", "sve", "pauth" };
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    gboolean said = FALSE;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        said = said || states[i] != VIR_CPREG_TRISTATE_ABSENT;
        if (states[i] != VIR_CPREG_TRISTATE_OFF)
            g_ptr_array_add(out, g_strdup(names[i]));
    }
    if (!said)
        return NULL;
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/*
 * A scratch QEMU like @domain's: its emulator, its accelerator (type
 * 'kvm' or TCG), its machine type (under TCG the versioned machine types'
 * compat properties change the vCPU's registers), its vCPU model
 * (host-passthrough is -cpu host) and the features its XML sets
 * (*@features holds them; free it after @req). The strings point into
 * @domain.
 */
void
virCpregHostProbeFromDomain(virCpregHostProbe *req, const virCpregDomain *domain,
                            char ***features)
{
    gboolean kvm = virCpregDomainIsKvm(domain);

    req->via = "qemu";
    req->from_domain = TRUE;
    req->emulator = domain->emulator;
    req->accel = kvm ? "kvm" : "tcg";
    req->machine = domain->machine;
    req->cpu = domain->cpu_model && g_strcmp0(domain->cpu_mode, "host-passthrough") != 0 ?
               domain->cpu_model : NULL;
    if (features && (*features = domainFeatures(domain)))
        req->features = (const char *const *)*features;
}

/*
 * This host's profile for @domain's vCPU, as QEMU's list sees it: the
 * guest's own QEMU, probed once a boot (what virt-cpreg stamp and
 * virt-cpregd put into its metadata when no host-profile= is set).
 */
virCpregProfile *
virCpregHostProbeDomain(const virCpregDomain *domain, const char *cacheDir,
                        GError **error)
{
    g_auto(GStrv) features = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    virCpregHostProbe req = { .cache_dir = cacheDir };
    gboolean hit;

    virCpregHostProbeFromDomain(&req, domain, &features);
    if (!(profile = virCpregHostProbeProfile(&req, &hit, error)))
        return NULL;
    return virCpregProfileQemuView(profile);
}

/*
 * A request built from a domain XML runs the emulator the XML names only
 * if the configuration trusts that binary (virCpregConfEmulatorAllowed:
 * the trust model's one gate, README "Trust model"), and hands QEMU only
 * a vCPU model and a machine type of the grammar (virCpregDomainTokenValid).
 */
static gboolean
checkFromDomain(const virCpregHostProbe *req, GError **error)
{
    g_autoptr(virCpregConf) own = NULL;
    const virCpregConf *conf = req->conf;
    g_autoptr(GError) err = NULL;

    if (!req->from_domain || g_str_equal(req->via, "kvm"))
        return TRUE;
    if (!conf)
        conf = own = virCpregConfLoad();
    if (!virCpregConfEmulatorAllowed(conf, req->emulator, &err)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("refusing to probe with the domain's emulator: %s"), err->message);
        return FALSE;
    }
    return !req->cpu ||
           virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, req->cpu, error);
}

/* The options that only a scratch QEMU takes. */
static gboolean
hasQemuOptions(const virCpregHostProbe *req)
{
    return req->emulator || req->accel || req->cpu || req->machine;
}

/* Fills in the default and refuses what does not go together. */
gboolean
virCpregHostProbeCheck(virCpregHostProbe *req, GError **error)
{
    gboolean qemuOpts = hasQemuOptions(req);

    if (!req->via)
        req->via = qemuOpts || !virCpregHostProbeKvmUsable() ? "qemu" : "kvm";
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
    if (g_str_equal(req->via, "kvm") && qemuOpts) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE, "%s",
                    _("--emulator, --accel, --cpu and --machine need --via qemu"));
        return FALSE;
    }
    /* whoever gave it: it reaches QEMU's argv */
    if (req->machine &&
        !virCpregDomainTokenValid(VIR_CPREG_DOMAIN_TOKEN_MACHINE, req->machine, error))
        return FALSE;
    return checkFromDomain(req, error);
}

/* A trial's input: the probe reads plain "0x<id> 0x<value>" lines. */
static char *
writeTrialDump(const virCpregProfile *p, GError **error)
{
    g_autoptr(GString) dump = g_string_new(NULL);
    g_autofree char *path = NULL;
    g_autofree char *name = virCpregQemuProbeTempName("trial");
    guint i;
    int fd;

    g_string_append_printf(dump, "# trial values from %s\n", p->origin ? p->origin : "-");
    for (i = 0; i < virCpregProfileCount(p); i++) {
        const virCpregEntry *e = virCpregProfileEntry(p, i);
        if ((e->flags & VIR_CPREG_ENTRY_VALUE) && !e->value_hi)
            g_string_append_printf(dump, "0x%016" PRIx64 " 0x%" PRIx64 "\n",
                                   e->id, e->value);
    }
    /* named after this process: a killed hook's is removed by the next */
    virCpregQemuProbeRemoveLeftovers(0);
    if ((fd = g_file_open_tmp(name, &path, error)) < 0)
        return NULL;
    close(fd);
    if (!g_file_set_contents(path, dump->str, (gssize)dump->len, error)) {
        g_unlink(path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* Runs the KVM probe (bounded itself: one scratch vCPU, no waiting). */
static char *
runKvmProbe(const virCpregHostProbe *req, const char *trial, GError **error)
{
    g_autofree char *probe = findKvmProbe();
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errout = NULL;
    int status;

    g_ptr_array_add(argv, g_strdup(probe));
    if (req->features && *req->features) {
        g_autofree char *list = g_strjoinv(",", (char **)req->features);
        g_ptr_array_add(argv, g_strdup_printf("--features=%s", list));
    }
    if (trial)
        g_ptr_array_add(argv, g_strdup_printf("--trial=%s", trial));
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                      NULL, &out, &errout, &status, &err)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("cannot run the KVM probe '%1$s': %2$s"), probe, err->message);
        return NULL;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                    _("the KVM probe failed: %s"), g_strstrip(errout));
        return NULL;
    }
    if (strlen(out) > KVM_PROBE_MAX_OUTPUT) {
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("the KVM probe printed more than %d bytes"), KVM_PROBE_MAX_OUTPUT);
        return NULL;
    }
    return g_steal_pointer(&out);
}

static virCpregProfile *
probeOnce(gpointer opaque, GError **error)
{
    const virCpregHostProbe *req = opaque;
    virCpregQemuProbeOptions opts = {
        .emulator = req->emulator, .accel = req->accel, .cpu = req->cpu,
        .machine = req->machine, .features = req->features,
    };
    g_autofree char *out = NULL;

    if (!g_str_equal(req->via, "kvm"))
        return virCpregQemuProbe(&opts, NULL, error);
    if (!(out = runKvmProbe(req, NULL, error)))
        return NULL;
    return virCpregProfileParse(KVM_PROBE_NAME, out, strlen(out), error);
}

/* Everything the answer depends on. */
static char *
cacheKey(const virCpregHostProbe *req)
{
    g_autofree char *features = req->features ? g_strjoinv(",", (char **)req->features)
                                              : g_strdup("(default)");
    g_autofree char *probe = findKvmProbe();
    g_autofree char *emulator = NULL;
    const char *name = req->emulator ? req->emulator : "qemu-system-aarch64";
    struct utsname u;

    if (g_str_equal(req->via, "kvm"))
        emulator = virCpregCacheFileKey(probe);
    else if (!(emulator = virCpregCacheFileKey(name))) {
        g_autofree char *found = g_find_program_in_path(name);
        emulator = virCpregCacheFileKey(found);
    }
    if (uname(&u) < 0)
        u.release[0] = '\0';
    return g_strdup_printf("kernel=%s\nvia=%s\nprobe=%s\naccel=%s\ncpu=%s\nmachine=%s\nfeatures=%s",
                           u.release, req->via, emulator ? emulator : name,
                           req->accel ? req->accel : "", req->cpu ? req->cpu : "",
                           req->machine ? req->machine : "", features);
}

/* This host's profile for @req, from this boot's cache or a probe. */
virCpregProfile *
virCpregHostProbeProfile(virCpregHostProbe *req, gboolean *hit, GError **error)
{
    g_autofree char *key = NULL;

    if (!virCpregHostProbeCheck(req, error))
        return NULL;
    key = cacheKey(req);
    return virCpregCacheGet(req->cache_dir, key, probeOnce, req,
                            VIR_CPREG_QEMU_PROBE_TIMEOUT_MS + 10000, hit, error);
}

/* Only the KVM probe writes values into a vCPU. */
gboolean
virCpregHostProbeCanTrial(virCpregHostProbe *req, GError **error)
{
    if (!virCpregHostProbeCheck(req, error))
        return FALSE;
    if (g_str_equal(req->via, "kvm"))
        return TRUE;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE, "%s",
                _("--trial needs --via kvm"));
    return FALSE;
}

/*
 * The KVM probe's report (profile and trial results, JSON) of writing
 * @source's values into a fresh vCPU of this kernel.
 */
char *
virCpregHostProbeTrial(virCpregHostProbe *req, const virCpregProfile *source,
                       GError **error)
{
    g_autofree char *dump = NULL;
    char *out;

    if (!virCpregHostProbeCanTrial(req, error) ||
        !(dump = writeTrialDump(source, error)))
        return NULL;
    out = runKvmProbe(req, dump, error);
    g_unlink(dump);
    return out;
}
