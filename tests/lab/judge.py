#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hold virt-cpreg's verdicts to the lab's real migrations.

    judge.py RUN VIRT_CPREG > verdicts.json

RUN is a lab run directory (results.json, profiles/, streams/, boots/).
For every case "A->B/QEMU/config" (across versions "A->B/QA->QB/config":
the destination's QEMU QB is the one checked, and the domain is the
destination's: the pinned machine type, and the PSCI pin only where that
end's QEMU ran with it):

- offline: virt-cpreg check --source <A's probe profile> --dest <B's probe
  profile> --dest-qemu <the inner QEMU's version> --domain <the guest's
  XML for the config>;
- destination: the same, with the destination side the hook would see:
  B's probe output with its trial of the stream's values (--trial), and
  the stream's own register values as the source;
- stream: the real migration stream the lab saved on A, itself, as the
  source (its vCPU features inferred from its registers), against B's
  probe profile, as offline.

The destination-side verdict agrees with reality when it vetoes exactly
where QEMU failed, every register QEMU names is among its blocking
findings, and every register it blocks on is one QEMU named, the trial
rejected, or the destination does not list (what QEMU fails on, or would
have, had it got that far). The offline verdict agrees unless it allows
what failed; its uncertain cases are listed with their reasons. The
stream verdict must exist (never exit 2), never allow what failed and
never veto what migrated.

Output: a JSON object keyed by case id, for report.sh -v:
{"offline": TEXT, "destination": TEXT, "stream": TEXT, "agree": BOOL,
"why": [TEXT]}.
"""

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

DOMAIN = """<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>lab</name>
  <os><type arch='aarch64' machine='{machine}'>hvm</type></os>
  <cpu mode='host-passthrough'/>
{extra}</domain>
"""

# What a -cpu of the lab says in libvirt's words: the destination's domain
# (across versions, an end whose QEMU lacks kvm-psci-version runs without
# the pin, and so does its domain).
CPU_XML = (
    ("pmu=off", "  <features><pmu state='off'/></features>\n"),
    ("kvm-psci-version=1.1",
     "  <qemu:commandline><qemu:arg value='-global'/>"
     "<qemu:arg value='host-arm-cpu.kvm-psci-version=1.1'/></qemu:commandline>\n"),
)


def domain_xml(cpu, machine):
    return DOMAIN.format(machine=machine or "virt",
                         extra="".join(x for prop, x in CPU_XML if prop in cpu.split(",")))

SYSREG = re.compile(r"op0:(\d+) op1:(\d+) crn:(\d+) crm:(\d+) op2:(\d+)")
FW = re.compile(r"\bfw reg (\d+)")
FW_FEAT = re.compile(r"\bfw feat reg (\d+)")
DEMUX = re.compile(r"\bdemuxed reg ([0-9a-f]+)")
LENGTH = re.compile(r"Invalid value \d+ expecting positive value <= \d+")


def qemu_named(stderr):
    """The registers QEMU's messages name as failures (ids; 0 is the
    length check), leaving out its warnings."""
    ids = set()
    for line in stderr:
        if "warning:" in line:
            continue
        if LENGTH.search(line):
            ids.add(0)
        m = SYSREG.search(line)
        if m:
            op0, op1, crn, crm, op2 = (int(x) for x in m.groups())
            ids.add(0x6030000000130000 | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2)
        m = FW_FEAT.search(line)
        if m:
            ids.add(0x6030000000160000 | int(m.group(1)))
        elif FW.search(line):
            ids.add(0x6030000000140000 | int(FW.search(line).group(1)))
        m = DEMUX.search(line)
        if m:
            ids.add(int(m.group(1), 16))
    return ids


def boot_outputs(run, boot):
    """{(kind, source, source suite, config, machine): path of its stdout}
    of a boot (the suite is None where commands.tsv does not say)."""
    out = {}
    path = os.path.join(run, "boots", boot, "commands.tsv")
    if not os.path.exists(path):
        return out
    for line in open(path):
        f = line.rstrip("\n").split("\t") + [None, None]
        n, kind, src, cfg, suite, machine = f[:6]
        out[(kind, src, suite if suite != "-" else None, cfg,
             machine if machine not in (None, "-") else "virt")] = \
            os.path.join(run, "boots", boot, n + ".out")
    return out


def check(virt_cpreg, src, dst, qemu, domain):
    cmd = [virt_cpreg, "check", "--json", "--source", src, "--dest", dst,
           "--dest-qemu", qemu, "--domain", domain]
    env = dict(os.environ, VIRT_CPREG_POLICY_DIRS="", LC_ALL="C.UTF-8")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    if p.returncode == 2 or not p.stdout.strip():
        return {"verdict": "error", "summary": p.stderr.strip(), "blocking": set(),
                "uncertain": []}
    v = json.loads(p.stdout)
    return {
        "verdict": v["verdict"],
        "summary": v["summary"],
        "blocking": {int(f["id"], 16) for f in v["findings"] if f["blocking"]},
        "uncertain": [f["message"] for f in v["findings"] if f["severity"] == "uncertain"],
    }


def stream_source(run, stream, features, tmp):
    """The stream's values as a profile: the .regs dump the lab wrote, with
    the vCPU features it was saved with."""
    regs = os.path.join(run, stream[:-len(".mig.gz")] + ".regs")
    if not os.path.exists(regs):
        return None
    path = os.path.join(tmp, stream.replace("/", "_")[:-len(".mig.gz")] + ".regs")
    with open(path, "w") as f:
        f.write("# vCPU features: %s\n" % "+".join(features))
        f.write(open(regs).read())
    return path


def stream_file(run, stream, tmp):
    """The migration stream the lab saved, as QEMU wrote it."""
    gz = os.path.join(run, stream)
    if not os.path.exists(gz):
        return None
    path = os.path.join(tmp, stream.replace("/", "_")[:-len(".gz")])
    if not os.path.exists(path):
        with gzip.open(gz) as f, open(path, "wb") as out:
            out.write(f.read())
    return path


def judge_stream(virt_cpreg, stream, dst_prof, version, domain, failed):
    """The verdict with the real stream as the source; what is wrong with it."""
    if not stream:
        return "no stream", ["stream: the lab saved no stream"]
    v = check(virt_cpreg, stream, dst_prof, version, domain)
    if v["verdict"] == "error":
        return label(v), ["stream: " + v["summary"]]
    if failed and v["verdict"] in ("allow", "allow-with-changes"):
        return label(v), ["stream: allowed what failed"]
    if not failed and v["verdict"] == "veto":
        return label(v), ["stream: vetoed what migrated"]
    return label(v), []


def trial_ids(trial_path):
    rejected, unknown = set(), set()
    doc = json.load(open(trial_path))
    for t in doc.get("trial", []):
        if t["result"] == "rejected":
            rejected.add(int(t["id"], 16))
        elif t["result"] == "unknown":
            unknown.add(int(t["id"], 16))
    return rejected, unknown


def label(v):
    if v["verdict"] in ("veto", "uncertain", "error"):
        return "%s: %s" % (v["verdict"], v["summary"])
    return v["verdict"]


def offline_inputs(run, res, case, tmp):
    """What the offline verdict of @case reads: (source probe profile,
    destination probe profile, the destination QEMU's version, the
    destination's domain XML, written into @tmp)."""
    # The destination's QEMU is the one the verdicts are about.
    q = res["qemu"][case.get("destination_qemu", case["qemu"])]
    suite_a = case.get("source_suite", q["suite"])
    suite_b = case.get("destination_suite", q["suite"])
    a, b, cfg = case["source"], case["destination"], case["config"]
    machine = case.get("machine", "virt")
    dst_cfg = case.get("destination_list_config", cfg)
    cpu = case.get("destination_cpu") or res["configs"][cfg]["cpu"]
    domain = os.path.join(tmp, "domain-%s-%s.xml" % (cpu, machine))
    with open(domain, "w") as f:
        f.write(domain_xml(cpu, machine))
    # The probe profiles: the probe's vCPU does not depend on QEMU, and a
    # configuration a source did not profile (psci-1.1 on a kernel that
    # does not pin) has the features of host.
    src_prof = os.path.join(run, "profiles", suite_a, "%s-%s.json" % (a, cfg))
    if not os.path.exists(src_prof):
        src_prof = os.path.join(run, "profiles", suite_a, "%s-host.json" % a)
    dst_prof = os.path.join(run, "profiles", suite_b, "%s-%s.json" % (b, dst_cfg))
    return src_prof, dst_prof, q["version"], domain


def judge_case(run, res, case, virt_cpreg, tmp):
    q = res["qemu"][case.get("destination_qemu", case["qemu"])]
    suite_a = case.get("source_suite", q["suite"])
    a, cfg = case["source"], case["config"]
    machine = case.get("machine", "virt")
    features = res["configs"][cfg]["probe_features"].split(",")
    src_prof, dst_prof, version, domain = offline_inputs(run, res, case, tmp)
    stream_rel = case.get("stream", "streams/%s/%s-%s.mig.gz" % (suite_a, a, cfg))
    why = []
    failed = case["outcome"] != "migrated"

    offline = check(virt_cpreg, src_prof, dst_prof, version, domain)
    if failed and offline["verdict"] in ("allow", "allow-with-changes"):
        why.append("offline: allowed what failed")
    if offline["verdict"] == "error":
        why.append("offline: " + offline["summary"])

    stream, stream_why = judge_stream(virt_cpreg, stream_file(run, stream_rel, tmp),
                                      dst_prof, version, domain, failed)
    why += stream_why

    outputs = boot_outputs(run, case["boot"])
    trial = (outputs.get(("trial-stream", a, suite_a, cfg, machine)) or
             outputs.get(("trial-stream", a, None, cfg, machine)))
    source = stream_source(run, stream_rel, features, tmp)
    if not trial or not source or not os.path.exists(trial):
        return {"offline": label(offline), "destination": "no trial", "stream": stream,
                "agree": False,
                "why": why + ["destination: no trial of the stream on this destination"]}
    dest = check(virt_cpreg, source, trial, version, domain)
    vetoed = dest["verdict"] == "veto"
    if vetoed != failed:
        why.append("destination: %s but QEMU %s" % (dest["verdict"], case["outcome"]))
    named = qemu_named(case["qemu_stderr"])
    missed = named - dest["blocking"]
    if missed:
        why.append("destination: QEMU named %s, not blocking here" %
                   ", ".join("0x%x" % i for i in sorted(missed)))
    rejected, unknown = trial_ids(trial)
    explained = named | rejected | unknown
    extra = dest["blocking"] - explained
    if extra:
        why.append("destination: blocks on %s, which QEMU accepted" %
                   ", ".join("0x%x" % i for i in sorted(extra)))
    agree = not why
    return {"offline": label(offline), "destination": label(dest), "stream": stream,
            "agree": agree, "why": why, "offline_uncertain": offline["uncertain"]}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: judge.py RUN VIRT_CPREG")
    run, virt_cpreg = sys.argv[1], sys.argv[2]
    res = json.load(open(os.path.join(run, "results.json")))
    out = {}
    with tempfile.TemporaryDirectory(prefix="lab-judge-") as tmp:
        for case in res["cases"]:
            out[case["id"]] = judge_case(run, res, case, virt_cpreg, tmp)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
