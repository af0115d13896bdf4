#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/fetch.sh CACHE_DIR
#
# Fetch and unpack the ingredients of the real-kernel lab (see LAB.md) into
# CACHE_DIR, idempotently, without touching the system's apt configuration
# and without installing anything:
#
#   CACHE_DIR/kernels/<series>/Image     arm64 kernels 6.1 (bookworm),
#                                        6.12 (trixie), 7.2 (sid), 7.3
#                                        (trixie-backports)
#   CACHE_DIR/kernels/<series>/package   the Debian package it came from
#   CACHE_DIR/busybox/busybox            busybox-static:arm64
#   CACHE_DIR/qemu/root/                 qemu-system-arm (amd64) from
#                                        bookworm-backports plus the shared
#                                        libraries the host lacks, dpkg -x'd
#   CACHE_DIR/qemu/qemu-system-aarch64   wrapper: runs the unpacked binary
#                                        with LD_LIBRARY_PATH on that tree
#   CACHE_DIR/inner/<suite>/runtime/     the inner QEMU (arm64) of bookworm,
#                                        trixie and sid with the libraries it
#                                        needs,
#                                        from that suite's dependency closure
#                                        (inner/<suite>/root: all of it,
#                                        dpkg -x'd; see "The inner QEMU")
#   CACHE_DIR/tools/root/bin/cpio        cpio, unless the host has one
#   CACHE_DIR/lab.env                    shell variables for the other
#                                        scripts (LAB_QEMU, LAB_BUSYBOX,
#                                        LAB_CPIO, LAB_KERNEL_<series>,
#                                        LAB_INNER_SUITES, LAB_INNER_<suite>,
#                                        LAB_INNER_VERSION_<suite>)
#
# Two private apt configurations live under CACHE_DIR/apt: "arm64" (arm64
# indexes of bookworm, bookworm-backports, trixie, trixie-backports and
# sid) for the kernels
# and busybox, "host" (amd64 indexes of bookworm and bookworm-backports
# only) for the outer emulator, so that its libraries resolve to versions
# built for this Debian 12 host's glibc; and "inner-<suite>" per suite of
# the inner QEMU (arm64, that suite only, an empty dpkg status of its own).
#
# Kernel packages: the newest of each series in its suite, found with
# apt-cache; override with LAB_PKG_6_1, LAB_PKG_6_12, LAB_PKG_7_2,
# LAB_PKG_7_3 (the shared fixtures were measured with
# linux-image-6.1.0-50-arm64, linux-image-6.12.107+deb13-arm64,
# linux-binary-7.2.13+deb14-arm64 and linux-binary-7.3.4+deb13-arm64).
# LAB_REFRESH=1 re-runs apt-get update and re-resolves the kernel names.

set -euo pipefail

readonly MIRROR=http://deb.debian.org/debian
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly QEMU_SUITE=bookworm-backports

die() {
    echo "fetch.sh: $*" >&2
    exit 1
}

log() {
    echo "fetch.sh: $*" >&2
}

[ $# -eq 1 ] || { echo "usage: fetch.sh CACHE_DIR" >&2; exit 2; }
mkdir -p "$1"
CACHE=$(cd "$1" && pwd)
readonly CACHE
DEBS=$CACHE/debs
mkdir -p "$DEBS"

for tool in apt-get apt-cache dpkg dpkg-deb; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

# ---------------------------------------------------------------------------
# Private apt configurations

# apt_opts NAME: print the -o options of private configuration NAME, one per
# line (read them with mapfile).
apt_opts() {
    local d=$CACHE/apt/$1
    printf '%s\n' \
        -o "Dir::Etc::SourceList=$d/sources.list" \
        -o "Dir::Etc::SourceParts=/dev/null" \
        -o "Dir::Etc::Preferences=/dev/null" \
        -o "Dir::Etc::PreferencesParts=/dev/null" \
        -o "Dir::State::Lists=$d/lists" \
        -o "Dir::Cache=$d/cache" \
        -o "Acquire::Languages=none" \
        -o "APT::Sandbox::User=root" \
        -o "APT::Architectures::=arm64"
    # A configuration with its own (empty) dpkg status resolves dependency
    # closures as if for an empty arm64 system.
    if [ -e "$d/status" ]; then
        printf '%s\n' -o "Dir::State::status=$d/status" -o "APT::Architecture=arm64"
    fi
}

# apt_setup NAME ARCH SUITE...: write the sources list and update once.
# A configuration named inner-* gets an empty dpkg status of its own.
apt_setup() {
    local name=$1 arch=$2 d=$CACHE/apt/$1 suite opts
    shift 2
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
    case $name in
    inner-*) [ -e "$d/status" ] || : >"$d/status" ;;
    esac
    {
        for suite in "$@"; do
            echo "deb [arch=$arch signed-by=$KEYRING] $MIRROR $suite main"
        done
    } >"$d/sources.list.new"
    if ! cmp -s "$d/sources.list.new" "$d/sources.list" 2>/dev/null; then
        mv "$d/sources.list.new" "$d/sources.list"
        rm -f "$d/updated"
    else
        rm -f "$d/sources.list.new"
    fi
    if [ ! -e "$d/updated" ] || [ "${LAB_REFRESH:-0}" = 1 ]; then
        log "apt-get update ($name: $*)"
        mapfile -t opts < <(apt_opts "$name")
        apt-get "${opts[@]}" -q update >"$d/update.log" 2>&1 ||
            { cat "$d/update.log" >&2; die "apt-get update ($name) failed"; }
        touch "$d/updated"
    fi
}

apt_setup arm64 arm64 bookworm bookworm-backports trixie trixie-backports sid
apt_setup host amd64 bookworm "$QEMU_SUITE"

mapfile -t ARM_OPTS < <(apt_opts arm64)
mapfile -t HOST_OPTS < <(apt_opts host)

# fetch_deb CONFIG PKG[:ARCH][/SUITE|=VERSION]: download into $DEBS unless a
# .deb of that package and architecture is already there; print its path.
fetch_deb() {
    local config=$1 spec=$2 name arch file opts
    name=${spec%%[/=]*}
    arch=amd64
    case $name in
    *:*) arch=${name#*:}; name=${name%%:*} ;;
    esac
    file=$(find "$DEBS" -maxdepth 1 -name "${name}_*_${arch}.deb" | sort -V | tail -n 1)
    if [ -z "$file" ]; then
        mapfile -t opts < <(apt_opts "$config")
        log "downloading $spec"
        (cd "$DEBS" && apt-get "${opts[@]}" -q download "$spec" >/dev/null) ||
            die "apt-get download $spec failed"
        file=$(find "$DEBS" -maxdepth 1 -name "${name}_*_${arch}.deb" | sort -V | tail -n 1)
        [ -n "$file" ] || die "apt-get download $spec left no .deb"
    fi
    echo "$file"
}

# ---------------------------------------------------------------------------
# Kernels

# newest_pkg REGEX SUITE: the highest-versioned arm64 package whose name
# matches REGEX and that SUITE carries.
newest_pkg() {
    local regex=$1 suite=$2 pkg names
    mapfile -t names < <(apt-cache "${ARM_OPTS[@]}" pkgnames linux- |
        grep -E "$regex" | sort -V -r)
    for pkg in "${names[@]}"; do
        if apt-cache "${ARM_OPTS[@]}" madison "$pkg:arm64" |
            grep -q " $suite/main arm64 Packages"; then
            echo "$pkg"
            return 0
        fi
    done
}

# Series table: series, package-name regex, suite, override variable.
KERNELS=(
    "6.1  ^linux-image-6\.1\.0-[0-9]+-arm64$            bookworm LAB_PKG_6_1"
    "6.12 ^linux-image-6\.12\.[0-9]+\+deb13-arm64$      trixie   LAB_PKG_6_12"
    "7.2  ^linux-binary-7\.2\.[0-9]+\+deb[0-9]+-arm64$  sid      LAB_PKG_7_2"
    "7.3  ^linux-binary-7\.3\.[0-9]+\+deb13-arm64$      trixie-backports LAB_PKG_7_3"
)

fetch_kernel() {
    local series=$1 regex=$2 suite=$3 var=$4 dir pkg deb tmp image
    dir=$CACHE/kernels/$series
    pkg=${!var:-}
    if [ -z "$pkg" ] && [ -s "$dir/package" ] && [ "${LAB_REFRESH:-0}" != 1 ]; then
        pkg=$(cat "$dir/package")
    fi
    [ -n "$pkg" ] || pkg=$(newest_pkg "$regex" "$suite")
    [ -n "$pkg" ] || die "no package for kernel $series in $suite"
    if [ -s "$dir/Image" ] && [ "$(cat "$dir/package" 2>/dev/null)" = "$pkg" ]; then
        return 0
    fi
    deb=$(fetch_deb arm64 "$pkg:arm64/$suite")
    tmp=$(mktemp -d "$CACHE/.kernel.XXXXXX")
    dpkg-deb -x "$deb" "$tmp"
    # bookworm/trixie: boot/vmlinuz-<abi>; linux-binary-* (sid,
    # trixie-backports; linux-image-* is a meta package there): the image
    # moved to usr/lib/modules/<abi>/vmlinuz.
    image=$( (find "$tmp/boot" "$tmp/usr/lib/modules" -maxdepth 2 -name 'vmlinuz*' \
        -type f 2>/dev/null || true) | sort | head -n 1)
    [ -n "$image" ] || { rm -rf "$tmp"; die "no vmlinuz in $deb"; }
    mkdir -p "$dir"
    mv "$image" "$dir/Image.new"
    mv "$dir/Image.new" "$dir/Image"
    echo "$pkg" >"$dir/package"
    dpkg-deb -f "$deb" Version >"$dir/version"
    rm -rf "$tmp"
    rm -f "$deb"          # the modules are not needed: keep the cache small
    log "kernel $series: $pkg $(cat "$dir/version")"
}

for row in "${KERNELS[@]}"; do
    # shellcheck disable=SC2086 # the row is split on purpose
    fetch_kernel $row
done

# ---------------------------------------------------------------------------
# busybox-static:arm64 (the initramfs shell)

if [ ! -x "$CACHE/busybox/busybox" ]; then
    deb=$(fetch_deb arm64 busybox-static:arm64/bookworm)
    tmp=$(mktemp -d "$CACHE/.busybox.XXXXXX")
    dpkg-deb -x "$deb" "$tmp"
    mkdir -p "$CACHE/busybox"
    install -m 0755 "$tmp/bin/busybox" "$CACHE/busybox/busybox"
    rm -rf "$tmp"
fi

# ---------------------------------------------------------------------------
# cpio packs the initramfs: the host's if it has one, else unpacked from
# bookworm (it needs nothing but libc).

if command -v cpio >/dev/null; then
    LAB_CPIO=$(command -v cpio)
else
    LAB_CPIO=$CACHE/tools/root/bin/cpio
    if [ ! -x "$LAB_CPIO" ]; then
        mkdir -p "$CACHE/tools/root"
        dpkg-deb -x "$(fetch_deb host cpio)" "$CACHE/tools/root"
    fi
    "$LAB_CPIO" --version >/dev/null || die "the unpacked cpio does not run"
fi

# ---------------------------------------------------------------------------
# The outer emulator: qemu-system-arm from bookworm-backports, unpacked.
#
# Its direct and indirect library dependencies that the host does not have
# in a version that satisfies the dependency are unpacked into the same
# tree (bookworm's version when it does, else $QEMU_SUITE's) and found
# through LD_LIBRARY_PATH; nothing is installed. qemu-system-common/-data
# (helpers, option ROMs, keymaps, modules) are left out: -M virt with
# -kernel, -nographic, -nic none and -audio none (boot.sh) needs none.

QROOT=$CACHE/qemu/root

# host_version NAME: the version of NAME (amd64 or all) installed here.
host_version() {
    dpkg-query -W -f='${Status} ${Version}\n' "$1:amd64" "$1" 2>/dev/null |
        awk '$1 == "install" && $2 == "ok" && $3 == "installed" { print $4; exit }'
}

# satisfies VERSION [OP WANTED]: VERSION meets the dependency's constraint.
satisfies() {
    [ $# -eq 1 ] || dpkg --compare-versions "$1" "$2" "$3"
}

# direct_deps SPEC: the Depends/Pre-Depends of SPEC (first of each
# alternative), one per line: "NAME" or "NAME OP VERSION".
direct_deps() {
    apt-cache "${HOST_OPTS[@]}" show --no-all-versions "$1" |
        awk '/^(Pre-)?Depends:/ {
                 sub(/^[^:]*: */, ""); n = split($0, d, / *, */)
                 for (i = 1; i <= n; i++) { sub(/ *\|.*/, "", d[i]); print d[i] } }' |
        sed -E 's/:any//; s/ *\(([<>=]+) *([^)]*)\)/ \1 \2/' | sort -u
}

# archive_spec NAME [OP WANTED]: NAME=VERSION to unpack: bookworm's version
# if it satisfies the constraint, else $QEMU_SUITE's.
archive_spec() {
    local name=$1 suite version
    shift
    for suite in bookworm "$QEMU_SUITE"; do
        version=$(apt-cache "${HOST_OPTS[@]}" madison "$name" |
            awk -F' *\\| *' -v s=" $suite/main amd64" 'index($3, s) { print $2; exit }')
        if [ -n "$version" ] && satisfies "$version" "$@"; then
            echo "$name=$version"
            return 0
        fi
    done
    die "no version of $name in bookworm or $QEMU_SUITE satisfies ${*:-its dependency}"
}

qemu_libdirs() {
    local d
    for d in "$QROOT/usr/lib/x86_64-linux-gnu" "$QROOT/lib/x86_64-linux-gnu"; do
        [ -d "$d" ] && printf '%s:' "$d"
    done
}

# outer_runs: the unpacked emulator starts with every symbol bound (so a
# host library that changed since the unpacking shows now, not mid-run).
outer_runs() {
    LD_BIND_NOW=1 "$CACHE/qemu/qemu-system-aarch64" --version >/dev/null 2>&1
}

if [ -e "$CACHE/qemu/complete" ] && ! outer_runs; then
    log "the cached outer emulator no longer runs on this host: unpacking it again"
    rm -f "$CACHE/qemu/complete"
fi
if [ ! -e "$CACHE/qemu/complete" ]; then
    rm -rf "$QROOT"
    mkdir -p "$QROOT"
    qver=$(apt-cache "${HOST_OPTS[@]}" madison qemu-system-arm |
        awk -F' *\\| *' -v s="$QEMU_SUITE/main" 'index($3, s) { print $2; exit }')
    [ -n "$qver" ] || die "qemu-system-arm not found in $QEMU_SUITE"
    dpkg-deb -x "$(fetch_deb host "qemu-system-arm=$qver")" "$QROOT"

    # Breadth-first over library dependencies the host lacks, or has too
    # old.
    declare -A seen=()
    queue=("qemu-system-arm=$qver")
    extra=()
    while [ ${#queue[@]} -gt 0 ]; do
        spec=${queue[0]}
        queue=("${queue[@]:1}")
        while read -r dep constraint; do
            [ -n "$dep" ] || continue
            case $dep in
            qemu-system-common | qemu-system-data) continue ;;
            esac
            [ -z "${seen[$dep]:-}" ] || continue
            seen[$dep]=1
            have=$(host_version "$dep")
            # shellcheck disable=SC2086 # "OP VERSION", split on purpose
            if [ -n "$have" ] && satisfies "$have" $constraint; then
                continue
            fi
            # shellcheck disable=SC2086
            pick=$(archive_spec "$dep" $constraint)
            extra+=("$pick")
            queue+=("$pick")
        done < <(direct_deps "$spec")
    done
    for pick in "${extra[@]}"; do
        dpkg-deb -x "$(fetch_deb host "$pick")" "$QROOT"
    done
    printf '%s\n' "${extra[@]}" >"$CACHE/qemu/extra-packages"

    cat >"$CACHE/qemu/qemu-system-aarch64" <<EOF
#!/bin/sh
# Generated by tests/lab/fetch.sh: qemu-system-aarch64 $qver ($QEMU_SUITE),
# unpacked, not installed. Libraries the host lacks: $QROOT.
LD_LIBRARY_PATH=$(qemu_libdirs)\${LD_LIBRARY_PATH:-}
export LD_LIBRARY_PATH
exec "$QROOT/usr/bin/qemu-system-aarch64" "\$@"
EOF
    chmod 0755 "$CACHE/qemu/qemu-system-aarch64"

    missing=$(LD_LIBRARY_PATH=$(qemu_libdirs) ldd "$QROOT/usr/bin/qemu-system-aarch64" |
        grep 'not found' || true)
    [ -z "$missing" ] || die "qemu-system-aarch64 still lacks: $missing"
    outer_runs || die "the unpacked qemu-system-aarch64 does not run"
    "$CACHE/qemu/qemu-system-aarch64" --version | head -n 1 >"$CACHE/qemu/version"
    touch "$CACHE/qemu/complete"
    log "$(cat "$CACHE/qemu/version"); unpacked extra libraries: ${extra[*]:-none}"
fi

# ---------------------------------------------------------------------------
# The inner QEMU: qemu-system-arm:arm64 of each suite in INNER_SUITES, with
# that suite's dependency closure (resolved by apt for an empty arm64
# system, recommends left out), every package unpacked with dpkg -x into
#   CACHE/inner/<suite>/root/       (maintainer scripts never run)
# and, from it, the runtime tree that goes into the lab's initramfs:
#   CACHE/inner/<suite>/runtime/    usr/bin/qemu-system-aarch64, the shared
#                                   libraries it needs (the DT_NEEDED
#                                   closure, read with readelf), the
#                                   dynamic loader, lib -> usr/lib
# No firmware, ROMs, keymaps or modules: -M virt -accel kvm -nodefaults
# with -S needs none (run-lab.sh's boots are the check).
#   CACHE/inner/<suite>/packages    "name version" of the closure
#   CACHE/inner/<suite>/version     qemu-system-arm's Debian version

readonly INNER_SUITES=(bookworm trixie sid)

for suite in "${INNER_SUITES[@]}"; do
    apt_setup "inner-$suite" arm64 "$suite"
done

# inner_closure SUITE: "name=version" of every package that installing
# qemu-system-arm:arm64 on an empty system of SUITE would unpack.
inner_closure() {
    local opts
    mapfile -t opts < <(apt_opts "inner-$1")
    apt-get "${opts[@]}" -s -q install --no-install-recommends qemu-system-arm |
        awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); print $2 "=" v }'
}

# needed_closure ROOT ELF...: the files under ROOT (relative paths) of the
# shared libraries ELF needs, directly or indirectly, and its interpreter.
needed_closure() {
    local root=$1 lib dir found
    shift
    local -A seen=()
    local queue=("$@")
    while [ ${#queue[@]} -gt 0 ]; do
        local elf=${queue[0]}
        queue=("${queue[@]:1}")
        while read -r lib; do
            [ -z "${seen[$lib]:-}" ] || continue
            seen[$lib]=1
            found=
            for dir in usr/lib/aarch64-linux-gnu lib/aarch64-linux-gnu usr/lib lib; do
                if [ -e "$root/$dir/$lib" ]; then
                    found=$dir/$lib
                    break
                fi
            done
            [ -n "$found" ] || die "$elf needs $lib, which the closure lacks"
            echo "$found"
            queue+=("$root/$found")
        done < <(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
    done
    readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \/\(.*\)\]$/\1/p'
}

fetch_inner() {
    local suite=$1 dir=$CACHE/inner/$1 spec deb opts rel
    [ ! -e "$dir/complete" ] || [ "${LAB_REFRESH:-0}" = 1 ] || return 0
    rm -rf "$dir"
    mkdir -p "$dir/debs" "$dir/root" "$dir/runtime"
    inner_closure "$suite" >"$dir/closure"
    [ -s "$dir/closure" ] || die "no qemu-system-arm:arm64 closure in $suite"
    log "inner QEMU ($suite): downloading $(wc -l <"$dir/closure") packages"
    mapfile -t opts < <(apt_opts "inner-$suite")
    mapfile -t specs <"$dir/closure"
    (cd "$dir/debs" && apt-get "${opts[@]}" -q download "${specs[@]}" >/dev/null) ||
        die "apt-get download of the $suite closure failed"
    for deb in "$dir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$dir/root"
        # shellcheck disable=SC2016 # dpkg-deb's format, not the shell's
        dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" >>"$dir/packages.new"
    done
    LC_ALL=C sort "$dir/packages.new" >"$dir/packages"
    rm -f "$dir/packages.new"
    awk '$1 == "qemu-system-arm" { print $2 }' "$dir/packages" >"$dir/version"
    [ -s "$dir/version" ] || die "qemu-system-arm missing from the $suite closure"

    # The runtime tree: the binary, its libraries, the loader.
    local bin=usr/bin/qemu-system-aarch64
    [ -x "$dir/root/$bin" ] || die "$suite: no $bin in qemu-system-arm"
    mkdir -p "$dir/runtime/usr/bin"
    cp "$dir/root/$bin" "$dir/runtime/$bin"
    while read -r rel; do
        # Merged /usr: the loader's path (lib/...) lives under usr/lib.
        [ -e "$dir/root/$rel" ] || rel=usr/$rel
        [ -e "$dir/root/$rel" ] || die "$suite: no dynamic loader $rel"
        mkdir -p "$dir/runtime/$(dirname "$rel")"
        cp -L "$dir/root/$rel" "$dir/runtime/$rel"
    done < <(needed_closure "$dir/root" "$dir/root/$bin")
    [ -e "$dir/runtime/lib" ] || ln -s usr/lib "$dir/runtime/lib"
    rm -rf "$dir/debs"     # the unpacked root and the package list remain
    touch "$dir/complete"
    log "inner QEMU ($suite): qemu-system-arm $(cat "$dir/version"), runtime $(du -sh "$dir/runtime" | cut -f1)"
}

command -v readelf >/dev/null || die "readelf (binutils) not found"
for suite in "${INNER_SUITES[@]}"; do
    fetch_inner "$suite"
done

# ---------------------------------------------------------------------------
# lab.env

{
    echo "# Generated by tests/lab/fetch.sh"
    echo "LAB_CACHE=$CACHE"
    echo "LAB_QEMU=$CACHE/qemu/qemu-system-aarch64"
    echo "LAB_BUSYBOX=$CACHE/busybox/busybox"
    echo "LAB_CPIO=$LAB_CPIO"
    for row in "${KERNELS[@]}"; do
        series=${row%% *}
        echo "LAB_KERNEL_${series//./_}=$CACHE/kernels/$series/Image"
    done
    echo "LAB_INNER_SUITES=\"${INNER_SUITES[*]}\""
    for suite in "${INNER_SUITES[@]}"; do
        echo "LAB_INNER_$suite=$CACHE/inner/$suite/runtime"
        echo "LAB_INNER_VERSION_$suite=$(cat "$CACHE/inner/$suite/version")"
    done
} >"$CACHE/lab.env.new"
mv "$CACHE/lab.env.new" "$CACHE/lab.env"

for row in "${KERNELS[@]}"; do
    series=${row%% *}
    printf 'kernel %-5s %s %s\n' "$series" "$(cat "$CACHE/kernels/$series/package")" \
        "$(cat "$CACHE/kernels/$series/version")"
done
echo "qemu         $(cat "$CACHE/qemu/version")"
for suite in "${INNER_SUITES[@]}"; do
    printf 'inner %-6s qemu-system-arm:arm64 %s\n' "$suite" "$(cat "$CACHE/inner/$suite/version")"
done
echo "busybox      $CACHE/busybox/busybox"
echo "cpio         $LAB_CPIO"
