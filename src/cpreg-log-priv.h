/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-log-priv.h: the log writer of libvirt-cpreg's own programs
 * (internal: not installed, not exported)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * For g_log_set_writer_func() in main(): libvirt-cpreg's records (their
 * GLIB_DOMAIN) to the journal, else to syslog; anything else to glib's
 * default writer, as before.
 */
GLogWriterOutput virCpregLogWriter(GLogLevelFlags level,
                                   const GLogField *fields, gsize n,
                                   gpointer opaque);

G_END_DECLS
