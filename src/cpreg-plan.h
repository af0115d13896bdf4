/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-plan.h: a rolling kernel upgrade of a fleet, judged before the
 * first host is touched (virt-cpreg plan)
 *
 * A fleet is a directory (virt-cpreg(1), PLAN): each host's measured
 * profile and QEMU version, and the stamped domain XMLs of the guests it
 * runs. The plan takes, for each host to upgrade, its profile on the new
 * kernel from a virCpregPlanPredictFunc, and judges with the engine every
 * direction and every running guest in each phase of the upgrade.
 */
#pragma once

#include <glib.h>

#include "cpreg-domain.h"
#include "cpreg-policy.h"
#include "cpreg-profile.h"
#include "cpreg-verdict.h"

G_BEGIN_DECLS

/* Bounds on a fleet directory, which is untrusted input. */
#define VIR_CPREG_PLAN_MAX_HOSTS   256
#define VIR_CPREG_PLAN_MAX_GUESTS  4096      /* in the whole fleet */
#define VIR_CPREG_PLAN_MAX_CONF    (256 * 1024)

typedef struct {
    char *name;                 /* the domain's <name>, else the file's */
    char *file;                 /* DIR-relative path, for messages */
    virCpregDomain *domain;
    virCpregProfile *profile;   /* stamped: what it started with (QEMU view) */
} virCpregPlanGuest;

typedef struct {
    char *name;
    char *qemu;                 /* the QEMU version it runs */
    virCpregProfile *current;   /* measured on its current kernel (QEMU view) */
    char *kernel_image;         /* fleet.conf kernel-image=: its current
                                 * kernel's image (absolute, inside DIR), or NULL */
    char *kernel_profile;       /* fleet.conf kernel-profile=: an emulated
                                 * probe of its current kernel, or NULL */
    char *predicted_file;       /* DIR/predicted/NAME.{regs,json}, or NULL */
    virCpregProfile *predicted; /* on the new kernel: set by the plan */
    guint step;                 /* position in the upgrade order, from 1;
                                 * 0: not upgraded */
    GPtrArray *guests;          /* virCpregPlanGuest */
} virCpregPlanHost;

typedef struct {
    char *dir;
    GPtrArray *hosts;           /* virCpregPlanHost, by name */
    GPtrArray *upgrade;         /* virCpregPlanHost * (borrowed), in order */
} virCpregPlanFleet;

virCpregPlanFleet *virCpregPlanFleetLoad(const char *dir, GError **error);
void virCpregPlanFleetFree(virCpregPlanFleet *fleet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregPlanFleet, virCpregPlanFleetFree);
virCpregPlanHost *virCpregPlanFleetHost(const virCpregPlanFleet *fleet,
                                        const char *name);
gboolean virCpregPlanFleetSetUpgrade(virCpregPlanFleet *fleet,
                                     const char *const *names,
                                     GError **error);
/* A path named by the fleet (relative to its directory): refused when
 * absolute, with "..", through a symbolic link or not a regular file. */
char *virCpregPlanFleetPath(const virCpregPlanFleet *fleet, const char *rel,
                            GError **error);

/* @host's profile on the new kernel (a new reference), or NULL with
 * @error set. */
typedef virCpregProfile *(*virCpregPlanPredictFunc)(const virCpregPlanHost *host,
                                                    gpointer opaque,
                                                    GError **error);

/* What would make a refused direction allow: a pin on the guest, a
 * newer QEMU on the destination, or both. */
typedef struct {
    gboolean pin;               /* pin kvm-psci-version=psci on the guest */
    guint64 psci;
    const char *qemu;           /* QEMU release the destination needs, or NULL */
    gboolean fixed;             /* FALSE: nothing modelled fixes it */
} virCpregPlanRemedy;

/* One direction in one phase: src's guests onto dst. */
typedef struct {
    const virCpregPlanHost *src, *dst;
    guint phase;
    const virCpregProfile *src_profile, *dst_profile;
    virCpregVerdictKind kind;   /* VIR_CPREG_VERDICT_LAST: not comparable */
    virCpregVerdict *verdict;   /* for refusals only, else NULL */
    virCpregPlanRemedy remedy;  /* for refusals only */
} virCpregPlanPair;

typedef enum {
    VIR_CPREG_PLAN_NO_EVACUATION,   /* no other host takes it in a phase */
    VIR_CPREG_PLAN_NO_RETURN,       /* restarted on the new kernel, no
                                     * host on an old kernel takes it */
    VIR_CPREG_PLAN_STRAND_LAST
} virCpregPlanStrandKind;

const char *virCpregPlanStrandKindToString(virCpregPlanStrandKind kind);

typedef struct {
    const virCpregPlanHost *dst;
    const virCpregProfile *dst_profile;  /* current, or (rollback) the host's own */
    gboolean rollback;          /* dst is the guest's host on its old kernel */
    virCpregVerdict *verdict;
    virCpregPlanRemedy remedy;
} virCpregPlanRefusal;

/* A guest's move out of its host in one phase (no-evacuation), or back
 * from its upgraded host (no-return): a strand when nobody takes it. */
typedef struct {
    const virCpregPlanGuest *guest;
    const virCpregPlanHost *host;
    virCpregPlanStrandKind kind;
    guint phase;
    gboolean uncertain;         /* some host's answer is only uncertain */
    GPtrArray *accepted;        /* const virCpregPlanHost *: who takes it */
    GPtrArray *refusals;        /* virCpregPlanRefusal: who does not */
} virCpregPlanStrand;

/* A pin or a QEMU release, and what it fixes ("trixie → sid", guests). */
typedef struct {
    const virCpregPlanHost *host;   /* QEMU: the host; pin: NULL (guests') */
    char *what;                     /* "kvm-psci-version=1.1" or "11.1" */
    GPtrArray *fixes;               /* char *, de-duplicated, in order */
} virCpregPlanNeed;

typedef struct {
    virCpregPlanFleet *fleet;       /* borrowed */
    guint nphases;                  /* 0 now, k: the first k hosts upgraded */
    GPtrArray *pairs;               /* virCpregPlanPair, every phase */
    GPtrArray *breaks;              /* virCpregPlanPair *: allowed now,
                                     * refused in this (its first) phase */
    GPtrArray *moves;               /* virCpregPlanStrand: every move judged */
    GPtrArray *strands;             /* virCpregPlanStrand * into moves:
                                     * those nobody takes */
    GPtrArray *steps;               /* virCpregPlanStrand * into moves:
                                     * emptying each host before its
                                     * upgrade, in order */
    GPtrArray *pins;                /* virCpregPlanNeed */
    GPtrArray *qemu;                /* virCpregPlanNeed */
    gboolean vetoed;                /* something breaks or strands for sure */
    gboolean uncertain;             /* ... or only uncertainly */
} virCpregPlan;

virCpregPlan *virCpregPlanCompute(virCpregPlanFleet *fleet,
                                  virCpregPolicy *policy,
                                  virCpregPlanPredictFunc predict,
                                  gpointer opaque, GError **error);
void virCpregPlanFree(virCpregPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregPlan, virCpregPlanFree);

/* @host's profile in @phase. */
const virCpregProfile *virCpregPlanProfileIn(const virCpregPlanHost *host,
                                             guint phase);
gboolean virCpregPlanRefused(virCpregVerdictKind kind);

G_END_DECLS
