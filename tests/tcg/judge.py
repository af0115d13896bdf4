#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hold virt-cpreg's verdicts to the real TCG migrations of migrate.py.

    judge.py OUTDIR VIRT_CPREG

Reads OUTDIR/migrations.json. Probes every release x CPU model with
`virt-cpreg probe --via qemu --accel tcg --machine <the guest's machine
type>` (as the hook probes for a guest), after a probe of the same
release and model under plain `-machine virt` in the same private probe
cache (so a cache that ignored the machine type would hand back the
wrong list). Then for every load runs `virt-cpreg check --json
--dest-qemu <the destination's release>` twice: "probe", the source's
probe against the destination's probe; "stream", the source's saved
stream against the destination's probe. Each verdict is held to the
real outcome:

  exit-2          check failed (exit 2 or 4, or no JSON); stream-exit-2
                  when the source was the stream
  false-allow     allow / allow-with-changes where the load failed
  false-veto      veto where the load succeeded
  uncertain       uncertain (exit 3): neither right nor wrong, listed
  missed-registers  a vetoed failure whose blocking findings lack a
                  register behind the failure (what QEMU named, the length
                  check, or what its edited streams showed)
  extra-registers a vetoed failure that blocks on a register QEMU accepted
                  (one whose outcome depends on QEMU's uninitialised heap,
                  migrate.py's heap_dependent, is neither missed nor extra)
  kernel-remedy   a finding's remedy names the kernel (issue 14: none may,
                  under TCG)
  remedy-moot     a blocking finding's remedy asks for the same CPU model on
                  both sides, which every case already has
  model-accel     the verdict's model line does not say "tcg"
  model-release   the destination's release is modelled as another one

and, per release, CPU model and machine type, probe-list: the probe's
register list or values are not those of that release's own stream under
that machine type. (How `-machine virt`, the newest machine type, differs
is reported under "-machine virt", not asserted: no guest of these
migrations runs it.)

Classes in HOLD (the environment variable TCG_HOLD, comma-separated;
default below) are assertions: any disagreement of those classes fails
the test (exit 1). The others are reported only. Writes OUTDIR/matrix.json
and OUTDIR/matrix.md, prints the Markdown.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

# Issue 14's acceptance, all of it held since the engine's TCG rules
# (Build items 1 and 2): every check answers (a stream is a valid source),
# nothing that failed is let in and nothing that loaded is vetoed or left
# uncertain, the registers blocked on are exactly those behind the failure
# (heap-dependent ones may go either way), no remedy names a kernel or
# asks for the CPU model both sides run, the model line says "tcg" and the
# destination's release, and the probe under the guest's machine type
# lists what the guest's stream lists.
DEFAULT_HOLD = ("exit-2", "stream-exit-2", "false-allow", "false-veto", "uncertain",
                "missed-registers", "extra-registers", "kernel-remedy", "remedy-moot",
                "model-accel", "model-release", "probe-list")
ALL_CLASSES = ("exit-2", "stream-exit-2", "false-allow", "false-veto", "uncertain",
               "missed-registers", "extra-registers", "kernel-remedy", "remedy-moot",
               "model-accel",
               "model-release", "probe-list")
CHECK_TIMEOUT = 60
LENGTH_ID = 0
LENGTH = re.compile(r"Invalid value \d+ expecting positive value <= \d+|"
                    r"Failed to load cpu:cpreg_vmstate_array_len")
SYSREG = re.compile(r"op0:(\d+) op1:(\d+) crn:(\d+) crm:(\d+) op2:(\d+)")
KERNEL = re.compile(r"\bkernel\b", re.I)
SAME_MODEL = re.compile(r"same (QEMU )?CPU model", re.I)


class HarnessError(Exception):
    pass


def run(cmd, env, timeout=CHECK_TIMEOUT):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise HarnessError("timed out after %d s: %s" % (timeout, " ".join(cmd)))


def qemu_named(lines):
    """Ids QEMU's messages name as failures (0: the length check)."""
    ids = set()
    for line in lines:
        if "warning:" in line:
            continue
        if LENGTH.search(line):
            ids.add(LENGTH_ID)
        m = SYSREG.search(line)
        if m:
            op0, op1, crn, crm, op2 = (int(x) for x in m.groups())
            ids.add(0x6030000000130000 | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2)
    return ids


def check(vc, env, source, dest, qemu):
    p = run([vc, "check", "--json", "--source", source, "--dest", dest,
             "--dest-qemu", qemu], env)
    if p.returncode == 2 or p.returncode == 4 or not p.stdout.strip():
        return {"verdict": "error", "exit": p.returncode,
                "summary": p.stderr.strip().splitlines()[0] if p.stderr.strip() else "",
                "blocking": set(), "findings": [], "model": {}}
    v = json.loads(p.stdout)
    return {"verdict": v["verdict"], "exit": p.returncode, "summary": v["summary"],
            "blocking": {int(f["id"], 16) for f in v["findings"] if f["blocking"]},
            "findings": v["findings"], "model": v.get("model", {})}


def names(vc, env, ids):
    """{id: name} through virt-cpreg decode (0: the length field)."""
    out = {LENGTH_ID: "cpreg_vmstate_array_len"}
    ids = sorted(i for i in ids if i != LENGTH_ID)
    if ids:
        p = run([vc, "decode", "--json"] + ["0x%016x" % i for i in ids], env)
        if p.returncode == 0:
            for d in json.loads(p.stdout):
                out[int(d["id"], 16)] = d["name"]
    return out


def judge(load, verdict, expected, maybe, src_kind):
    """The disagreements of one verdict: [(class, text)]."""
    bad = []
    failed = load["outcome"] == "failed"
    v = verdict["verdict"]
    if v == "error":
        cls = "stream-exit-2" if src_kind.startswith("stream") else "exit-2"
        return [(cls, "exit %d: %s" % (verdict["exit"], verdict["summary"]))]
    if failed and v in ("allow", "allow-with-changes"):
        bad.append(("false-allow", "%s, but QEMU failed" % v))
    if not failed and v == "veto":
        bad.append(("false-veto", "veto, but QEMU loaded the stream"))
    if v == "uncertain":
        bad.append(("uncertain", verdict["summary"]))
    if failed and v == "veto":
        missed = expected - verdict["blocking"]
        extra = verdict["blocking"] - expected - maybe
        if missed:
            bad.append(("missed-registers", sorted(missed)))
        if extra:
            bad.append(("extra-registers", sorted(extra)))
    # Every case runs the same CPU model on both sides: a remedy asking for
    # that asks for what already holds.
    moot = [f for f in verdict["findings"]
            if f["blocking"] and f.get("remedy") and SAME_MODEL.search(f["remedy"])]
    if moot:
        bad.append(("remedy-moot", "%d findings (%s) ask for the same CPU model, which both "
                    "sides already run, e.g. %s: \"%s\"" % (
                        len(moot), ", ".join(sorted({f["rule"] for f in moot})),
                        moot[0]["name"], moot[0]["remedy"])))
    kernel = [f for f in verdict["findings"] if f.get("remedy") and KERNEL.search(f["remedy"])]
    if kernel:
        rules = sorted({f["rule"] for f in kernel})
        bad.append(("kernel-remedy", "%d findings (%s), e.g. %s: \"%s\"" % (
            len(kernel), ", ".join(rules), kernel[0]["name"], kernel[0]["remedy"])))
    if verdict["model"].get("accel") != "tcg":
        bad.append(("model-accel", "model line: %s" % json.dumps(verdict["model"])))
    if verdict["model"].get("qemu") != verdict["model"].get("qemu_requested"):
        bad.append(("model-release", "QEMU %s modelled as %s: %s" % (
            verdict["model"].get("qemu_requested"), verdict["model"].get("qemu"),
            verdict["model"].get("qemu_note", ""))))
    return bad


def probe_regs(path):
    """{id: value} of a probe profile's registers that carry a value."""
    with open(path) as f:
        return {int(r["id"], 16): int(r["value"], 16)
                for r in json.load(f)["registers"] if "value" in r}


def list_diff(a, b):
    """How two {id: value} lists differ: only in a, only in b, values."""
    return {"only_in_probe": sorted(set(a) - set(b)), "only_in_stream": sorted(set(b) - set(a)),
            "values": sorted(i for i in set(a) & set(b) if a[i] != b[i])}


def probe(vc, env, emulator, model, machine, path):
    args = [vc, "probe", "--via", "qemu", "--accel", "tcg", "--cpu", model,
            "--emulator", emulator, "-o", path]
    if machine:
        args[2:2] = ["--machine", machine]
    p = run(args, env, timeout=120)
    if p.returncode != 0:
        raise HarnessError("probe %s: exit %d: %s" % (" ".join(args[2:]), p.returncode,
                                                       p.stderr.strip()))
    return path


def short(label, n=60):
    return label if len(label) <= n else label[:n - 1] + "…"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: judge.py OUTDIR VIRT_CPREG")
    out, vc = sys.argv[1], sys.argv[2]
    hold = os.environ.get("TCG_HOLD")
    hold = set(ALL_CLASSES) if hold == "all" else \
        set(filter(None, hold.split(","))) if hold is not None else set(DEFAULT_HOLD)
    unknown = hold - set(ALL_CLASSES)
    if unknown:
        sys.exit("judge.py: TCG_HOLD: unknown classes %s" % ", ".join(sorted(unknown)))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import migrate                       # the stream reader, one copy
    with open(os.path.join(out, "migrations.json")) as f:
        mig = json.load(f)
    cache = os.path.join(out, "probe-cache")
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, VIRT_CPREG_POLICY_DIRS="", VIRT_CPREG_CACHE_DIR=cache,
               LC_ALL="C.UTF-8")
    probes_dir = os.path.join(out, "probes")
    os.makedirs(probes_dir, exist_ok=True)
    releases = mig["releases"]
    models = sorted({l["model"] for l in mig["loads"]}, key=migrate.MODELS.index)
    short_of = {r: r for r in releases}
    disagreements, rows, probe_notes, virt_notes = [], [], [], []
    t0 = time.monotonic()
    try:
        probes = {}
        machines = sorted({l["machine"] for l in mig["loads"]})
        for rel, info in releases.items():
            for model in models:
                # -machine virt first: the guest's machine type must not get
                # its list from the cache
                unpinned = probe(vc, env, info["emulator"], model, None,
                                 os.path.join(probes_dir, "%s-%s-virt.json" % (rel, model)))
                for machine in machines:
                    path = probe(vc, env, info["emulator"], model, machine,
                                 os.path.join(probes_dir, "%s-%s-%s.json" % (rel, model, machine)))
                    probes[rel, model, machine] = path
                    s = mig["streams"].get("%s/%s/%s" % (rel, model, machine))
                    if not s:
                        continue
                    own = migrate.stream_regs(s["path"])
                    note = dict(list_diff(probe_regs(path), own), release=rel, model=model,
                                machine=machine)
                    if note["only_in_probe"] or note["only_in_stream"] or note["values"]:
                        probe_notes.append(note)
                        disagreements.append({
                            "case": "probe %s %s %s" % (rel, model, machine), "source": "probe",
                            "class": "probe-list",
                            "detail": "the probe (--machine %s) and the %s stream differ: "
                                      "only in the probe %s; only in the stream %s; "
                                      "values %s" % (machine, machine, *(", ".join(
                                          "0x%016x" % i for i in note[k]) or "none"
                                          for k in ("only_in_probe", "only_in_stream",
                                                    "values")))})
                    virt = dict(list_diff(probe_regs(unpinned), own), release=rel, model=model,
                                machine=machine)
                    if virt["only_in_probe"] or virt["only_in_stream"] or virt["values"]:
                        virt_notes.append(virt)
        all_ids = {i for n in probe_notes + virt_notes
                   for k in ("only_in_probe", "only_in_stream", "values") for i in n[k]}
        for load in mig["loads"]:
            src, dst, model = load["source"], load["destination"], load["model"]
            case = "%s->%s %s %s" % (src, dst, model, load["machine"])
            expected = set()
            att = load.get("attribution")
            if load["outcome"] == "failed":
                expected = qemu_named(load["stderr"])
                expected |= {int(k, 16) for k in att["culprits"]}
            row = {"source": src, "destination": dst, "model": model,
                   "machine": load["machine"], "outcome": load["outcome"],
                   "qemu": [l.split(": ", 1)[-1] for l in load["stderr"]],
                   "expected": sorted(expected),
                   "outside_cpreg": att["outside"] if att else None,
                   "untested": att["untested"] if att else [],
                   "heap_dependent": att["heap_dependent"] if att else [], "verdicts": {}}
            maybe = {int(k, 16) for k in att["heap_dependent"]} if att else set()
            machine = load["machine"]
            for kind, source, dest in (("probe", probes[src, model, machine],
                                        probes[dst, model, machine]),
                                       ("stream", load["stream"], probes[dst, model, machine])):
                v = check(vc, env, source, dest, short_of[dst])
                bad = judge(load, v, expected, maybe, kind)
                all_ids |= v["blocking"] | expected
                row["verdicts"][kind] = {
                    "verdict": v["verdict"], "exit": v["exit"], "summary": v["summary"],
                    "blocking": sorted(v["blocking"]), "model": v["model"],
                    "blocking_findings": [{"name": f["name"], "rule": f["rule"],
                                           "remedy": f["remedy"]}
                                          for f in v["findings"] if f["blocking"]],
                    "disagreements": [c for c, _ in bad]}
                for cls, detail in bad:
                    disagreements.append({"case": case, "source": kind, "class": cls,
                                          "detail": detail})
            rows.append(row)
        nm = names(vc, env, all_ids)
    except (HarnessError, OSError, ValueError, KeyError) as e:
        print("judge.py: harness error: %s" % e, file=sys.stderr)
        return 1
    hexname = lambda m: nm.get(int(m.group(0), 16), m.group(0))
    for d in disagreements:
        if isinstance(d["detail"], list):
            d["detail"] = ", ".join(nm.get(i, "0x%016x" % i) for i in d["detail"])
        elif d["class"] == "probe-list":
            d["detail"] = re.sub(r"0x[0-9a-f]{16}", hexname, d["detail"])
    held = [d for d in disagreements if d["class"] in hold]
    doc = {"releases": releases, "models": models, "rows": rows,
           "left_out": [l for l in os.environ.get("TCG_SKIPPED", "").splitlines() if l],
           "names": {"0x%016x" % k: v for k, v in nm.items()},
           "probe_lists": [dict(n, **{k: [nm.get(i, "0x%016x" % i) for i in n[k]]
                                      for k in ("only_in_probe", "only_in_stream", "values")})
                           for n in probe_notes],
           "machine_virt": [dict(n, **{k: [nm.get(i, "0x%016x" % i) for i in n[k]]
                                       for k in ("only_in_probe", "only_in_stream", "values")})
                            for n in virt_notes],
           "disagreements": disagreements, "hold": sorted(hold),
           "held_failures": len(held), "seconds": round(time.monotonic() - t0, 1)}
    with open(os.path.join(out, "matrix.json"), "w") as f:
        json.dump(doc, f, indent=1)
    md = markdown(doc)
    with open(os.path.join(out, "matrix.md"), "w") as f:
        f.write(md)
    print(md)
    return 1 if held else 0


OUTCOME_CLASSES = ("exit-2", "stream-exit-2", "false-allow", "false-veto", "uncertain")


def verdict_cell(v):
    """The verdict, ✗ when it contradicts the real outcome, ~ when only its
    registers, remedies or model line are wrong."""
    if any(c in OUTCOME_CLASSES for c in v["disagreements"]):
        return v["verdict"] + " ✗"
    return v["verdict"] + (" ~" if v["disagreements"] else "")


def markdown(doc):
    nm = doc["names"]
    name = lambda i: nm.get("0x%016x" % i, "0x%016x" % i)
    lines = ["# TCG migrations between QEMU releases", "",
             "Releases: " + ", ".join("%s (`%s`, %s)" % (r, i["emulator"], i["version"])
                                      for r, i in doc["releases"].items()), ""]
    lines += ["Left out: " + l for l in doc["left_out"]] + ([""] if doc["left_out"] else [])
    lines += ["| source → destination | CPU model | machine | real outcome | verdict (probe) "
              "| verdict (stream) | behind the failure |",
              "|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        behind = ", ".join(name(i) for i in r["expected"])
        if r["outside_cpreg"] and r["outside_cpreg"]["outcome"] == "failed":
            behind += "; outside the cpreg list: %s" % (
                " ".join(r["outside_cpreg"]["subsections_unknown"]) or
                " / ".join(r["outside_cpreg"]["stderr"]))
        if r["heap_dependent"]:
            behind += "; on a perturbed heap also: %s" % ", ".join(
                name(int(k, 16)) for k in r["heap_dependent"])
        lines.append("| %s → %s | %s | %s | %s | %s | %s | %s |" % (
            r["source"], r["destination"], r["model"], r["machine"], r["outcome"],
            verdict_cell(r["verdicts"]["probe"]), verdict_cell(r["verdicts"]["stream"]),
            behind or "—"))
    lines += ["", "✗: the verdict contradicts the real outcome; ~: right outcome, but wrong "
              "registers, a remedy naming the kernel or a wrong model line (below). "
              "Probes run with --machine <the guest's machine type>.", "",
              "## QEMU's messages", ""]
    for r in doc["rows"]:
        if r["outcome"] == "failed":
            lines.append("- %s → %s %s: %s" % (r["source"], r["destination"], r["model"],
                                               " / ".join(r["qemu"])))
    lines += ["", "## -machine virt", "",
              "What a probe under QEMU's newest machine type would have compared instead "
              "(not asserted; the probes above run the guest's):", ""]
    for n in doc["machine_virt"]:
        lines.append("- %s %s, against the %s stream: only in the probe %s; only in the "
                     "stream %s; values %s" % (
                         n["release"], n["model"], n["machine"],
                         *(", ".join(n[k]) or "none"
                           for k in ("only_in_probe", "only_in_stream", "values"))))
    if not doc["machine_virt"]:
        lines.append("- no difference")
    lines += ["", "## Disagreements (%d; asserted classes: %s; %d asserted failures)" % (
        len(doc["disagreements"]), ", ".join(doc["hold"]) or "none", doc["held_failures"]), ""]
    by = {}
    for d in doc["disagreements"]:
        by.setdefault(d["class"], []).append(d)
    for cls in ALL_CLASSES:
        for d in by.get(cls, []):
            lines.append("- **%s**%s %s (%s): %s" % (
                cls, " (asserted)" if cls in doc["hold"] else "", d["case"], d["source"],
                d["detail"]))
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
