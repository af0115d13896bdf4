#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/build-probe.sh OUT [SOURCE]
#
# Cross-compile SOURCE (default src/probe/virt-cpreg-probe.c; the lab's
# other helpers, such as tests/lab/qmp-lite.c, too) into a static arm64
# executable OUT, with Debian 12's aarch64-linux-gnu toolchain (installed with apt-get
# if missing: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross,
# linux-libc-dev-arm64-cross). Rebuilds only when the source is newer.

set -euo pipefail

[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "usage: build-probe.sh OUT [SOURCE]" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${2:-$HERE/../../src/probe/virt-cpreg-probe.c}
OUT=$1
CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
readonly PACKAGES=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross)

have_toolchain() {
    command -v "$CC" >/dev/null &&
        echo '#include <linux/kvm.h>' | "$CC" -E -x c - >/dev/null 2>&1
}

if ! have_toolchain; then
    echo "build-probe.sh: installing ${PACKAGES[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >&2; then
        apt-get update -q >&2 || true   # third-party sources may be unreachable
        apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >&2
    fi
    have_toolchain || { echo "build-probe.sh: $CC still unusable" >&2; exit 1; }
fi

if [ -x "$OUT" ] && [ "$OUT" -nt "$SRC" ] && [ "$OUT" -nt "$0" ]; then
    exit 0
fi

mkdir -p "$(dirname "$OUT")"
"$CC" -std=c11 -O2 -Wall -Wextra -Werror -static -s -o "$OUT.tmp" "$SRC"
mv "$OUT.tmp" "$OUT"
