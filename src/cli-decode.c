/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-decode.c: virt-cpreg decode REG...
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-decode.h"

int
cliDecode(int argc, char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(json_object) out = json_object_new_array();
    g_autoptr(GError) error = NULL;
    int i;

    if (!cliParseOptions(cliVerb("decode"), entries, &argc, &argv, &error))
        return cliFail(error);
    if (argc < 2)
        return cliUsage("decode", "%s", _("expected at least one register"));
    for (i = 1; i < argc; i++) {
        virCpregIdInfo info;
        guint64 id;

        if (!virCpregIdParse(argv[i], &id, &error))
            return cliFail(error);
        virCpregIdDecode(id, &info);
        if (!json && i > 1)
            putchar('\n');
        if (json) {
            json_object_array_add(out, virCpregDecodeToJSON(&info));
        } else {
            g_autofree char *text = virCpregDecodeToText(argv[i], &info);
            fputs(text, stdout);
        }
    }
    if (json)
        cliPrintJSON(out);
    return VIR_CPREG_EXIT_OK;
}
