/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-engine.h: the state one verdict is computed in (internal)
 */
#pragma once

#include "cpreg-verdict.h"
#include "cpreg-qemu.h"

typedef struct {
    unsigned int major, minor;
    gboolean known;
} virCpregKernelVersion;

virCpregKernelVersion virCpregKernelParse(const char *release);
int virCpregKernelAtLeast(virCpregKernelVersion v, unsigned int major,
                          unsigned int minor);

/* What the engine knows of the destination, derived once per profile. */
typedef struct {
    virCpregKernelVersion kernel;
    gboolean tcg;
    gboolean no_aarch32_el0;   /* ID_AA64PFR0_EL1.EL0 says AArch64 only */
    int cache_writable;        /* CCSIDR/CLIDR writable (6.3+): 1, 0, -1 */
    int id_writable;           /* ID registers writable (6.7+): 1, 0, -1 */
} virCpregDestFacts;

void virCpregDestFactsInit(virCpregDestFacts *facts,
                           const virCpregProfile *dst);

typedef struct {
    const virCpregProfile *src;
    const virCpregProfile *dst;
    const virCpregDestFacts *dfacts;
    const virCpregQemuModel *qemu;
    const virCpregPolicy *policy;
    gboolean same_cpu;          /* MIDR_EL1 equal on both sides */
    GArray *findings;           /* virCpregFinding */
    gboolean first_block_only;  /* the kind is all that matters: stop at
                                 * the first blocking finding */
    gboolean other_machine;     /* TCG: the destination profile is of
                                 * another machine type than the stream */
    gboolean blocked;
} virCpregEngine;

guint64 virCpregEngineUncertain(const virCpregEntry *entry);
gboolean virCpregEngineSameUnknown(const virCpregEngine *e, const virCpregEntry *s,
                                   const virCpregEntry *d);
void virCpregEngineAddUncertain(virCpregEngine *e, virCpregFindingKind kind,
                                guint64 id, guint64 src, guint64 dst,
                                const virCpregField *field, const char *why);
gboolean virCpregKvmUncertainDecides(const virCpregEngine *e, guint64 value,
                                     const virCpregEntry *s,
                                     const virCpregEntry *d,
                                     const virCpregField **field);

virCpregFinding *virCpregEngineAdd(virCpregEngine *e, virCpregRule rule,
                                   virCpregFindingKind kind, guint64 id,
                                   guint64 src, guint64 dst,
                                   const virCpregField *field,
                                   const char *why);
void virCpregKvmCheckWrite(virCpregEngine *e, guint64 id, gboolean has_value,
                           guint64 value, const virCpregEntry *dst);
gboolean virCpregKvmPsciAccepted(const virCpregEntry *dst, guint64 value);
