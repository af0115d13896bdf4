#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh SRC BUILD: the packages, built from the source tree and used as
# an admin would:
#   a. the .deb: dpkg-buildpackage -us -uc -b in a copy of the tree
#      (DEB_BUILD_OPTIONS=nocheck), then lintian on it and on the source
#      package (dpkg-source -b): no error
#   b. the .rpm: .ci/rpm-build (Fedora's spec with Debian's rpm)
#   c. meson install into a DESTDIR with this build's prefix: the drop-in
#      and the unit name installed files; systemd-analyze verify on it
#   d. only when libvirt-cpreg is not installed on this machine (a real
#      install is never touched), in private namespaces: a private libvirtd
#      (tests/libvirt/harness.sh) starts, dpkg -i installs the .debs (and
#      nothing else: missing dependencies fail the case), the postinst says
#      that this libvirtd must restart; the smoke test on the installed
#      files (check, validate, systemd-analyze verify); after the restart
#      the INSTALLED qemu.d drop-in vetoes a virsh restore with our
#      one-line summary and lets the same image in for a newer QEMU;
#      dpkg -r leaves the drop-in (a conffile), which then lets it in;
#      then dpkg --purge, on every exit path.
# One PASS/FAIL line per case, with its time; exit 1 if any failed, 77
# (skip) when not root or when tools are missing.
set -euo pipefail
# meson points the loader at the build tree; the packages must run without
unset LD_LIBRARY_PATH

HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGES=(libvirt-cpreg libvirt-cpreg0 libvirt-cpreg-dev)

skip() {
  echo "SKIP: $*"
  exit 77
}

now_ms() { local ns; ns=$(date +%s%N); echo $((ns / 1000000)); }

FAILED=0

# attempt CMD...: CMD in a subshell with errexit; its status in ATTEMPT_RC.
attempt() {
  set +e
  (set -e; "$@")
  ATTEMPT_RC=$?
  set -e
}

# run_case ID TITLE FUNCTION: one PASS/FAIL line, what it said indented.
run_case() {
  local id=$1 title=$2 fn=$3 start
  start=$(now_ms)
  attempt "$fn" >"$T/case-$id.log" 2>&1
  if [ "$ATTEMPT_RC" -eq 0 ]; then
    printf 'PASS: %s. %s (%d ms)\n' "$id" "$title" "$(($(now_ms) - start))"
  else
    printf 'FAIL: %s. %s (%d ms)\n' "$id" "$title" "$(($(now_ms) - start))"
    FAILED=$((FAILED + 1))
  fi
  sed 's/^/    /' "$T/case-$id.log"
}

fail() {
  echo "failed: $*"
  exit 1
}

note() { echo "$*"; }

# ---- outside ------------------------------------------------------------------

preflight() {
  local c missing=()
  [ "$(id -u)" = 0 ] || skip "needs root: it installs the .deb it builds"
  for c in dpkg-buildpackage dh lintian fakeroot rpm rpmbuild rpmspec git xz \
           systemd-analyze unshare meson apt-get; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] || skip "not installed: ${missing[*]} (bash .ci/install-deps test)"
  git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 ||
    skip "$SRC is not a git checkout (.ci/rpm-build makes Source0 with git archive)"
}

# copy_tree DEST: the source tree as it is (tracked and new files, not
# what .gitignore names, not the build directory).
copy_tree() {
  local rel
  mkdir -p "$1"
  rel=$(realpath --relative-to="$SRC" "$BUILD")
  git -C "$SRC" ls-files -z --cached --others --exclude-standard |
    { if [ "${rel#..}" = "$rel" ]; then grep -zv "^$rel/" || true; else cat; fi; } |
    (cd "$SRC" && tar --null -T - -cf -) | tar -xf - -C "$1"
}

case_deb() {
  local start upstream p
  copy_tree "$T/deb/src"
  start=$(now_ms)
  (cd "$T/deb/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
    >"$T/dpkg-buildpackage.log" 2>&1 || { tail -n 40 "$T/dpkg-buildpackage.log"; fail "dpkg-buildpackage"; }
  note "dpkg-buildpackage -us -uc -b (nocheck): $(($(now_ms) - start)) ms"
  for p in "${PACKAGES[@]}"; do
    [ -s "$(deb_of "$p")" ] || fail "no .deb for $p"
    note "$(basename "$(deb_of "$p")"): $(dpkg-deb -c "$(deb_of "$p")" | grep -vc '/$') files"
  done
  # the source package too (its checks: Build-Depends, debian/copyright...)
  upstream=$(dpkg-parsechangelog -l "$T/deb/src/debian/changelog" -S Version | sed 's/-[^-]*$//')
  copy_tree "$T/dsc/libvirt-cpreg-$upstream"
  tar -C "$T/dsc" -cJf "$T/dsc/libvirt-cpreg_$upstream.orig.tar.xz" "libvirt-cpreg-$upstream"
  (cd "$T/dsc" && dpkg-source -b "libvirt-cpreg-$upstream") >"$T/dpkg-source.log" 2>&1 ||
    { cat "$T/dpkg-source.log"; fail "dpkg-source -b"; }
  start=$(now_ms)
  lintian --fail-on error --display-info "$T"/deb/*.changes "$T"/dsc/*.dsc >"$T/lintian.log" 2>&1 ||
    { grep -v '^N:' "$T/lintian.log"; fail "lintian found errors"; }
  note "lintian: $(($(now_ms) - start)) ms; $(tags E) errors, $(tags W) warnings, $(tags I) info"
  grep '^[EW]:' "$T/lintian.log" || true
}

# deb_of PACKAGE, rpm_of PACKAGE: the file built, or nothing.
tags() { grep -c "^$1:" "$T/lintian.log" || true; }

deb_of() { first_of "$T"/deb/"$1"_*.deb; }
rpm_of() { first_of "$T"/rpm/RPMS/"$1"-[0-9]*.rpm; }
first_of() { [ -e "$1" ] && printf '%s\n' "$1"; return 0; }

case_rpm() {
  local start rpm f
  start=$(now_ms)
  "$SRC/.ci/rpm-build" --nocheck "$T/rpm/RPMS" >"$T/rpmbuild.log" 2>&1 ||
    { tail -n 40 "$T/rpmbuild.log"; fail "rpmbuild"; }
  note "rpmbuild -bb (nocheck): $(($(now_ms) - start)) ms"
  for rpm in libvirt-cpreg libvirt-cpreg-devel; do
    f=$(rpm_of "$rpm")
    [ -s "$f" ] || fail "no $rpm .rpm"
    note "$(basename "$f"): $(rpm -qpl "$f" | grep -vc '^/usr/lib/.build-id') files"
  done
  rpm -qpl "$(rpm_of libvirt-cpreg)" | grep -qx /etc/libvirt/hooks/qemu.d/50-cpreg ||
    fail "the .rpm has no /etc/libvirt/hooks/qemu.d/50-cpreg"
}

# verify_unit UNIT: systemd-analyze verify says nothing and succeeds.
verify_unit() {
  local out
  out=$(systemd-analyze verify "$@" 2>&1) || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  note "systemd-analyze verify ${*: -1}: clean"
}

case_destdir() {
  local dest=$T/destdir unit hook exec_start hook_exec
  meson install -C "$BUILD" --destdir "$dest" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "meson install"; }
  hook=$dest/etc/libvirt/hooks/qemu.d/50-cpreg
  [ -x "$hook" ] || fail "meson install put no executable drop-in in /etc/libvirt/hooks/qemu.d"
  [ -f "$dest/etc/libvirt-cpreg/cpreg.conf" ] || fail "no /etc/libvirt-cpreg/cpreg.conf"
  unit=$(find "$dest" -name virt-cpregd.service)
  [ -n "$unit" ] || fail "no virt-cpregd.service installed"
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  hook_exec=$(sed -n 's/^exec \([^ ]*\) hook .*/\1/p' "$hook")
  [ -x "$dest$exec_start" ] || fail "ExecStart=$exec_start is not an installed executable"
  [ -x "$dest$hook_exec" ] || fail "the drop-in runs $hook_exec, which is not installed"
  note "drop-in -> $hook_exec; unit ${unit#"$dest"} -> $exec_start"
  # the installed /usr seen over the machine's: what the unit names exists
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
  unshare --mount -- sh -c 'mount -t overlay cpreg-usr -o "lowerdir=$1/usr:/usr" /usr && exec systemd-analyze verify "$2"' \
    sh "$dest" "$unit" >"$T/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify.log")"
  [ ! -s "$T/verify.log" ] || fail "systemd-analyze verify: $(cat "$T/verify.log")"
  note "systemd-analyze verify (DESTDIR over /usr): clean"
}

installed_version() {
  { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null || true; } |
    sed -n 's/^install ok [a-z-]* //p'
}

# deps_present: dpkg -i must not need anything that is not installed.
deps_present() {
  local plan extra
  plan=$(apt-get -s -q install --no-install-recommends "$(deb_of libvirt-cpreg)" \
           "$(deb_of libvirt-cpreg0)" "$(deb_of libvirt-cpreg-dev)" 2>&1) ||
    { echo "$plan"; return 1; }
  extra=$(awk '$1 == "Inst" || $1 == "Remv" { print $2 }' <<<"$plan" |
          grep -vxE 'libvirt-cpreg|libvirt-cpreg0|libvirt-cpreg-dev' || true)
  [ -z "$extra" ] || { echo "the .debs need packages that are not installed: $(tr '\n' ' ' <<<"$extra")"; return 1; }
}

# on_machine CMD...: CMD on the machine's own /var. In the private
# namespace the harness may have laid overlays (named cpreg-overlay) over
# /var/lib, /var/log or /var/cache for libvirt's mount points; dpkg must
# write the real ones, so CMD runs in a child mount namespace without
# them, and not at all if /var/lib/dpkg is still not the machine's.
on_machine() {
  # shellcheck disable=SC2016 # the inner shell's variables
  unshare --mount --propagation private -- sh -c '
    findmnt -rn -o SOURCE,TARGET | awk "\$1 == \"cpreg-overlay\" { print \$2 }" |
      sort -r | while read -r m; do umount -l "$m"; done
    [ "$(stat -c %d /var/lib/dpkg)" = "$MACHINE_DPKG_DEV" ] ||
      { echo "on_machine: /var/lib/dpkg is not the machine'"'"'s here" >&2; exit 1; }
    exec "$@"' sh "$@"
}

purge_ours() {
  [ -e "$T/installed-by-test" ] || return 0
  on_machine dpkg --purge "${PACKAGES[@]}" >>"$T/purge.log" 2>&1 || { cat "$T/purge.log"; return 1; }
  rm -f "$T/installed-by-test"
}

install_stage() {
  local p v rc=0 why
  for p in "${PACKAGES[@]}"; do
    v=$(installed_version "$p")
    if [ -n "$v" ]; then
      echo "SKIP: d. $p $v is installed on this machine: not touching it"
      return 0
    fi
  done
  if ! why=$(deps_present); then
    echo "FAIL: d. install the .debs: $why (bash .ci/install-deps test installs them)"
    FAILED=$((FAILED + 1))
    return 0
  fi
  # --kill-child: if unshare goes, so does every process of its PID
  # namespace (the private libvirtd, QEMU); the purge then runs here.
  trap 'purge_ours || true' EXIT
  trap 'exit 143' TERM INT HUP
  timeout --foreground -k 10 900 \
    unshare --mount --propagation private --pid --fork --kill-child --mount-proc -- \
    bash "$HERE/run.sh" --inside "$SRC" "$BUILD" "$T" </dev/null || rc=$?
  cat "$T/inside.out" 2>/dev/null || true
  [ "$rc" -eq 0 ] || FAILED=$((FAILED + 1))
  purge_ours || { echo "FAIL: dpkg --purge"; FAILED=$((FAILED + 1)); }
  if [ -n "$(installed_version libvirt-cpreg)" ] || [ -e /etc/libvirt/hooks/qemu.d/50-cpreg ] ||
     [ -e /etc/libvirt-cpreg ]; then
    echo "FAIL: libvirt-cpreg or its configuration is still there after the purge"
    FAILED=$((FAILED + 1))
  fi
}

outside() {
  local start
  start=$(now_ms)
  SRC=$(cd "$1" && pwd) BUILD=$(cd "$2" && pwd)
  preflight
  MACHINE_DPKG_DEV=$(stat -c %d /var/lib/dpkg)
  export MACHINE_DPKG_DEV
  T=$(mktemp -d "${TMPDIR:-/tmp}/cpreg-package.XXXXXX")
  run_case a "the .deb: dpkg-buildpackage, lintian" case_deb
  run_case b "the .rpm: .ci/rpm-build" case_rpm
  run_case c "meson install into a DESTDIR: paths, systemd-analyze verify" case_destdir
  if [ -n "$(deb_of libvirt-cpreg)" ]; then
    install_stage
  else
    echo "FAIL: d. no .deb to install"
    FAILED=$((FAILED + 1))
  fi
  echo "package test: $(($(now_ms) - start)) ms in all"
  if [ "$FAILED" -eq 0 ]; then
    rm -rf "$T"
  else
    echo "$FAILED case(s) failed; the builds and logs are kept in $T"
    exit 1
  fi
}

# ---- inside: PID 1 of private PID and mount namespaces ------------------------

cpreg() { timeout -k 5 30 /usr/bin/virt-cpreg "$@"; }

case_install() {
  local out pid
  pid=$(cat "$(hostdir A)/libvirtd.pid")
  : >"$T/installed-by-test"
  out=$(on_machine dpkg -i "$(deb_of libvirt-cpreg)" "$(deb_of libvirt-cpreg0)" "$(deb_of libvirt-cpreg-dev)" 2>&1) ||
    fail "dpkg -i: $out"
  note "dpkg -i: $(grep -c '^Setting up' <<<"$out") packages set up"
  grep -q "libvirtd (pid $pid) was started before the hook" <<<"$out" ||
    fail "the postinst did not say that libvirtd (pid $pid) must restart: $out"
  note "postinst: $(grep -A1 "libvirtd (pid $pid)" <<<"$out" | tr '\n' ' ')..."
  for f in /etc/libvirt/hooks/qemu.d/50-cpreg /usr/bin/virt-cpreg /usr/sbin/virt-cpregd; do
    [ -x "$f" ] || fail "$f is not installed"
  done
  # shellcheck disable=SC2016 # dpkg-query's format
  on_machine dpkg-query -W -f='${Conffiles}\n' libvirt-cpreg | grep -q ' /etc/libvirt-cpreg/cpreg.conf ' ||
    fail "cpreg.conf is not a conffile"
}

case_smoke() {
  local rc=0 fix=$SRC/tests/fixtures/lab
  note "$(cpreg --version); $(/usr/sbin/virt-cpregd --version)"
  cpreg check --source "$fix/linux-6.12-max-pmu.regs" --dest "$fix/linux-7.2-max-pmu.regs" \
    --dest-qemu 11.1 >"$T/check-11.1.out" || fail "check with QEMU 11.1 exited $?"
  note "check, QEMU 11.1: exit 0: $(head -n 1 "$T/check-11.1.out")"
  cpreg check --source "$fix/linux-6.12-max-pmu.regs" --dest "$fix/linux-7.2-max-pmu.regs" \
    --dest-qemu 10.0 >"$T/check-10.0.out" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "check with QEMU 10.0 exited $rc, not 1 (veto)"
  grep -q TCR2_EL1 "$T/check-10.0.out" || fail "the veto does not name TCR2_EL1: $(cat "$T/check-10.0.out")"
  note "check, QEMU 10.0: exit 1: $(head -n 1 "$T/check-10.0.out")"
  if cpreg validate --help >/dev/null 2>&1; then
    rc=0
    cpreg validate --json >"$T/validate.json" 2>"$T/validate.err" || rc=$?
    [ "$rc" -le 1 ] || fail "validate exited $rc: $(cat "$T/validate.err")"
    # what the package itself decides must pass: where the hook is, its
    # mode, what it runs, the shipped cpreg.conf and policy directories
    python3 - "$T/validate.json" <<'PY' || fail "validate: the installed package's own checks did not all pass"
import json, sys
checks = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
bad = [f"{i}={checks[i]['status'] if i in checks else 'missing'}"
       f" ({checks[i]['message'] if i in checks else ''})"
       for i in ("hook-present", "hook-executable", "hook-target", "conf", "policy")
       if i not in checks or checks[i]["status"] != "PASS"]
print("validate: %d checks; hook-present, hook-executable, hook-target, conf, policy PASS"
      % len(checks) if not bad else "validate: " + "; ".join(bad))
sys.exit(1 if bad else 0)
PY
  else
    note "validate: not in this virt-cpreg (virt-cpreg validate --help fails): skipped"
  fi
  verify_unit /lib/systemd/system/virt-cpregd.service
}

case_hook() {
  local d err
  d=$(hostdir A)
  # the private daemon's qemu.d holds the installed drop-in itself, and the
  # installed cpreg.conf is this test's (only in the daemon's namespace)
  : >"$d/etc/hooks/qemu.d/50-cpreg"
  in_host A mount --bind "$T/machine-etc/libvirt/hooks/qemu.d/50-cpreg" /etc/libvirt/hooks/qemu.d/50-cpreg
  in_host A mount --bind "$d/cpreg.conf" /etc/libvirt-cpreg/cpreg.conf
  note "private qemu.d: $(in_host A cat /etc/libvirt/hooks/qemu.d/50-cpreg | grep '^exec')"
  # what the postinst asked for: libvirt finds the hook when it starts
  stop_libvirtd A
  start_libvirtd A
  guest_xml gc >"$T/gc.xml"
  vsh A create "$T/gc.xml" --paused >/dev/null
  in_host A timeout -k 5 30 /usr/bin/virt-cpreg stamp gc --connect qemu:///system --profile "$P612"
  vsh A save gc "$T/gc.save" >/dev/null
  host_conf A "host-profile=$P72" qemu-version=10.0
  if err=$(vsh A restore "$T/gc.save" 2>&1); then
    fail "restore succeeded"
  fi
  note "virsh: $err"
  grep -q 'migration vetoed: .*TCR2_EL1' <<<"$err" || fail "virsh's error does not carry the summary"
  [ -z "$(guest_state A gc)" ] || fail "gc is '$(guest_state A gc)' after the veto"
  host_conf A "host-profile=$P72" qemu-version=11.1
  vsh A restore "$T/gc.save" --paused >/dev/null || fail "restore with QEMU 11.1 modelled was refused"
  note "the same image with QEMU 11.1 modelled: $(guest_state A gc)"
}

case_removed() {
  local out err
  out=$(on_machine dpkg -r "${PACKAGES[@]}" 2>&1) || fail "dpkg -r: $out"
  [ -x /etc/libvirt/hooks/qemu.d/50-cpreg ] || fail "dpkg -r took the drop-in (a conffile) away"
  [ ! -e /usr/bin/virt-cpreg ] || fail "/usr/bin/virt-cpreg is still there"
  note "removed, not purged: the drop-in stays, virt-cpreg is gone"
  vsh A destroy gc >/dev/null
  host_conf A "host-profile=$P72" qemu-version=10.0
  err=$(vsh A restore "$T/gc.save" --paused 2>&1) ||
    fail "the leftover drop-in refused the restore that the package vetoed: $err"
  note "the restore the package vetoed: $(guest_state A gc)"
}

inside_cleanup() {
  host_destroy A || true
  ! mountpoint -q "$T/machine-etc" || umount "$T/machine-etc"
  purge_ours || true
}

inside() {
  SRC=$1 BUILD=$2 T=$3
  P612=$SRC/tests/fixtures/lab/linux-6.12-max-pmu.regs
  P72=$SRC/tests/fixtures/lab/linux-7.2-max-pmu.regs
  exec >"$T/inside.out" 2>&1
  # shellcheck source=tests/libvirt/harness.sh
  . "$SRC/tests/libvirt/harness.sh"
  trap inside_cleanup EXIT
  trap 'exit 143' TERM INT HUP
  # nothing of ours in the machine's /run; a running systemd is not seen
  # here either, so the postinst neither reloads nor starts anything
  mount -t tmpfs -o mode=755 cpreg-run /run
  mkdir /run/libvirt
  local libvirt_ok=1 c
  for c in libvirtd virtlogd virsh qemu-system-aarch64 nsenter ip; do
    command -v "$c" >/dev/null || libvirt_ok=0
  done
  if [ "$libvirt_ok" = 1 ]; then
    # libvirt's mount points and accounts, in this namespace only
    ensure_mountpoints
    ensure_qemu_accounts
    # the machine's /etc, read-only, where the private host (whose
    # /etc/libvirt is its own) can reach the drop-in dpkg will install
    mkdir "$T/machine-etc"
    mount --bind /etc "$T/machine-etc"
    mount -o remount,bind,ro "$T/machine-etc"
    attempt host_create A 1
    [ "$ATTEMPT_RC" -eq 0 ] || fail "host A: no namespaces"
    # no hook of the build tree: the daemon starts without any, as on a
    # host where the package is not installed yet
    rm -f "$(hostdir A)/etc/hooks/qemu.d/50-cpreg"
    host_conf A "host-profile=$P612"
    attempt host_start A
    [ "$ATTEMPT_RC" -eq 0 ] || { host_logs A; fail "the private libvirtd did not start"; }
    echo "libvirt: $(libvirtd --version); QEMU: $(qemu-system-aarch64 --version | head -n 1)"
    run_case d "dpkg -i: installed, and the postinst asks the running libvirtd to restart" case_install
  else
    echo "SKIP: the private libvirtd (libvirt-daemon, qemu-system-arm missing); installing without it"
    : >"$T/installed-by-test"
    on_machine dpkg -i "$(deb_of libvirt-cpreg)" "$(deb_of libvirt-cpreg0)" "$(deb_of libvirt-cpreg-dev)" ||
      fail "dpkg -i"
  fi
  run_case e "smoke test on the installed files" case_smoke
  if [ "$libvirt_ok" = 1 ] && [ -e "$T/installed-by-test" ]; then
    run_case f "the installed hook in a private libvirtd: restore vetoed, then let in" case_hook
    run_case g "dpkg -r: the drop-in left behind lets guests in" case_removed
    [ "$FAILED" -eq 0 ] || host_logs A
  fi
  [ "$FAILED" -eq 0 ]
}

if [ "${1:-}" = --inside ]; then
  shift
  inside "$@"
else
  [ $# -eq 2 ] || { echo "usage: $0 SRC BUILD" >&2; exit 2; }
  outside "$@"
fi
