#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""virt-cpreg plan on the lab's fleet, held to the lab's real migrations.

    test-plan.py VIRT_CPREG

The fleet (fleet.py): bookworm 6.1 + QEMU 7.2, trixie 6.12 + 10.0, sid
7.2 + 11.1, backports 7.3 + 10.0, one stamped guest each; trixie is
upgraded to 7.3 (its predicted profile: the real 7.3 probe). Every
expectation below is an outcome of tests/lab/REPORT.md (host, -cpu host):
  6.12 -> 7.3, QEMU 10.0: failed, cpreg_vmstate_array_len (length check)
  7.3 -> 6.12, QEMU 10.0: failed, ID_AA64MMFR2_EL1, PMMIR_EL1, PSCI
  7.2 -> 6.12, QEMU 10.0: failed, ID_AA64MMFR2_EL1, PSCI
  6.12 -> 7.2, QEMU 11.1: migrated      7.3 -> 7.2, QEMU 11.1: failed, PMMIR_EL1
  7.3 -> 7.3: migrated
so after the upgrade trixie -> sid breaks, and trixie's guest, restarted
on 7.3, cannot come back to bookworm, sid or trixie rolled back to 6.12.
Then the same fleet with sid on QEMU 10.0 upgraded instead: trixie's
guest (6.12) needs QEMU 11.1 on the 7.3 hosts (the length check's fix).
Last, hostile fleet directories: exit 2 with a clear message.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def plan(virt_cpreg, env, *args):
    p = subprocess.run([virt_cpreg, "plan"] + list(args), capture_output=True,
                       text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def pair(doc, phase, src, dst):
    return next(p for p in doc["pairs"]
                if p["phase"] == phase and p["source"] == src and p["destination"] == dst)


def regs(p):
    return p.get("refusal", {}).get("registers", "")


def lab_fleet(virt_cpreg, env, tmp):
    d = fleet.build(virt_cpreg, os.path.join(tmp, "lab"), env=env)
    rc, out, err = plan(virt_cpreg, env, "--json", "--fleet", d, "--upgrade", "trixie")
    check(rc == 1, "lab fleet: exit %d (%s), expected 1" % (rc, err.strip()))
    doc = json.loads(out)
    check(doc["status"] == "breaks", "status %s" % doc["status"])
    check(doc["phases"] == 2, "phases %d" % doc["phases"])
    check(len(doc["pairs"]) == 2 * 4 * 3, "%d pairs" % len(doc["pairs"]))
    p = pair(doc, 0, "trixie", "backports")
    check(p["verdict"] == "veto" and "cpreg_vmstate_array_len" in regs(p),
          "now trixie -> backports (6.12 -> 7.3, QEMU 10.0): %s %s" % (p["verdict"], regs(p)))
    p = pair(doc, 0, "backports", "trixie")
    check(p["verdict"] == "veto" and all(r in regs(p) for r in
                                        ("ID_AA64MMFR2_EL1", "PMMIR_EL1", "PSCI_VERSION")),
          "now backports -> trixie (7.3 -> 6.12): %s %s" % (p["verdict"], regs(p)))
    p = pair(doc, 0, "sid", "trixie")
    check(p["verdict"] == "veto" and "ID_AA64MMFR2_EL1" in regs(p) and "PSCI_VERSION" in regs(p),
          "now sid -> trixie (7.2 -> 6.12): %s %s" % (p["verdict"], regs(p)))
    check(pair(doc, 0, "trixie", "sid")["verdict"] in ("allow", "allow-with-changes"),
          "now trixie -> sid (6.12 -> 7.2, QEMU 11.1)")
    for src, dst in (("trixie", "backports"), ("backports", "trixie")):
        check(pair(doc, 1, src, dst)["verdict"] == "allow", "end %s -> %s (7.3 -> 7.3)" % (src, dst))
    breaks = {(b["source"], b["destination"]): b for b in doc["breaks"]}
    check(set(breaks) == {("trixie", "sid")}, "breaks: %s" % sorted(breaks))
    b = breaks.get(("trixie", "sid"))
    check(b and b["phase"] == 1 and regs(b) == "PMMIR_EL1",
          "trixie -> sid breaks in phase 1 on PMMIR_EL1 (7.3 -> 7.2, QEMU 11.1): %s" % b)
    strands = {(s["guest"], s["kind"]): s for s in doc["stranded"]}
    s = strands.get(("vm-trixie", "no-return"))
    check(s is not None, "vm-trixie cannot come back: %s" % sorted(strands))
    if s:
        by = {r["host"]: r for r in s["refused_by"]}
        check(sorted(by) == ["bookworm", "sid", "trixie"], "vm-trixie refused by %s" % sorted(by))
        check(by["trixie"]["rollback"] and all(r in by["trixie"]["registers"] for r in
                                              ("ID_AA64MMFR2_EL1", "PMMIR_EL1", "PSCI_VERSION")),
              "vm-trixie back on 6.12: %s" % by.get("trixie"))
        check(by["sid"]["registers"] == "PMMIR_EL1", "vm-trixie to sid: %s" % by.get("sid"))
    check(("vm-trixie", "no-evacuation") not in strands, "vm-trixie can leave now")
    # emptying trixie before its upgrade: sid takes vm-trixie (6.12 -> 7.2,
    # QEMU 11.1), backports does not (the length check, fixed by QEMU 11.1)
    steps = doc["steps"]
    check(len(steps) == 1 and steps[0]["guest"] == "vm-trixie" and steps[0]["phase"] == 0,
          "one step, emptying trixie: %s" % [(x["guest"], x["phase"]) for x in steps])
    if steps:
        check(steps[0]["accepted_by"] == ["sid"], "vm-trixie goes to %s" % steps[0]["accepted_by"])
        by = {r["host"]: r for r in steps[0]["refused_by"]}
        b = by.get("backports", {})
        check(b.get("registers", "").startswith("cpreg_vmstate_array_len") and
              b["remedy"] == {"pin": None, "qemu": "11.1", "fixed": True},
              "vm-trixie -> backports (6.12 -> 7.3, QEMU 10.0): %s" % b)
    # 7.3 -> 7.2 (11.1), 6.12 (10.0), 6.1 (7.2) all fail in the lab
    check(("vm-backports", "no-evacuation") in strands, "vm-backports has nowhere to go now")
    check([p["pin"] for p in doc["pins"]] == ["kvm-psci-version=1.1"], "pins: %s" % doc["pins"])
    check(doc["qemu"] == [], "no QEMU fixes the lab fleet: %s" % doc["qemu"])
    # the text: verdict first, then the sections
    rc2, text, _ = plan(virt_cpreg, env, "--fleet", d, "--upgrade", "trixie")
    lines = text.splitlines()
    check(rc2 == rc and lines[0].startswith("Upgrading trixie to 7.3"), "text: %s" % lines[:1])
    for head in ("Directions that break", "Emptying each host", "Stranded guests:",
                 "Pins to set now"):
        check(any(line.startswith(head) for line in lines), "text has '%s'" % head)
    print(text)
    return d


def qemu_fleet(virt_cpreg, env, tmp):
    hosts = [(n, k, "10.0" if n == "sid" else q) for n, k, q in fleet.HOSTS]
    d = fleet.build(virt_cpreg, os.path.join(tmp, "qemu"), hosts=hosts,
                    predicted=(("sid", "7.3"),), env=env)
    rc, out, err = plan(virt_cpreg, env, "--json", "--fleet", d, "--upgrade", "sid")
    doc = json.loads(out)
    check(rc == 1, "sid on QEMU 10.0: exit %d (%s)" % (rc, err.strip()))
    need = {q["host"]: q for q in doc["qemu"]}
    for host in ("sid", "backports"):
        q = need.get(host)
        check(q and q["needed"] == "11.1" and "guest vm-trixie on trixie" in q["for"],
              "%s needs QEMU 11.1 for vm-trixie (6.12 -> 7.3 length check): %s" % (host, q))


def hostile(virt_cpreg, env, tmp, good):
    cases = []
    d = os.path.join(tmp, "h1")
    subprocess.run(["cp", "-r", good, d], check=True)
    os.symlink("/etc/passwd", os.path.join(d, "hosts", "evil.regs"))
    cases.append(("a symlink in hosts/", ["--fleet", d, "--upgrade", "trixie"], "symbolic link"))
    d = os.path.join(tmp, "h2")
    subprocess.run(["cp", "-r", good, d], check=True)
    open(os.path.join(d, "fleet.conf"), "a").write("kernel-profile=../../etc/passwd\n")
    cases.append(("'..' in fleet.conf", ["--fleet", d, "--upgrade", "trixie"], "leaves the fleet"))
    d = os.path.join(tmp, "h3")
    subprocess.run(["cp", "-r", good, d], check=True)
    open(os.path.join(d, "fleet.conf"), "w").write("[trixie]\nqemu=10.0\n")
    cases.append(("no QEMU version", ["--fleet", d, "--upgrade", "trixie"], "no QEMU version for host"))
    d = os.path.join(tmp, "h5")
    subprocess.run(["cp", "-r", good, d], check=True)
    os.rename(os.path.join(d, "guests", "sid"), os.path.join(d, "guests", "sdi"))
    cases.append(("a typo in guests/", ["--fleet", d, "--upgrade", "trixie"], "guests/sdi"))
    d = os.path.join(tmp, "h6")
    subprocess.run(["cp", "-r", good, d], check=True)
    open(os.path.join(d, "guests", "sid", "vm-sid.xml"), "w").write(
        "<domain type='kvm'><name>x</name></domain>")
    cases.append(("an unstamped guest", ["--fleet", d, "--upgrade", "trixie"], "stamp it"))
    d = os.path.join(tmp, "h7")
    subprocess.run(["cp", "-r", good, d], check=True)
    os.rename(os.path.join(d, "predicted"), os.path.join(tmp, "elsewhere"))
    os.symlink(os.path.join(tmp, "elsewhere"), os.path.join(d, "predicted"))
    cases.append(("predicted/ a symlink out", ["--fleet", d, "--upgrade", "trixie"], "symbolic link"))
    cases.append(("unknown host", ["--fleet", good, "--upgrade", "nosuch"], "not a host"))
    d = os.path.join(tmp, "h4")
    subprocess.run(["cp", "-r", good, d], check=True)
    os.unlink(os.path.join(d, "predicted", "trixie.regs"))
    cases.append(("no predicted profile", ["--fleet", d, "--upgrade", "trixie"], "predicted"))
    # no image to boot (and, until probe --kernel is merged, no emulator):
    # a refusal, never a guess
    cases.append(("no kernel image", ["--fleet", d, "--upgrade", "trixie", "--kernel",
                                      os.path.join(tmp, "nonexistent")], "virt-cpreg"))
    cases.append(("no --fleet", ["--upgrade", "trixie"], "--fleet"))
    for what, args, words in cases:
        rc, out, err = plan(virt_cpreg, env, *args)
        check(rc == 2 and words in err and not out,
              "%s: exit %d, stderr %r" % (what, rc, err.strip()))


def main():
    virt_cpreg = sys.argv[1]
    env = dict(os.environ, LC_ALL="C.UTF-8", VIRT_CPREG_POLICY_DIRS="")
    with tempfile.TemporaryDirectory() as tmp:
        good = lab_fleet(virt_cpreg, env, tmp)
        qemu_fleet(virt_cpreg, env, tmp)
        hostile(virt_cpreg, env, tmp, good)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
