/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-conf.c: /etc/libvirt-cpreg/cpreg.conf (GKeyFile, group [hook])
 *
 *   [hook]
 *   host-profile=/var/lib/libvirt-cpreg/host.json
 *   qemu-version=10.0.2
 *   policy-dirs=/usr/share/libvirt-cpreg/policy.d;/etc/libvirt-cpreg/policy.d
 *   cache-dir=/run/libvirt-cpreg
 *   on-missing-profile=allow
 *   on-internal-error=allow
 *   time-budget-ms=5000
 *
 * VIRT_CPREG_CONF names another file. A missing file means the defaults;
 * a file that exists must be valid.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "cpreg-conf.h"
#include "cpreg-error.h"

#define GROUP "hook"
#define BUDGET_DEFAULT_MS 5000
#define BUDGET_MIN_MS 100
#define BUDGET_MAX_MS 600000

void
virCpregConfFree(virCpregConf *conf)
{
    if (!conf)
        return;
    g_free(conf->path);
    g_free(conf->host_profile);
    g_free(conf->qemu_version);
    g_strfreev(conf->policy_dirs);
    g_free(conf->cache_dir);
    g_free(conf);
}

static virCpregConf *
confDefaults(void)
{
    virCpregConf *conf = g_new0(virCpregConf, 1);

    conf->on_missing_profile = VIR_CPREG_ON_ALLOW;
    conf->on_internal_error = VIR_CPREG_ON_ALLOW;
    conf->time_budget_ms = BUDGET_DEFAULT_MS;
    return conf;
}

static gboolean
parseOn(GKeyFile *kf, const char *path, const char *key, virCpregOnAction *out,
        GError **error)
{
    g_autofree char *v = g_key_file_get_string(kf, GROUP, key, NULL);

    if (!v)
        return TRUE;
    g_strstrip(v);
    if (g_str_equal(v, "allow") || g_str_equal(v, "deny")) {
        *out = g_str_equal(v, "allow") ? VIR_CPREG_ON_ALLOW : VIR_CPREG_ON_DENY;
        return TRUE;
    }
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                _("%1$s: [hook] %2$s: expected allow or deny, not '%3$s'"), path, key, v);
    return FALSE;
}

static const char *const knownKeys[] = {
    "host-profile", "qemu-version", "policy-dirs", "cache-dir",
    "on-missing-profile", "on-internal-error", "time-budget-ms",
};

static gboolean
checkKeys(GKeyFile *kf, const char *path, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
    guint i;

    for (i = 0; keys && keys[i]; i++) {
        if (!g_strv_contains(knownKeys, keys[i])) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: [hook] unknown key '%2$s'"), path, keys[i]);
            return FALSE;
        }
    }
    return TRUE;
}

virCpregConf *
virCpregConfLoadFile(const char *path, GError **error)
{
    g_autoptr(virCpregConf) conf = confDefaults();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *budget = NULL;
    char *end;
    guint64 ms;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&conf);
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                    _("%1$s: %2$s"), path, err->message);
        return NULL;
    }
    conf->path = g_strdup(path);
    if (!checkKeys(kf, path, error) ||
        !parseOn(kf, path, "on-missing-profile", &conf->on_missing_profile, error) ||
        !parseOn(kf, path, "on-internal-error", &conf->on_internal_error, error))
        return NULL;
    conf->host_profile = g_key_file_get_string(kf, GROUP, "host-profile", NULL);
    conf->qemu_version = g_key_file_get_string(kf, GROUP, "qemu-version", NULL);
    conf->policy_dirs = g_key_file_get_string_list(kf, GROUP, "policy-dirs", NULL, NULL);
    conf->cache_dir = g_key_file_get_string(kf, GROUP, "cache-dir", NULL);
    if ((budget = g_key_file_get_string(kf, GROUP, "time-budget-ms", NULL))) {
        ms = g_ascii_strtoull(g_strstrip(budget), &end, 10);
        if (*end || end == budget || ms < BUDGET_MIN_MS || ms > BUDGET_MAX_MS) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT,
                        _("%1$s: [hook] time-budget-ms: expected %2$d to %3$d, not '%4$s'"),
                        path, BUDGET_MIN_MS, BUDGET_MAX_MS, budget);
            return NULL;
        }
        conf->time_budget_ms = (unsigned int)ms;
    }
    return g_steal_pointer(&conf);
}

virCpregConf *
virCpregConfLoad(GError **error)
{
    const char *path = g_getenv(VIR_CPREG_CONF_ENV);

    return virCpregConfLoadFile(path ? path : SYSCONFDIR "/libvirt-cpreg/cpreg.conf", error);
}

/*
 * What to stamp into guests: this host's profile as QEMU's list sees it,
 * from @path if given, else from host-profile=; *profile stays NULL when
 * neither is set, meaning "probe for each guest" (in *cacheDir, from
 * cache-dir=).
 */
gboolean
virCpregConfStampSource(const char *path, virCpregProfile **profile,
                        char **cacheDir, GError **error)
{
    g_autoptr(virCpregConf) conf = NULL;
    g_autoptr(virCpregProfile) loaded = NULL;

    *profile = NULL;
    *cacheDir = NULL;
    if (!path) {
        if (!(conf = virCpregConfLoad(error)))
            return FALSE;
        *cacheDir = g_strdup(conf->cache_dir);
        if (!(path = conf->host_profile))
            return TRUE;
    }
    if (!(loaded = virCpregProfileLoad(path, error)))
        return FALSE;
    *profile = virCpregProfileQemuView(loaded);
    return TRUE;
}
