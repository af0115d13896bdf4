/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-verdict-render.h: a verdict as text
 */
#pragma once

#include "cpreg-verdict.h"

G_BEGIN_DECLS

char *virCpregVerdictToText(const virCpregVerdict *v, gboolean verbose);

/* Findings as people read them: a run of like registers is one line. */
typedef struct {
    const virCpregFinding *first;   /* the run's first finding */
    guint count;                    /* registers it stands for */
    char *name;                     /* "PMEVCNTR0..30_EL0 (31)", or one name */
    char *message;                  /* the first's, with @name in it */
    char *remedy;                   /* likewise, or NULL */
} virCpregFindingGroup;

void virCpregFindingGroupFree(virCpregFindingGroup *group);
GPtrArray *virCpregFindingGroups(const virCpregVerdict *v,
                                 virCpregSeverity severity);
char *virCpregJoinNames(const GPtrArray *names, const GArray *counts,
                        gsize max, gboolean head);
gboolean virCpregNameSplitNumbered(const char *name, gsize *at, gsize *digits,
                                   guint *num);
char *virCpregNameRun(const char *first, guint last, guint count);
char *virCpregVerdictNames(const virCpregVerdict *v, virCpregSeverity severity,
                           gsize max, gboolean head);

G_END_DECLS
