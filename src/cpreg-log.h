/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-log.h: one structured record to the journal, through glib
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIR_CPREG_LOG_SOCKET_ENV "VIRT_CPREG_JOURNAL_SOCKET"

/* GLIB_DOMAIN of every record of libvirt-cpreg */
#define VIR_CPREG_LOG_DOMAIN "libvirt-cpreg"

/*
 * MESSAGE_ID of the hook's migration veto (systemd's 128-bit message ids,
 * as `systemd-id128 new` makes them): `journalctl
 * MESSAGE_ID=2f6a48bafe554967a865ae5a86efbe4b` lists every veto, with
 * CPREG_DOMAIN, CPREG_DOMAIN_UUID, CPREG_OPERATION, CPREG_VERDICT=veto
 * and CPREG_REGISTERS (the blocking registers, comma-separated).
 */
#define VIR_CPREG_LOG_MESSAGE_ID_VETO "2f6a48bafe554967a865ae5a86efbe4b"

typedef struct {
    const char *key;            /* upper case, journal field name */
    const char *value;          /* NULL is left out */
} virCpregLogField;

void virCpregLog(int priority, const char *message,
                 const virCpregLogField *fields, size_t nfields);

G_END_DECLS
