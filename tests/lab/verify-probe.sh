#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/verify-probe.sh CACHE [FIXTURES_DIR]
#
# Check virt-cpreg-probe against the real kernels of the lab, one boot at a
# time:
#  (a) on 6.1, 6.12, 7.2 and 7.3 (outer CPU "max"), features base and pmu, the
#      probe lists exactly the registers of FIXTURES_DIR/linux-<k>-max-<f>.regs
#      (values may differ: counters tick; they are printed);
#  (b) the 7.2 pmu values tried on a fresh 6.12 vCPU are rejected exactly for
#      ID_AA64MMFR2_EL1 (NV field not writable) and PSCI_VERSION (1.3 is
#      newer than 6.12 implements), both with EINVAL;
#  (c) the wall-clock time of each boot.
# FIXTURES_DIR defaults to tests/fixtures/lab. Results go to CACHE/verify.
# Exit status 0 if (a) and (b) hold.

set -euo pipefail

case $# in 1 | 2) ;; *) { echo "usage: verify-probe.sh CACHE [FIXTURES_DIR]" >&2; exit 2; } ;; esac

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
FIX=${2:-$HERE/../fixtures/lab}
RES=$CACHE/verify
rm -rf "$RES"
mkdir -p "$RES"
fail=0

for k in 6.1 6.12 7.2 7.3; do
    for f in base pmu; do
        name=$k-$f
        mkdir -p "$RES/$name"
        if ! LAB_OUT=$RES/$name "$HERE/probe-kernel.sh" "$CACHE" "$k" "$f" >"$RES/$name.json"; then
            echo "(a) $name: probe failed" >&2
            fail=1
            continue
        fi
        echo "(a) $name: boot $(cat "$RES/$name/seconds")s"
        "$HERE/compare-regs.sh" "$RES/$name.json" "$FIX/linux-$k-max-$f.regs" |
            sed 's/^/    /' || fail=1
    done
done

# (b): the expectation, stated independently of the probe.
expected="0x603000000013c03a EINVAL
0x6030000000140000 EINVAL"
mkdir -p "$RES/trial"
if LAB_OUT=$RES/trial "$HERE/probe-kernel.sh" "$CACHE" 6.12 pmu \
    "$FIX/linux-7.2-max-pmu.regs" >"$RES/trial.json"; then
    echo "(b) 7.2 pmu values on 6.12: boot $(cat "$RES/trial/seconds")s"
    awk '/^ "trial": \[/ { on = 1; next } on' "$RES/trial.json" >"$RES/trial.lines"
    grep '"rejected"\|"unknown"' "$RES/trial.lines" | sed 's/^ */    /'
    echo "    accepted: $(grep -c '"accepted"' "$RES/trial.lines")"
    got=$(sed -n 's/.*"id": "\(0x[0-9a-f]*\)".*"result": "rejected", "errno": "\([A-Z0-9]*\)".*/\1 \2/p' \
        "$RES/trial.lines")
    if [ "$got" != "$expected" ]; then
        echo "(b) FAIL: rejected: ${got:-none}; expected: $expected" >&2
        fail=1
    fi
else
    echo "(b) trial failed" >&2
    fail=1
fi
exit "$fail"
