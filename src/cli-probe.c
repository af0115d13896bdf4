/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-probe.c: virt-cpreg probe: this host's profile for a vCPU config
 * (cpreg-hostprobe.c does the work)
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
#include "cpreg-domain.h"
#include "cpreg-emul.h"
#include "cpreg-hostprobe.h"
#include "cpreg-error.h"
#include "cpreg-qemu-probe.h"

/* --trial: the probe's own report (profile and trial results), uncached. */
static int
runTrial(virCpregHostProbe *req, const char *trial, const char *output)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) source = NULL;
    g_autofree char *out = NULL;

    if (!virCpregHostProbeCanTrial(req, &error) ||
        !(source = virCpregProfileLoad(trial, &error)) || !(out = virCpregHostProbeTrial(req, source, &error)) ||
        (output && !g_file_set_contents(output, out, -1, &error)))
        return cliFail(error);
    if (!output)
        fputs(out, stdout);
    return VIR_CPREG_EXIT_OK;
}

/* A probe's answer: into @output (a .regs as a dump, else JSON), or as
 * JSON on standard output. */
static int
emitProfile(const virCpregProfile *profile, const char *output)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *json = NULL;

    if (output)
        return virCpregProfileSave(profile, output, &error) ? VIR_CPREG_EXIT_OK : cliFail(error);
    json = virCpregProfileToJSON(profile);
    fputs(json, stdout);
    return VIR_CPREG_EXIT_OK;
}

/* --kernel: the profile of a kernel no host runs yet, measured in an
 * emulated machine (cpreg-emul.c) */
static int
runKernel(const char *image, const char *cpu, const char *const *features,
          const char *emulator, const char *output)
{
    virCpregEmulRequest req = {
        .image = image, .cpu = cpu, .features = features, .emulator = emulator,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    gboolean hit;

    if (!(profile = virCpregEmulProbe(&req, &hit, &error)))
        return cliFail(error);
    return emitProfile(profile, output);
}

int
cliProbe(int argc, char **argv)
{
    virCpregHostProbe req = { 0 };
    g_autofree char *trial = NULL;
    g_autofree char *features = NULL;
    g_autofree char *output = NULL;
    g_autofree char *domainPath = NULL;
    /* GOption's strings, owned here (req only points at them) */
    g_autofree char *via = NULL;
    g_autofree char *emulator = NULL;
    g_autofree char *accel = NULL;
    g_autofree char *cpu = NULL;
    g_autofree char *machine = NULL;
    g_autofree char *kernel = NULL;
    g_autoptr(virCpregDomain) domain = NULL;
    g_auto(GStrv) featlist = NULL;
    g_autofree char *found = NULL;
    GOptionEntry entries[] = {
        { "domain", 0, 0, G_OPTION_ARG_FILENAME, &domainPath,
          N_("probe for this guest: a scratch QEMU like its own (emulator, accelerator, machine type, vCPU model, features)"), N_("XML") },
        { "via", 0, 0, G_OPTION_ARG_STRING, &via,
          N_("kvm (the KVM probe) or qemu (a scratch QEMU)"), "kvm|qemu" },
        { "features", 0, 0, G_OPTION_ARG_STRING, &features,
          N_("vCPU features: pmu, sve, pauth"), N_("LIST") },
        { "emulator", 0, 0, G_OPTION_ARG_FILENAME, &emulator,
          N_("the QEMU binary (default: qemu-system-aarch64)"), N_("PATH") },
        { "accel", 0, 0, G_OPTION_ARG_STRING, &accel,
          N_("QEMU's accelerator"), "kvm|tcg" },
        { "cpu", 0, 0, G_OPTION_ARG_STRING, &cpu,
          N_("QEMU's vCPU model (default: host on KVM, max on TCG)"), N_("MODEL") },
        { "machine", 0, 0, G_OPTION_ARG_STRING, &machine,
          N_("QEMU's machine type, the guest's (default: virt, QEMU's newest)"), N_("TYPE") },
        { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &kernel,
          N_("probe this arm64 kernel (an Image, a vmlinuz, a Debian or RPM kernel package) in an emulated machine; --cpu is the emulated CPU (default: max)"), N_("IMAGE") },
        { "trial", 0, 0, G_OPTION_ARG_FILENAME, &trial,
          N_("also try writing a source profile's values into a vCPU (--via kvm)"), N_("SOURCE") },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          N_("write the profile to FILE (a FILE.regs as a register dump, the form read fastest; else JSON)"), N_("FILE") },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) profile = NULL;
    gboolean hit;

    if (!cliParseOptions(cliVerb("probe"), entries, &argc, &argv, &error))
        return cliFail(error);
    req.via = via;
    req.emulator = emulator;
    req.accel = accel;
    req.cpu = cpu;
    req.machine = machine;
    if (argc != 1)
        return cliUsage("probe", "%s", _("unexpected argument"));
    if (features && !cliParseFeatures(features, &featlist, &error))
        return cliFail(error);
    if (kernel && (domainPath || via || accel || machine || trial))
        return cliUsage("probe", "%s", _("--kernel boots its own emulated machine: it takes no --domain, --via, --accel, --machine or --trial"));
    if (domainPath) {
        if (req.via || req.emulator || req.accel || req.cpu || req.machine)
            return cliUsage("probe", "%s", _("--domain decides --via, --emulator, --accel, --cpu and --machine"));
        if (!(domain = virCpregDomainLoad(domainPath, &error)))
            return cliFail(error);
        virCpregHostProbeFromDomain(&req, domain, features ? NULL : &featlist);
    }
    if (featlist)
        req.features = (const char *const *)featlist;
    if (!req.from_domain && req.emulator) {
        if (!(found = cliFindEmulator(req.emulator, &error)))
            return cliFail(error);
        req.emulator = found;
    }
    if (kernel)
        return runKernel(kernel, req.cpu, req.features, req.emulator, output);
    if (trial)
        return runTrial(&req, trial, output);
    if (!(profile = virCpregHostProbeProfile(&req, &hit, &error)))
        return cliFail(error);
    return emitProfile(profile, output);
}
