#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/tcg/run.sh: real TCG migrations between Debian's QEMU releases,
# each held to virt-cpreg's verdict (issue 14, Build item 3).
#
#   VIRT_CPREG=PATH TCG_OUTDIR=DIR tests/tcg/run.sh
#
# QEMU 7.2 is this machine's /usr/bin/qemu-system-aarch64 (bookworm).
# QEMU 10.0 is bookworm-backports' qemu-system-arm, unpacked by the lab's
# tests/lab/fetch.sh into LAB_CACHE (default /var/cache/libvirt-cpreg-lab):
# reused when it is there and runs, fetched with fetch.sh otherwise (the
# whole lab cache; TCG_FETCH=0 forbids it). QEMU 11.1 is sid's
# qemu-system-arm, downloaded alone into LAB_CACHE/tcg/sid (apt-get download
# + dpkg-deb -x with a private apt configuration, nothing installed) and
# used only if the unpacked binary runs on this host; otherwise the reason
# is printed and 11.1 is left out.
#
# migrate.py does the migrations, judge.py the verdicts; the matrix goes to
# TCG_OUTDIR/matrix.md and matrix.json. Exit: 0 the asserted classes hold
# (TCG_HOLD, see judge.py), 1 a harness error or an asserted disagreement,
# 77 skipped (no QEMU 7.2, or QEMU 10.0 cannot be had).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${VIRT_CPREG:?VIRT_CPREG must name the virt-cpreg binary}"
: "${TCG_OUTDIR:?TCG_OUTDIR must name the output directory}"
LAB_CACHE=${LAB_CACHE:-/var/cache/libvirt-cpreg-lab}
QEMU_7_2=${TCG_QEMU_7_2:-/usr/bin/qemu-system-aarch64}
QEMU_10_0=$LAB_CACHE/qemu/qemu-system-aarch64
SID=$LAB_CACHE/tcg/sid
readonly MIRROR=http://deb.debian.org/debian
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

skip() {
    echo "SKIP: $*"
    exit 77
}

log() {
    echo "tcg: $*"
}

# version EMULATOR: "X.Y" of `EMULATOR --version`, empty if it does not run.
version() {
    timeout 20 "$1" --version 2>/dev/null | sed -n '1s/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p'
}

[ -x "$QEMU_7_2" ] || skip "no $QEMU_7_2 (bookworm's qemu-system-arm)"
[ "$(version "$QEMU_7_2")" = 7.2 ] || skip "$QEMU_7_2 is not QEMU 7.2"

# --- QEMU 10.0: the lab's unpacked bookworm-backports tree ------------------
if [ ! -e "$LAB_CACHE/qemu/complete" ] || [ "$(version "$QEMU_10_0")" != 10.0 ]; then
    [ "${TCG_FETCH:-1}" != 0 ] ||
        skip "QEMU 10.0 is not in $LAB_CACHE/qemu and TCG_FETCH=0 forbids fetching it"
    log "fetching QEMU 10.0 with tests/lab/fetch.sh $LAB_CACHE"
    timeout 1800 "$here/../lab/fetch.sh" "$LAB_CACHE" >&2 ||
        skip "QEMU 10.0 cannot be fetched (tests/lab/fetch.sh failed, see above)"
fi
[ "$(version "$QEMU_10_0")" = 10.0 ] ||
    skip "$QEMU_10_0 does not run as QEMU 10.0"

# --- QEMU 11.1: sid's, only if its unpacked binary runs here ---------------
# sid_fetch: sid's qemu-system-arm (amd64) unpacked into $SID/root.
sid_fetch() {
    local d=$SID/apt opts
    [ -x "$SID/root/usr/bin/qemu-system-aarch64" ] && return 0
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$SID/debs"
    echo "deb [arch=amd64 signed-by=$KEYRING] $MIRROR sid main" >"$d/sources.list"
    opts=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=/dev/null"
          -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache"
          -o "Acquire::Languages=none" -o "APT::Sandbox::User=root")
    if [ ! -e "$d/updated" ]; then
        timeout 600 apt-get "${opts[@]}" -q update >"$d/update.log" 2>&1 || return 1
        touch "$d/updated"
    fi
    (cd "$SID/debs" && timeout 600 apt-get "${opts[@]}" -q download qemu-system-arm/sid \
        >/dev/null 2>&1) || return 1
    rm -rf "$SID/root.new"
    dpkg-deb -x "$(find "$SID/debs" -name 'qemu-system-arm_*_amd64.deb' | sort -V | tail -n 1)" \
        "$SID/root.new" || return 1
    # The binary alone: -nodefaults -S under TCG needs no ROM, keymap or
    # module, and whether it runs is the question.
    mkdir -p "$SID/root.keep/usr/bin"
    mv "$SID/root.new/usr/bin/qemu-system-aarch64" "$SID/root.keep/usr/bin/" || return 1
    rm -rf "$SID/root" "$SID/root.new" "$SID/debs"
    mv "$SID/root.keep" "$SID/root"
}

emulators=("7.2=$QEMU_7_2" "10.0=$QEMU_10_0")
skipped=()
if ! sid_fetch; then
    skipped+=("11.1: sid's qemu-system-arm could not be fetched into $SID")
else
    sid_bin=$SID/root/usr/bin/qemu-system-aarch64
    host_glibc=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')
    need_glibc=$(objdump -T "$sid_bin" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' |
        sed 's/GLIBC_//' | sort -V | tail -n 1)
    if [ -n "$need_glibc" ] && dpkg --compare-versions "$need_glibc" gt "$host_glibc"; then
        skipped+=("11.1: sid's $(basename "$sid_bin") needs GLIBC_$need_glibc, this host has glibc $host_glibc")
    elif [ "$(version "$sid_bin")" != 11.1 ]; then
        skipped+=("11.1: sid's unpacked $(basename "$sid_bin") does not run here: $(
            "$sid_bin" --version 2>&1 | head -n 1)")
    else
        emulators+=("11.1=$sid_bin")
    fi
fi
for s in "${skipped[@]}"; do
    log "left out: $s"
done

# --- The matrix -------------------------------------------------------------
rm -rf "$TCG_OUTDIR"
mkdir -p "$TCG_OUTDIR"
start=$(date +%s)
python3 "$here/migrate.py" "$TCG_OUTDIR" "${emulators[@]}" || {
    echo "tcg: harness error in migrate.py" >&2
    exit 1
}
rc=0
TCG_SKIPPED=$(printf '%s\n' "${skipped[@]}") python3 "$here/judge.py" "$TCG_OUTDIR" "$VIRT_CPREG" || rc=$?
log "$(($(date +%s) - start)) s; matrix: $TCG_OUTDIR/matrix.md, $TCG_OUTDIR/matrix.json"
# The streams and the QEMU logs are large and only for debugging a failure.
[ "$rc" -ne 0 ] || rm -rf "$TCG_OUTDIR/work" "$TCG_OUTDIR/probe-cache"
exit "$rc"
