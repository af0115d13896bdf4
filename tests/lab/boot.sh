#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/boot.sh KERNEL PAYLOAD COMMAND...
#
# Boot an arm64 kernel under the outer emulator (TCG, EL2, GICv3: nested KVM
# works, see LAB.md) with an initramfs whose /init (busybox sh) runs each
# COMMAND in turn, prints its stdout, stderr (base64) and exit status
# between marker lines on the serial console and powers off. The results
# are extracted from the console log.
#
#   KERNEL   an Image file, or a series fetched by fetch.sh (6.1, 6.12, 7.2)
#   PAYLOAD  a directory or a newc cpio archive added to the initramfs
#            (appears at /), several of them separated by commas (added
#            in that order: later files win), or "-" for none
#   COMMAND  a shell command line, run by busybox sh in the guest; the
#            guest has busybox applets in /bin, /proc, /sys and devtmpfs
#            (so /dev/kvm) mounted
#
# Output: the commands' stdout on stdout and their stderr on stderr, in
# order. Exit status: the first non-zero exit status of a COMMAND, else 0;
# 125 if the guest produced no result (boot failure, timeout; the tail of
# the console goes to stderr).
#
# Environment:
#   LAB_CACHE    the cache of fetch.sh (default /var/cache/libvirt-cpreg-lab)
#   LAB_OUT      if set, a directory that receives console.log, seconds
#                (wall-clock time of the boot) and, per command N (from 1),
#                N.out, N.err, N.rc
#   LAB_TIMEOUT  seconds before the emulator is killed (default 120)
#   LAB_CPU      outer CPU model (default max)
#   LAB_VERBOSE  1: log the boot time to stderr
#
# Boots are meant to run one at a time (TCG uses a core per vCPU thread).

set -euo pipefail

die() {
    echo "boot.sh: $*" >&2
    exit 125
}

[ $# -ge 3 ] || { echo "usage: boot.sh KERNEL PAYLOAD COMMAND..." >&2; exit 2; }

LAB_CACHE=${LAB_CACHE:-/var/cache/libvirt-cpreg-lab}
[ -r "$LAB_CACHE/lab.env" ] || die "$LAB_CACHE/lab.env missing: run tests/lab/fetch.sh $LAB_CACHE"
# shellcheck source=/dev/null
. "$LAB_CACHE/lab.env"

kernel=$1
payload=$2
shift 2

if [ ! -f "$kernel" ]; then
    var=LAB_KERNEL_${kernel//./_}
    if [ -z "${!var:-}" ] || [ ! -f "${!var}" ]; then
        die "$kernel: no such kernel image or series"
    fi
    kernel=${!var}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lab-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=${LAB_OUT:-$work/out}
mkdir -p "$out"
rm -f "$out"/*.out "$out"/*.err "$out"/*.rc "$out/console.log" "$out/seconds"

# --- the initramfs: a base archive (busybox, /init, the commands), then the
# payload as a second archive; the kernel unpacks concatenated newc archives
# in order (Documentation/driver-api/early-userspace/buffer-format.rst).

base=$work/base
mkdir -p "$base/bin" "$base/dev" "$base/proc" "$base/sys" "$base/tmp" "$base/lab/cmd"
install -m 0755 "$LAB_BUSYBOX" "$base/bin/busybox"
n=0
for cmd in "$@"; do
    n=$((n + 1))
    printf '%s\n' "$cmd" >"$base/lab/cmd/$n"
done

cat >"$base/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "@@LAB-BOOTED $(uname -r) $(cut -d' ' -f1 /proc/uptime)@@"
i=1
while [ -e "/lab/cmd/$i" ]; do
    sh "/lab/cmd/$i" </dev/null >"/tmp/$i.out" 2>"/tmp/$i.err"
    rc=$?
    echo "@@LAB-BEGIN $i@@"
    base64 "/tmp/$i.out"
    echo "@@LAB-STDERR $i@@"
    base64 "/tmp/$i.err"
    echo "@@LAB-END $i $rc $(cut -d' ' -f1 /proc/uptime)@@"
    i=$((i + 1))
done
echo "@@LAB-DONE@@"
poweroff -f
EOF
chmod 0755 "$base/init"

pack() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
        "$LAB_CPIO" --quiet -o -H newc -R 0:0) >"$2"
}

pack "$base" "$work/initrd.cpio"
if [ "$payload" != - ]; then
    IFS=, read -r -a payloads <<<"$payload"
    for p in "${payloads[@]}"; do
        if [ -d "$p" ]; then
            pack "$p" "$work/payload.cpio"
            cat "$work/payload.cpio" >>"$work/initrd.cpio"
        elif [ -f "$p" ]; then
            cat "$p" >>"$work/initrd.cpio"
        else
            die "$p: no such directory or cpio archive"
        fi
    done
fi

# --- boot
# -audio none: the outer QEMU is unpacked, not installed, and would look
# for its default audio backend among the system QEMU's modules (another
# build, which it refuses, noisily).

start=$(date +%s.%N)
rc=0
timeout --kill-after=5 "${LAB_TIMEOUT:-120}" "$LAB_QEMU" \
    -M virt,virtualization=on,gic-version=3 -cpu "${LAB_CPU:-max}" \
    -smp 1 -m 1024 -nographic -no-reboot -nic none -audio none \
    -kernel "$kernel" -initrd "$work/initrd.cpio" \
    -append "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=1" \
    </dev/null >"$out/console.raw" 2>"$out/qemu.err" || rc=$?
end=$(date +%s.%N)
tr -d '\r' <"$out/console.raw" >"$out/console.log"
rm -f "$out/console.raw"
seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
echo "$seconds" >"$out/seconds"
[ "${LAB_VERBOSE:-0}" != 1 ] || echo "boot.sh: $kernel: ${seconds}s" >&2

# --- extract: base64 lines between the markers; anything else there is a
# stray kernel message and is left out.

awk -v dir="$out" '
    /^@@LAB-BEGIN [0-9]+@@$/ { n = $2; sub(/@@$/, "", n); f = dir "/" n ".out.b64"; printf "" > f; next }
    /^@@LAB-STDERR [0-9]+@@$/ { f = dir "/" n ".err.b64"; printf "" > f; next }
    /^@@LAB-END [0-9]+ [0-9]+ / { print $3 > (dir "/" n ".rc"); f = ""; next }
    f != "" && /^[A-Za-z0-9+\/=]+$/ { print > f }
' "$out/console.log"

if ! grep -q '^@@LAB-DONE@@$' "$out/console.log"; then
    {
        echo "boot.sh: no result from $kernel (emulator exit $rc after ${seconds}s); console tail:"
        tail -n 30 "$out/console.log"
        cat "$out/qemu.err"
    } >&2
    exit 125
fi

status=0
for i in $(seq 1 "$n"); do
    [ -f "$out/$i.rc" ] || die "command $i: no result in the console log"
    base64 -d <"$out/$i.out.b64" >"$out/$i.out" || die "command $i: garbled stdout"
    base64 -d <"$out/$i.err.b64" >"$out/$i.err" || die "command $i: garbled stderr"
    rm -f "$out/$i.out.b64" "$out/$i.err.b64"
    cat "$out/$i.out"
    cat "$out/$i.err" >&2
    r=$(cat "$out/$i.rc")
    [ "$status" -ne 0 ] || status=$r
done
exit "$status"
