#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The German catalogue is used for real: the built virt-cpreg and
# virt-cpregd, run in a de_DE.UTF-8 locale with VIRT_CPREG_LOCALEDIR at the
# build tree's po directory (laid out like the installed one), speak German,
# with every positional argument in its place. Before that, the sources:
# every file with translatable strings is in po/POTFILES, and no macro
# inside _() cuts a msgid short.
#
#   test-i18n.sh VIRT_CPREG VIRT_CPREGD PO_BUILDDIR SOURCE_ROOT
#
# The locale is compiled privately with localedef (the system's locale
# configuration stays untouched); without localedef's inputs (Debian's
# locales package) the test skips.
set -euo pipefail

virt_cpreg=$1 virt_cpregd=$2 localedir=$3 srcdir=$4
fixtures=$srcdir/tests/fixtures
failures=0

skip() {
  [ "$failures" -eq 0 ] || { echo "$failures check(s) failed before: $*"; exit 1; }
  echo "SKIP: $*"
  exit 77
}

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# want NAME EXPECTED ACTUAL: one whole line of output, compared exactly
want_line() {
  if grep -qxF -- "$2" <<<"$3"; then
    echo "ok: $1"
  else
    fail "$1: no line '$2' in:"
    printf '%s\n' "$3"
  fi
}

want_status() {
  if [ "$2" -eq "$3" ]; then
    echo "ok: $1 exits $2"
  else
    fail "$1 exits $3, want $2"
  fi
}

# Every source file with translatable strings is in po/POTFILES, or
# xgettext never sees its strings.
for f in $(cd "$srcdir" && grep -rlE '\b(N_|_)\("' src --include='*.c'); do
  grep -qxF "$f" "$srcdir/po/POTFILES" || fail "$f has translatable strings but is not in po/POTFILES"
done
[ "$failures" -eq 0 ] && echo "ok: po/POTFILES lists every source file with translatable strings"
# A macro inside _() ("%1$" G_GUINT64_FORMAT "...") cuts the msgid where
# xgettext meets it: the rest never reaches the catalogue.
cut=$(cd "$srcdir" && grep -rPzo --include='*.c' '\b(N_|_)\(\s*(?:"(?:[^"\\]|\\.)*"\s*)+[A-Za-z_]\w*' src |
  tr '\0' '\n') || true
if [ -n "$cut" ]; then
  fail "a macro inside a translated string cuts its msgid:"
  printf '%s\n' "$cut"
else
  echo "ok: no translated string has a macro inside"
fi

command -v localedef >/dev/null || skip "no localedef (Debian's locales package)"
[ -e /usr/share/i18n/locales/de_DE ] || skip "no /usr/share/i18n/locales/de_DE (Debian's locales package)"
compgen -G '/usr/share/i18n/charmaps/UTF-8*' >/dev/null ||
  skip "no UTF-8 charmap in /usr/share/i18n/charmaps (Debian's locales package)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
localedef -i de_DE -f UTF-8 "$tmp/de_DE.UTF-8"

[ -f "$localedir/de/LC_MESSAGES/libvirt-cpreg.mo" ] ||
  { echo "FAIL: $localedir/de/LC_MESSAGES/libvirt-cpreg.mo was not built"; exit 1; }
# the catalogue keeps every format specifier of its msgids
msgfmt --check --statistics -o /dev/null "$srcdir/po/de.po"

# in German, with only the built-in policy; this shell keeps its locale
german() {
  env -u LANGUAGE -u LC_MESSAGES -u LANG LOCPATH="$tmp" LC_ALL=de_DE.UTF-8 \
    VIRT_CPREG_LOCALEDIR="$localedir" VIRT_CPREG_POLICY_DIRS= "$@"
}

src=$fixtures/lab/linux-6.12-max-pmu.regs
dst=$fixtures/lab/linux-7.2-max-pmu.regs

# A usage error: the verb lands in the translated "Try ... --help" line.
status=0
err=$(german "$virt_cpreg" check --source "$src" 2>&1 >/dev/null) || status=$?
want_status "check without --dest" 2 "$status"
want_line "usage error in German" "virt-cpreg check: --dest ist erforderlich" "$err"
# shellcheck disable=SC1111 # German quotation marks, on purpose
want_line "help hint with the verb filled in" \
  "„virt-cpreg check --help“ liefert weitere Informationen." "$err"

# A veto: the German summary names the QEMU (%2$s) before the registers
# (%1$s), so the positions, not the order, place the arguments.
status=0
out=$(german "$virt_cpreg" check --source "$src" --dest "$dst" --dest-qemu 10.0) || status=$?
want_status "check 6.12 → 7.2 on QEMU 10.0" 1 "$status"
want_line "veto summary, arguments reordered" \
  "Migration mit Veto abgelehnt: auf dem Ziel (QEMU 10.0) würde Folgendes scheitern: cpreg_vmstate_array_len, TCR2_EL1, PIRE0_EL1 und PIR_EL1; Abhilfe: auf dem Ziel QEMU 11.1 oder neuer verwenden" \
  "$out"
want_line "model line, seven arguments" \
  "Modell: QEMU 10.0 auf dem Ziel (KVM); Kernel 6.12.107+deb13-arm64 → 7.2.13+deb14-arm64; Richtlinie: built-in" \
  "$out"
want_line "section title" "Blockierend:" "$out"
want_line "finding, {reg} {dkernel} {qemu} filled in" \
  "  TCR2_EL1 ist im Datenstrom, aber Kernel 7.2.13+deb14-arm64 auf dem Ziel führt es nicht auf: QEMU 10.0 kann den vCPU-Zustand nicht laden" \
  "$out"
want_line "remedy" "    Abhilfe: auf dem Ziel QEMU 11.1 oder neuer verwenden, das TCR2_EL1 toleriert" "$out"

# A stream cut short: the byte offset of a once-truncated msgid ("%1$s:
# byte %2$llu: %3$s") now finds its translation.
head -c 3000 "$fixtures/streams/virt-max-smp2.qemu" >"$tmp/cut.qemu"
status=0
err=$(german "$virt_cpreg" inspect "$tmp/cut.qemu" 2>&1 >/dev/null) || status=$?
want_status "inspect of a cut stream" 2 "$status"
want_line "input error with its byte offset" \
  "virt-cpreg: $tmp/cut.qemu: Byte 3000: unerwartetes Ende der Daten" "$err"

# The daemon binds the same catalogue.
out=$(german "$virt_cpregd" --help)
want_line "virt-cpregd's summary" \
  "Trägt das vCPU-Registerprofil dieses Hosts in aarch64-Gäste ein." "$out"

# The same run without the German locale stays English: the catalogue,
# not the binary, made the difference.
err=$(german env LC_ALL=C.UTF-8 "$virt_cpreg" check --source "$src" 2>&1 >/dev/null) || true
want_line "C locale stays English" "virt-cpreg check: --dest is required" "$err"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all German messages as expected"
