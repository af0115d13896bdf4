#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The man pages against the programs.

    check-man.py VIRT_CPREG VIRT_CPREGD

- virt-cpreg(1) VERBS has an entry for every verb of 'virt-cpreg --help',
  and none other;
- its OPTIONS has a subsection per verb listing exactly the options of
  'virt-cpreg VERB --help' (which exits 0 for every verb), with their short
  forms and argument names; a verb's VERBS entry names none other;
- its ENVIRONMENT names exactly the VIRT_CPREG_* variables that src/ reads
  (getenv, g_getenv, directly or through a #define);
- virt-cpregd(8) OPTIONS lists exactly the options of 'virt-cpregd --help'.
Exit 0 when all hold, else 1 with every mismatch listed.
"""
import glob
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "src")
ALTERNATING = {"BI", "IB", "BR", "RB", "IR", "RI"}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, LC_ALL="C.UTF-8"))
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(cmd[1:]) or cmd[0], p.returncode,
                                   (p.stderr or p.stdout).strip()[:200]))
    return p.stdout


# ---- --help ---------------------------------------------------------------

HELP_OPTION = re.compile(r"^  (?:-(\w), )?--([\w-]+)(?:=(\S+))?(?:\s{2,}|$)")


def help_options(text):
    """{long: (short, metavar)} of GOption's "Application Options"."""
    out, on = {}, False
    for line in text.splitlines():
        if line.endswith("Options:"):
            on = line == "Application Options:"
            continue
        m = on and HELP_OPTION.match(line)
        if m:
            out[m.group(2)] = (m.group(1), m.group(3))
    return out


def help_verbs(text):
    out, on = [], False
    for line in text.splitlines():
        if line == "Verbs:":
            on = True
        elif on and line.startswith("  "):
            out.append(line.split()[0])
        elif on:
            on = False
    return out


# ---- troff ----------------------------------------------------------------

def plain(line):
    """A request line as the reader sees it: '.BI \\-c " URI"' -> '-c URI'."""
    m = re.match(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+(.*)$", line)
    if m:
        args = shlex.split(m.group(2).replace("\\", "\\\\"))
        line = ("" if m.group(1) in ALTERNATING else " ").join(args)
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace("\\-", "-").replace("\\(->", "->").strip()


def sections(path):
    """{SECTION: [lines]} of a man page."""
    out, cur = {}, None
    for line in open(path).read().splitlines():
        m = re.match(r'^\.SH\s+"?([^"]+)"?$', line)
        if m:
            cur = out.setdefault(m.group(1), [])
        elif cur is not None:
            cur.append(line)
    return out


def tagged(lines):
    """[(head, [body lines])] of the .TP paragraphs."""
    out = []
    for i, line in enumerate(lines):
        if line == ".TP" and i + 1 < len(lines):
            out.append((plain(lines[i + 1]), []))
        elif out and (i == 0 or lines[i - 1] != ".TP"):
            out[-1][1].append(line)
    return out


MAN_LONG = re.compile(r"--([a-z][\w-]*)(?:[ =]([^\s,\[\]]+))?")
MAN_SHORT = re.compile(r"(?<![\w-])-(\w)\b")


def man_option(head):
    """(long, short, metavar) of an option paragraph's head."""
    longs = MAN_LONG.findall(head)
    shorts = MAN_SHORT.findall(head)
    if len(longs) != 1 or len(shorts) > 1:
        return None
    long_, metavar = longs[0]
    return long_, shorts[0] if shorts else None, metavar or None


def options_by_subsection(lines):
    """{subsection: {long: (short, metavar)}} of an OPTIONS section."""
    out, cur = {}, None
    for i, line in enumerate(lines):
        m = re.match(r'^\.SS\s+"?([^"]+)"?$', line)
        if m:
            cur = out.setdefault(m.group(1), {})
        elif line == ".TP" and cur is not None and i + 1 < len(lines):
            opt = man_option(plain(lines[i + 1]))
            if not opt:
                fail("OPTIONS %s: cannot read the option in '%s'" % (m and m.group(1), lines[i + 1]))
                continue
            cur[opt[0]] = (opt[1], opt[2])
    return out


def compare(where, man, helped):
    for name in sorted(set(helped) - set(man)):
        fail("%s: --%s is in --help but not in the man page" % (where, name))
    for name in sorted(set(man) - set(helped)):
        fail("%s: --%s is in the man page but not in --help" % (where, name))
    for name in sorted(set(man) & set(helped)):
        if man[name] != helped[name]:
            fail("%s: --%s: the man page says %s, --help %s"
                 % (where, name, man[name], helped[name]))


# ---- the checks -------------------------------------------------------------

def check_virt_cpreg(virt_cpreg):
    page = sections(os.path.join(SRC, "virt-cpreg.1"))
    verbs = help_verbs(run([virt_cpreg, "--help"]))
    if not verbs:
        fail("virt-cpreg --help lists no verbs")
    entries = {head.split()[0]: (head, body) for head, body in tagged(page.get("VERBS", []))}
    for v in sorted(set(verbs) ^ set(entries)):
        fail("VERBS: %s is %s" % (v, "not in the man page" if v in verbs else "no verb"))
    man = options_by_subsection(page.get("OPTIONS", []))
    for v in sorted(set(verbs) ^ set(man)):
        fail("OPTIONS: %s has %s" % (v, "no subsection" if v in verbs else "a subsection but is no verb"))
    for v in verbs:
        helped = help_options(run([virt_cpreg, v, "--help"]))
        compare("virt-cpreg %s" % v, man.get(v, {}), helped)
        head, body = entries.get(v, ("", []))
        named = {n for n, _ in MAN_LONG.findall(" ".join([head] + [plain(b) for b in body]))}
        for n in sorted(named - set(helped) - {"help"}):
            fail("VERBS %s: names --%s, which %s does not take" % (v, n, v))
    return len(verbs)


def env_read():
    """The VIRT_CPREG_* variables src/ reads."""
    files = glob.glob(os.path.join(SRC, "**", "*.[ch]"), recursive=True)
    text = "\n".join(open(f, errors="replace").read() for f in files)
    defines = dict(re.findall(r'#define\s+(\w+)\s+"(VIRT_CPREG_\w+)"', text))
    out = set()
    for arg in re.findall(r"\bg?_?getenv\s*\(\s*([^)]+?)\s*\)", text):
        name = arg.strip('"') if arg.startswith('"') else defines.get(arg)
        if name and name.startswith("VIRT_CPREG_"):
            out.add(name)
        elif arg.startswith("VIR") and not name:
            fail("src/ reads %s, which is not a known VIRT_CPREG_ #define" % arg)
    return out


def check_environment():
    page = sections(os.path.join(SRC, "virt-cpreg.1"))
    documented = {head for head, _ in tagged(page.get("ENVIRONMENT", []))}
    read = env_read()
    for name in sorted(read - documented):
        fail("ENVIRONMENT: src/ reads %s but the man page does not name it" % name)
    for name in sorted(documented - read):
        fail("ENVIRONMENT: %s is documented but src/ does not read it" % name)
    return len(read)


def check_virt_cpregd(virt_cpregd):
    page = sections(os.path.join(SRC, "virt-cpregd.8"))
    man = options_by_subsection([".SS virt-cpregd"] + page.get("OPTIONS", []))
    helped = help_options(run([virt_cpregd, "--help"]))
    compare("virt-cpregd", man.get("virt-cpregd", {}), helped)
    return len(helped)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check-man.py VIRT_CPREG VIRT_CPREGD")
    verbs = check_virt_cpreg(sys.argv[1])
    env = check_environment()
    daemon = check_virt_cpregd(sys.argv[2])
    print("virt-cpreg(1): %d verbs, %d environment variables; virt-cpregd(8): %d options"
          % (verbs, env, daemon))
    if failures:
        print("%d mismatches" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
