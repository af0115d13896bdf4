#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/report.sh [-v VERDICTS] RESULTS [OUT]
#
# Write the Markdown report of a migration lab run: RESULTS is the run's
# results.json (CACHE/runs/<id>/results.json, made by migrate-matrix.sh);
# OUT defaults to tests/lab/REPORT.md. The report's first line after the
# title is the summary "lab: N pairs, ...".
#
# Verdicts: every case of results.json has "verdicts": {"offline": null,
# "destination": null}, shown as the report's last columns with "stream"
# (judge.py's third verdict) when given. Fill them
# in results.json itself, e.g.
#   jq --arg id '7.2->6.12/10.0/host' --arg v 'veto: PSCI_VERSION' \
#      '(.cases[] | select(.id == $id) | .verdicts.offline) = $v'
# or give -v VERDICTS, a JSON object keyed by case id ("A->B/QEMU/config"):
#   {"7.2->6.12/10.0/host": {"offline": "veto ...", "destination": "veto ..."}}
# whose entries override those of results.json. A verdict is free text
# (e.g. "allow", "veto: <first line>"); the report prints it as is.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

verdicts=
if [ "${1:-}" = -v ] && [ $# -ge 2 ]; then
    verdicts=$2
    shift 2
fi
case $# in
1 | 2) results=$1 out=${2:-$HERE/REPORT.md} ;;
*) echo "usage: report.sh [-v VERDICTS] RESULTS [OUT]" >&2; exit 2 ;;
esac

python3 "$HERE/labtool.py" report "$results" ${verdicts:+"$verdicts"} >"$out.tmp"
mv "$out.tmp" "$out"
sed -n -e 's/^\(lab: .*\)/\1/p' -e 's/^\(predict: .*\)/\1/p' "$out"
