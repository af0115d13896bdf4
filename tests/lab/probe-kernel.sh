#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/probe-kernel.sh CACHE KERNEL FEATURES [TRIAL_FILE]
#
# Print the profile JSON of virt-cpreg-probe run on KERNEL in the lab:
#   CACHE       the directory of fetch.sh (run it first)
#   KERNEL      a series fetched by fetch.sh (6.1, 6.12, 7.2) or an Image
#   FEATURES    vCPU features: "base" or a comma-separated subset of
#               pmu, sve, pauth
#   TRIAL_FILE  optional: a source register dump, lines "0x<id> 0x<value>"
#               ('#' comments; lines with an id only, such as the wide
#               registers of a .regs fixture, and a third column are
#               dropped), tried on a fresh vCPU (--trial)
#
# The probe is (re)built into CACHE/probe by build-probe.sh. Exit status:
# the probe's (0, 1, 2), or 125 if the guest gave no answer. LAB_OUT and
# LAB_VERBOSE are passed on to boot.sh.

set -euo pipefail

[ $# -eq 3 ] || [ $# -eq 4 ] ||
    { echo "usage: probe-kernel.sh CACHE KERNEL FEATURES [TRIAL_FILE]" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
KERNEL=$2
FEATURES=$3
TRIAL=${4:-}

"$HERE/build-probe.sh" "$CACHE/probe/virt-cpreg-probe"

payload=$(mktemp -d "${TMPDIR:-/tmp}/lab-probe.XXXXXX")
trap 'rm -rf "$payload"' EXIT
mkdir -p "$payload/probe"
install -m 0755 "$CACHE/probe/virt-cpreg-probe" "$payload/probe/virt-cpreg-probe"

cmd="/probe/virt-cpreg-probe"
[ "$FEATURES" = base ] || cmd="$cmd --features $FEATURES"
if [ -n "$TRIAL" ]; then
    # Keep "0x<id> 0x<value>": drop comments, id-only lines, extra columns.
    awk '{ sub(/#.*/, "") } NF >= 2 { print $1, $2 }' "$TRIAL" >"$payload/probe/trial"
    cmd="$cmd --trial /probe/trial"
fi

LAB_CACHE=$CACHE exec "$HERE/boot.sh" "$KERNEL" "$payload" "$cmd"
