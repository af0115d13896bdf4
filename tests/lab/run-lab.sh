#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/run-lab.sh: the Meson test of suite "lab" (tests/lab/meson.build).
#
# Fetches the lab's ingredients into the cache (fetch.sh), runs the real
# migration matrix (migrate-matrix.sh) into CACHE/runs/<UTC time>/ (also
# CACHE/runs/latest), adds the timings, and writes the run's REPORT.md next
# to its results.json (report.sh). Prints the report's summary line.
#
# Passes when every boot produced results, every case of the matrix's plan
# (same QEMU on both ends, and across versions: migrate-matrix.sh) has an
# outcome, every same-kernel control migrated and judge.py's verdicts agree
# with every outcome; the outcomes themselves are the lab's findings, not
# test failures.
# Skips (exit 77, with the reason on stdout and stderr) only when this
# machine cannot run the lab: LAB_SKIP set, not an amd64 Debian-like host,
# the cache not writable, too little space, no network to Debian's archive
# while the cache is cold, no arm64 cross compiler, or no nested KVM under
# TCG.
#
# Environment: LAB_CACHE (default /var/cache/libvirt-cpreg-lab), LAB_REPORT
# (also copy REPORT.md there), LAB_KEEP_RUNS (default 5), VIRT_CPREG (names
# registers in the report; Meson sets it), LAB_SKIP.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${LAB_CACHE:-/var/cache/libvirt-cpreg-lab}
readonly MIRROR_PROBE=http://deb.debian.org/debian/dists/sid/Release

skip() {
    echo "SKIP lab: $*"
    echo "SKIP lab: $*" >&2
    exit 77
}

log() {
    echo "run-lab.sh: $*" >&2
}

now() {
    date +%s
}

# --- can this machine run the lab at all?

[ -z "${LAB_SKIP:-}" ] || skip "LAB_SKIP is set"
for tool in apt-get apt-cache dpkg dpkg-deb readelf python3 timeout; do
    command -v "$tool" >/dev/null || skip "$tool not found (the lab needs a Debian-like host)"
done
[ "$(dpkg --print-architecture)" = amd64 ] ||
    skip "the outer emulator is Debian's amd64 qemu-system-arm; this host is $(dpkg --print-architecture)"
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
    skip "cache $CACHE not writable (set LAB_CACHE)"
fi
CACHE=$(cd "$CACHE" && pwd)

warm=no
if [ -e "$CACHE/lab.env" ] && [ -e "$CACHE/qemu/complete" ] &&
    [ -e "$CACHE/inner/bookworm/complete" ] && [ -e "$CACHE/inner/trixie/complete" ] &&
    [ -e "$CACHE/inner/sid/complete" ] && [ -s "$CACHE/kernels/7.3/Image" ]; then
    warm=yes
fi

need_kb=$((2 * 1024 * 1024))
[ "$warm" = no ] || need_kb=$((300 * 1024))
free_kb=$(df -Pk "$CACHE" | awk 'NR == 2 { print $4 }')
[ "$free_kb" -ge "$need_kb" ] ||
    skip "$((free_kb / 1024)) MB free under $CACHE, the lab needs $((need_kb / 1024)) MB"

if [ "$warm" = no ]; then
    probe_file=$(mktemp)
    if ! timeout 60 /usr/lib/apt/apt-helper download-file "$MIRROR_PROBE" "$probe_file" \
        >/dev/null 2>&1; then
        rm -f "$probe_file"
        skip "cold cache and no network to Debian's archive ($MIRROR_PROBE)"
    fi
    rm -f "$probe_file"
fi

# --- fetch

t0=$(now)
"$HERE/fetch.sh" "$CACHE" >&2
t_fetch=$(($(now) - t0))

if ! "$HERE/build-probe.sh" "$CACHE/probe/virt-cpreg-probe" >&2; then
    skip "no arm64 cross compiler (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross: bash .ci/install-deps test installs them)"
fi

kvm_check=$(LAB_CACHE=$CACHE LAB_TIMEOUT=120 "$HERE/boot.sh" 6.12 - \
    'test -c /dev/kvm && echo kvm-ok' 2>/dev/null || true)
[ "$kvm_check" = kvm-ok ] || skip "no /dev/kvm in the lab's guest: TCG without nested KVM"

# --- the matrix

id=$(date -u +%Y%m%dT%H%M%SZ)
run=$CACHE/runs/$id
mkdir -p "$run"
t1=$(now)
matrix_rc=0
"$HERE/migrate-matrix.sh" "$CACHE" "$run" || matrix_rc=$?
t_matrix=$(($(now) - t1))
ln -sfn "$id" "$CACHE/runs/latest"

# the probe against the committed fixtures (register sets on 6.1, 6.12,
# 7.2 and 7.3; 7.2's values refused by 6.12 exactly for ID_AA64MMFR2_EL1
# and PSCI_VERSION)
t2=$(now)
probe_rc=0
"$HERE/verify-probe.sh" "$CACHE" >"$run/verify-probe.log" 2>&1 || probe_rc=$?
t_probe=$(($(now) - t2))
sed 's/^/verify-probe: /' "$run/verify-probe.log" >&2

cache_state=cold
[ "$warm" = no ] || cache_state=warm
cat >"$run/run.json" <<EOF
{"cache": "$cache_state",
 "fetch_seconds": $t_fetch, "matrix_seconds": $t_matrix,
 "verify_probe_seconds": $t_probe,
 "total_seconds": $(($(now) - t0))}
EOF
python3 "$HERE/labtool.py" collect "$CACHE" "$run" >"$run/results.json"
# our verdicts, offline and destination-side, against what happened
judge_rc=0
python3 "$HERE/judge.py" "$run" "${VIRT_CPREG:?VIRT_CPREG names the virt-cpreg to judge}" \
    >"$run/verdicts.json" || judge_rc=$?
# predict each kernel step's host from the older kernel (issue 13) and
# judge the lab's cases again with the predictions
t3=$(now)
predict_rc=0
python3 "$HERE/predict-lab.py" "$run" "$CACHE" "$VIRT_CPREG" \
    >"$run/predictions.json" 2>"$run/predictions.log" || predict_rc=$?
t_predict=$(($(now) - t3))
sed 's/^/predict-lab: /' "$run/predictions.log" >&2
[ -s "$run/predictions.json" ] || rm -f "$run/predictions.json"
summary=$("$HERE/report.sh" -v "$run/verdicts.json" "$run/results.json" "$run/REPORT.md")
[ -z "${LAB_REPORT:-}" ] || cp "$run/REPORT.md" "$LAB_REPORT"
echo "$summary"
echo "results: $run/results.json"
echo "report:  $run/REPORT.md"
echo "time:    fetch ${t_fetch}s ($cache_state cache), matrix ${t_matrix}s, probe check ${t_probe}s, predictions ${t_predict}s"

# Keep the newest LAB_KEEP_RUNS runs.
find "$CACHE/runs" -mindepth 1 -maxdepth 1 -type d -name '20*' | sort -r |
    tail -n +"$((${LAB_KEEP_RUNS:-5} + 1))" | xargs -r rm -rf

# --- verdict on the lab itself

status=0
[ "$matrix_rc" -eq 0 ] || { log "some boots gave no result"; status=1; }
[ "$judge_rc" -eq 0 ] || { log "judge.py failed"; status=1; }
[ "$predict_rc" -eq 0 ] || { log "predict-lab.py: a wrong prediction without a mark, a verdict against a real migration, or no prediction (exit $predict_rc)"; status=1; }
[ "$probe_rc" -eq 0 ] || { log "the probe does not reproduce the fixtures (verify-probe.sh)"; status=1; }
python3 - "$run/verdicts.json" <<'EOF' || status=1
import json, sys
v = json.load(open(sys.argv[1]))
bad = sorted(k for k, c in v.items() if not c["agree"])
for k in bad:
    print("run-lab.sh: %s: %s" % (k, "; ".join(v[k]["why"])), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
python3 - "$run/results.json" <<'EOF' || status=1
import json, sys
res = json.load(open(sys.argv[1]))
bad = [c["id"] for c in res["cases"] if c["kind"] == "same-qemu"
       and c["source"] == c["destination"] and c["outcome"] != "migrated"]
for b in bad:
    print("run-lab.sh: control %s did not migrate" % b, file=sys.stderr)
# Expected: a QEMU without kvm-psci-version refuses the psci-1.1 vCPU at
# start, so that source has no cases. Any other failed save is a lab defect.
expected = {(s["boot"], s["config"], s["machine"]) for s in res["sources"]
            if not s["saved"] and s["config"] == "psci-1.1"
            and "kvm-psci-version" in (s["cpu"] or "")
            and res["qemu"][s["qemu"]]["kvm_psci_version_property"] is False}
other = [s for s in res["sources"]
         if not s["saved"] and (s["boot"], s["config"], s["machine"]) not in expected]
for s in other:
    print("run-lab.sh: saving on %s with QEMU %s (%s, %s) failed" % (
        s["kernel"], s["qemu"], s["config"], s["machine"]), file=sys.stderr)
have = {c["id"] for c in res["cases"]}
missing = [p["id"] for p in res["plan"] if p["id"] not in have
           and (p["source_boot"], p["config"], p["machine"]) not in expected]
for m in missing:
    print("run-lab.sh: %s has no outcome" % m, file=sys.stderr)
sys.exit(1 if bad or other or missing else 0)
EOF
exit "$status"
