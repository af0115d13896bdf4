#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/fuzz/run.sh SECONDS [NAME...]
#
# Builds the libFuzzer harnesses (clang, -fsanitize=fuzzer,address,
# undefined; UBSan findings are fatal) in their own build directory
# ($FUZZ_BUILDDIR, default build-fuzz/) and runs each for SECONDS on a
# scratch corpus seeded from tests/fuzz/corpus/NAME (the committed seeds are
# never written). NAME: hook, domain, profile, policy, conf, qmp, stream,
# saveheader (default: all). Prints the executions, crashes and leaks of
# each; exits 1 on any, 77 (skip) without clang or its fuzzer runtime
# (libclang-rt-14-dev). Extra libFuzzer options: $FUZZ_ARGS.
set -euo pipefail

secs=${1:-30}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(hook domain profile policy conf qmp stream saveheader emul)
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILDDIR:-$src/build-fuzz}

cc=$(command -v clang-14 || command -v clang || true)
if [ -z "$cc" ]; then
    echo "SKIP: clang is not installed (apt-get install clang-14 libclang-rt-14-dev)"
    exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$probe/t.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/t.c" -o "$probe/t" 2>/dev/null; then
    echo "SKIP: $cc has no libFuzzer runtime (apt-get install libclang-rt-14-dev)"
    exit 77
fi

if [ ! -f "$build/build.ninja" ]; then
    CC=$cc meson setup "$build" "$src" -Dfuzz=true -Dtests=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
targets=()
for name in "${names[@]}"; do
    targets+=("tests/fuzz/fuzz-$name")
done
if ! ninja -C "$build" "${targets[@]}" > "$probe/build.log" 2>&1; then
    cat "$probe/build.log"
    echo "fuzz: building the harnesses failed"
    exit 1
fi

read -r -a extra <<< "${FUZZ_ARGS:-}"
failed=0
for name in "${names[@]}"; do
    work=$(mktemp -d)
    mkdir "$work/corpus"
    status=0
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/tests/fuzz/fuzz-$name" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 \
        -artifact_prefix="$work/" "${extra[@]}" "$work/corpus" "$src/tests/fuzz/corpus/$name" \
        > "$work/log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    crashes=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' \
              -o -name 'oom-*' \) | wc -l)
    leaks=$(find "$work" -maxdepth 1 -name 'leak-*' | wc -l)
    echo "fuzz-$name: ${execs:-0} executions in ${secs} s, $crashes crashes, $leaks leaks (exit $status)"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$leaks" -ne 0 ]; then
        failed=1
        tail -40 "$work/log"
        echo "fuzz-$name: artifacts kept in $work"
    else
        rm -rf "$work"
    fi
done
exit $failed
