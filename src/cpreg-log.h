/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-log.h: one structured line to the journal, else syslog
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIR_CPREG_LOG_SOCKET_ENV "VIRT_CPREG_JOURNAL_SOCKET"

typedef struct {
    const char *key;            /* upper case, journal field name */
    const char *value;          /* one line; NULL is left out */
} virCpregLogField;

void virCpregLog(int priority, const char *message,
                 const virCpregLogField *fields, size_t nfields);

G_END_DECLS
