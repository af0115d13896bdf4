#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/compare-regs.sh PROFILE_JSON REGS_FILE
#
# Compare the registers of a virt-cpreg-probe profile (the probe's own
# one-register-per-line JSON) with a plain register dump such as
# tests/fixtures/lab/linux-<k>-max-<features>.regs ("0x<id> [0x<value>
# [0x<writable>]]" lines, '#' comments). Prints
#   set: equal (N registers) | differ
#   only-probe ID / only-dump ID     ids in one and not the other
#   value ID PROBE DUMP              values that differ
#   writable ID PROBE DUMP           writable masks that differ
# Exit status: 0 if the id sets are equal (values may differ), 1 if not,
# 2 on bad usage.

set -euo pipefail

[ $# -eq 2 ] || { echo "usage: compare-regs.sh PROFILE_JSON REGS_FILE" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lab-cmp.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Profile → "id value writable" ("-" where absent), from the "registers"
# array only (the "trial" array repeats ids), sorted by id text.
awk '/^ "registers": \[/ { on = 1; next } on && /^ \]/ { exit } on' "$1" |
    awk 'match($0, /"id": "0x[0-9a-f]+"/) {
        id = substr($0, RSTART + 7, RLENGTH - 8); v = "-"; w = "-"
        if (match($0, /"value": "0x[0-9a-f]+"/)) v = substr($0, RSTART + 10, RLENGTH - 11)
        if (match($0, /"writable": "0x[0-9a-f]+"/)) w = substr($0, RSTART + 13, RLENGTH - 14)
        print id, v, w
    }' | LC_ALL=C sort >"$work/probe.regs"

awk '{ sub(/#.*/, "") } NF >= 1 { print $1, (NF >= 2 ? $2 : "-"), (NF >= 3 ? $3 : "-") }' "$2" |
    LC_ALL=C sort >"$work/dump.regs"

cut -d' ' -f1 "$work/probe.regs" >"$work/a"
cut -d' ' -f1 "$work/dump.regs" >"$work/b"
status=0
if cmp -s "$work/a" "$work/b"; then
    echo "set: equal ($(wc -l <"$work/a") registers)"
else
    echo "set: differ (probe $(wc -l <"$work/a"), dump $(wc -l <"$work/b"))"
    comm -23 "$work/a" "$work/b" | sed 's/^/only-probe /'
    comm -13 "$work/a" "$work/b" | sed 's/^/only-dump /'
    status=1
fi
join "$work/probe.regs" "$work/dump.regs" |
    awk '$2 != $4 { print "value", $1, $2, $4 } $3 != $5 { print "writable", $1, $3, $5 }'
exit "$status"
