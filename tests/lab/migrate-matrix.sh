#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/migrate-matrix.sh CACHE RUNDIR
#
# Real migrations of an arm64 KVM guest between the lab's kernels (LAB.md
# "A real migration across kernels"), for every ordered kernel pair
# (same-kernel controls included), every inner QEMU suite (the same QEMU on
# both ends) and every vCPU configuration of CONFIGS. Boots, one at a time:
#
#   source boots  src-<kernel>-<suite>: guest.sh info, then per
#                 configuration: save to a file (the stream is carried out
#                 gzip'd), and the probe's profile of that vCPU
#   destination   dst-<kernel>-<suite>: per source stream of that suite
#   boots         (every kernel, every configuration): load it into a fresh
#                 QEMU, cont, query-status; then the probe's trial of the
#                 source's values on a fresh vCPU, twice: the values of the
#                 source probe's profile, and those of the stream's cpreg
#                 list
#
# RUNDIR receives configs.tsv, boots/<id>/ (boot.sh's LAB_OUT plus
# commands.tsv: "N<TAB>kind<TAB>source-kernel<TAB>config" per command),
# streams/<suite>/<kernel>-<config>.mig.gz and .regs, profiles/<suite>/
# <kernel>-<config>.json, and, from labtool.py collect, results.json.
# Exit status 0 if every boot produced results (whatever the migrations
# did), 1 otherwise.
#
# Environment: LAB_KERNELS (default "6.1 6.12 7.2"), LAB_SUITES (default
# the suites of fetch.sh), LAB_VERBOSE.

set -euo pipefail

[ $# -eq 2 ] || { echo "usage: migrate-matrix.sh CACHE RUNDIR" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
mkdir -p "$2"
RUN=$(cd "$2" && pwd)
# shellcheck source=/dev/null
. "$CACHE/lab.env"

read -r -a KERNELS <<<"${LAB_KERNELS:-6.1 6.12 7.2}"
read -r -a SUITES <<<"${LAB_SUITES:-$LAB_INNER_SUITES}"

# The vCPU configurations: name, QEMU -cpu, the probe's --features for the
# same vCPU (-cpu host on the lab's "max" CPU turns on PMU, SVE and pointer
# authentication; compare-streams in labtool.py checks that the probe lists
# what QEMU sends), source kernels ("*": all).
# psci-1.1 pins the PSCI version where the QEMU has kvm-psci-version
# (FACTS.md §4; QEMU 10.0 lacks it and fails at start, which is recorded).
CONFIGS=(
    "host      host                       pmu,sve,pauth  *"
    "pmu-off   host,pmu=off               sve,pauth      *"
    "psci-1.1  host,kvm-psci-version=1.1  pmu,sve,pauth  7.2"
)

log() {
    echo "migrate-matrix.sh: $*" >&2
}

printf '%s\n' "${CONFIGS[@]}" | awk '{ print $1 "\t" $2 "\t" $3 "\t" $4 }' >"$RUN/configs.tsv"

# boot ID KERNEL PAYLOADS: run the commands queued in CMDS (with their
# descriptions in DESCS) in one boot; results in RUN/boots/ID.
boot() {
    local id=$1 kernel=$2 payloads=$3 dir=$RUN/boots/$1 i rc=0
    mkdir -p "$dir"
    : >"$dir/commands.tsv"
    for i in "${!DESCS[@]}"; do
        printf '%s\t%s\n' "$((i + 1))" "${DESCS[$i]}" >>"$dir/commands.tsv"
    done
    LAB_OUT=$dir LAB_TIMEOUT=$((60 + 45 * ${#CMDS[@]})) \
        "$HERE/boot.sh" "$kernel" "$payloads" "${CMDS[@]}" >/dev/null 2>&1 || rc=$?
    if [ "$rc" -eq 125 ] || [ ! -s "$dir/seconds" ]; then
        log "$id: no result (see $dir/console.log)"
        return 1
    fi
    log "$id: $(cat "$dir/seconds")s, ${#CMDS[@]} commands"
}

status=0
declare -A PAYLOAD=()
for suite in "${SUITES[@]}"; do
    PAYLOAD[$suite]=$("$HERE/build-payload.sh" "$CACHE" "$suite")
done

# --- source boots
for suite in "${SUITES[@]}"; do
    for kernel in "${KERNELS[@]}"; do
        CMDS=("/lab/guest.sh info")
        DESCS=("info	$kernel	-")
        while IFS=$'\t' read -r name cpu features sources; do
            [ "$sources" = '*' ] || [ "$sources" = "$kernel" ] || continue
            CMDS+=("/lab/guest.sh save $cpu /tmp/$name.mig"
                "gzip -c /tmp/$name.mig"
                "/probe/virt-cpreg-probe --features $features")
            DESCS+=("save	$kernel	$name" "stream	$kernel	$name" "profile	$kernel	$name")
        done <"$RUN/configs.tsv"
        boot "src-$kernel-$suite" "$kernel" "${PAYLOAD[$suite]}" || { status=1; continue; }

        # Keep the streams and profiles for the destination boots.
        dir=$RUN/boots/src-$kernel-$suite
        mkdir -p "$RUN/streams/$suite" "$RUN/profiles/$suite"
        while IFS=$'\t' read -r n kind _ name; do
            [ "$(cat "$dir/$n.rc")" = 0 ] || continue
            case $kind in
            stream)
                cp "$dir/$n.out" "$RUN/streams/$suite/$kernel-$name.mig.gz"
                python3 "$HERE/labtool.py" stream-regs "$dir/$n.out" \
                    >"$RUN/streams/$suite/$kernel-$name.regs"
                ;;
            profile) cp "$dir/$n.out" "$RUN/profiles/$suite/$kernel-$name.json" ;;
            esac
        done <"$dir/commands.tsv"
    done
done

# --- destination boots: every stream of the suite, then the trials
for suite in "${SUITES[@]}"; do
    for kernel in "${KERNELS[@]}"; do
        input=$RUN/inputs/dst-$kernel-$suite
        rm -rf "$input"
        mkdir -p "$input/in"
        CMDS=()
        DESCS=()
        for src in "${KERNELS[@]}"; do
            while IFS=$'\t' read -r name cpu features _; do
                stream=$RUN/streams/$suite/$src-$name.mig.gz
                [ -s "$stream" ] || continue
                cp "$stream" "$input/in/$src-$name.mig.gz"
                CMDS+=("/lab/guest.sh load $cpu /in/$src-$name.mig.gz")
                DESCS+=("load	$src	$name")
            done <"$RUN/configs.tsv"
        done
        for src in "${KERNELS[@]}"; do
            while IFS=$'\t' read -r name _ features _; do
                stream=$RUN/streams/$suite/$src-$name
                profile=$RUN/profiles/$suite/$src-$name.json
                if [ -s "$profile" ]; then
                    python3 "$HERE/labtool.py" profile-regs "$profile" >"$input/in/$src-$name.profile"
                    CMDS+=("/probe/virt-cpreg-probe --features $features --trial /in/$src-$name.profile")
                    DESCS+=("trial-profile	$src	$name")
                fi
                if [ -s "$stream.regs" ]; then
                    cp "$stream.regs" "$input/in/$src-$name.stream"
                    CMDS+=("/probe/virt-cpreg-probe --features $features --trial /in/$src-$name.stream")
                    DESCS+=("trial-stream	$src	$name")
                fi
            done <"$RUN/configs.tsv"
        done
        [ ${#CMDS[@]} -gt 0 ] || { log "dst-$kernel-$suite: no streams"; status=1; continue; }
        boot "dst-$kernel-$suite" "$kernel" "${PAYLOAD[$suite]},$input" || status=1
    done
done

python3 "$HERE/labtool.py" collect "$CACHE" "$RUN" >"$RUN/results.json.new"
mv "$RUN/results.json.new" "$RUN/results.json"
exit "$status"
