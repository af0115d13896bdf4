/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-exit.h: the exit statuses of virt-cpreg and of its libvirt hook,
 * decided in one place (documented in virt-cpreg(1), EXIT STATUS)
 */
#pragma once

#include <glib.h>

#include "cpreg-conf.h"
#include "cpreg-verdict.h"

G_BEGIN_DECLS

typedef enum {
    VIR_CPREG_EXIT_OK = 0,         /* allow, or no difference */
    VIR_CPREG_EXIT_VETO = 1,       /* veto, or the profiles differ */
    VIR_CPREG_EXIT_INPUT = 2,      /* bad usage or bad input */
    VIR_CPREG_EXIT_UNCERTAIN = 3,  /* the model cannot decide */
    VIR_CPREG_EXIT_INTERNAL = 4,   /* bug or system failure */
} virCpregExit;

virCpregExit virCpregExitForError(const GError *error);
virCpregExit virCpregExitForVerdict(virCpregVerdictKind kind);
virCpregExit virCpregExitForHookVerdict(virCpregVerdictKind kind);
virCpregExit virCpregExitForAction(virCpregOnAction action);

G_END_DECLS
