/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-qemu-probe.h: QEMU's own cpreg list, from a scratch QEMU
 *
 * No QMP command returns the cpreg list (FACTS.md §4), so the probe starts
 * the guest's emulator paused and empty (-S -nodefaults, 64 MiB), asks it
 * what it is over QMP (query-version, the vCPU's QOM type and properties),
 * migrates it to a file and reads the vCPU sections of that stream: the
 * exact list and values this QEMU would send, on this host's kernel when
 * the accelerator is KVM.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

#define VIR_CPREG_QEMU_PROBE_TIMEOUT_MS 60000

typedef struct {
    const char *emulator;        /* an absolute path, run as given;
                                  * NULL: qemu-system-aarch64 in PATH */
    const char *accel;           /* "kvm", "tcg"; NULL: KVM if usable */
    const char *cpu;             /* NULL: "host" on KVM, "max" on TCG */
    const char *machine;         /* -machine TYPE, the guest's ("virt-7.2"):
                                  * under TCG the machine type's compat
                                  * properties change the vCPU's ID
                                  * registers; NULL: "virt", QEMU's newest */
    const char *const *features; /* NULL: QEMU's defaults; else exactly
                                  * these of pmu, sve, pauth are on */
    guint smp;                   /* vCPUs; 0 is 1 */
    guint timeout_ms;            /* the whole probe; 0: the default */
    const char *stream_copy;     /* keep the stream there (tests) */
} virCpregQemuProbeOptions;

typedef struct {
    char *version;               /* "10.0.2" */
    char *package;               /* "Debian 1:10.0.2+ds-2+deb13u1~bpo12+1" */
    char *accel;
    char *cpu_type;              /* QOM type: "max-arm-cpu", "host-arm-cpu" */
    gboolean has_psci_property;  /* the type has "kvm-psci-version" */
    guint vcpus;
    gboolean vcpus_differ;       /* some vCPU lists other registers */
} virCpregQemuFacts;

void virCpregQemuFactsClear(virCpregQemuFacts *facts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCpregQemuFacts, virCpregQemuFactsClear);

virCpregProfile *virCpregQemuProbe(const virCpregQemuProbeOptions *opts,
                                   virCpregQemuFacts *facts, GError **error);
void virCpregQemuProbeRemoveLeftovers(GPid owner);

/*
 * The least privilege a QEMU the probes start gets (cpreg-qemu-probe.c):
 * when we are root, the distribution's QEMU user and its groups; its own
 * process group; SIGKILL when its parent dies. ConfineFor looks the user
 * up (before the fork), ConfineChild is the GSpawnChildSetupFunc that
 * applies it (@opaque: the virCpregQemuConfine).
 */
typedef struct {
    gboolean drop;               /* root, and a QEMU user exists */
    uid_t uid;
    gid_t gid;
    gid_t groups[64];            /* its supplementary groups (kvm) */
    int ngroups;
    pid_t parent;
} virCpregQemuConfine;

/* -sandbox: everything QEMU's seccomp filter can deny (qemu-options.hx);
 * the caller appends spawn=deny or spawn=allow */
#define VIR_CPREG_QEMU_SANDBOX \
    "on,obsolete=deny,elevateprivileges=deny,resourcecontrol=deny,spawn="

void virCpregQemuConfineFor(virCpregQemuConfine *c);
void virCpregQemuConfineChild(gpointer opaque);
/* A QEMU a probe started (virCpregQemuSpawn): not reaped until it is
 * seen to exit or killed. */
typedef struct {
    GPid pid;                    /* 0: none */
    gboolean exited;
    int status;                  /* waitpid's, once exited */
} virCpregQemuChild;

gboolean virCpregQemuChildRunning(virCpregQemuChild *child);
void virCpregQemuChildKill(virCpregQemuChild *child, gboolean group);
char *virCpregQemuRunDir(const char *kind, virCpregQemuConfine *confine, GError **error);
char *virCpregQemuReadLog(const char *path, gsize max, gsize *len);
gboolean virCpregQemuSpawn(const char *const *argv, virCpregQemuConfine *confine,
                           const char *errlog, virCpregQemuChild *child, int *outfd,
                           GError **error);
char *virCpregQemuProbeTempName(const char *kind);

G_END_DECLS
