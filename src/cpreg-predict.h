/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-predict.h: a real host's profile after a kernel upgrade
 *
 * The host's measured profile (kernel A) plus the new kernel's delta,
 * measured as two emulated probes (kernels A and B) of one emulated CPU
 * with the same vCPU features. What the delta cannot vouch for is marked
 * uncertain (virCpregEntry.uncertain), never guessed.
 */
#pragma once

#include <glib.h>

#include "cpreg-profile.h"

G_BEGIN_DECLS

typedef struct {
    guint added;          /* registers kernel B lists and A does not */
    guint dropped;        /* registers of the host that B stops listing */
    guint predicted;      /* entries of the host whose value or writable
                           * mask the delta changes */
    guint uncertain;      /* entries with uncertain bits */
    guint transient;      /* counters and timers: the host's, as measured */
    guint host_only;      /* registers the emulated CPU does not have:
                           * the host's, as measured */
} virCpregPredictStats;

/*
 * @host (measured, kernel A) after the upgrade that @to (emulated, kernel
 * B) shows against @from (emulated, kernel A, same CPU and features).
 * NULL with an INPUT error when the three do not fit together.
 */
virCpregProfile *virCpregPredict(const virCpregProfile *host,
                                 const virCpregProfile *from,
                                 const virCpregProfile *to,
                                 virCpregPredictStats *stats,
                                 GError **error);

/*
 * The image of the kernel @host runs, by Debian's and Fedora's layout:
 * /boot/vmlinuz-RELEASE. The release comes from a profile (untrusted): it
 * must be a kernel release (a digit, then at most 63 of [0-9A-Za-z.+_~-],
 * no "..") or this is an INPUT error; nothing else of it reaches a path.
 */
char *virCpregPredictHostKernelImage(const virCpregProfile *host, GError **error);

G_END_DECLS
