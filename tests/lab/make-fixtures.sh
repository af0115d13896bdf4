#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/make-fixtures.sh CACHE KERNEL [OUT_DIR]
#
# Measure the register fixtures of KERNEL (a series fetched by fetch.sh)
# in the lab: virt-cpreg-probe on a scratch vCPU of each of the eight
# configurations of tests/fixtures/lab (outer CPU max: base, pmu, pmu+sve,
# pmu+pauth, pmu+sve+pauth, sve+pauth; outer CPU neoverse-n1: base, pmu),
# one boot per outer CPU, written as OUT_DIR/linux-KERNEL-{max,n1}-*.regs
# (default tests/fixtures/lab) by `labtool.py fixture`: the header of the
# committed fixtures (the kernel's /proc/version, the outer QEMU and CPU,
# the KVM_ARM_VCPU_INIT features), the writable masks as a third column,
# the registers in KVM_GET_REG_LIST order (labtool.py reg_list_key).
# Exit status 0 if every probe ran.

set -euo pipefail

[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: make-fixtures.sh CACHE KERNEL [OUT_DIR]" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
KERNEL=$2
OUT=${3:-$HERE/../fixtures/lab}

"$HERE/build-probe.sh" "$CACHE/probe/virt-cpreg-probe"
outer=$(sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p' "$CACHE/qemu/version")

work=$(mktemp -d "${TMPDIR:-/tmp}/lab-fixtures.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payload/probe"
install -m 0755 "$CACHE/probe/virt-cpreg-probe" "$work/payload/probe/virt-cpreg-probe"

# outer CPU, then "fixture-name probe-features" pairs
ROWS=(
    "max base:base pmu:pmu pmu-sve:pmu,sve pmu-ptrauth:pmu,pauth pmu-sve-ptrauth:pmu,sve,pauth sve-ptrauth:sve,pauth"
    "neoverse-n1 base:base pmu:pmu"
)
for row in "${ROWS[@]}"; do
    read -r -a f <<<"$row"
    cpu=${f[0]}
    short=$cpu
    [ "$cpu" != neoverse-n1 ] || short=n1
    cmds=("cat /proc/version")
    for spec in "${f[@]:1}"; do
        feats=${spec#*:}
        if [ "$feats" = base ]; then
            cmds+=("/probe/virt-cpreg-probe")
        else
            cmds+=("/probe/virt-cpreg-probe --features $feats")
        fi
    done
    dir=$work/$short
    mkdir -p "$dir"
    LAB_CACHE=$CACHE LAB_OUT=$dir LAB_CPU=$cpu LAB_TIMEOUT=300 \
        "$HERE/boot.sh" "$KERNEL" "$work/payload" "${cmds[@]}" >/dev/null
    version=$(cat "$dir/1.out")
    n=2
    for spec in "${f[@]:1}"; do
        name=linux-$KERNEL-$short-${spec%%:*}.regs
        python3 "$HERE/labtool.py" fixture "$dir/$n.out" "$version" \
            "QEMU $outer TCG '-cpu $cpu' with virtualization=on (nested KVM under emulation)" \
            >"$OUT/$name"
        echo "$name: $(grep -c '^0x' "$OUT/$name") registers (boot $(cat "$dir/seconds")s)"
        n=$((n + 1))
    done
done
