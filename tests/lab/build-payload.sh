#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/build-payload.sh CACHE SUITE
#
# Pack the initramfs payload of the migration lab for the inner QEMU of
# SUITE (bookworm, trixie, sid; fetched by fetch.sh) into
# CACHE/payload/SUITE-HASH.cpio (newc, uncompressed; HASH: of its inputs),
# and print its path:
#
#   /usr/bin/qemu-system-aarch64, its libraries, /lib -> usr/lib
#                                the runtime tree of fetch.sh
#   /probe/virt-cpreg-probe      the static probe (src/probe)
#   /lab/qmp-lite                the static QMP driver (tests/lab/qmp-lite.c)
#   /lab/guest.sh                what a boot runs (tests/lab/guest.sh)
#
# busybox comes with boot.sh's own base archive. The payload is rebuilt only
# when an input changed, under a new name, so that a run of another
# checkout sharing the cache (another guest.sh) does not replace the payload
# of a run in progress; the three newest of each suite are kept.

set -euo pipefail

[ $# -eq 2 ] || { echo "usage: build-payload.sh CACHE SUITE" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "$1" && pwd)
SUITE=$2
RUNTIME=$CACHE/inner/$SUITE/runtime

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

hash=$(inputs | sha256sum | cut -c1-12)
OUT=$CACHE/payload/$SUITE-$hash.cpio
if [ -s "$OUT" ]; then
    touch "$OUT"
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
    "$LAB_CPIO" --quiet -o -H newc -R 0:0) >"$OUT.tmp.$$"
mv "$OUT.tmp.$$" "$OUT"
inputs >"$OUT.inputs"
echo "build-payload.sh: $OUT ($(du -h "$OUT" | cut -f1))" >&2
# The three newest payloads of the suite stay.
find "$CACHE/payload" -maxdepth 1 -name "$SUITE-*.cpio" -printf '%T@ %p\n' | sort -rn |
    tail -n +4 | cut -d' ' -f2- | while read -r old; do rm -f "$old" "$old.inputs"; done
echo "$OUT"
