#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/build-probe.sh OUT [SOURCE]
#
# Cross-compile SOURCE (default src/probe/virt-cpreg-probe.c; the lab's
# other helpers, such as tests/lab/qmp-lite.c, too) into a static arm64
# executable OUT, with Debian 12's aarch64-linux-gnu toolchain
# (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross: `.ci/install-deps test`
# installs them; this script installs nothing). Exits 1 without it.
# Rebuilds only when the source is newer.

set -euo pipefail

[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "usage: build-probe.sh OUT [SOURCE]" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${2:-$HERE/../../src/probe/virt-cpreg-probe.c}
OUT=$1
CC=${CROSS_CC:-aarch64-linux-gnu-gcc}

have_toolchain() {
    command -v "$CC" >/dev/null &&
        echo '#include <linux/kvm.h>' | "$CC" -E -x c - >/dev/null 2>&1
}

if ! have_toolchain; then
    echo "build-probe.sh: no usable $CC with the arm64 kernel headers" \
        "(gcc-aarch64-linux-gnu, libc6-dev-arm64-cross: bash .ci/install-deps test)" >&2
    exit 1
fi

if [ -x "$OUT" ] && [ "$OUT" -nt "$SRC" ] && [ "$OUT" -nt "$0" ]; then
    exit 0
fi

mkdir -p "$(dirname "$OUT")"
"$CC" -std=c11 -O2 -Wall -Wextra -Werror -static -s -o "$OUT.tmp" "$SRC"
mv "$OUT.tmp" "$OUT"
