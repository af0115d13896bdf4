#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh BUILD SRC: libvirt-cpreg against a real libvirtd (Debian's
# packages), started here in private namespaces (harness.sh) with aarch64
# guests under TCG:
#   a. stamp puts our profile into a running guest's live metadata
#   b. restore let in by the hook, the XML rewritten
#   c. restore vetoed by the hook, with our one-line summary in virsh's error
#   d. virt-cpregd stamps a new guest within 2 s, and again after libvirtd
#      was killed and restarted
#   e. pin --persistent writes the pin into the inactive definition
#   f. live migration between two daemons in two network namespaces, one
#      let in (and rewritten) and one vetoed
#   g. virt-cpregd without a profile probes this host for each guest
#   o. virt-cpregd never runs an emulator cpreg.conf does not list: the
#      guest's is a wrapper around QEMU that libvirt runs, outside emulators=
#   n. the same two daemons, as OpenStack Nova migrates: migrateToURI3,
#      peer to peer, a persistent guest (nova-migrate.py)
#   h-k. virt-cpreg validate on a host of its own (V): a good host, a guest
#      without metadata, a broken cpreg.conf and policy file, a hook put in
#      place after libvirtd started (validate-check.py checks the JSON)
# One PASS/FAIL line per case; exit 1 if any failed, 77 (skip) when the
# machine cannot run them.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LIMIT_S=600

skip() {
  echo "SKIP: $*"
  exit 77
}

# ---- outside: can this machine run it? ----------------------------------------

libvirt_major() { libvirtd --version | sed -n 's/.* \([0-9][0-9]*\)\.[0-9.]*$/\1/p'; }

qemu_major() { qemu-system-aarch64 --version | sed -n '1s/^QEMU emulator version \([0-9][0-9]*\)\..*/\1/p'; }

preflight() {
  local c missing=() d
  [ "$(id -u)" = 0 ] || skip "needs root: it starts its own libvirtd"
  for c in libvirtd virtlogd virsh qemu-system-aarch64 unshare nsenter ip xmllint timeout; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] || skip "not installed: ${missing[*]} (bash .ci/install-deps)"
  [ -d /etc/libvirt ] || skip "/etc/libvirt is missing: libvirt-daemon is not installed (bash .ci/install-deps)"
  # libvirt 9.0 passes -no-acpi, which QEMU 8.0 and later refuse: keep
  # the pair consistent (bookworm's 9.0 with its QEMU 7.2)
  [ "$(libvirt_major)" -ge 10 ] || [ "$(qemu_major)" -lt 8 ] ||
    skip "libvirt $(libvirtd --version | awk '{print $NF}') is too old for $(qemu-system-aarch64 --version | head -n 1) (bash .ci/install-deps)"
  timeout 10 unshare --mount --pid --fork --net --uts true 2>/dev/null ||
    skip "cannot create mount, PID, network and UTS namespaces here"
}

outside() {
  local build src t rc=0
  # absolute: the hook drop-in and the daemons run from other directories
  build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
  preflight
  t=$(mktemp -d "${TMPDIR:-/tmp}/cpreg-libvirt.XXXXXX")
  trap 'echo "interrupted; the logs and state are kept in $t"; exit 143' TERM INT HUP
  # --kill-child: if unshare is killed, so is the namespace's init, and with
  # it every process of the PID namespace (daemons, QEMUs). --foreground
  # keeps all of it in our process group, which meson signals on timeout.
  timeout --foreground -k 10 "$LIMIT_S" \
    unshare --mount --propagation private --pid --fork --kill-child --mount-proc -- \
    bash "$HERE/run.sh" --inside "$build" "$src" "$t" </dev/null || rc=$?
  if [ "$rc" -eq 0 ]; then
    rm -rf "$t"
  else
    echo "the daemons' logs and state are kept in $t"
  fi
  exit "$rc"
}

# ---- inside: PID 1 of a private PID and mount namespace -----------------------

FAILED=0
HOSTS=()

cleanup() {
  local h
  for h in "${HOSTS[@]}"; do
    host_destroy "$h" || true
  done
}

# attempt CMD...: CMD in a subshell with errexit; its status in ATTEMPT_RC.
# (Not "CMD || ...": that would switch errexit off inside CMD.)
attempt() {
  set +e
  (set -e; "$@")
  ATTEMPT_RC=$?
  set -e
}

# run_case ID TITLE FUNCTION: one PASS/FAIL line; on failure, why and the logs.
run_case() {
  local id=$1 title=$2 fn=$3 rc start h
  start=$(now_ms)
  attempt "$fn" >"$T/case-$id.log" 2>&1
  rc=$ATTEMPT_RC
  if [ "$rc" -eq 0 ]; then
    printf 'PASS: %s. %s (%d ms)\n' "$id" "$title" "$(($(now_ms) - start))"
    sed 's/^/    /' "$T/case-$id.log"
  else
    printf 'FAIL: %s. %s (%d ms)\n' "$id" "$title" "$(($(now_ms) - start))"
    sed 's/^/    /' "$T/case-$id.log"
    for h in "${HOSTS[@]}"; do
      host_logs "$h" 2>&1 | sed 's/^/    /'
    done
    FAILED=$((FAILED + 1))
  fi
}

# fail MESSAGE: ends the case (a subshell) as failed.
fail() {
  echo "failed: $*"
  exit 1
}

note() { echo "$*"; }

cpreg() { timeout -k 5 30 "$BUILD/src/virt-cpreg" "$@"; }

FIX=
P612=
P72=
K612=6.12.107+deb13-arm64
K72=7.2.13+deb14-arm64
PSCI_GLOBAL='host-arm-cpu.kvm-psci-version=1.1'

# new_guest HOST NAME [paused|running]: a transient guest, started.
new_guest() {
  guest_xml "$2" >"$T/$2.xml"
  if [ "${3:-paused}" = paused ]; then
    vsh "$1" create "$T/$2.xml" --paused >/dev/null
  else
    vsh "$1" create "$T/$2.xml" >/dev/null
  fi
}

# stamp HOST GUEST PROFILE
stamp() { in_host "$1" timeout -k 5 30 "$BUILD/src/virt-cpreg" stamp "$2" --connect qemu:///system --profile "$3"; }

qemu_pid() { cat "$(hostdir "$1")/run/qemu/$2.pid"; }

qemu_cmdline() { tr '\0' ' ' <"/proc/$(qemu_pid "$1" "$2")/cmdline"; }

# qemu_messages HOST GUEST: what the last QEMU of GUEST said itself
# (warnings, errors) in its log, since libvirt started it.
qemu_messages() {
  awk '/: starting up libvirt version/ { said = "" }
       /qemu-system-aarch64: / { said = said $0 "\n" }
       END { printf "%s", said; exit said == "" }' "$(hostdir "$1")/log/qemu/$2.log"
}

# qemu_said HOST GUEST: its messages; they pass through virtlogd, so
# give them a second to arrive.
qemu_said() {
  poll 1 qemu_messages "$1" "$2" >/dev/null || true
  qemu_messages "$1" "$2" || echo "(nothing)"
}

case_a() {
  local meta
  new_guest A ga
  [ "$(guest_state A ga)" = paused ] || fail "ga is '$(guest_state A ga)', not paused"
  stamp A ga "$P612"
  note "metadata: kernel $(metadata_kernel A ga)"
  [ "$(metadata_kernel A ga)" = "$K612" ] || fail "ga's metadata does not carry kernel $K612"
  # what travels is the profile itself: it reads back as the fixture
  meta="$T/ga-metadata.regs"
  metadata A ga | xmllint --xpath 'string(/*)' - >"$meta"
  cpreg diff "$meta" "$P612" >/dev/null || fail "the metadata profile differs from $P612"
}

case_b() {
  local xml
  host_conf A "host-profile=$P72" qemu-version=11.1
  vsh A save ga "$T/ga.save" >/dev/null
  [ -z "$(guest_state A ga)" ] || fail "ga still exists after save"
  # our reader on a real virsh save image: the embedded XML and the cpreg
  # list of the guest's vCPU
  cpreg inspect --json "$T/ga.save" >"$T/ga.inspect.json" || fail "inspect failed on ga.save"
  python3 - "$T/ga.inspect.json" <<'PY' || fail "inspect did not find ga's XML and cpreg list"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "libvirt-save", d["format"]
assert d["save"]["domain"]["name"] == "ga", d["save"]["domain"]
assert d["save"]["domain"]["arch"] == "aarch64"
assert d["vcpus"] and d["vcpus"][0]["registers"] > 100, d["vcpus"]
print("inspect: a libvirt save image of ga; vCPU 0 migrates %d registers"
      % d["vcpus"][0]["registers"])
PY
  vsh A restore "$T/ga.save" --paused >/dev/null || fail "restore failed"
  grep -q '^ga restore begin -' "$(hostdir A)/hook.log" || fail "the hook did not run for restore"
  [ "$(guest_state A ga)" = paused ] || fail "ga is '$(guest_state A ga)' after restore"
  note "metadata after restore: kernel $(metadata_kernel A ga)"
  [ "$(metadata_kernel A ga)" = "$K72" ] || fail "metadata not refreshed to $K72"
  # allow-with-changes for a KVM host vCPU, but a TCG vCPU has no
  # kvm-psci-version: no pin (QEMU would only warn and ignore it)
  xml=$(vsh A dumpxml ga)
  ! grep -q 'kvm-psci-version' <<<"$xml" || fail "the TCG guest got a pin: $(grep psci <<<"$xml")"
  note "live XML: no kvm-psci-version pin (TCG vCPU)"
  ! qemu_cmdline A ga | grep -q -- '-global' || fail "QEMU runs with $(qemu_cmdline A ga | grep -o -- '-global [^ ]*')"
  note "QEMU said: $(qemu_said A ga)"
}

case_c() {
  local err
  new_guest A gc
  stamp A gc "$P612"
  vsh A save gc "$T/gc.save" >/dev/null
  host_conf A "host-profile=$P72" qemu-version=10.0
  if err=$(vsh A restore "$T/gc.save" 2>&1); then
    fail "restore succeeded"
  fi
  note "virsh: $err"
  grep -q 'unexpected exit status 1: migration vetoed: ' <<<"$err" ||
    fail "virsh's error does not carry the summary"
  [ -z "$(guest_state A gc)" ] || fail "gc is '$(guest_state A gc)' after the veto"
}

CPREGD_PID=

start_cpregd() {
  in_host_exec A timeout -k 5 300 "$BUILD/src/virt-cpregd" -c qemu:///system --profile "$P612" -v \
    >>"$T/cpregd.log" 2>&1 &
  CPREGD_PID=$!
  # the case runs in a subshell: if it fails half-way, the daemon goes too
  trap 'kill -TERM "$CPREGD_PID" 2>/dev/null || true' EXIT
}

# stamped_within HOST GUEST SECONDS: polls; prints the ms it took.
stamped_within() {
  local start
  start=$(now_ms)
  poll "$3" stamped "$1" "$2" || return 1
  echo $(($(now_ms) - start))
}

case_d() {
  local ms
  new_guest A gd0
  start_cpregd
  # connected: it stamps the running guests first
  stamped_within A gd0 10 >/dev/null || fail "virt-cpregd did not stamp the running gd0"
  new_guest A gd1
  ms=$(stamped_within A gd1 2) || fail "gd1 not stamped within 2 s"
  note "gd1 stamped $ms ms after start"
  kill -KILL "$(cat "$(hostdir A)/libvirtd.pid")"
  poll 10 pid_gone "$(cat "$(hostdir A)/libvirtd.pid")"
  start_libvirtd A
  [ "$(guest_state A gd0)" = paused ] || fail "gd0 is '$(guest_state A gd0)' after libvirtd's restart"
  new_guest A gd2
  ms=$(stamped_within A gd2 45) || fail "gd2 not stamped after libvirtd's restart"
  note "gd2 (started after libvirtd's restart) stamped $ms ms after start"
  kill -TERM "$CPREGD_PID"
  poll 10 pid_gone "$CPREGD_PID" || fail "virt-cpregd did not stop on SIGTERM"
  sed 's/^/virt-cpregd: /' "$T/cpregd.log"
}

# metadata_source HOST GUEST: where the profile in the guest's metadata
# came from ("dump", "kvm-probe", "qemu-stream"...), or nothing.
metadata_source() { metadata_ident "$1" "$2" source; }

probed() { [ "$(metadata_source "$1" "$2")" = qemu-stream ]; }

case_g() {
  local start ms
  # no --profile, no host-profile=: virt-cpregd probes this host for each
  # guest (a scratch QEMU like the guest's, cached for the boot)
  host_conf A
  in_host_exec A env VIRT_CPREG_CONF="$(hostdir A)/cpreg.conf" \
    timeout -k 5 300 "$BUILD/src/virt-cpregd" -c qemu:///system -v >>"$T/cpregd-probe.log" 2>&1 &
  CPREGD_PID=$!
  trap 'kill -TERM "$CPREGD_PID" 2>/dev/null || true' EXIT
  start=$(now_ms)
  new_guest A gg
  poll 10 probed A gg || fail "gg was not stamped with a probe of this host ($(metadata_source A gg))"
  ms=$(($(now_ms) - start))
  note "gg stamped with this host's probed profile (qemu-stream) $ms ms after start"
  new_guest A gg2
  start=$(now_ms)
  poll 2 probed A gg2 || fail "gg2 not stamped within 2 s (its metadata: '$(metadata_source A gg2)')"
  note "gg2 stamped $(($(now_ms) - start)) ms after start (the probe cached for the boot)"
  kill -TERM "$CPREGD_PID"
  poll 10 pid_gone "$CPREGD_PID" || fail "virt-cpregd did not stop on SIGTERM"
  sed 's/^/virt-cpregd: /' "$T/cpregd-probe.log"
}

# refused_or_stamped HOST GUEST LOG: virt-cpregd has dealt with GUEST
refused_or_stamped() {
  grep -q "refusing to probe with the domain's emulator" "$3" || stamped "$1" "$2"
}

case_o() {
  local dir=$T/qemu-unlisted log
  # the guest's emulator: QEMU behind a wrapper that libvirt runs (as its
  # emulator) but cpreg.conf does not list; it records who ran it
  log=$dir/ran-by
  mkdir -p "$dir"
  : >"$log"
  {
    echo '#!/bin/sh'
    echo "echo \"\$(cat /proc/\$PPID/comm 2>/dev/null): \$*\" >>'$log'"
    echo "exec $(command -v qemu-system-aarch64) \"\$@\""
  } >"$dir/qemu-system-aarch64"
  chmod 755 "$dir/qemu-system-aarch64"
  host_conf A
  in_host_exec A env VIRT_CPREG_CONF="$(hostdir A)/cpreg.conf" \
    timeout -k 5 300 "$BUILD/src/virt-cpregd" -c qemu:///system -v >>"$T/cpregd-unlisted.log" 2>&1 &
  CPREGD_PID=$!
  trap 'kill -TERM "$CPREGD_PID" 2>/dev/null || true' EXIT
  guest_xml go | sed "s|<emulator>.*</emulator>|<emulator>$dir/qemu-system-aarch64</emulator>|" >"$T/go.xml"
  vsh A create "$T/go.xml" --paused >/dev/null || fail "libvirt did not start go with the wrapper"
  grep -q . "$log" || fail "libvirt did not run the wrapper: the case proves nothing"
  poll 10 refused_or_stamped A go "$T/cpregd-unlisted.log" || true
  if grep '^virt-cpregd' "$log"; then fail "virt-cpregd ran the guest's emulator"; fi
  if stamped A go; then fail "go was stamped with a probe of an emulator not listed"; fi
  grep -q "refusing to probe with the domain's emulator" "$T/cpregd-unlisted.log" ||
    fail "virt-cpregd did not say it refuses: $(cat "$T/cpregd-unlisted.log")"
  note "libvirt ran the wrapper $(wc -l <"$log") times, virt-cpregd never: $(grep -m 1 refusing "$T/cpregd-unlisted.log")"
  kill -TERM "$CPREGD_PID"
  poll 10 pid_gone "$CPREGD_PID" || fail "virt-cpregd did not stop on SIGTERM"
}

case_e() {
  local xml
  guest_xml ge >"$T/ge.xml"
  vsh A define "$T/ge.xml" >/dev/null
  in_host A timeout -k 5 30 "$BUILD/src/virt-cpreg" pin ge --persistent --psci-version 1.1 \
    --connect qemu:///system
  xml=$(vsh A dumpxml ge --inactive)
  grep -q "$PSCI_GLOBAL" <<<"$xml" || fail "no $PSCI_GLOBAL in the inactive XML"
  note "inactive XML: $(grep -o "value=.$PSCI_GLOBAL." <<<"$xml")"
  vsh A start ge --paused >/dev/null || fail "ge (pinned) does not start"
  note "QEMU said: $(qemu_said A ge)"
  # under TCG the pin is inert, so it does not keep QEMU 10.0 (which lacks
  # kvm-psci-version) from starting: the hook must not veto on it
  stamp A ge "$P72"
  vsh A save ge "$T/ge.save" >/dev/null
  host_conf A "host-profile=$P72" qemu-version=10.0
  vsh A restore "$T/ge.save" --paused >/dev/null || fail "the pinned TCG guest was refused by QEMU 10.0's host"
  note "restored on a QEMU 10.0 host with the (inert) pin: $(guest_state A ge)"
}

case_f() {
  local err t0
  host_conf M2 "host-profile=$P72" qemu-version=11.1
  new_guest M1 gf running
  stamp M1 gf "$P612"
  t0=$(now_ms)
  in_host M1 timeout -k 5 120 virsh -q -c qemu:///system migrate --live gf \
    qemu+tcp://10.77.0.2/system --migrateuri tcp://10.77.0.2 ||
    fail "the allowed live migration failed"
  note "allowed: migrated in $(($(now_ms) - t0)) ms"
  [ -z "$(guest_state M1 gf)" ] || fail "gf is still on M1"
  [ "$(guest_state M2 gf)" = running ] || fail "gf is '$(guest_state M2 gf)' on M2"
  [ "$(metadata_kernel M2 gf)" = "$K72" ] || fail "gf's metadata on M2 is not $K72"
  note "on M2: metadata kernel $(metadata_kernel M2 gf); $(vsh M2 dumpxml gf | grep -c "$PSCI_GLOBAL") pin(s)"
  host_conf M2 "host-profile=$P72" qemu-version=10.0
  new_guest M1 gv running
  stamp M1 gv "$P612"
  if err=$(in_host M1 timeout -k 5 120 virsh -q -c qemu:///system migrate --live gv \
           qemu+tcp://10.77.0.2/system --migrateuri tcp://10.77.0.2 2>&1); then
    fail "the vetoed migration succeeded"
  fi
  note "virsh: $err"
  grep -q 'unexpected exit status 1: migration vetoed: ' <<<"$err" ||
    fail "virsh's error does not carry the summary"
  [ "$(guest_state M1 gv)" = running ] || fail "gv is '$(guest_state M1 gv)' on M1 after the veto"
  [ -z "$(guest_state M2 gv)" ] || fail "gv exists on M2 after the veto"
}

# ---- virt-cpreg validate, on host V ------------------------------------------

VALIDATE_RC=
VALIDATE_OPTS=()

# validate HOST EXPECT...: virt-cpreg validate --json in HOST with HOST's
# cpreg.conf (and VALIDATE_OPTS), checked against the schema and EXPECT
# (validate-check.py); its exit status in VALIDATE_RC.
validate() {
  local host=$1 out
  shift
  out="$T/validate-$host.json"
  VALIDATE_RC=0
  in_host "$host" env VIRT_CPREG_CONF="$(hostdir "$host")/cpreg.conf" \
    timeout -k 5 60 "$BUILD/src/virt-cpreg" validate --json -c qemu:///system \
    ${VALIDATE_OPTS[@]+"${VALIDATE_OPTS[@]}"} >"$out" || VALIDATE_RC=$?
  /usr/bin/python3 "$HERE/validate-check.py" "$SRC/schemas/validate.schema.json" "$out" \
    --rc="$VALIDATE_RC" "$@" |
    sed 's/^/validate: /'
}

validate_text() {
  in_host "$1" env VIRT_CPREG_CONF="$(hostdir "$1")/cpreg.conf" \
    timeout -k 5 60 "$BUILD/src/virt-cpreg" validate -c qemu:///system || true
}

POLICY_OK='{"libvirt-cpreg-policy": 1, "rules": [{"register": "PSCI_VERSION", "action": "warn", "reason": "validate test"}]}'

start_cpregd_on() {
  in_host_exec "$1" env VIRT_CPREG_CONF="$(hostdir "$1")/cpreg.conf" \
    timeout -k 5 300 "$BUILD/src/virt-cpregd" -c qemu:///system -v >>"$T/cpregd-$1.log" 2>&1 &
  CPREGD_PID=$!
  trap 'kill -TERM "$CPREGD_PID" 2>/dev/null || true' EXIT
}

case_h() {
  host_conf V "host-profile=$P612" qemu-version=10.0
  echo "$POLICY_OK" >"$(hostdir V)/policy.d/10-test.json"
  start_cpregd_on V
  new_guest V gh1
  poll 10 stamped V gh1 || fail "virt-cpregd did not stamp gh1"
  validate V --others=PASS hook-active=PASS~"after the hook was put in place" \
    guests=PASS~"1 running aarch64 guest(s), all stamped" "policy:$(hostdir V)/policy.d/10-test.json=PASS"
  [ "$VALIDATE_RC" -eq 0 ] || fail "validate exited $VALIDATE_RC on a good host"
  validate_text V | sed 's/^/text: /'
  kill -TERM "$CPREGD_PID"
  poll 10 pid_gone "$CPREGD_PID" || fail "virt-cpregd did not stop on SIGTERM"
}

case_i() {
  new_guest V gh2
  validate V guests=WARN~gh2!gh1 virt-cpregd=FAIL~"does not run"
  [ "$VALIDATE_RC" -eq 1 ] || fail "validate exited $VALIDATE_RC, not 1"
  host_conf V "host-profile=$P612" qemu-version=10.0 on-missing-profile=deny
  validate V guests=FAIL~"on-missing-profile=deny refuses" guests=FAIL~gh2
}

case_k() {
  local conf
  conf=$(hostdir V)/cpreg.conf
  host_conf V "host-profile=$P612" qemu-version=10.0 time-budget-ms=fast on-missing-profile=maybe \
    host-profil=/tmp/typo
  echo '{"libvirt-cpreg-policy": 1, "rules": [{"register": "NO_SUCH_REG", "action": "warn"}]}' \
    >"$(hostdir V)/policy.d/20-broken.json"
  validate V "conf:time-budget-ms=FAIL~$conf, line 6: time-budget-ms" \
    "conf:on-missing-profile=FAIL~on-missing-profile: expected allow or deny, not 'maybe'" \
    conf=FAIL~"unknown key 'host-profil'" conf:host-profile=PASS conf:qemu-version=PASS \
    "policy:$(hostdir V)/policy.d/20-broken.json=FAIL~NO_SUCH_REG" \
    "policy:$(hostdir V)/policy.d/10-test.json=PASS"
  [ "$VALIDATE_RC" -eq 1 ] || fail "validate exited $VALIDATE_RC, not 1"
  rm -f "$(hostdir V)"/policy.d/*.json
  # --hook-dir: a copy of the hook whose virt-cpreg is not there
  mkdir -p "$T/hooks-broken"
  sed 's|^exec .*/virt-cpreg hook|exec /nonexistent/bin/virt-cpreg hook|' \
    "$(hostdir V)/etc/hooks/qemu.d/50-cpreg" >"$T/hooks-broken/50-cpreg"
  chmod 755 "$T/hooks-broken/50-cpreg"
  VALIDATE_OPTS=(--hook-dir "$T/hooks-broken")
  validate V "hook-present=PASS~$T/hooks-broken/50-cpreg" \
    hook-target=FAIL~/nonexistent/bin/virt-cpreg hook-active=FAIL~"not active"
  VALIDATE_OPTS=()
}

# restore_vetoed HOST GUEST: save GUEST, then restore it; 0 if vetoed.
restore_vetoed() {
  local err
  vsh "$1" save "$2" "$T/$2.save" >/dev/null
  if err=$(vsh "$1" restore "$T/$2.save" --paused 2>&1); then
    return 1
  fi
  grep -q 'migration vetoed: ' <<<"$err"
}

case_j() {
  local d
  d=$(hostdir V)
  rm -f "$d"/policy.d/*.json
  # the daemon starts with an empty qemu.d; the hook comes after
  stop_libvirtd V
  mv "$d/etc/hooks/qemu.d/50-cpreg" "$T/50-cpreg.V"
  start_libvirtd V
  sleep 0.1
  mv "$T/50-cpreg.V" "$d/etc/hooks/qemu.d/50-cpreg"
  touch "$d/etc/hooks/qemu.d/50-cpreg"
  host_conf V "host-profile=$P72" qemu-version=10.0
  validate V hook-active=FAIL~"not active" hook-present=PASS hook-executable=PASS daemon=PASS
  [ "$VALIDATE_RC" -eq 1 ] || fail "validate exited $VALIDATE_RC, not 1"
  # and it is true: a restore the hook must veto goes through
  stamp V gh2 "$P612"
  : >"$d/hook.log"
  ! restore_vetoed V gh2 || fail "the inactive hook vetoed"
  [ ! -s "$d/hook.log" ] || fail "the hook ran: $(cat "$d/hook.log")"
  note "with the inactive hook, the restore that must be vetoed went through"
  stop_libvirtd V
  start_libvirtd V
  validate V hook-active=PASS
  stamp V gh2 "$P612"
  restore_vetoed V gh2 || fail "the restore was not vetoed after the daemon's restart"
  note "after the daemon's restart: hook active, the restore vetoed"
}

setup_validate_host() {
  host_create V 4
  host_conf V "host-profile=$P612" qemu-version=10.0
  host_start V
}

run_validate() {
  HOSTS+=(V)
  attempt setup_validate_host
  if [ "$ATTEMPT_RC" -ne 0 ]; then
    echo "FAIL: h. host V did not start"
    host_logs V 2>&1 | sed 's/^/    /'
    FAILED=$((FAILED + 1))
    return 0
  fi
  run_case h "validate: a good host passes every check (but arm64 KVM's off arm64)" case_h
  run_case i "validate: a guest without metadata is named" case_i
  run_case k "validate: a broken cpreg.conf, policy file and hook fail by key and file" case_k
  run_case j "validate: a hook added after the daemon started is inactive" case_j
}

# ---- OpenStack Nova's way: migrateToURI3, peer to peer, persistent ---------

# nova_migrate GUEST allow|veto: M1 → M2 as Nova migrates (nova-migrate.py).
nova_migrate() {
  in_host M1 timeout -k 5 120 /usr/bin/python3 "$HERE/nova-migrate.py" "$1" \
    qemu+tcp://10.77.0.2/system tcp://10.77.0.2 "$2"
}

# defined_guest HOST NAME: a persistent guest, defined then started.
defined_guest() {
  guest_xml "$2" >"$T/$2.xml"
  vsh "$1" define "$T/$2.xml" >/dev/null
  vsh "$1" start "$2" >/dev/null
}

persistent() {
  local info
  info=$(vsh "$1" dominfo "$2") && grep -q '^Persistent: *yes' <<<"$info"
}

case_n() {
  local inactive
  host_conf M2 "host-profile=$P72" qemu-version=10.0
  defined_guest M1 gnv
  stamp M1 gnv "$P612"
  nova_migrate gnv veto
  persistent M1 gnv || fail "gnv is no longer defined on M1"
  [ -z "$(guest_state M2 gnv)" ] || fail "gnv exists on M2 after the veto"
  host_conf M2 "host-profile=$P72" qemu-version=11.1
  defined_guest M1 gna
  stamp M1 gna "$P612"
  nova_migrate gna allow
  [ -z "$(guest_state M1 gna)" ] || fail "gna is still defined on M1"
  [ "$(guest_state M2 gna)" = running ] || fail "gna is '$(guest_state M2 gna)' on M2"
  persistent M2 gna || fail "gna is not defined (persistent) on M2"
  [ "$(metadata_kernel M2 gna)" = "$K72" ] || fail "gna's live metadata on M2 is not $K72"
  inactive=$(vsh M2 dumpxml gna --inactive | xmllint --xpath 'string(//*[namespace-uri()="http://libvirt-cpreg.org/xmlns/metadata/1.0"])' - |
    profile_ident kernel)
  [ -n "$inactive" ] || fail "gna's persistent definition on M2 carries no metadata"
  note "on M2: running and defined; live metadata kernel $(metadata_kernel M2 gna), persistent definition's $inactive"
}

setup_hosts() {
  host_create A 1
  host_conf A "host-profile=$P612"
  host_start A
}

setup_migration_hosts() {
  host_create M1 2 10.77.0.1
  host_create M2 3 10.77.0.2
  host_link M1 10.77.0.1 M2 10.77.0.2
  host_conf M1 "host-profile=$P612"
  host_start M1 --listen
  host_start M2 --listen
}

veth_possible() {
  timeout 10 unshare --net ip link add cpreg-v0 type veth peer name cpreg-v1 2>/dev/null
}

run_migration() {
  if ! veth_possible; then
    echo "SKIP: f. this kernel cannot make veth pairs to link two hosts"
    return 0
  fi
  HOSTS+=(M1 M2)
  attempt setup_migration_hosts
  if [ "$ATTEMPT_RC" -eq 0 ]; then
    run_case f "live migration between two daemons: let in, then vetoed" case_f
    if /usr/bin/python3 -c 'import libvirt' 2>/dev/null; then
      run_case n "Nova's migrateToURI3 (p2p, persistent): vetoed, then let in" case_n
    else
      echo "SKIP: n. python3-libvirt is not installed (bash .ci/install-deps)"
    fi
  else
    echo "FAIL: f. the two migration hosts did not start"
    host_logs M1 2>&1 | sed 's/^/    /'
    host_logs M2 2>&1 | sed 's/^/    /'
    FAILED=$((FAILED + 1))
  fi
}

inside() {
  BUILD=$1 SRC=$2 T=$3
  FIX=$SRC/tests/fixtures/lab
  P612=$FIX/linux-6.12-max-pmu.regs
  P72=$FIX/linux-7.2-max-pmu.regs
  # shellcheck source=tests/libvirt/harness.sh
  . "$HERE/harness.sh"
  trap cleanup EXIT
  trap 'exit 143' TERM INT HUP
  # pid files and the like: nothing of ours lands in the machine's /run
  mount -t tmpfs -o mode=755 cpreg-run /run
  mkdir /run/libvirt
  ensure_mountpoints
  ensure_qemu_accounts
  echo "libvirt: $(libvirtd --version); QEMU: $(qemu-system-aarch64 --version | head -n 1)"
  echo "state and logs: $T"
  HOSTS=(A)
  attempt setup_hosts
  [ "$ATTEMPT_RC" -eq 0 ] || { echo "FAIL: host A did not start"; host_logs A 2>&1; exit 1; }
  run_case a "stamp a running aarch64 TCG guest" case_a
  run_case b "restore let in: XML rewritten for this host" case_b
  run_case c "restore vetoed with the summary in virsh's error" case_c
  run_case d "virt-cpregd stamps new guests, also after libvirtd's restart" case_d
  run_case e "pin --persistent writes the inactive definition" case_e
  run_case g "virt-cpregd without a profile probes this host for each guest" case_g
  run_case o "virt-cpregd never runs an emulator cpreg.conf does not list" case_o
  run_migration
  run_validate
  [ "$FAILED" -eq 0 ] || { echo "$FAILED case(s) failed"; exit 1; }
}

if [ "${1:-}" = --inside ]; then
  shift
  inside "$@"
else
  [ $# -eq 2 ] || { echo "usage: run.sh BUILD SRC" >&2; exit 2; }
  outside "$@"
fi
