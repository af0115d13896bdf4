/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-exit.c: the exit statuses of virt-cpreg and of its libvirt hook
 *
 * Every verb, the hook and virt-cpreg-libvirt answer through these
 * tables, so that "2 bad usage or input, 4 internal error" means the same
 * whichever process says it. libvirt reads the hook's status as 0 let in,
 * anything else refused, so the hook answers only 0 or 1.
 */
#include "config.h"

#include "cpreg-exit.h"
#include "cpreg-error.h"

/* Error code → exit status; an error of another domain (GOption's, a
 * file's) is the user's input. */
static const virCpregExit errorExits[] = {
    [VIR_CPREG_ERROR_INPUT] = VIR_CPREG_EXIT_INPUT,
    [VIR_CPREG_ERROR_USAGE] = VIR_CPREG_EXIT_INPUT,
    [VIR_CPREG_ERROR_UNSUPPORTED] = VIR_CPREG_EXIT_INPUT,
    [VIR_CPREG_ERROR_INTERNAL] = VIR_CPREG_EXIT_INTERNAL,
};

/* Verdict → exit status: of `virt-cpreg check`, and of the hook. */
static const struct {
    virCpregExit check;
    virCpregExit hook;
} verdictExits[VIR_CPREG_VERDICT_LAST] = {
    [VIR_CPREG_VERDICT_ALLOW] = { VIR_CPREG_EXIT_OK, VIR_CPREG_EXIT_OK },
    [VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES] = { VIR_CPREG_EXIT_OK, VIR_CPREG_EXIT_OK },
    [VIR_CPREG_VERDICT_VETO] = { VIR_CPREG_EXIT_VETO, VIR_CPREG_EXIT_VETO },
    /* the hook has nobody to ask: the guest comes in, the journal warns */
    [VIR_CPREG_VERDICT_UNCERTAIN] = { VIR_CPREG_EXIT_UNCERTAIN, VIR_CPREG_EXIT_OK },
};

/* on-internal-error=, on-missing-profile= → the hook's exit status. */
static const virCpregExit actionExits[VIR_CPREG_ON_LAST] = {
    [VIR_CPREG_ON_ALLOW] = VIR_CPREG_EXIT_OK,
    [VIR_CPREG_ON_DENY] = VIR_CPREG_EXIT_VETO,
};

virCpregExit
virCpregExitForError(const GError *error)
{
    if (!error || error->domain != VIR_CPREG_ERROR)
        return error ? VIR_CPREG_EXIT_INPUT : VIR_CPREG_EXIT_INTERNAL;
    if (error->code < 0 || (gsize)error->code >= G_N_ELEMENTS(errorExits))
        return VIR_CPREG_EXIT_INTERNAL;
    return errorExits[error->code];
}

virCpregExit
virCpregExitForVerdict(virCpregVerdictKind kind)
{
    g_return_val_if_fail(kind < VIR_CPREG_VERDICT_LAST, VIR_CPREG_EXIT_INTERNAL);
    return verdictExits[kind].check;
}

virCpregExit
virCpregExitForHookVerdict(virCpregVerdictKind kind)
{
    g_return_val_if_fail(kind < VIR_CPREG_VERDICT_LAST, VIR_CPREG_EXIT_VETO);
    return verdictExits[kind].hook;
}

virCpregExit
virCpregExitForAction(virCpregOnAction action)
{
    g_return_val_if_fail(action < VIR_CPREG_ON_LAST, VIR_CPREG_EXIT_VETO);
    return actionExits[action];
}
