/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt-cpreg.c: the command line: one verb per action
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "cli.h"
#include "cpreg-render.h"
#include "cpreg-conf.h"
#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-qemu.h"
#include "cpreg-util.h"

static const virCpregVerb verbs[] = {
    { "decode", cliDecode, N_("REG..."),
      N_("Name and explain register ids, names or encodings"), NULL },
    { "diff", cliDiff, N_("A B"),
      N_("Show the named differences of two register profiles"), NULL },
    { "check", cliCheck, N_("--source A --dest B"),
      N_("Decide whether a guest migrates from A to B, and why"), NULL },
    { "matrix", cliMatrix, N_("PROFILE..."),
      N_("Verdicts for every direction among a fleet's profiles"),
      N_("Exit status: 0 when every direction allows (or allows with changes), "
         "1 when any direction is vetoed, 3 when any is uncertain and none is "
         "vetoed, 2 bad usage or input.") },
    { "baseline", cliBaseline, N_("PROFILE..."),
      N_("The pins and QEMU versions that keep guests migratable among them"), NULL },
    { "hook", cliHook, N_("NAME OP SUBOP EXTRA"),
      N_("libvirt's qemu hook: check an incoming guest (XML on stdin)"), NULL },
    { "stamp", cliStamp, N_("DOMAIN | --xml FILE"),
      N_("Put this host's profile into a domain's metadata"), NULL },
    { "pin", cliPin, N_("DOMAIN --persistent"),
      N_("Write the guest's vCPU property pins into its persistent definition"), NULL },
    { "inspect", cliInspect, N_("FILE"),
      N_("Show what a QEMU migration stream or libvirt save image holds"), NULL },
    { "probe", cliProbe, "",
      N_("This host's register profile for a vCPU configuration"), NULL },
    { "validate", cliValidate, "",
      N_("Check this host's setup: hook, daemons, configuration, guests"), NULL },
    { "predict", cliPredict, N_("--host PROFILE --to EMULATED_B"),
      N_("A host's profile after a kernel upgrade: its own plus the new kernel's emulated delta"),
      N_("Exit status: 0 when the profile is predicted, 2 bad usage or input (emulated "
         "profiles of different CPUs or features, or of another kernel than the host's), "
         "4 internal error.") },
    { "plan", cliPlan, N_("--fleet DIR --upgrade HOST..."),
      N_("Judge a rolling kernel upgrade before it starts: breaks, stranded guests, pins"),
      N_("Exit status: 0 when every direction allowed now stays allowed and "
         "no guest is stranded, 1 when one breaks or a guest is stranded, "
         "3 when that is only uncertain, 2 bad usage or input.") },
};

/* A verb's text in the user's language; gettext("") would be the
 * catalogue's header, not the empty string (probe takes no arguments). */
static const char *
verbText(const char *msgid)
{
    return *msgid ? _(msgid) : msgid;
}

const virCpregVerb *
cliVerb(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(verbs); i++) {
        if (g_str_equal(verbs[i].name, name))
            return &verbs[i];
    }
    return NULL;
}

int
cliFail(GError *error)
{
    g_printerr("virt-cpreg: %s\n", error->message);
    return virCpregExitForError(error);
}

int
cliUsage(const char *verb, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_printerr("virt-cpreg %s: %s\n", verb, msg);
    g_printerr(_("Try 'virt-cpreg %s --help'.\n"), verb);
    return VIR_CPREG_EXIT_INPUT;
}

/*
 * A --dest-qemu value is a QEMU version as QEMU or a distribution spells
 * it: [EPOCH:]MAJOR.MINOR, then nothing or a separator (. + ~ -) and
 * version characters: "10.0", "10.0.2", "1:10.0.2+ds-1~bpo12+1".
 */
static gboolean
qemuVersionValid(const char *version)
{
    unsigned int major, minor;
    const char *p = version;

    if (strlen(version) > 64 || !virCpregQemuParseVersion(version, &major, &minor))
        return FALSE;
    while (g_ascii_isdigit(*p))
        p++;
    p = *p == ':' ? p + 1 : version;
    while (g_ascii_isdigit(*p) || *p == '.')
        p++;
    if (*p && !strchr("+~-", *p))
        return FALSE;
    for (; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr(".+~-", *p))
            return FALSE;
    }
    return TRUE;
}

/* -1 when @version (an option's value, or NULL) is a QEMU version, else
 * the usage error's exit status. */
int
cliCheckQemuVersion(const char *verb, const char *version)
{
    g_autofree char *shown = NULL;

    if (!version || qemuVersionValid(version))
        return -1;
    shown = g_strescape(version, NULL);
    return cliUsage(verb, _("--dest-qemu: '%s' is not a QEMU version (MAJOR.MINOR[.MICRO], as in 10.0.2 or 1:10.0.2+ds-1)"),
                    shown);
}

gboolean
cliParseOptions(const virCpregVerb *verb, GOptionEntry *entries, int *argc,
                char ***argv, GError **error)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(verbText(verb->params));

    g_option_context_set_summary(ctx, verbText(verb->summary));
    if (verb->description)
        g_option_context_set_description(ctx, _(verb->description));
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    return g_option_context_parse(ctx, argc, argv, error);
}

const char *
cliArrow(void)
{
    return virCpregRenderArrow();
}

/* A profile as QEMU's cpreg list sees it, unless @all. */
/* --features LIST: the normalized feature words ("ptrauth" is "pauth"),
 * each once, NULL-terminated. */
gboolean
cliParseFeatures(const char *list, char ***out, GError **error)
{
    g_auto(GStrv) words = g_strsplit_set(list, ",+", -1);
    g_autoptr(GPtrArray) features = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; words[i]; i++) {
        char *f;
        if (!*g_strstrip(words[i]))
            continue;
        if (!(f = virCpregProfileFeaturesNormalize(words[i]))) {
            g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                        _("--features: unknown feature '%s' (known: pmu, sve, pauth)"),
                        words[i]);
            return FALSE;
        }
        if (*f && !g_ptr_array_find_with_equal_func(features, f, g_str_equal, NULL))
            g_ptr_array_add(features, f);
        else
            g_free(f);
    }
    g_ptr_array_add(features, NULL);
    *out = (char **)g_ptr_array_free(g_steal_pointer(&features), FALSE);
    return TRUE;
}

/* --emulator NAME is the admin's to look up in PATH; the library never
 * does. An absolute path is taken as it is. */
char *
cliFindEmulator(const char *emulator, GError **error)
{
    char *found;

    if (g_path_is_absolute(emulator))
        return g_strdup(emulator);
    if (!(found = g_find_program_in_path(emulator)))
        g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_USAGE,
                    _("--emulator: '%s' is not in PATH"), emulator);
    return found;
}

virCpregProfile *
cliLoadProfile(const char *path, gboolean all, GError **error)
{
    g_autoptr(virCpregProfile) profile = virCpregProfileLoad(path, error);

    if (!profile || all)
        return g_steal_pointer(&profile);
    return virCpregProfileQemuView(profile);
}

/*
 * The built-in policy, then every policy.d (the directories of
 * VIRT_CPREG_POLICY_DIRS, colon-separated, or the installed ones), then
 * @files in order.
 */
virCpregPolicy *
cliLoadPolicy(const char *const *files, GError **error)
{
    const char *env = g_getenv("VIRT_CPREG_POLICY_DIRS");
    g_auto(GStrv) envDirs = env ? g_strsplit(env, ":", -1) : NULL;

    return virCpregPolicyLoadAll(envDirs ? (const char *const *)envDirs :
                                           virCpregConfPolicyDirs(NULL),
                                 files, error);
}

char *
cliRegisterLabel(guint64 id)
{
    return virCpregRenderRegisterLabel(id);
}

json_object *
cliJSONHex(guint64 value)
{
    return virCpregRenderJSONHex(value);
}

void
cliPrintJSON(json_object *obj)
{
    g_autofree char *text = virCpregRenderJSON(obj);

    fputs(text, stdout);
}

static void
usage(FILE *out)
{
    size_t i;

    fprintf(out, _("Usage: virt-cpreg VERB [OPTION...] [ARG...]\n\n"
                   "Predict whether an arm64 KVM guest's vCPU registers will migrate.\n\n"
                   "Verbs:\n"));
    for (i = 0; i < G_N_ELEMENTS(verbs); i++)
        fprintf(out, "  %-8s %-10s %s\n", verbs[i].name,
                verbText(verbs[i].params), verbText(verbs[i].summary));
    fprintf(out, _("\nRun 'virt-cpreg VERB --help' for a verb's options. "
                   "Exit status: 0 allow or no difference, 1 veto or "
                   "difference, 2 bad usage or input, 3 uncertain, "
                   "4 internal error.\n"));
}

int
main(int argc, char **argv)
{
    const virCpregVerb *verb;

    virCpregProgramInit();

    if (argc < 2) {
        usage(stderr);
        return VIR_CPREG_EXIT_INPUT;
    }
    if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
        g_str_equal(argv[1], "help")) {
        usage(stdout);
        return VIR_CPREG_EXIT_OK;
    }
    if (g_str_equal(argv[1], "--version")) {
        printf("virt-cpreg %s\n", PACKAGE_VERSION);
        return VIR_CPREG_EXIT_OK;
    }
    if (!(verb = cliVerb(argv[1]))) {
        g_printerr(_("virt-cpreg: unknown verb '%s'\n"), argv[1]);
        usage(stderr);
        return VIR_CPREG_EXIT_INPUT;
    }
    return verb->run(argc - 1, argv + 1);
}
