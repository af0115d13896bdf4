#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hold `virt-cpreg predict` to the lab's real kernels.

    predict-lab.py RUN CACHE VIRT_CPREG > predictions.json

For every kernel step K -> K' of the lab (6.1 -> 6.12, 6.12 -> 7.2,
7.2 -> 7.3) and every probed configuration of the lab's host (the outer
emulator's `-cpu max`), predict the host on K' from its real probe on K
plus the delta of two emulated probes of the kernels' images, once on
`neoverse-n1` (the features it lacks, SVE and pointer authentication, left
out of its probes: the issue's case, a CPU blind to much of the host's)
and once on `max` (predict's default):

    virt-cpreg predict --host <K's probe> --host-kernel <K's Image>
        --kernel <K''s Image> --cpu CPU --features <host's it offers>
        --emulator <the lab's QEMU>

and compare the prediction with the real probe of K' on the same host:

- every register of either is one entry: exact (listed on both; for a
  configuration register, the value and writable mask equal), uncertain
  (marked so: its uncertain bits cover every difference, or its presence
  is marked uncertain), or wrong (a difference without a mark). Guest
  state registers (counters, timers, general registers) are compared by
  presence only: their values are the moment's, not the kernel's.
  Configuration registers: firmware (KVM_REG_ARM_FW*), the demultiplexed
  CCSIDRs and the ID space (op0 3, op1 0/1/3, CRn 0), and PMCR_EL0.
- every lab case whose source or destination kernel is predicted is
  judged again, offline (judge.py's check), with the prediction in place of
  that kernel's real probe: it agrees when it vetoes what failed or allows
  what migrated; "uncertain" is counted apart; a contradiction is an allow
  of what failed or a veto of what migrated.

Output: {"steps": [...], "cases": {"CPU CASE": ...}, "totals": {CPU: ...}};
exit 1 when a
prediction has a wrong entry without a mark or a verdict contradicts a real
migration, 2 on bad usage.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import judge  # noqa: E402
from labtool import kernel_key  # noqa: E402

# The emulated CPUs of the deltas, with what each offers of pmu, sve and
# pauth: neoverse-n1 lacks much of what the host (max) has, so its delta
# leaves fields uncertain; max is predict's default, and in the lab the
# host itself, so it shows the whole pipeline with no blind spot.
EMULATED_CPUS = (("neoverse-n1", {"pmu"}), ("max", {"pmu", "sve", "pauth"}))
PMCR_EL0 = 0x603000000013dce0


def read_env(cache):
    env = {}
    with open(os.path.join(cache, "lab.env")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v.strip('"')
    return env


def is_config_register(i):
    coproc = (i >> 16) & 0xfff
    if coproc in (0x11, 0x14, 0x16):       # demux, FW, FW_FEAT
        return True
    if coproc != 0x13:
        return False
    enc = i & 0xffff
    op0, op1, crn = enc >> 14, (enc >> 11) & 7, (enc >> 7) & 15
    return (op0 == 3 and crn == 0 and op1 in (0, 1, 3)) or i == PMCR_EL0


def hexval(e, key):
    v = e.get(key)
    return int(v, 16) if isinstance(v, str) else None


def marks(e):
    """(uncertain value bits, writable mask uncertain) of a predicted entry;
    bit 63 of "uncertain" also stands for the bits above 63."""
    return hexval(e, "uncertain") or 0, bool(e.get("writable-uncertain"))


def presence_uncertain(e):
    return bool(e and e.get("presence-uncertain"))


def entries(path):
    with open(path) as f:
        prof = json.load(f)
    return prof, {int(e["id"], 16): e for e in prof["registers"]}


def compare(pred_path, real_path):
    """Counts of exact, uncertain (right or not) and wrong entries, and the
    wrong ones. A register listed on one side only is wrong, unless the
    prediction marks its presence uncertain."""
    _, pred = entries(pred_path)
    _, real = entries(real_path)
    c = {"exact": 0, "uncertain": 0, "uncertain_right": 0, "wrong": 0,
         "presence_uncertain": 0, "predicted": 0, "wrong_ids": []}
    for i in sorted(set(pred) | set(real)):
        p, r = pred.get(i), real.get(i)
        if p and p.get("predicted"):
            c["predicted"] += 1
        if presence_uncertain(p):
            c["uncertain"] += 1
            c["presence_uncertain"] += 1
            c["uncertain_right"] += r is None
            continue
        if p is None or r is None:
            c["wrong"] += 1
            c["wrong_ids"].append("0x%x %s" % (i, "missing" if p is None else "extra"))
            continue
        if not is_config_register(i):
            c["exact"] += 1
            continue
        unc, wunc = marks(p)
        value_diff = (hexval(p, "value") or 0) ^ (hexval(r, "value") or 0)
        pw, rw = hexval(p, "writable"), hexval(r, "writable")
        mask_diff = (pw != rw)
        unmarked = (value_diff & ~unc) or (mask_diff and not wunc)
        if unmarked:
            c["wrong"] += 1
            c["wrong_ids"].append("0x%x %s" % (i, "value" if value_diff & ~unc else "writable mask"))
        elif unc or wunc:
            c["uncertain"] += 1
            c["uncertain_right"] += not (value_diff or mask_diff)
        else:
            c["exact"] += 1
    return c


def predict(virt_cpreg, env, cpu, host, host_image, image, features, out, cache_dir):
    cmd = [virt_cpreg, "predict", "--json", "--host", host,
           "--host-kernel", host_image, "--kernel", image,
           "--cpu", cpu, "--emulator", env["LAB_QEMU"], "-o", out]
    cmd += ["--features", ",".join(sorted(features)) or "base"]
    penv = dict(os.environ, LC_ALL="C.UTF-8", VIRT_CPREG_CACHE_DIR=cache_dir)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=penv, timeout=900)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return json.loads(p.stdout), seconds


def judge_with(virt_cpreg, run, res, case, predicted, tmp):
    """The offline verdict of @case (judge.py's) with predicted profiles in
    place of the real ones of the kernels in @predicted ({(kernel, probe
    config): path}), or None when it involves none of them."""
    profile_cfg = lambda c: "pmu-off" if c == "pmu-off" else "host"  # noqa: E731
    a, b = case["source"], case["destination"]
    src = predicted.get((a, profile_cfg(case["config"])))
    dst = predicted.get((b, profile_cfg(case.get("destination_list_config", case["config"]))))
    if not src and not dst:
        return None
    real_src, real_dst, version, domain = judge.offline_inputs(run, res, case, tmp)
    v = judge.check(virt_cpreg, src or real_src, dst or real_dst, version, domain)
    failed = case["outcome"] != "migrated"
    verdict = v["verdict"]
    if verdict in ("uncertain", "error"):
        agree = verdict
    elif (verdict == "veto") == failed:
        agree = "agree"
    else:
        agree = "contradicts"
    return {"verdict": verdict, "outcome": case["outcome"], "agree": agree,
            "summary": v["summary"], "uncertain": v["uncertain"],
            "predicted": [k for k, p in ((a, src), (b, dst)) if p]}


def main():
    if len(sys.argv) != 4:
        print("usage: predict-lab.py RUN CACHE VIRT_CPREG", file=sys.stderr)
        sys.exit(2)
    run, cache, virt_cpreg = sys.argv[1:]
    env = read_env(cache)
    res = json.load(open(os.path.join(run, "results.json")))
    kernels = sorted(res["kernels"], key=kernel_key)
    image = {k: env["LAB_KERNEL_" + k.replace(".", "_")] for k in kernels}
    emul_cache = os.path.join(cache, "emul")
    os.makedirs(emul_cache, exist_ok=True)
    outdir = os.path.join(run, "predicted")
    os.makedirs(outdir, exist_ok=True)

    steps = []
    cases = {}
    totals = {}
    for cpu, offers in EMULATED_CPUS:
        predicted = {}
        for old, new in zip(kernels, kernels[1:]):
            for cfg in ("host", "pmu-off"):
                suite = next(s for s in ("trixie", "sid", "bookworm")
                             if os.path.exists(os.path.join(run, "profiles", s, "%s-%s.json" % (new, cfg)))
                             and os.path.exists(os.path.join(run, "profiles", s, "%s-%s.json" % (old, cfg))))
                host = os.path.join(run, "profiles", suite, "%s-%s.json" % (old, cfg))
                real = os.path.join(run, "profiles", suite, "%s-%s.json" % (new, cfg))
                feats = set(res["configs"][cfg]["probe_features"].split(",")) & offers
                out = os.path.join(outdir, "%s-from-%s-%s-%s.json" % (new, old, cfg, cpu))
                stats, seconds = predict(virt_cpreg, env, cpu, host, image[old], image[new],
                                         feats, out, emul_cache)
                counts = compare(out, real)
                predicted[(new, cfg)] = out
                steps.append({"cpu": cpu, "from": old, "to": new, "config": cfg,
                              "seconds": round(seconds, 1), "stats": stats, **counts})
        with tempfile.TemporaryDirectory(prefix="lab-predict-") as tmp:
            for case in res["cases"]:
                j = judge_with(virt_cpreg, run, res, case, predicted, tmp)
                if j:
                    cases["%s %s" % (cpu, case["id"])] = dict(j, cpu=cpu)
        mine = [st for st in steps if st["cpu"] == cpu]
        t = {k: sum(st[k] for st in mine)
             for k in ("exact", "uncertain", "uncertain_right", "wrong", "predicted",
                       "presence_uncertain")}
        for k in ("agree", "uncertain", "contradicts", "error"):
            t["verdicts_" + k] = sum(1 for c in cases.values() if c["cpu"] == cpu and c["agree"] == k)
        totals[cpu] = t

    json.dump({"steps": steps, "cases": cases, "totals": totals},
              sys.stdout, indent=1, sort_keys=True)
    bad = any(t["wrong"] or t["verdicts_contradicts"] or t["verdicts_error"]
              for t in totals.values())
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
