#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/asan/run.sh [SUITE...]
#
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer
# (-Db_sanitize=address,undefined; gcc, else clang-14) in its own build
# directory ($ASAN_BUILDDIR, default build-asan/) and runs the unit suite
# (or the SUITEs given) there with leak detection on: any leak, any
# invalid access and any undefined behaviour fails the run, in the test
# programs and in the virt-cpreg processes they start. Exits 77 (skip)
# when no compiler here has the sanitizer runtimes (libasan, libubsan) or
# when LeakSanitizer cannot run on this machine (it needs ptrace).
set -euo pipefail

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit)
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${ASAN_BUILDDIR:-$src/build-asan}
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:print_summary=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:print_summary=1
here=$(cd "$(dirname "$0")" && pwd)
export LSAN_OPTIONS=print_suppressions=0:suppressions=$here/lsan.supp

# A program that leaks: LeakSanitizer must run and find it.
cat > "$probe/t.c" <<'PROBE'
#include <stdlib.h>
void *keep;
int main(void) { keep = malloc(7); keep = 0; return 0; }
PROBE
cc=
for c in gcc clang-14 clang; do
    command -v "$c" >/dev/null || continue
    "$c" -g -fsanitize=address,undefined "$probe/t.c" -o "$probe/t" 2>/dev/null || continue
    status=0
    "$probe/t" > "$probe/out" 2>&1 || status=$?
    if [ "$status" -ne 0 ] && grep -q 'detected memory leaks' "$probe/out"; then
        cc=$c
        break
    fi
done
if [ -z "$cc" ]; then
    echo "SKIP: no compiler here builds with -fsanitize=address,undefined and runs LeakSanitizer (apt-get install gcc, or clang-14 libclang-rt-14-dev)"
    exit 77
fi

if [ ! -f "$build/build.ninja" ]; then
    CC=$cc meson setup "$build" "$src" -Db_sanitize=address,undefined \
        -Db_lundef=false -Dtests=enabled -Dfuzz=false > "$probe/setup.log" 2>&1 || {
        cat "$probe/setup.log"
        echo "asan: configuring $build with $cc failed"
        exit 1
    }
fi
if ! ninja -C "$build" > "$probe/build.log" 2>&1; then
    cat "$probe/build.log"
    echo "asan: building with $cc failed"
    exit 1
fi
echo "asan: $cc, -fsanitize=address,undefined, detect_leaks=1, suites: ${suites[*]}"
args=()
for s in "${suites[@]}"; do
    args+=(--suite "$s")
done
exec meson test -C "$build" --print-errorlogs "${args[@]}"
