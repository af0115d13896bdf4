#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hold virt-cpreg's verdicts to the real TCG migrations of migrate.py.

    judge.py OUTDIR VIRT_CPREG

Reads OUTDIR/migrations.json. Probes every release x CPU model with
`virt-cpreg probe --via qemu --accel tcg` (a private probe cache), then
for every load runs `virt-cpreg check --json --dest-qemu <the
destination's release>` three times: "probe", the source's probe against
the destination's probe; "stream", the source's saved stream against the
destination's probe; "stream-pinned", the same stream against the
destination's probe with the registers of the destination release's own
stream of that CPU model under the pinned machine type (what the probe
would say were it run with the guest's machine type, not `-machine virt`). Each
verdict is held to the real outcome:

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

and, per release and CPU model, probe-list: the probe's register list
(QEMU's newest machine type, `-machine virt`) is not the list of that
release's stream under the pinned machine type.

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

# What holds today and issue 14's acceptance requires, so that a change of
# the engine cannot lose it: every check answers (a stream is a valid
# source), nothing that failed is let in, no register QEMU accepted is
# blocked on, the model line says "tcg". The engine's rewrite is to make
# the rest hold too (TCG_HOLD=all).
DEFAULT_HOLD = ("exit-2", "stream-exit-2", "false-allow", "extra-registers", "model-accel")
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


def pinned_probe(probe, own_stream, machine, migrate):
    """The destination's probe with the registers of its own stream under
    the pinned machine type: what the probe would say with `-machine
    MACHINE` (the probe itself always runs `-machine virt`)."""
    path = "%s-%s.json" % (probe[:-len(".json")], machine)
    if not os.path.exists(path):
        with open(probe) as f:
            doc = json.load(f)
        regs = migrate.stream_regs(own_stream)
        doc["identity"]["machine-type"] = machine
        doc["registers"] = [{"id": "0x%016x" % i, "value": "0x%x" % regs[i]}
                            for i in sorted(regs)]
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)
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
    disagreements, rows, probe_notes = [], [], []
    t0 = time.monotonic()
    try:
        probes = {}
        for rel, info in releases.items():
            for model in models:
                path = os.path.join(probes_dir, "%s-%s.json" % (rel, model))
                p = run([vc, "probe", "--via", "qemu", "--accel", "tcg", "--cpu", model,
                         "--emulator", info["emulator"], "-o", path], env, timeout=120)
                if p.returncode != 0:
                    raise HarnessError("probe %s %s: exit %d: %s" %
                                       (rel, model, p.returncode, p.stderr.strip()))
                probes[rel, model] = path
                # The probe's list against the release's own stream (pinned machine).
                for key, s in mig["streams"].items():
                    r, m, machine = key.split("/")
                    if r == rel and m == model:
                        a, b = probe_regs(path), migrate.stream_regs(s["path"])
                        note = {"release": rel, "model": model, "machine": machine,
                                "only_in_probe": sorted(set(a) - set(b)),
                                "only_in_stream": sorted(set(b) - set(a)),
                                "values": sorted(i for i in set(a) & set(b) if a[i] != b[i])}
                        if note["only_in_probe"] or note["only_in_stream"] or note["values"]:
                            probe_notes.append(note)
                            disagreements.append({
                                "case": "probe %s %s" % (rel, model), "source": "probe",
                                "class": "probe-list",
                                "detail": "the probe (-machine virt) and the %s stream differ: "
                                          "only in the probe %s; only in the stream %s; "
                                          "values %s" % (machine, *(", ".join(
                                              "0x%016x" % i for i in note[k]) or "none"
                                              for k in ("only_in_probe", "only_in_stream",
                                                        "values")))})
        all_ids = {i for n in probe_notes
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
            pinned = pinned_probe(probes[dst, model], mig["streams"][
                "%s/%s/%s" % (dst, model, load["machine"])]["path"], load["machine"], migrate)
            for kind, source, dest in (("probe", probes[src, model], probes[dst, model]),
                                       ("stream", load["stream"], probes[dst, model]),
                                       ("stream-pinned", load["stream"], pinned)):
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
              "| verdict (stream) | verdict (stream, pinned dest) | behind the failure |",
              "|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        behind = ", ".join(name(i) for i in r["expected"])
        if r["outside_cpreg"] and r["outside_cpreg"]["outcome"] == "failed":
            behind += "; outside the cpreg list: %s" % (
                " ".join(r["outside_cpreg"]["subsections_unknown"]) or
                " / ".join(r["outside_cpreg"]["stderr"]))
        if r["heap_dependent"]:
            behind += "; on a perturbed heap also: %s" % ", ".join(
                name(int(k, 16)) for k in r["heap_dependent"])
        lines.append("| %s → %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["source"], r["destination"], r["model"], r["machine"], r["outcome"],
            verdict_cell(r["verdicts"]["probe"]), verdict_cell(r["verdicts"]["stream"]),
            verdict_cell(r["verdicts"]["stream-pinned"]),
            behind or "—"))
    lines += ["", "✗: the verdict contradicts the real outcome; ~: right outcome, but wrong "
              "registers, a remedy naming the kernel or a wrong model line (below).", "",
              "## QEMU's messages", ""]
    for r in doc["rows"]:
        if r["outcome"] == "failed":
            lines.append("- %s → %s %s: %s" % (r["source"], r["destination"], r["model"],
                                               " / ".join(r["qemu"])))
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
