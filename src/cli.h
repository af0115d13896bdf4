/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli.h: what the verbs of virt-cpreg share
 */
#pragma once

#include <glib.h>
#include "cpreg-json.h"

#include "cpreg-exit.h"
#include "cpreg-policy.h"
#include "cpreg-profile.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *params;          /* for --help: "REG..." */
    const char *summary;         /* untranslated; shown through _() */
    const char *description;     /* after the options in --help, or NULL */
} virCpregVerb;

int cliDecode(int argc, char **argv);
int cliDiff(int argc, char **argv);
int cliCheck(int argc, char **argv);
int cliMatrix(int argc, char **argv);
int cliBaseline(int argc, char **argv);
int cliHook(int argc, char **argv);
int cliStamp(int argc, char **argv);
int cliPin(int argc, char **argv);
int cliExecLibvirtTool(const char *verb, const char *domain, const char *uri,
                       const char *arg);
char *cliLibvirtToolPath(void);
int cliInspect(int argc, char **argv);
int cliProbe(int argc, char **argv);
int cliValidate(int argc, char **argv);
int cliPredict(int argc, char **argv);
int cliPlan(int argc, char **argv);

int cliFail(GError *error);
int cliUsage(const char *verb, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
int cliCheckQemuVersion(const char *verb, const char *version);
gboolean cliParseOptions(const virCpregVerb *verb, GOptionEntry *entries,
                         int *argc, char ***argv, GError **error);
const virCpregVerb *cliVerb(const char *name);
const char *cliArrow(void);
virCpregProfile *cliLoadProfile(const char *path, gboolean all,
                                GError **error);
char *cliRegisterLabel(guint64 id);
gboolean cliParseFeatures(const char *list, char ***out, GError **error);
char *cliFindEmulator(const char *emulator, GError **error);
virCpregPolicy *cliLoadPolicy(const char *const *files, GError **error);
void cliPrintJSON(json_object *obj);
json_object *cliJSONHex(guint64 value);

