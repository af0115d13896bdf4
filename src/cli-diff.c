/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-diff.c: virt-cpreg diff A B
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-diff.h"

int
cliDiff(int argc, char **argv)
{
    gboolean json = FALSE, all = FALSE;
    GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { "all", 0, 0, G_OPTION_ARG_NONE, &all,
          N_("Include CORE and SVE registers, which QEMU migrates outside its register list"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregProfile) a = NULL;
    g_autoptr(virCpregProfile) b = NULL;
    g_autoptr(GArray) items = NULL;
    g_autofree char *out = NULL;

    if (!cliParseOptions(cliVerb("diff"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc != 3)
        return cliUsage("diff", "%s", _("expected two profiles"));
    if (!(a = cliLoadProfile(argv[1], all, &error)) ||
        !(b = cliLoadProfile(argv[2], all, &error)))
        return cliFail(error);
    items = virCpregDiff(a, b);
    out = json ? virCpregDiffToJSON(a, b, items) : virCpregDiffToText(a, b, items);
    fputs(out, stdout);
    return items->len ? VIR_CPREG_EXIT_VETO : VIR_CPREG_EXIT_OK;
}
