#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/migrate-matrix.sh CACHE RUNDIR
#
# Real migrations of an arm64 KVM guest between the lab's kernels (LAB.md
# "A real migration across kernels"), for every ordered kernel pair
# (same-kernel controls included), every inner QEMU suite (the same QEMU on
# both ends) and every vCPU configuration of CONFIGS; and across versions
# (below). Boots, one at a time:
#
#   source boots  src-<kernel>-<suite>: guest.sh info, then per
#                 configuration: save to a file (the stream is carried out
#                 gzip'd), and the probe's profile of that vCPU
#   destination   dst-<kernel>-<suite>: per source stream of that suite
#   boots         (every kernel, every configuration) and per cross-version
#                 stream of a generation that migrates here: load it into a
#                 fresh QEMU, cont, query-status; then the probe's trial of
#                 the source's values on a fresh vCPU: the values of the
#                 source probe's profile and those of the stream's cpreg
#                 list (across versions the stream's only: the profile's
#                 trial does not depend on the QEMU)
#
# Cross-version pairs: each host generation is a (kernel, QEMU) pair as
# Debian ships it (GENERATIONS); for each pair of CROSS the guest is saved
# on the source generation with its QEMU and loaded on the destination
# generation with its QEMU, the machine type pinned on both ends to the
# older QEMU's (virt-7.2, virt-10.0). A configuration that pins
# kvm-psci-version (psci-1.1) runs across versions where at least one
# end's QEMU has the property; an end whose QEMU lacks it runs plain
# "-cpu host" (its kernel's PSCI version): the management layer gives that
# host a domain without the pin.
#
# RUNDIR receives lab.env (fetch.sh's, as the run found it), configs.tsv,
# plan.tsv (every case the matrix means to
# run: id, source boot, config, machine), boots/<id>/ (boot.sh's LAB_OUT
# plus commands.tsv: "N<TAB>kind<TAB>source-kernel<TAB>config<TAB>
# source-suite<TAB>machine<TAB>-cpu" per command), streams/<suite>/
# <kernel>-<config>[@<machine>].mig.gz and .regs, profiles/<suite>/
# <kernel>-<config>.json, and, from labtool.py collect, results.json.
# Exit status 0 if every boot produced results (whatever the migrations
# did), 1 otherwise.
#
# Environment: LAB_KERNELS (default "6.1 6.12 7.2 7.3"), LAB_SUITES
# (default the suites of fetch.sh), LAB_KERNELS_<suite> (the kernels of
# that suite's same-QEMU matrix; default all, bookworm: "6.1 6.12", the
# kernels a Debian 12 host runs with bookworm-backports), LAB_CROSS=0 (no
# cross-version pairs), LAB_VERBOSE.

set -euo pipefail

[ $# -eq 2 ] || { echo "usage: migrate-matrix.sh CACHE RUNDIR" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
mkdir -p "$2"
RUN=$(cd "$2" && pwd)
# The run keeps its own copy of lab.env: a fetch.sh of another checkout
# sharing the cache may rewrite the cache's while this run goes on.
cp "$CACHE/lab.env" "$RUN/lab.env"
# shellcheck source=/dev/null
. "$RUN/lab.env"

read -r -a KERNELS <<<"${LAB_KERNELS:-6.1 6.12 7.2 7.3}"
read -r -a SUITES <<<"${LAB_SUITES:-$LAB_INNER_SUITES}"

# The vCPU configurations: name, QEMU -cpu, the probe's --features for the
# same vCPU (-cpu host on the lab's "max" CPU turns on PMU, SVE and pointer
# authentication; compare-streams in labtool.py checks that the probe lists
# what QEMU sends), source kernels ("*": all).
# psci-1.1 pins the PSCI version where the QEMU has kvm-psci-version
# (FACTS.md §4; QEMU 7.2 and 10.0 lack it and fail at start, which is
# recorded); 7.2 and 7.3 implement PSCI 1.3, the older kernels 1.1.
CONFIGS=(
    "host      host                       pmu,sve,pauth  *"
    "pmu-off   host,pmu=off               sve,pauth      *"
    "psci-1.1  host,kvm-psci-version=1.1  pmu,sve,pauth  7.2,7.3"
)

# Host generations as Debian ships them: name, kernel, inner QEMU suite.
GENERATIONS=(
    "bookworm          6.1   bookworm"
    "trixie            6.12  trixie"
    "sid               7.2   sid"
    "trixie-backports  7.3   trixie"
)
# Cross-version pairs: every generation to its neighbours, both ways.
CROSS=(
    "bookworm trixie" "trixie bookworm"
    "trixie sid" "sid trixie"
    "trixie trixie-backports" "trixie-backports trixie"
)

log() {
    echo "migrate-matrix.sh: $*" >&2
}

printf '%s\n' "${CONFIGS[@]}" | awk '{ print $1 "\t" $2 "\t" $3 "\t" $4 }' >"$RUN/configs.tsv"

# qemu_mm SUITE: the major.minor of SUITE's inner QEMU (1:7.2+dfsg-7 -> 7.2).
qemu_mm() {
    local var=LAB_INNER_VERSION_$1 v
    v=${!var:?no inner QEMU for $1 in lab.env}
    v=${v#*:}
    echo "$v" | sed -E 's/^([0-9]+)\.([0-9]+).*/\1.\2/'
}

# has_psci SUITE: its QEMU has host-arm-cpu's kvm-psci-version (11.0+; the
# info command of each source boot records what QEMU itself says).
has_psci() {
    local mm
    mm=$(qemu_mm "$1")
    [ "${mm%%.*}" -ge 11 ]
}

# end_cpu CPU SUITE: the -cpu of an end: CPU, without kvm-psci-version where
# SUITE's QEMU lacks it.
end_cpu() {
    if [[ $1 == *kvm-psci-version=* ]] && ! has_psci "$2"; then
        echo "$1" | sed -E 's/,kvm-psci-version=[^,]*//'
    else
        echo "$1"
    fi
}

# older_machine SUITE SUITE: the versioned virt machine of the older QEMU.
older_machine() {
    local a b
    a=$(qemu_mm "$1")
    b=$(qemu_mm "$2")
    if [ "$(printf '%s\n%s\n' "$a" "$b" | sort -V | head -n 1)" = "$a" ]; then
        echo "virt-$a"
    else
        echo "virt-$b"
    fi
}

in_list() {
    local x=$1 y
    shift
    for y in "$@"; do [ "$x" = "$y" ] && return 0; done
    return 1
}

# suite_kernels SUITE: the kernels of SUITE's same-QEMU matrix.
suite_kernels() {
    local var=LAB_KERNELS_$1 want k out=()
    case $1 in
    bookworm) want=${!var:-6.1 6.12} ;;
    *) want=${!var:-${KERNELS[*]}} ;;
    esac
    for k in $want; do
        in_list "$k" "${KERNELS[@]}" && out+=("$k")
    done
    echo "${out[*]}"
}

# The cross pairs to run: "source-gen kernel suite dest-gen kernel suite
# machine" for the pairs whose both boots are in the plan.
generation() {
    local row name
    for row in "${GENERATIONS[@]}"; do
        read -r name _ <<<"$row"
        [ "$name" = "$1" ] && { echo "$row"; return 0; }
    done
    return 1
}
PAIRS=()
if [ "${LAB_CROSS:-1}" != 0 ]; then
    for pair in "${CROSS[@]}"; do
        read -r ga gb <<<"$pair"
        read -r _ ka sa < <(generation "$ga")
        read -r _ kb sb < <(generation "$gb")
        if ! in_list "$sa" "${SUITES[@]}" || ! in_list "$sb" "${SUITES[@]}"; then
            continue
        fi
        # shellcheck disable=SC2046 # the kernel lists are split on purpose
        if ! in_list "$ka" $(suite_kernels "$sa") || ! in_list "$kb" $(suite_kernels "$sb"); then
            continue
        fi
        PAIRS+=("$ga $ka $sa $gb $kb $sb $(older_machine "$sa" "$sb")")
    done
fi

# cross_configs SA SB: "name cpu-source cpu-destination features" of the
# configurations that run across versions between SA's and SB's QEMUs.
cross_configs() {
    local name cpu features
    while IFS=$'\t' read -r name cpu features _; do
        if [[ $cpu == *kvm-psci-version=* ]] && ! has_psci "$1" && ! has_psci "$2"; then
            continue
        fi
        printf '%s\t%s\t%s\t%s\n' "$name" "$(end_cpu "$cpu" "$1")" "$(end_cpu "$cpu" "$2")" "$features"
    done <"$RUN/configs.tsv"
}

# The plan: every case the matrix means to run.
: >"$RUN/plan.tsv"
for suite in "${SUITES[@]}"; do
    q=$(qemu_mm "$suite")
    for a in $(suite_kernels "$suite"); do
        while IFS=$'\t' read -r name _ _ sources; do
            # shellcheck disable=SC2086 # the list is split on purpose
            [ "$sources" = '*' ] || in_list "$a" ${sources//,/ } || continue
            for b in $(suite_kernels "$suite"); do
                printf '%s\t%s\t%s\t%s\n' "$a->$b/$q/$name" "src-$a-$suite" "$name" virt >>"$RUN/plan.tsv"
            done
        done <"$RUN/configs.tsv"
    done
done
for p in "${PAIRS[@]}"; do
    read -r ga ka sa gb kb sb machine <<<"$p"
    while IFS=$'\t' read -r name _ _ _; do
        printf '%s\t%s\t%s\t%s\n' "$ka->$kb/$(qemu_mm "$sa")->$(qemu_mm "$sb")/$name" \
            "src-$ka-$sa" "$name" "$machine" >>"$RUN/plan.tsv"
    done < <(cross_configs "$sa" "$sb")
done
printf '%s\n' "${PAIRS[@]}" >"$RUN/cross.txt"

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
    for kernel in $(suite_kernels "$suite"); do
        CMDS=("/lab/guest.sh info")
        DESCS=("info	$kernel	-	$suite	-	-")
        while IFS=$'\t' read -r name cpu features sources; do
            # shellcheck disable=SC2086 # the list is split on purpose
            [ "$sources" = '*' ] || in_list "$kernel" ${sources//,/ } || continue
            CMDS+=("/lab/guest.sh save $cpu /tmp/$name.mig"
                "gzip -c /tmp/$name.mig"
                "/probe/virt-cpreg-probe --features $features")
            DESCS+=("save	$kernel	$name	$suite	virt	$cpu"
                "stream	$kernel	$name	$suite	virt	$cpu"
                "profile	$kernel	$name	$suite	virt	$cpu")
        done <"$RUN/configs.tsv"
        # cross-version streams of this generation, one per machine type
        declare -A saved=()
        for p in "${PAIRS[@]}"; do
            read -r _ ka sa _ _ sb machine <<<"$p"
            if [ "$ka" != "$kernel" ] || [ "$sa" != "$suite" ]; then continue; fi
            while IFS=$'\t' read -r name cpu _ _; do
                [ -z "${saved[$name@$machine]:-}" ] || continue
                saved[$name@$machine]=1
                CMDS+=("/lab/guest.sh save $cpu /tmp/$name@$machine.mig $machine"
                    "gzip -c /tmp/$name@$machine.mig")
                DESCS+=("save	$kernel	$name	$suite	$machine	$cpu"
                    "stream	$kernel	$name	$suite	$machine	$cpu")
            done < <(cross_configs "$sa" "$sb")
        done
        unset saved
        boot "src-$kernel-$suite" "$kernel" "${PAYLOAD[$suite]}" || { status=1; continue; }

        # Keep the streams and profiles for the destination boots.
        dir=$RUN/boots/src-$kernel-$suite
        mkdir -p "$RUN/streams/$suite" "$RUN/profiles/$suite"
        while IFS=$'\t' read -r n kind _ name _ machine _; do
            [ "$(cat "$dir/$n.rc")" = 0 ] || continue
            tag=$name
            [ "$machine" = virt ] || tag=$name@$machine
            case $kind in
            stream)
                cp "$dir/$n.out" "$RUN/streams/$suite/$kernel-$tag.mig.gz"
                python3 "$HERE/labtool.py" stream-regs "$dir/$n.out" \
                    >"$RUN/streams/$suite/$kernel-$tag.regs"
                ;;
            profile) cp "$dir/$n.out" "$RUN/profiles/$suite/$kernel-$name.json" ;;
            esac
        done <"$dir/commands.tsv"
    done
done

# --- destination boots: every stream of the suite, the cross-version
# streams of the generations that migrate here, then the trials
for suite in "${SUITES[@]}"; do
    for kernel in $(suite_kernels "$suite"); do
        input=$RUN/inputs/dst-$kernel-$suite
        rm -rf "$input"
        mkdir -p "$input/in"
        CMDS=()
        DESCS=()
        for src in $(suite_kernels "$suite"); do
            while IFS=$'\t' read -r name cpu features _; do
                stream=$RUN/streams/$suite/$src-$name.mig.gz
                [ -s "$stream" ] || continue
                cp "$stream" "$input/in/$src-$name.mig.gz"
                CMDS+=("/lab/guest.sh load $cpu /in/$src-$name.mig.gz")
                DESCS+=("load	$src	$name	$suite	virt	$cpu")
            done <"$RUN/configs.tsv"
        done
        TRIALS=()
        for p in "${PAIRS[@]}"; do
            read -r _ ka sa _ kb sb machine <<<"$p"
            if [ "$kb" != "$kernel" ] || [ "$sb" != "$suite" ]; then continue; fi
            while IFS=$'\t' read -r name _ cpu features; do
                stream=$RUN/streams/$sa/$ka-$name@$machine
                [ -s "$stream.mig.gz" ] || continue
                f=$sa-$ka-$name@$machine
                cp "$stream.mig.gz" "$input/in/$f.mig.gz"
                CMDS+=("/lab/guest.sh load $cpu /in/$f.mig.gz $machine")
                DESCS+=("load	$ka	$name	$sa	$machine	$cpu")
                cp "$stream.regs" "$input/in/$f.stream"
                TRIALS+=("/probe/virt-cpreg-probe --features $features --trial /in/$f.stream"
                    "trial-stream	$ka	$name	$sa	$machine	$cpu")
            done < <(cross_configs "$sa" "$sb")
        done
        for src in $(suite_kernels "$suite"); do
            while IFS=$'\t' read -r name _ features _; do
                stream=$RUN/streams/$suite/$src-$name
                profile=$RUN/profiles/$suite/$src-$name.json
                if [ -s "$profile" ]; then
                    python3 "$HERE/labtool.py" profile-regs "$profile" >"$input/in/$src-$name.profile"
                    CMDS+=("/probe/virt-cpreg-probe --features $features --trial /in/$src-$name.profile")
                    DESCS+=("trial-profile	$src	$name	$suite	virt	-")
                fi
                if [ -s "$stream.regs" ]; then
                    cp "$stream.regs" "$input/in/$src-$name.stream"
                    CMDS+=("/probe/virt-cpreg-probe --features $features --trial /in/$src-$name.stream")
                    DESCS+=("trial-stream	$src	$name	$suite	virt	-")
                fi
            done <"$RUN/configs.tsv"
        done
        for ((i = 0; i < ${#TRIALS[@]}; i += 2)); do
            CMDS+=("${TRIALS[$i]}")
            DESCS+=("${TRIALS[$((i + 1))]}")
        done
        [ ${#CMDS[@]} -gt 0 ] || { log "dst-$kernel-$suite: no streams"; status=1; continue; }
        boot "dst-$kernel-$suite" "$kernel" "${PAYLOAD[$suite]},$input" || status=1
    done
done

python3 "$HERE/labtool.py" collect "$CACHE" "$RUN" >"$RUN/results.json.new"
mv "$RUN/results.json.new" "$RUN/results.json"
exit "$status"
