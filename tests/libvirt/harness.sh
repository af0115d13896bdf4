# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# harness.sh: private libvirt "hosts" for the tests in run.sh.
#
# A host is a holder process (sleep) in its own mount, network and UTS
# namespaces; every command for that host runs through nsenter. In its
# mount namespace the host's directories under $T/NAME are bound over
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt and
# /var/cache/libvirt, so its virtlogd and libvirtd never see the machine's
# libvirt state, and the logs outlive the namespace. The whole test runs in
# a PID namespace (run.sh): whatever happens, its end kills every daemon
# and QEMU started here.
#
# Needs from the caller: BUILD (meson build dir), SRC (source dir), T (the
# test's temporary directory).

LIBVIRT_DIRS=(etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt
              log:/var/log/libvirt cache:/var/cache/libvirt)

msg() { printf '%s\n' "$*" >&2; }

now_ms() { local ns; ns=$(date +%s%N); echo $((ns / 1000000)); }

# poll SECONDS CMD...: CMD every 50 ms until it succeeds; 1 when time is up.
poll() {
  local limit_ms=$(($1 * 1000)) start
  shift
  start=$(now_ms)
  until "$@"; do
    (($(now_ms) - start < limit_ms)) || return 1
    sleep 0.05
  done
}

hostdir() { printf '%s/%s' "$T" "$1"; }

holder_pid() { cat "$(hostdir "$1")/holder.pid"; }

# in_host NAME CMD...: CMD in NAME's mount, network and UTS namespaces.
in_host() {
  local name=$1
  shift
  nsenter --target "$(holder_pid "$name")" --mount --net --uts -- "$@"
}

# in_host_exec NAME CMD...: the same, replacing the shell: for a daemon
# started in the background, so that $! is the daemon's own process (or
# its timeout, which passes signals on) and a SIGTERM reaches it.
in_host_exec() {
  local name=$1
  shift
  exec nsenter --target "$(holder_pid "$name")" --mount --net --uts -- "$@"
}

# vsh NAME ARGS...: virsh against NAME's libvirtd, within 30 s.
vsh() {
  local name=$1
  shift
  in_host "$name" timeout -k 5 30 virsh -q -c qemu:///system "$@"
}

vsh_quiet() { vsh "$@" >/dev/null 2>&1; }

# ---- configuration ----------------------------------------------------------

# The shipped qemu.d drop-in, pointed at the build tree. libvirt runs hooks
# with a minimal environment, so the configuration is named inside it.
write_hook() {
  local d=$1
  {
    sed -n '1p' "$SRC/hooks/qemu.d/50-cpreg.in"
    printf 'VIRT_CPREG_CONF=%s/cpreg.conf; export VIRT_CPREG_CONF\n' "$d"
    # the verdict's journal entry: a socket nobody listens on, not syslog
    printf 'VIRT_CPREG_JOURNAL_SOCKET=%s/journal.sock; export VIRT_CPREG_JOURNAL_SOCKET\n' "$d"
    printf 'echo "$*" >>%s/hook.log\n' "$d"
    sed -e '1d' -e "s|@BINDIR@|$BUILD/src|g" -e "s|@SYSCONFDIR@|$d|g" \
      "$SRC/hooks/qemu.d/50-cpreg.in"
  } >"$d/etc/hooks/qemu.d/50-cpreg"
  chmod 755 "$d/etc/hooks/qemu.d/50-cpreg"
}

# write_libvirt_conf DIR ADDR UUID
write_libvirt_conf() {
  local d=$1 addr=$2 uuid=$3
  cat >"$d/etc/qemu.conf" <<EOF
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
remember_owner = 0
EOF
  [ -z "$addr" ] || printf 'migration_address = "%s"\n' "$addr" >>"$d/etc/qemu.conf"
  cat >"$d/etc/libvirtd.conf" <<EOF
auth_unix_rw = "none"
auth_unix_ro = "none"
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
listen_addr = "${addr:-127.0.0.1}"
host_uuid = "$uuid"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
  cat >"$d/etc/virtlogd.conf" <<EOF
log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
EOF
}

# host_conf NAME KEY=VALUE...: NAME's cpreg.conf ([hook]), read by every
# hook run; policy-dirs the host's own (empty) directory, so that nothing
# of the machine's counts (an empty list is an invalid line).
host_conf() {
  local d
  d=$(hostdir "$1")
  shift
  {
    echo '[hook]'
    echo "policy-dirs=$d/policy.d"
    echo "cache-dir=$d/cpreg-cache"
    printf '%s\n' "$@"
  } >"$d/cpreg.conf"
}

# ---- lifecycle --------------------------------------------------------------

# ensure_qemu_accounts: libvirt's QEMU driver looks its compiled-in user
# and groups up (libvirt-qemu, libvirt-qemu, kvm) even when qemu.conf
# says root; libvirt-daemon-system's scripts normally make them. Where one
# is missing, our private mount namespace gets a copy of /etc/passwd or
# /etc/group that has it: the machine's files are never written.
ensure_qemu_accounts() {
  local gid=64055 uid=64055 g
  if ! getent group libvirt-qemu >/dev/null || ! getent group kvm >/dev/null; then
    cp /etc/group "$T/group"
    for g in libvirt-qemu kvm; do
      getent group "$g" >/dev/null || echo "$g:x:$((gid++)):" >>"$T/group"
    done
    mount --bind "$T/group" /etc/group
  fi
  if ! getent passwd libvirt-qemu >/dev/null; then
    cp /etc/passwd "$T/passwd"
    echo "libvirt-qemu:x:$uid:$(getent group libvirt-qemu | cut -d: -f3)::/var/lib/libvirt:/usr/sbin/nologin" >>"$T/passwd"
    mount --bind "$T/passwd" /etc/passwd
  fi
}

# ensure_mountpoints: the directories the hosts bind over must exist. The
# libvirt-daemon package alone (without -system) does not make
# /var/lib/libvirt, /var/log/libvirt or /var/cache/libvirt, and the test
# must not write the machine's /var: in our private mount namespace, each
# missing one's parent gets an overlay (the machine's directory below a
# tmpfs) in which the directory is made.
ensure_mountpoints() {
  local pair dir parent upper
  for pair in "${LIBVIRT_DIRS[@]}"; do
    dir=${pair#*:}
    [ -d "$dir" ] && continue
    parent=$(dirname "$dir")
    upper="$T/overlay${parent//\//-}"
    if ! mountpoint -q "$upper" 2>/dev/null; then
      mkdir -p "$upper"
      mount -t tmpfs -o mode=755 cpreg-overlay "$upper"
      mkdir -p "$upper/up" "$upper/work"
      mount -t overlay cpreg-overlay \
        -o "lowerdir=$parent,upperdir=$upper/up,workdir=$upper/work" "$parent"
    fi
    mkdir -p "$dir"
  done
}

ns_entered() { [ "$(readlink "/proc/$1/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]; }

# host_create NAME INDEX [ADDR]: the namespaces and private directories.
host_create() {
  local name=$1 index=$2 addr=${3:-127.0.1.$2} d pid pair
  d=$(hostdir "$name")
  HOST_ADDRS+=("$name=$addr")
  mkdir -p "$d"/{etc/hooks/qemu.d,etc/qemu,run,lib/qemu,log/qemu,cache,cpreg-cache,policy.d}
  write_libvirt_conf "$d" "$addr" "$(printf '5eed%04x-c9e9-4a5b-8c1d-00000000%04x' "$index" "$index")"
  write_hook "$d"
  host_conf "$name"
  unshare --mount --propagation private --net --uts -- sleep infinity &
  pid=$!
  echo "$pid" >"$d/holder.pid"
  poll 5 ns_entered "$pid" || { msg "host $name: no namespaces"; return 1; }
  for pair in "${LIBVIRT_DIRS[@]}"; do
    in_host "$name" mount --bind "$d/${pair%%:*}" "${pair#*:}"
  done
  # libvirtd resolves its hostname; without an answer in /etc/hosts it
  # waits for DNS, which these namespaces cannot reach (6 s)
  host_hosts >"$d/hosts"
  in_host "$name" mount --bind "$d/hosts" /etc/hosts
  # and the others learn this one (rewritten in place: the same inode)
  for pair in "${HOST_ADDRS[@]}"; do
    host_hosts >"$(hostdir "${pair%%=*}")/hosts"
  done
  in_host "$name" hostname "cpreg-$name"
  in_host "$name" ip link set lo up
}

# host_link A ADDR_A B ADDR_B: a veth pair between two hosts' networks.
host_link() {
  in_host "$1" ip link add veth-"$1" type veth peer name veth-"$3" netns "$(holder_pid "$3")"
  in_host "$1" ip addr add "$2/24" dev veth-"$1"
  in_host "$1" ip link set veth-"$1" up
  in_host "$3" ip addr add "$4/24" dev veth-"$3"
  in_host "$3" ip link set veth-"$3" up
}

HOST_ADDRS=()

# host_hosts: /etc/hosts for every host (names in HOST_ADDRS as NAME=ADDR).
host_hosts() {
  local entry
  printf '127.0.0.1 localhost\n'
  for entry in "${HOST_ADDRS[@]}"; do
    printf '%s cpreg-%s\n' "${entry#*=}" "${entry%%=*}"
  done
}

socket_ready() { [ -S "$1" ]; }

# (not "version": libvirt 9.0 answers it with the host arch's QEMU, which an
# aarch64-only machine lacks)
libvirtd_ready() { vsh_quiet "$1" list --all; }

start_virtlogd() {
  local d
  d=$(hostdir "$1")
  in_host "$1" timeout -k 5 15 virtlogd -d -p "$d/virtlogd.pid"
  poll 15 socket_ready "$d/run/virtlogd-sock" || { msg "host $1: virtlogd did not start"; return 1; }
}

# start_libvirtd NAME [--listen]
start_libvirtd() {
  local d
  d=$(hostdir "$1")
  in_host "$1" timeout -k 5 30 libvirtd -d -p "$d/libvirtd.pid" ${2:+"$2"}
  poll 30 libvirtd_ready "$1" || { msg "host $1: libvirtd did not answer"; return 1; }
}

# host_start NAME [--listen]: virtlogd, then libvirtd (hooks already in place).
host_start() {
  start_virtlogd "$1"
  start_libvirtd "$@"
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# stop_pidfile FILE: TERM, up to 15 s, then KILL.
stop_pidfile() {
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  kill -TERM "$pid" 2>/dev/null || return 0
  poll 15 pid_gone "$pid" && return 0
  kill -KILL "$pid" 2>/dev/null || true
  poll 5 pid_gone "$pid"
}

stop_libvirtd() { stop_pidfile "$(hostdir "$1")/libvirtd.pid"; }

# host_destroy NAME: libvirtd, the QEMUs, virtlogd, the namespaces.
host_destroy() {
  local d f
  d=$(hostdir "$1")
  [ -s "$d/holder.pid" ] || return 0
  stop_libvirtd "$1" || true
  for f in "$d"/run/qemu/*.pid; do
    [ -e "$f" ] && stop_pidfile "$f"
  done
  stop_pidfile "$d/virtlogd.pid" || true
  stop_pidfile "$d/holder.pid" || true
  rm -f "$d/holder.pid"
}

# host_logs NAME: what the daemons, QEMU and the hook said.
host_logs() {
  local d f
  d=$(hostdir "$1")
  for f in "$d"/log/libvirtd.log "$d"/log/virtlogd.log "$d"/log/qemu/*.log "$d"/hook.log; do
    [ -s "$f" ] || continue
    msg "---- host $1: ${f#"$d"/} (last 40 lines)"
    tail -n 40 "$f" >&2
  done
}

# ---- guests -----------------------------------------------------------------

# guest_xml NAME: an aarch64 guest under TCG, no disk, 96 MiB.
guest_xml() {
  cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os><type arch='aarch64' machine='virt'>hvm</type></os>
  <cpu mode='custom'><model>max</model></cpu>
  <devices><emulator>$(command -v qemu-system-aarch64)</emulator></devices>
</domain>
EOF
}

# guest_state HOST NAME: running, paused, shut off, or nothing.
guest_state() { vsh "$1" domstate "$2" 2>/dev/null | head -n 1 || true; }

# metadata HOST GUEST: our <metadata> element of the live definition.
metadata() {
  vsh "$1" metadata "$2" --uri http://libvirt-cpreg.org/xmlns/metadata/1.0
}

# profile_ident KEY: an identity field of the profile text on stdin (a
# register dump's "# KEY: value", or our JSON's "KEY": "value").
profile_ident() {
  sed -n -e "s/^# $1: *\([^ ]*\).*/\1/p" -e "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p" |
    head -n 1
}

# metadata_ident HOST GUEST KEY: that field of the guest's live metadata.
metadata_ident() {
  metadata "$1" "$2" 2>/dev/null | xmllint --xpath 'string(/*)' - 2>/dev/null |
    profile_ident "$3"
}

# metadata_kernel HOST GUEST: the kernel release in the guest's live metadata.
metadata_kernel() { metadata_ident "$1" "$2" kernel; }

stamped() { [ -n "$(metadata_kernel "$1" "$2")" ]; }
