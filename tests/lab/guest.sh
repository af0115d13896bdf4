#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/lab/guest.sh: run inside a lab boot (busybox sh, /lab/guest.sh of
# the payload that build-payload.sh packs), one inner QEMU per call.
#
#   guest.sh info                 query-version, the properties of
#                                 host-arm-cpu under KVM, query-machines
#   guest.sh save CPU OUT [M]     start QEMU -S with -cpu CPU, migrate to
#                                 OUT, quit
#   guest.sh load CPU IN [M]      start QEMU -S -incoming defer with -cpu
#                                 CPU, migrate-incoming from IN (gzip'd if it
#                                 ends in .gz), wait, cont, query-status, quit
#
# The inner QEMU is /usr/bin/qemu-system-aarch64 of the payload:
#   -M M -accel kvm -cpu CPU -m 64 -nographic -nodefaults -S
#   -qmp unix:SOCKET,server=on,wait=off [-incoming defer]
# M is the machine type (default virt, the QEMU's newest). The stream goes
# through a file: URI, or exec: with cat where the QEMU has no file:
# transport (before 8.2: QEMU 7.2).
# stdout: qmp-lite's transcript ("-> " sent, "<- " received), then
# "@qmp-exit N" and "@qemu-exit N" (N of timeout: 143 = killed at the
# limit); stderr: QEMU's stderr, verbatim. Exit status 0 if both are 0.

QEMU=/usr/bin/qemu-system-aarch64
QMP=/lab/qmp-lite
SOCK=/tmp/qmp.sock
LIMIT=${GUEST_LIMIT:-120}     # seconds per inner QEMU
export LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu

# The file: migration transport came with QEMU 8.2.
has_file_transport() {
    v=$("$QEMU" --version | sed -n '1s/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1.\2/p')
    [ -n "$v" ] || return 0
    major=${v%%.*}
    minor=${v#*.}
    [ "$major" -gt 8 ] || { [ "$major" -eq 8 ] && [ "$minor" -ge 2 ]; }
}

# run_qemu CPU MACHINE EXTRA_ARGS -- QMP_STEPS...: one QEMU, one qmp-lite
# session.
run_qemu() {
    cpu=$1
    machine=$2
    extra=$3
    shift 4
    rm -f "$SOCK"
    # shellcheck disable=SC2086 # extra is a word list on purpose
    timeout "$LIMIT" "$QEMU" -M "$machine" -accel kvm -cpu "$cpu" -m 64 \
        -nographic -nodefaults -S -qmp "unix:$SOCK,server=on,wait=off" \
        $extra </dev/null 2>/tmp/qemu.err &
    pid=$!
    "$QMP" -t "$((LIMIT - 10))" -p "$pid" "$SOCK" "$@"
    qmp_rc=$?
    wait "$pid"
    qemu_rc=$?
    echo "@qmp-exit $qmp_rc"
    echo "@qemu-exit $qemu_rc"
    cat /tmp/qemu.err >&2
    [ "$qmp_rc" -eq 0 ] && [ "$qemu_rc" -eq 0 ]
}

case $1 in
info)
    run_qemu host virt "" -- \
        '{"execute": "query-version"}' \
        '{"execute": "qom-list-properties", "arguments": {"typename": "host-arm-cpu"}}' \
        '{"execute": "query-machines"}' \
        '{"execute": "quit"}'
    ;;
save)
    rm -f "$3"
    uri=file:$3
    has_file_transport || uri="exec:cat >$3"
    run_qemu "$2" "${4:-virt}" "" -- \
        "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"$uri\"}}" \
        wait-migration '{"execute": "quit"}'
    ;;
load)
    in=$3
    case $in in
    *.gz) gunzip -c "$in" >/tmp/incoming.mig || exit 1; in=/tmp/incoming.mig ;;
    esac
    uri=file:$in
    has_file_transport || uri="exec:cat $in"
    run_qemu "$2" "${4:-virt}" "-incoming defer" -- \
        "{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"$uri\"}}" \
        wait-incoming '{"execute": "cont"}' '{"execute": "query-status"}' \
        '{"execute": "quit"}'
    ;;
*)
    echo "usage: guest.sh info | save CPU OUT [MACHINE] | load CPU IN [MACHINE]" >&2
    exit 2
    ;;
esac
