/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-hook.h: libvirt's qemu hook, decided (the process contract, with
 * its time budget, lives in cli-hook.c)
 */
#pragma once

#include <glib.h>

#include "cpreg-conf.h"

G_BEGIN_DECLS

typedef struct {
    int status;          /* the hook's exit status */
    GString *out;        /* stdout: the rewritten XML, or empty */
    GString *err;        /* stderr: the summary first, then details */
} virCpregHookAnswer;

void virCpregHookAnswerInit(virCpregHookAnswer *answer);
void virCpregHookAnswerClear(virCpregHookAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCpregHookAnswer, virCpregHookAnswerClear);

void virCpregHookIncoming(const virCpregConf *conf, const char *op,
                          const char *xml, gsize len,
                          virCpregHookAnswer *answer);
/* The destination QEMU's version, as the hook models it (cpreg-hook.c):
 * the one owner of that answer, for the hook and for validate. */
char *virCpregHookQemuVersion(const virCpregConf *conf, const char *emulator,
                              GError **error);
void virCpregHookInternalError(const virCpregConf *conf, const char *op,
                               const char *why, virCpregHookAnswer *answer);

G_END_DECLS
