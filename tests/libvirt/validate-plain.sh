#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# validate-plain.sh BUILD SRC: virt-cpreg validate on this machine as it
# is (no daemon of ours, any user): it must not crash, its --json must
# match schemas/validate.schema.json, its text one line per check, and its
# exit status must be 1 exactly when a check FAILs. 77 without
# python3-jsonschema.
set -uo pipefail

build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3-jsonschema"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout -k 5 120 "$build/src/virt-cpreg" validate --json >"$out"
rc=$?
[ "$rc" -le 1 ] || { echo "validate --json exited $rc"; exit 1; }
/usr/bin/python3 "$src/tests/libvirt/validate-check.py" "$src/schemas/validate.schema.json" \
  "$out" --rc="$rc" || exit 1
checks=$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["checks"]))' "$out")
text=$(LC_ALL=C timeout -k 5 120 "$build/src/virt-cpreg" validate)
rc_text=$?
[ "$rc_text" = "$rc" ] || { echo "validate exited $rc_text, --json $rc"; exit 1; }
lines=$(grep -c '^libvirt-cpreg: Checking .*: \(PASS\|WARN\|FAIL\)' <<<"$text")
[ "$lines" = "$checks" ] || { echo "$lines check lines in the text, $checks in the JSON"; exit 1; }

# host-profile=: a register dump passes; JSON loads but is not what the
# hook reads fastest, which validate says
dir=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$dir"' EXIT
dump=$src/tests/fixtures/lab/linux-7.2-max-pmu.regs
printf '{"libvirt-cpreg-profile": 1, "identity": {"kernel": "7.2", "features": ["pmu"]}, "registers": [{"id": "0x603000000013c000", "value": "0x410fd0c0"}]}\n' \
  >"$dir/host.json"
for pair in "$dump=PASS" "$dir/host.json=WARN~not a register dump"; do
  profile=${pair%%=*} want=${pair#*=}
  printf '[hook]\nhost-profile=%s\nqemu-version=10.0\n' "$profile" >"$dir/cpreg.conf"
  VIRT_CPREG_CONF=$dir/cpreg.conf timeout -k 5 120 "$build/src/virt-cpreg" validate --json >"$out"
  /usr/bin/python3 "$src/tests/libvirt/validate-check.py" "$src/schemas/validate.schema.json" \
    "$out" "host-profile=$want" >/dev/null || { echo "host-profile=$profile: not $want"; exit 1; }
done
echo "validate: $checks checks, exit $rc; host-profile= as a dump PASS, as JSON WARN"
