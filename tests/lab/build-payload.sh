#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/build-payload.sh CACHE SUITE
#
# Pack the initramfs payload of the migration lab for the inner QEMU of
# SUITE (trixie, sid; fetched by fetch.sh) into CACHE/payload/SUITE.cpio
# (newc, uncompressed), and print its path:
#
#   /usr/bin/qemu-system-aarch64, its libraries, /lib -> usr/lib
#                                the runtime tree of fetch.sh
#   /probe/virt-cpreg-probe      the static probe (src/probe)
#   /lab/qmp-lite                the static QMP driver (tests/lab/qmp-lite.c)
#   /lab/guest.sh                what a boot runs (tests/lab/guest.sh)
#
# busybox comes with boot.sh's own base archive. The payload is rebuilt only
# when an input changed: CACHE/payload/SUITE.inputs holds their checksums.

set -euo pipefail

[ $# -eq 2 ] || { echo "usage: build-payload.sh CACHE SUITE" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
SUITE=$2
RUNTIME=$CACHE/inner/$SUITE/runtime
OUT=$CACHE/payload/$SUITE.cpio

[ -e "$CACHE/inner/$SUITE/complete" ] ||
    { echo "build-payload.sh: no inner QEMU for $SUITE: run fetch.sh" >&2; exit 1; }
# shellcheck source=/dev/null
. "$CACHE/lab.env"

mkdir -p "$CACHE/payload" "$CACHE/probe"
"$HERE/build-probe.sh" "$CACHE/probe/virt-cpreg-probe"
"$HERE/build-probe.sh" "$CACHE/probe/qmp-lite" "$HERE/qmp-lite.c"

inputs() {
    (cd "$CACHE" && sha256sum "inner/$SUITE/packages" probe/virt-cpreg-probe probe/qmp-lite)
    (cd "$HERE" && sha256sum guest.sh build-payload.sh)
}

if [ -s "$OUT" ] && inputs | cmp -s - "$OUT.inputs"; then
    echo "$OUT"
    exit 0
fi

work=$(mktemp -d "$CACHE/payload/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$RUNTIME/." "$work/"
mkdir -p "$work/probe" "$work/lab"
install -m 0755 "$CACHE/probe/virt-cpreg-probe" "$work/probe/virt-cpreg-probe"
install -m 0755 "$CACHE/probe/qmp-lite" "$work/lab/qmp-lite"
install -m 0755 "$HERE/guest.sh" "$work/lab/guest.sh"
(cd "$work" && find . -mindepth 1 | LC_ALL=C sort |
    "$LAB_CPIO" --quiet -o -H newc -R 0:0) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
inputs >"$OUT.inputs"
echo "build-payload.sh: $OUT ($(du -h "$OUT" | cut -f1))" >&2
echo "$OUT"
