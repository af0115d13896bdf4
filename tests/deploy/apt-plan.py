#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# apt-plan.py SRC: the README's first command on a hypervisor host leaves
# the hypervisor stack alone. From apt's own simulation (apt-get -s), on
# made-up hosts that run bookworm's libvirt-daemon-system 9.0 and
# qemu-system-arm 7.2, installing what building needs
# (`.ci/install-deps --list build`) must change no installed libvirt* or
# qemu* package and remove nothing; and .ci/install-deps's own planning
# (`--check build`) must agree.
#
# Nothing on the system is touched: each host is a private dpkg database
# (INSTALL_DEPS_ADMINDIR, apt's Dir::State::status) made of this machine's
# own status (or its minimal, Essential/required core) plus stanzas from
# `apt-cache show NAME=VERSION` for everything `apt-get -s install
# libvirt-daemon-system qemu-system-arm` would install there.
#
# Controls that must be refused, so the checks can fail: a real apt plan
# that upgrades an installed libvirt (a host on 9.0.0-4, before the point
# release); a real apt plan that removes a package (an installed package
# that conflicts with libvirt-dev); and a plan that takes libvirt 11.3 from
# bookworm-backports and removes libvirt-daemon-system (the failure of issue
# 9), fed to both parsers through a stand-in apt-get.
#
# Exit 0 pass, 1 fail, 77 skip (no apt, or apt has no package lists).

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

STACK = ("libvirt*", "qemu*")
HYPERVISOR = ("libvirt-daemon-system", "qemu-system-arm")
WANT = {"libvirt-daemon-system": "9.0.", "qemu-system-arm": "1:7.2"}
# apt-get -s: "Inst NAME [OLD] (NEW SUITE [ARCH])", "Remv NAME [OLD]"
INST = re.compile(r"^Inst (\S+)(?: \[([^\]]*)\])? \((\S+)")
REMV = re.compile(r"^Remv (\S+)")
DROP = ("Filename", "Size", "MD5sum", "SHA256", "Description-md5")

failures = 0


def report(ok, what):
    global failures
    print(("ok     " if ok else "FAILED ") + what)
    if not ok:
        failures += 1


def run(argv, env=None, check=True, cwd=None):
    p = subprocess.run(argv, capture_output=True, text=True, cwd=cwd,
                       env=dict(os.environ, LC_ALL="C", **(env or {})))
    if check and p.returncode != 0:
        sys.exit("apt-plan: %s failed (%d):\n%s%s"
                 % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def stanzas(text):
    return [s.strip("\n") + "\n" for s in re.split(r"\n\s*\n", text)
            if s.strip()]


def field(stanza, name):
    m = re.search(r"^%s: ?(.*)$" % re.escape(name), stanza, re.M)
    return m.group(1).strip() if m else None


def key(stanza):
    return (field(stanza, "Package"), field(stanza, "Architecture"))


def installed_stanzas(path):
    with open(path, encoding="utf-8") as f:
        return [s for s in stanzas(f.read())
                if field(s, "Status") == "install ok installed"]


def core(status):
    """The Essential/required packages of status and what they depend on:
    a consistent minimal host, like a new minbase root."""
    by_name, provided = {}, {}
    for s in status:
        name = field(s, "Package")
        by_name.setdefault(name, []).append(s)
        for p in (field(s, "Provides") or "").split(","):
            if p.strip():
                provided.setdefault(p.split()[0].split(":")[0], name)
    todo = [field(s, "Package") for s in status
            if field(s, "Essential") == "yes"
            or field(s, "Priority") == "required"]
    keep = set()
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        for s in by_name[name]:
            deps = ",".join(filter(None, (field(s, "Pre-Depends"),
                                          field(s, "Depends"))))
            for group in filter(str.strip, deps.split(",")):
                for alt in group.split("|"):
                    n = alt.split()[0].split(":")[0]
                    n = n if n in by_name else provided.get(n)
                    if n:
                        todo.append(n)
                        break
    return [s for s in status if field(s, "Package") in keep]


def plan_lines(plan):
    """(changed stack packages, removed packages, installed names)"""
    changed, removed, new = [], [], []
    for line in plan.splitlines():
        m = INST.match(line)
        if m:
            name = m.group(1).split(":")[0]
            new.append(name)
            if m.group(2) is not None and any(
                    fnmatch.fnmatchcase(name, g) for g in STACK):
                changed.append("%s %s -> %s" % (name, m.group(2), m.group(3)))
        m = REMV.match(line)
        if m:
            removed.append(m.group(1))
    return changed, removed, new


class Host:
    """A private dpkg database: DIR/status, DIR/info, DIR/updates."""

    def __init__(self, top, name, status):
        self.name = name
        self.dir = os.path.join(top, name)
        os.makedirs(os.path.join(self.dir, "info"))
        os.makedirs(os.path.join(self.dir, "updates"))
        self.write(status)

    def write(self, status):
        self.status = list(status)
        with open(os.path.join(self.dir, "status"), "w",
                  encoding="utf-8") as f:
            f.write("\n".join(self.status))

    def apt(self, *args, check=True):
        return run(["apt-get", "-s", "-q", "-o",
                    "Dir::State::status=" + os.path.join(self.dir, "status"),
                    *args], check=check)

    def add_hypervisor(self):
        """Installs, on paper, what apt would for the hypervisor pair."""
        plan = self.apt("-o", "APT::Install-Recommends=true",
                        "install", *HYPERVISOR).stdout
        wanted = []
        for line in plan.splitlines():
            m = INST.match(line)
            if m:
                wanted.append("%s=%s" % (m.group(1), m.group(3)))
        if wanted:
            shown = stanzas(run(["apt-cache", "show", *wanted]).stdout)
            new = {}
            for s in shown:
                s = "".join(l for l in s.splitlines(True)
                            if l.split(":")[0] not in DROP)
                s = re.sub(r"^(Package: .*\n)", r"\1Status: install ok installed\n",
                           s, count=1, flags=re.M)
                new.setdefault(key(s), s)
            self.write([s for s in self.status if key(s) not in new]
                       + list(new.values()))
        return len(wanted)

    def version(self, name):
        out = run(["dpkg-query", "--admindir=" + self.dir, "-W",
                   "-f=${Version}", name], check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    def install_deps(self, src, env=None):
        return run(["bash", os.path.join(src, ".ci", "install-deps"),
                    "--check", "build"],
                   env=dict(env or {}, INSTALL_DEPS_ADMINDIR=self.dir),
                   check=False, cwd=src)  # where the README runs it


def must_refuse(host, src, build, why, env=None):
    plan = host.apt("install", "--no-install-recommends", *build,
                    check=False).stdout if env is None else env["PLAN"]
    changed, removed, _ = plan_lines(plan)
    report(bool(changed or removed),
           "%s: the plan is refused by this test (%s)"
           % (why, "; ".join(changed + ["remove " + r for r in removed])
              or "nothing found"))
    env_vars = None if env is None else {"PATH": env["PATH"]}
    out = host.install_deps(src, env_vars)
    report(out.returncode == 1 and "refusing" in out.stderr,
           "%s: install-deps --check build refuses it (exit %d: %s)"
           % (why, out.returncode,
              " ".join(out.stderr.split())[:200]))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: apt-plan.py SRC")
    src = sys.argv[1]
    for tool in ("apt-get", "apt-cache", "dpkg-query"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return 77
    if run(["apt-cache", "show", *HYPERVISOR], check=False).returncode != 0:
        print("SKIP: apt has no package lists that know %s (apt-get update)"
              % " and ".join(HYPERVISOR))
        return 77
    build = run(["bash", os.path.join(src, ".ci", "install-deps"),
                 "--list", "build"]).stdout.split()
    real = installed_stanzas("/var/lib/dpkg/status")

    with tempfile.TemporaryDirectory(prefix="cpreg-apt-plan.") as top:
        hosts = [Host(top, "this-machine", real),
                 Host(top, "minimal", core(real))]
        for host in hosts:
            n = host.add_hypervisor()
            got = {p: host.version(p) for p in HYPERVISOR}
            report(all((got[p] or "").startswith(WANT[p]) for p in HYPERVISOR)
                   and host.apt("check", check=False).returncode == 0,
                   "%s: a hypervisor host (%d packages added): %s"
                   % (host.name, n, ", ".join("%s %s" % kv
                                              for kv in got.items())))
            plan = host.apt("install", "--no-install-recommends",
                            *build).stdout
            changed, removed, new = plan_lines(plan)
            report(not changed, "%s: the build set changes no installed "
                   "libvirt*/qemu* package%s" % (host.name, "".join(
                       "; " + c for c in changed)))
            report(not removed, "%s: the build set removes nothing%s"
                   % (host.name, "".join("; " + r for r in removed)))
            print("       %s: apt would install %d packages: %s"
                  % (host.name, len(new), " ".join(new)))
            out = host.install_deps(src)
            report(out.returncode == 0, "%s: install-deps --check build "
                   "lets it go ahead (exit %d: %s)"
                   % (host.name, out.returncode,
                      " ".join((out.stdout + out.stderr).split())[:200]))
        minimal = hosts[1]
        report("libvirt-dev" in plan_lines(minimal.apt(
            "install", "--no-install-recommends", *build).stdout)[2],
            "minimal: the plan is not empty (it installs libvirt-dev)")

        # A host on libvirt 9.0.0-4: libvirt-dev (= 9.0.0-4+deb12u2) drags
        # the whole installed libvirt to the point release.
        libvirt = [s for s in minimal.status
                   if field(s, "Source") in ("libvirt",)
                   or field(s, "Package") == "libvirt0"]
        old = Host(top, "old-libvirt", [
            s.replace("9.0.0-4+deb12u2", "9.0.0-4") if s in libvirt else s
            for s in minimal.status])
        report(old.version("libvirt0") == "9.0.0-4",
               "old-libvirt: libvirt0 9.0.0-4 installed")
        must_refuse(old, src, build, "old-libvirt")

        # An installed package that conflicts with libvirt-dev.
        conflict = ("Package: cpreg-test-conflict\n"
                    "Status: install ok installed\nPriority: optional\n"
                    "Architecture: all\nVersion: 1.0\n"
                    "Maintainer: libvirt-cpreg tests <root@localhost>\n"
                    "Conflicts: libvirt-dev\n"
                    "Description: stands in the way of libvirt-dev\n")
        must_refuse(Host(top, "conflict", minimal.status + [conflict]),
                    src, build, "conflict")

        # The plan of issue 9: libvirt 11.3 from bookworm-backports over the
        # installed 9.0, libvirt-daemon-system removed.
        fake = os.path.join(top, "bin")
        os.mkdir(fake)
        backports = (
            "Inst libvirt0 [9.0.0-4+deb12u2] (11.3.0-3~bpo12+1 "
            "Debian Backports:bookworm-backports [amd64])\n"
            "Remv libvirt-daemon-system [9.0.0-4+deb12u2]\n"
            "Inst libvirt-dev (11.3.0-3~bpo12+1 "
            "Debian Backports:bookworm-backports [amd64])\n")
        with open(os.path.join(fake, "apt-get"), "w") as f:
            f.write("#!/bin/sh\ncat <<'EOF'\n%sEOF\n" % backports)
        os.chmod(os.path.join(fake, "apt-get"), 0o755)
        must_refuse(minimal, src, build, "backports", env={
            "PLAN": backports, "PATH": fake + ":" + os.environ["PATH"]})

    print("apt-plan: %s" % ("all checks passed" if not failures
                            else "%d checks failed" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
