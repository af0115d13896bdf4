#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The host side of the migration lab (tests/lab/migrate-matrix.sh).

  labtool.py stream-regs STREAM          the cpreg list of a QEMU migration
                                         stream (gzip'd or not) as
                                         "0x<id> 0x<value>" lines
  labtool.py profile-regs PROFILE        the same from a probe profile (JSON)
  labtool.py collect CACHE RUNDIR        results.json of a run, on stdout
  labtool.py fixture PROFILE VERSION CPU a probe profile as a fixture
                                         (tests/fixtures/lab/*.regs):
                                         VERSION is the kernel's
                                         /proc/version, CPU the host CPU
  labtool.py report RESULTS [VERDICTS]   REPORT.md of a results.json, on
                                         stdout; VERDICTS (optional) is a
                                         JSON object {case id: {"offline":
                                         V, "destination": V, "stream":
                                         V}} that
                                         overrides the cases' "verdicts"

Register names come from `virt-cpreg decode --json` when the environment
variable VIRT_CPREG names that program; ids are printed bare otherwise.
Standard library only.
"""

import datetime
import gzip
import json
import os
import re
import struct
import subprocess
import sys

RESULTS_FORMAT = 2

# ---------------------------------------------------------------------------
# Streams (FACTS.md §4): big-endian; the "cpu" section holds the int32
# cpreg_vmstate_array_len, then N be64 indexes, then N be64 values.


def read_stream(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def cpreg_arrays(data):
    """(offset of cpreg_vmstate_array_len, N) of the first "cpu" section of
    a QEMU migration stream, or None."""
    if data[:4] != b"QEVM":
        return None
    # A FULL (0x04) section header: be32 id, u8 3, "cpu", be32 instance,
    # be32 version.
    start = data.find(b"\x03cpu")
    while start >= 0 and data[start - 5] != 0x04:
        start = data.find(b"\x03cpu", start + 1)
    if start < 0:
        return None
    # The arrays: the first position where a plausible length is followed by
    # that many ascending KVM ids (arch KVM_REG_ARM64 or KVM_REG_ARM).
    for pos in range(start + 12, len(data) - 8):
        (n,) = struct.unpack_from(">i", data, pos)
        if not 16 <= n <= 8192 or data[pos + 4] not in (0x60, 0x40):
            continue
        end = pos + 4 + 16 * n
        if end > len(data):
            continue
        ids = struct.unpack_from(">%dQ" % n, data, pos + 4)
        if all(i >> 56 in (0x60, 0x40) for i in ids) and list(ids) == sorted(set(ids)):
            return pos, n
    return None


def stream_cpregs(data):
    """[(id, value)] of the first "cpu" section, or None."""
    found = cpreg_arrays(data)
    if found is None:
        return None
    pos, n = found
    ids = struct.unpack_from(">%dQ" % n, data, pos + 4)
    values = struct.unpack_from(">%dQ" % n, data, pos + 4 + 8 * n)
    return list(zip(ids, values))


def cmd_stream_regs(path):
    regs = stream_cpregs(read_stream(path))
    if regs is None:
        sys.exit("labtool.py: %s: no cpu section with a cpreg list" % path)
    for i, v in regs:
        print("0x%016x 0x%x" % (i, v))


def profile_registers(path):
    with open(path) as f:
        prof = json.load(f)
    return [(int(r["id"], 16), int(r["value"], 16))
            for r in prof.get("registers", []) if "value" in r]


def cmd_profile_regs(path):
    for i, v in profile_registers(path):
        print("0x%016x 0x%x" % (i, v))


# ---------------------------------------------------------------------------
# Register names


class Names:
    def __init__(self):
        self.prog = os.environ.get("VIRT_CPREG")
        self.cache = {}

    def load(self, ids):
        todo = sorted({i for i in ids if i not in self.cache})
        if not self.prog or not todo:
            return
        for k in range(0, len(todo), 200):
            chunk = todo[k:k + 200]
            try:
                out = subprocess.run([self.prog, "decode", "--json"] +
                                     ["0x%016x" % i for i in chunk],
                                     capture_output=True, text=True, check=False).stdout
                for entry in json.loads(out):
                    self.cache[int(entry["id"], 16)] = entry.get("name") or ""
            except (OSError, ValueError, KeyError):
                return

    def __call__(self, i):
        name = self.cache.get(i, "")
        return "0x%016x%s" % (i, " " + name if name else "")


# ---------------------------------------------------------------------------
# collect


def read_text(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def qemu_label(debian_version):
    """1:10.0.13+ds-0+deb13u1 -> ("10.0", "10.0.13")."""
    upstream = re.sub(r"^\d+:", "", debian_version)
    upstream = re.split(r"[+~-]", upstream)[0]
    parts = upstream.split(".")
    return ".".join(parts[:2]), upstream


def parse_transcript(text):
    """The facts of a guest.sh transcript."""
    t = {"qmp_exit": None, "qemu_exit": None, "statuses": [], "replies": [],
         "events": [], "notes": []}
    last_cmd = None
    for line in text.splitlines():
        m = re.match(r"@(qmp|qemu)-exit (\d+)$", line)
        if m:
            t[m.group(1) + "_exit"] = int(m.group(2))
        elif line.startswith("-> "):
            last_cmd = line[3:]
        elif line.startswith("<- "):
            try:
                msg = json.loads(line[3:])
            except ValueError:
                continue
            if "event" in msg:
                t["events"].append(msg["event"])
            elif "return" in msg or "error" in msg:
                try:
                    cmd = json.loads(last_cmd)["execute"] if last_cmd else None
                except ValueError:
                    cmd = None
                t["replies"].append((cmd, msg))
                if cmd == "query-status" and "return" in msg:
                    t["statuses"].append(msg["return"].get("status"))
        elif line.startswith("qmp-lite: "):
            t["notes"].append(line)
    return t


def load_outcome(t):
    """migrated, or failed with the phase where it failed."""
    if (t["qmp_exit"] == 0 and t["qemu_exit"] == 0 and t["statuses"]
            and t["statuses"][-1] == "running"):
        return "migrated", None
    if any("exited before it listened" in n for n in t["notes"]):
        return "failed", "start"
    for cmd, msg in t["replies"]:
        if "error" in msg:
            return "failed", cmd
    if not t["statuses"]:
        return "failed", "load"
    if t["qemu_exit"] == 143 or any("no reply" in n for n in t["notes"]):
        return "failed", "timeout"
    return "failed", "cont"


def parse_trial(text):
    try:
        prof = json.loads(text)
    except ValueError:
        return None
    res = {"accepted": 0, "rejected": [], "unknown": []}
    for r in prof.get("trial", []):
        if r["result"] == "accepted":
            res["accepted"] += 1
        elif r["result"] == "rejected":
            res["rejected"].append({"id": r["id"], "value": r["value"],
                                    "errno": r.get("errno"),
                                    "readback": r.get("readback")})
        else:
            res["unknown"].append(r["id"])
    return res


def read_boot(run, boot_id):
    d = os.path.join(run, "boots", boot_id)
    cmds = []
    for line in read_text(os.path.join(d, "commands.tsv")).splitlines():
        # N, kind, source kernel, config[, source suite, machine, -cpu]
        f = line.split("\t") + [None] * 3
        n, kind, src, cfg, suite, machine, cpu = f[:7]
        rc = read_text(os.path.join(d, n + ".rc")).strip()
        cmds.append({"n": int(n), "kind": kind, "source": src, "config": cfg,
                     "suite": suite if suite not in (None, "-") else None,
                     "machine": machine if machine not in (None, "-") else "virt",
                     "cpu": cpu if cpu not in (None, "-") else None,
                     "rc": int(rc) if rc else None,
                     "out": os.path.join(d, n + ".out"),
                     "stderr": read_text(os.path.join(d, n + ".err")).splitlines()})
    console = read_text(os.path.join(d, "console.log"))
    # Guest uptime at boot and at the end of each command: per-command time.
    stamps = {0: None}
    for mm in re.finditer(r"^@@LAB-(?:BOOTED \S+|END (\d+) \d+) ([0-9.]+)@@$", console, re.M):
        stamps[int(mm.group(1) or 0)] = float(mm.group(2))
    for c in cmds:
        prev, end = stamps.get(c["n"] - 1), stamps.get(c["n"])
        c["seconds"] = round(end - prev, 2) if prev is not None and end is not None else None
    m = re.search(r"^@@LAB-BOOTED (\S+) ", console, re.M)
    seconds = read_text(os.path.join(d, "seconds")).strip()
    return {"id": boot_id, "seconds": float(seconds) if seconds else None,
            "release": m.group(1) if m else None,
            "complete": "@@LAB-DONE@@" in console, "commands": cmds}


def boot_ids(run, role):
    """(id, kernel, suite) of the run's boots of ROLE (src, dst), in the
    order of the suites, then the kernels."""
    out = []
    d = os.path.join(run, "boots")
    for name in os.listdir(d) if os.path.isdir(d) else []:
        parts = name.split("-", 2)
        if len(parts) == 3 and parts[0] == role:
            out.append((name, parts[1], parts[2]))
    return out


def stream_tag(config, machine):
    """The file name tag of a stream: config, or config@machine."""
    return config if machine in (None, "virt") else "%s@%s" % (config, machine)


def regs_file(path):
    regs = {}
    for line in read_text(path).splitlines():
        f = line.split()
        if len(f) >= 2:
            regs[int(f[0], 16)] = int(f[1], 16)
    return regs


def is_qemu_listed(i):
    """QEMU's cpreg list leaves out CORE (0x10) and SVE (0x15) registers."""
    return (i >> 16) & 0xfff not in (0x10, 0x15)


def read_cross(run):
    """{(source kernel, suite, destination kernel, suite): (generation,
    generation, machine)} of migrate-matrix.sh's cross.txt."""
    out = {}
    for line in read_text(os.path.join(run, "cross.txt")).splitlines():
        f = line.split()
        if len(f) == 7:
            out[(f[1], f[2], f[4], f[5])] = (f[0], f[3], f[6])
    return out


def cmd_collect(cache, run):
    env = {}
    # the run's copy of lab.env (migrate-matrix.sh), else the cache's
    env_file = os.path.join(run, "lab.env")
    if not os.path.exists(env_file):
        env_file = os.path.join(cache, "lab.env")
    for line in read_text(env_file).splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k] = v.strip('"')
    kernels = os.environ.get("LAB_KERNELS", "6.1 6.12 7.2 7.3").split()
    suites = os.environ.get("LAB_SUITES", env.get("LAB_INNER_SUITES", "")).split()
    configs = {}
    for line in read_text(os.path.join(run, "configs.tsv")).splitlines():
        name, cpu, features, sources = line.split("\t")
        configs[name] = {"cpu": cpu, "probe_features": features,
                         "source_kernels": sources}
    plan = []
    for line in read_text(os.path.join(run, "plan.tsv")).splitlines():
        cid, boot, cfg, machine = line.split("\t")
        plan.append({"id": cid, "source_boot": boot, "config": cfg, "machine": machine})
    cross = read_cross(run)

    run_extra = {}
    if os.path.exists(os.path.join(run, "run.json")):
        with open(os.path.join(run, "run.json")) as f:
            run_extra = json.load(f)
    res = {"libvirt-cpreg-lab": RESULTS_FORMAT,
           "run": {"id": os.path.basename(os.path.realpath(run)), "directory": os.path.realpath(run),
                   "collected": datetime.datetime.now(datetime.timezone.utc)
                   .strftime("%Y-%m-%dT%H:%M:%SZ"), **run_extra},
           "kernels": {}, "qemu": {}, "configs": configs,
           "generations": {}, "plan": plan,
           "boots": [], "sources": [], "cases": []}
    for k in kernels:
        kd = os.path.join(cache, "kernels", k)
        res["kernels"][k] = {"package": read_text(os.path.join(kd, "package")).strip(),
                             "version": read_text(os.path.join(kd, "version")).strip()}
    label_of = {}
    for s in suites:
        deb = read_text(os.path.join(cache, "inner", s, "version")).strip()
        label, upstream = qemu_label(deb)
        label_of[s] = label
        res["qemu"][label] = {"suite": s, "package_version": deb, "version": upstream,
                              "kvm_psci_version_property": None, "machines": None}
    for (ka, sa, kb, sb), (ga, gb, _) in cross.items():
        res["generations"][ga] = {"kernel": ka, "qemu": label_of.get(sa), "suite": sa}
        res["generations"][gb] = {"kernel": kb, "qemu": label_of.get(sb), "suite": sb}

    names = Names()
    stream_regs = {}     # (suite, kernel, tag) -> {id: value}
    for s in suites:
        d = os.path.join(run, "streams", s)
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if f.endswith(".regs"):
                k, tag = f[:-len(".regs")].split("-", 1)
                stream_regs[(s, k, tag)] = regs_file(os.path.join(d, f))
                names.load(stream_regs[(s, k, tag)])

    order = {s: i for i, s in enumerate(suites)}

    def boot_order(b):
        return (order.get(b[2], 99), kernel_key(b[1]))

    # Source boots
    for bid, k, s in sorted(boot_ids(run, "src"), key=boot_order):
        q = label_of[s]
        boot = read_boot(run, bid)
        res["boots"].append({"id": boot["id"], "role": "source", "kernel": k,
                             "qemu": q, "seconds": boot["seconds"],
                             "release": boot["release"], "complete": boot["complete"],
                             "commands": len(boot["commands"])})
        if boot["release"] and k in res["kernels"]:
            res["kernels"][k]["release"] = boot["release"]
        for cmd in boot["commands"]:
            if cmd["kind"] != "info":
                continue
            t = parse_transcript(read_text(cmd["out"]))
            for name, msg in t["replies"]:
                if name == "qom-list-properties" and "return" in msg:
                    has = any(p["name"] == "kvm-psci-version" for p in msg["return"])
                    res["qemu"][q]["kvm_psci_version_property"] = has
                if name == "query-machines" and "return" in msg:
                    res["qemu"][q]["machines"] = sorted(
                        (m["name"] for m in msg["return"] if m["name"].startswith("virt-")),
                        key=lambda n: [int(x) for x in re.findall(r"\d+", n)])
        for save in boot["commands"]:
            if save["kind"] != "save":
                continue
            c, machine = save["config"], save["machine"]
            t = parse_transcript(read_text(save["out"]))
            ok = t["qmp_exit"] == 0 and t["qemu_exit"] == 0
            src = {"kernel": k, "qemu": q, "config": c, "machine": machine,
                   "cpu": save["cpu"], "boot": boot["id"],
                   "saved": ok, "qmp_exit": t["qmp_exit"], "qemu_exit": t["qemu_exit"],
                   "qemu_stderr": save["stderr"]}
            regs = stream_regs.get((s, k, stream_tag(c, machine)))
            if regs is not None:
                src["stream_registers"] = len(regs)
                prof = os.path.join(run, "profiles", s, "%s-%s.json" % (k, c))
                if os.path.exists(prof):
                    plist = {i for i, _ in profile_registers(prof) if is_qemu_listed(i)}
                    names.load(plist)
                    src["profile_registers"] = len(plist)
                    src["only_in_stream"] = [names(i) for i in sorted(set(regs) - plist)]
                    src["only_in_profile"] = [names(i) for i in sorted(plist - set(regs))]
            res["sources"].append(src)

    # Destination boots
    for bid, b, sb in sorted(boot_ids(run, "dst"), key=boot_order):
        qb = label_of[sb]
        boot = read_boot(run, bid)
        res["boots"].append({"id": boot["id"], "role": "destination", "kernel": b,
                             "qemu": qb, "seconds": boot["seconds"],
                             "release": boot["release"], "complete": boot["complete"],
                             "commands": len(boot["commands"])})
        trials = {(c["kind"], c["source"], c["suite"] or sb, c["config"], c["machine"]): c
                  for c in boot["commands"] if c["kind"].startswith("trial-")}
        for cmd in boot["commands"]:
            if cmd["kind"] != "load":
                continue
            a, c, machine = cmd["source"], cmd["config"], cmd["machine"]
            sa = cmd["suite"] or sb
            qa = label_of[sa]
            same = sa == sb and machine == "virt"
            tag = stream_tag(c, machine)
            t = parse_transcript(read_text(cmd["out"]))
            outcome, phase = load_outcome(t)
            case = {"id": "%s->%s/%s/%s" % (a, b, qb if same else "%s->%s" % (qa, qb), c),
                    "kind": "same-qemu" if same else "cross-version",
                    "source": a, "destination": b,
                    "qemu": qb if same else "%s->%s" % (qa, qb),
                    "source_qemu": qa, "destination_qemu": qb,
                    "source_suite": sa, "destination_suite": sb,
                    "machine": machine, "config": c,
                    "source_cpu": None, "destination_cpu": cmd["cpu"],
                    "stream": "streams/%s/%s-%s.mig.gz" % (sa, a, tag),
                    "outcome": outcome, "failed_at": phase,
                    "status_after_load": t["statuses"][0] if t["statuses"] else None,
                    "status_after_cont": t["statuses"][-1] if len(t["statuses"]) > 1 else None,
                    "qmp_exit": t["qmp_exit"], "qemu_exit": t["qemu_exit"],
                    "qemu_stderr": cmd["stderr"], "boot": boot["id"],
                    "boot_seconds": boot["seconds"], "load_seconds": cmd["seconds"],
                    "verdicts": {"offline": None, "destination": None}}
            if not same:
                ga, gb, _ = cross.get((a, sa, b, sb), (None, None, None))
                case["generations"] = {"source": ga, "destination": gb}
            for s in res["sources"]:
                if (s["kernel"], s["qemu"], s["config"], s["machine"]) == (a, qa, c, machine):
                    case["source_cpu"] = s["cpu"]
            # A configuration saved on some kernels only (psci-1.1) is
            # compared with the destination's host list: the same vCPU.
            # Across versions: the destination's own list (its QEMU, its
            # newest machine type: the list does not depend on it).
            src_regs = stream_regs.get((sa, a, tag))
            dst_cfg = c if (sb, b, c) in stream_regs else "host"
            dst_regs = stream_regs.get((sb, b, dst_cfg))
            if src_regs is not None and dst_regs is not None:
                case["destination_list_config"] = dst_cfg
                case["stream_registers"] = len(src_regs)
                case["destination_registers"] = len(dst_regs)
                case["only_in_stream"] = [names(i) for i in sorted(set(src_regs) - set(dst_regs))]
                case["only_on_destination"] = [names(i) for i in sorted(set(dst_regs) - set(src_regs))]
            for kind in ("trial-profile", "trial-stream"):
                tc = trials.get((kind, a, sa, c, machine))
                if tc:
                    tr = parse_trial(read_text(tc["out"])) if tc["rc"] == 0 else None
                    if tr:
                        ids = [int(r["id"], 16) for r in tr["rejected"]]
                        ids += [int(i, 16) for i in tr["unknown"]]
                        names.load(ids)
                        for r in tr["rejected"]:
                            r["name"] = names(int(r["id"], 16))
                        tr["unknown"] = [names(int(i, 16)) for i in tr["unknown"]]
                    else:
                        tr = {"error": "exit %s" % tc["rc"], "stderr": tc["stderr"]}
                    case[kind.replace("-", "_")] = tr
            res["cases"].append(case)

    migrated = sum(1 for c in res["cases"] if c["outcome"] == "migrated")
    res["summary"] = {"cases": len(res["cases"]), "migrated": migrated,
                      "failed": len(res["cases"]) - migrated,
                      "cross_version": sum(1 for c in res["cases"] if c["kind"] == "cross-version"),
                      "boots": len(res["boots"]),
                      "boot_seconds": round(sum(b["seconds"] or 0 for b in res["boots"]), 1)}
    json.dump(res, sys.stdout, indent=1)
    print()


# ---------------------------------------------------------------------------
# report


def md_escape(s):
    return s.replace("|", "\\|")


def kernel_key(k):
    """Sort key of "6.12", also of a QEMU label such as "7.2->10.0"."""
    return [int(x) for x in re.findall(r"\d+", k)]


def first_error(c):
    """QEMU's first stderr line that is not a warning, for a table cell."""
    first = next((l for l in c["qemu_stderr"] if "warning:" not in l), "no message")
    return md_escape(first.replace("qemu-system-aarch64: ", ""))


def short_verdict(text):
    """A verdict for a table cell: its word and what it names, without the
    remedy (the Outcomes table has the whole text)."""
    if not text:
        return ""
    text = re.sub(r"^(veto|uncertain): (migration vetoed|migration uncertain): ", r"\1: ", text)
    return md_escape(re.sub(r"; fix: .*$", "", text))


def cross_version_matrix(w, res, cases):
    """The generation-to-generation table: each host generation to its
    neighbours, both ways, with the real outcome and the verdicts."""
    xs = [c for c in cases if c.get("kind") == "cross-version"]
    if not xs:
        return
    gens = res.get("generations") or {}
    w("### Across versions: host generation to host generation")
    w("")
    w("Each generation is a (kernel, QEMU) pair as Debian ships it (%s). The guest's"
      " machine type is pinned to the older QEMU's on both ends. psci-1.1 pins"
      " `kvm-psci-version=1.1` on the end whose QEMU has the property; the other end"
      " runs `-cpu host` (its kernel's PSCI version). Agree: judge.py's three verdicts"
      " hold (see above)." % ", ".join(
          "%s: %s + QEMU %s" % (g, v["kernel"], v["qemu"])
          for g, v in sorted(gens.items(), key=lambda kv: kernel_key(kv[1]["kernel"]))))
    w("")
    w("| source → destination | kernels | QEMU | machine | config (-cpu source / destination) | outcome | offline | destination-side | stream | agree |")
    w("|---|---|---|---|---|---|---|---|---|---|")

    def gkey(c):
        g = c.get("generations") or {}
        return (kernel_key(gens.get(g.get("source"), {}).get("kernel", c["source"])),
                kernel_key(gens.get(g.get("destination"), {}).get("kernel", c["destination"])),
                c["config"])
    for c in sorted(xs, key=gkey):
        g = c.get("generations") or {}
        v = c["verdicts"]
        outcome = "migrated" if c["outcome"] == "migrated" else "**failed** (%s): `%s`" % (
            c["failed_at"], first_error(c))
        w("| %s → %s | %s → %s | %s | %s | %s (`%s` / `%s`) | %s | %s | %s | %s | %s |" % (
            g.get("source"), g.get("destination"), c["source"], c["destination"],
            c["qemu"], c["machine"], c["config"], c.get("source_cpu"), c.get("destination_cpu"),
            outcome, short_verdict(v.get("offline")), short_verdict(v.get("destination")),
            short_verdict(v.get("stream")),
            {True: "yes", False: "**no**", None: ""}[v.get("agree")]))
    w("")



def predictions_section(w, path):
    """The report's section on `virt-cpreg predict` (tests/lab/predict-lab.py),
    when the run has one."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        pr = json.load(f)
    w("## Predicted kernels")
    w("")
    for cpu, t in sorted(pr["totals"].items(), reverse=True):
        w("predict: delta emulated on %s: %d entries exact, %d marked uncertain (%d of them"
          " right, %d of them on whether the register is listed), %d wrong without a mark;"
          " verdicts from predicted profiles: %d agree, %d uncertain, %d contradict" % (
              cpu, t["exact"], t["uncertain"], t["uncertain_right"],
              t.get("presence_uncertain", 0), t["wrong"],
              t["verdicts_agree"], t["verdicts_uncertain"], t["verdicts_contradicts"]))
        w("")
    w("Each kernel step's host (`-cpu max`) predicted by `virt-cpreg predict` from its"
      " real probe on the older kernel plus the delta of two emulated probes of the"
      " kernels' images (`tests/lab/predict-lab.py`), compared with the real probe of"
      " the newer kernel: an entry is exact (listed on both; configuration registers:"
      " equal value and writable mask), uncertain (marked: its uncertain bits cover every"
      " difference) or wrong. Guest-state registers count by presence. `neoverse-n1`"
      " lacks SVE, pointer authentication and much of what `max` has, so its fields are"
      " left uncertain; `max` is predict's default and, in the lab, the host's own CPU.")
    w("")
    w("| delta on | step | config | entries | exact | uncertain (right) | wrong |"
      " changed by the delta | seconds (2 emulated probes) |")
    w("|---|---|---|---|---|---|---|---|---|")
    for s in pr["steps"]:
        w("| %s | %s → %s | %s | %d | %d | %d (%d) | %d | %d | %.1f |" % (
            s["cpu"], s["from"], s["to"], s["config"],
            s["exact"] + s["uncertain"] + s["wrong"], s["exact"], s["uncertain"],
            s["uncertain_right"], s["wrong"], s["predicted"], s["seconds"]))
        for wid in s["wrong_ids"]:
            w("|  |  |  | **wrong**: %s |  |  |  |  |  |" % wid)
    w("")
    w("Verdicts with the predicted profile in place of the predicted kernel's real probe"
      " (offline, as judge.py): agree = vetoes what failed or allows what migrated.")
    w("")
    w("| delta on | case | outcome | verdict from the prediction | agrees |")
    w("|---|---|---|---|---|")
    for key, c in sorted(pr["cases"].items()):
        w("| %s | %s | %s | %s | %s |" % (c["cpu"], key.split(" ", 1)[1], c["outcome"],
                                          short_verdict(c["summary"]) or c["verdict"],
                                          c["agree"]))
    w("")

def cmd_report(path, verdicts_path=None):
    with open(path) as f:
        res = json.load(f)
    if verdicts_path:
        with open(verdicts_path) as f:
            extra = json.load(f)
        for c in res["cases"]:
            if c["id"] in extra:
                c["verdicts"].update(extra[c["id"]])
    out = []
    w = out.append
    sm = res["summary"]
    cases = sorted(res["cases"], key=lambda c: (kernel_key(c["qemu"]), c["config"],
                                                kernel_key(c["source"]),
                                                kernel_key(c["destination"])))
    by_q = {}
    for c in cases:
        by_q.setdefault(c["qemu"], [0, 0])
        by_q[c["qemu"]][0 if c["outcome"] == "migrated" else 1] += 1
    judged = [c for c in cases if c["verdicts"].get("offline") or c["verdicts"].get("destination")]
    agree = sum(1 for c in judged if c["verdicts"].get("agree"))

    w("# Migration lab: real outcomes")
    w("")
    w("Generated by `tests/lab/report.sh` from `%s` (run `%s`). Do not edit;"
      " re-run the lab (`meson test --suite lab`) instead." %
      (os.path.basename(path), res["run"]["id"]))
    w("")
    if judged:
        w("lab: %d pairs, %d agree, %d disagree" % (sm["cases"], agree, len(judged) - agree))
        w("")
        xj = [c for c in judged if c.get("kind") == "cross-version"]
        if xj:
            xa = sum(1 for c in xj if c["verdicts"].get("agree"))
            w("cross-version: %d pairs, %d agree, %d disagree" % (len(xj), xa, len(xj) - xa))
            w("")
    w("%s%d pairs, %d migrated, %d failed (%s); %d boots, %.0f s of boots; "
      "verdicts for %d" % (
          "" if judged else "lab: ",
          sm["cases"], sm["migrated"], sm["failed"],
          ", ".join("QEMU %s: %d migrated, %d failed" % (q, v[0], v[1])
                    for q, v in sorted(by_q.items())),
          sm["boots"], sm["boot_seconds"], len(judged)))
    disagree = [c for c in judged if not c["verdicts"].get("agree")]
    uncertain = [c for c in judged if c["verdicts"].get("offline_uncertain")]
    if judged:
        w("")
        w("Our verdicts (`tests/lab/judge.py`): the destination-side verdict vetoes exactly"
          " where QEMU failed and blocks on exactly the registers QEMU names, the trial"
          " rejects or the destination does not list; the offline verdict never allows"
          " what failed; the verdict with the real stream as the source (its vCPU"
          " features inferred from its registers) never fails to decide, allows what"
          " failed or vetoes what migrated.")
        w("")
        for c in disagree:
            w("- **disagree** %s: %s" % (c["id"], "; ".join(c["verdicts"].get("why", []))))
        for c in uncertain:
            w("- offline uncertain %s: %s" % (c["id"], "; ".join(c["verdicts"]["offline_uncertain"])))
        if not disagree and not uncertain:
            w("- every pair agrees; no offline verdict is uncertain.")
    w("")
    predictions_section(w, os.path.join(os.path.dirname(path), "predictions.json"))
    w("## Ingredients")
    w("")
    w("| kernel | package | version | uname -r |")
    w("|---|---|---|---|")
    for k in sorted(res["kernels"], key=kernel_key):
        v = res["kernels"][k]
        w("| %s | %s | %s | %s |" % (k, v["package"], v["version"], v.get("release", "")))
    w("")
    w("| QEMU | suite | package version | `kvm-psci-version` on host-arm-cpu | virt machine types |")
    w("|---|---|---|---|---|")
    for q, v in sorted(res["qemu"].items(), key=lambda kv: kernel_key(kv[0])):
        prop = {True: "yes", False: "no", None: "not probed"}[v["kvm_psci_version_property"]]
        ms = v.get("machines")
        w("| %s | %s | %s | %s | %s |" % (q, v["suite"], v["package_version"], prop,
                                         "%s … %s" % (ms[0], ms[-1]) if ms else "not probed"))
    w("")
    gens = res.get("generations") or {}
    if gens:
        w("| host generation | kernel | QEMU |")
        w("|---|---|---|")
        for g, v in sorted(gens.items(), key=lambda kv: kernel_key(kv[1]["kernel"])):
            w("| %s | %s | %s (%s) |" % (g, v["kernel"], v["qemu"], v["suite"]))
        w("")
    w("| config | -cpu | probe features | source kernels |")
    w("|---|---|---|---|")
    for n, v in res["configs"].items():
        w("| %s | `%s` | %s | %s |" % (n, v["cpu"], v["probe_features"],
                                       "all" if v["source_kernels"] == "*" else v["source_kernels"]))
    w("")
    w("## Matrix")
    w("")
    w("Rows: source kernel; columns: destination kernel. A failed cell shows QEMU's first"
      " stderr line that is not a warning (`qemu-system-aarch64: ` left out).")
    w("")
    kernels = sorted(res["kernels"], key=kernel_key)
    cross_version_matrix(w, res, cases)
    if any(c.get("kind") == "cross-version" for c in cases):
        w("### The same QEMU on both ends")
        w("")
    for q in sorted(res["qemu"], key=kernel_key):
        for cfg in res["configs"]:
            sub = {(c["source"], c["destination"]): c for c in cases
                   if c["qemu"] == q and c["config"] == cfg and c.get("kind") != "cross-version"}
            if not sub:
                continue
            w("QEMU %s, `-cpu %s`:" % (q, res["configs"][cfg]["cpu"]))
            w("")
            w("| source ↓ destination → | %s |" % " | ".join(kernels))
            w("|---|%s" % ("---|" * len(kernels)))
            for a in kernels:
                if not any((a, b) in sub for b in kernels):
                    continue
                cells = []
                for b in kernels:
                    c = sub.get((a, b))
                    if c is None:
                        cells.append("")
                    elif c["outcome"] == "migrated":
                        warn = sum(1 for l in c["qemu_stderr"] if "warning:" in l)
                        cells.append("migrated" + (" (%d warning%s)" % (warn, "s" * (warn > 1))
                                                   if warn else ""))
                    else:
                        first = next((l for l in c["qemu_stderr"] if "warning:" not in l),
                                     "no message")
                        first = first.replace("qemu-system-aarch64: ", "")
                        cells.append("**failed**: `%s`" % md_escape(first))
                w("| **%s** | %s |" % (a, " | ".join(cells)))
            w("")
    w("## Outcomes")
    w("")
    w("Across versions the QEMU column reads source->destination and the config"
      " column carries the machine type both ends ran.")
    w("")
    w("Outcome: `migrated` = after `migrate-incoming` QEMU reached a paused state and after"
      " `cont` `query-status` said `running`; otherwise `failed`, with where (`load`: QEMU"
      " exited while loading). Registers: the source's stream list vs the destination's own"
      " stream list (same QEMU and config). The verdict columns are `virt-cpreg"
      " check`'s (tests/lab/judge.py): offline, from both kernels' probe profiles;"
      " destination-side, from the stream's values and the destination's trial of them;"
      " stream, from the saved stream itself against the destination's probe profile.")
    w("")
    w("| source → destination | QEMU | config | outcome | QEMU's messages (stderr) | only in stream | only on destination | seconds (load / its boot) | offline verdict | destination-side verdict | stream verdict |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        outcome = c["outcome"] if c["outcome"] == "migrated" else "failed (%s, exit %s)" % (
            c["failed_at"], c["qemu_exit"])
        msgs = "<br>".join("`%s`" % md_escape(l) for l in c["qemu_stderr"]) or "—"

        def regs(lst):
            if lst is None:
                return "?"
            return "<br>".join(md_escape(x) for x in lst) or "—"
        cfg = c["config"] if c.get("kind") != "cross-version" else "%s, %s" % (
            c["config"], c["machine"])
        w("| %s → %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |" % (
            c["source"], c["destination"], c["qemu"], cfg, outcome, msgs,
            regs(c.get("only_in_stream")), regs(c.get("only_on_destination")),
            c.get("load_seconds"), c.get("boot_seconds"),
            c["verdicts"].get("offline") or "", c["verdicts"].get("destination") or "",
            c["verdicts"].get("stream") or ""))
    w("")
    w("## The probe's trial of the source's values on the destination")
    w("")
    w("`virt-cpreg-probe --trial` on a fresh destination vCPU with the same features: the"
      " values of the source probe's profile, and the values of the source's stream (what"
      " QEMU writes). Listed: what KVM rejected (errno) and the ids it does not list; same-kernel"
      " pairs and fully accepted trials are left out.")
    w("")
    w("| source → destination | QEMU | config | from | rejected | not listed | accepted |")
    w("|---|---|---|---|---|---|---|")
    for c in cases:
        for kind in ("trial_profile", "trial_stream"):
            tr = c.get(kind)
            if not tr:
                continue
            if "error" in tr:
                w("| %s → %s | %s | %s | %s | trial failed: %s | | |" % (
                    c["source"], c["destination"], c["qemu"], c["config"], kind[6:],
                    md_escape(" ".join(tr["stderr"]) or tr["error"])))
                continue
            if not tr["rejected"] and not tr["unknown"]:
                continue
            rej = "<br>".join("%s = %s: %s (is %s)" % (md_escape(r["name"]), r["value"],
                                                       r["errno"], r["readback"])
                              for r in tr["rejected"]) or "—"
            unk = "<br>".join(md_escape(u) for u in tr["unknown"]) or "—"
            w("| %s → %s | %s | %s | %s | %s | %s | %d |" % (
                c["source"], c["destination"], c["qemu"], c["config"], kind[6:],
                rej, unk, tr["accepted"]))
    w("")
    w("## Sources")
    w("")
    w("Saving on the source (`migrate` to a file of a guest that never ran). Registers: the"
      " stream's cpreg list, and the probe's list without CORE/SVE (QEMU leaves those out).")
    w("")
    w("| kernel | QEMU | config | machine | -cpu | saved | stream regs | probe regs | only in stream | only in probe | QEMU's messages |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in sorted(res["sources"], key=lambda s: (kernel_key(s["qemu"]), s["config"],
                                                   s.get("machine", "virt"),
                                                   kernel_key(s["kernel"]))):
        w("| %s | %s | %s | %s | `%s` | %s | %s | %s | %s | %s | %s |" % (
            s["kernel"], s["qemu"], s["config"], s.get("machine", "virt"), s.get("cpu"),
            "yes" if s["saved"] else "no (exit %s)" % s["qemu_exit"],
            s.get("stream_registers", "—"), s.get("profile_registers", "—"),
            "<br>".join(md_escape(x) for x in s.get("only_in_stream", [])) or "—",
            "<br>".join(md_escape(x) for x in s.get("only_in_profile", [])) or "—",
            "<br>".join("`%s`" % md_escape(l) for l in s["qemu_stderr"]) or "—"))
    w("")
    w("## Boots")
    w("")
    r = res["run"]
    if "total_seconds" in r:
        w("Run `%s` (%s cache): fetch %s s, matrix %s s, total %s s; boots one at a time." % (
            r["id"], r.get("cache", "?"), r.get("fetch_seconds"), r.get("matrix_seconds"),
            r["total_seconds"]))
        w("")
    w("| boot | kernel | QEMU | role | commands | seconds |")
    w("|---|---|---|---|---|---|")
    for b in res["boots"]:
        w("| %s | %s | %s | %s | %d | %s |" % (b["id"], b["kernel"], b["qemu"], b["role"],
                                             b["commands"],
                                             b["seconds"] if b["complete"] else "no result"))
    w("")
    sys.stdout.write("\n".join(out))


# ---------------------------------------------------------------------------
# fixture: a probe profile as a tests/fixtures/lab/*.regs register dump

# KVM_ARM_VCPU_INIT feature bits (arch/arm64/include/uapi/asm/kvm.h): PSCI
# 0.2 (always), PMU v3, SVE, pointer authentication (address and generic).
VCPU_FEATURE_BITS = (("pmu", "pmu", 0x8), ("sve", "sve", 0x10), ("pauth", "ptrauth", 0x60))
PSCI_0_2 = 0x4

# KVM_GET_REG_LIST's order (arch/arm64/kvm/guest.c kvm_arm_copy_reg_indices):
# core, SVE, firmware, firmware feature, system (timers among them),
# demultiplexed registers.
COPROC_RANK = {0x10: 0, 0x15: 1, 0x14: 2, 0x16: 3, 0x13: 4, 0x11: 5}
# The uapi ids of the virtual timer's CNT and CVAL are each other's
# encodings (KVM_REG_ARM_TIMER_CNT is (3, 3, 14, 3, 2)): the kernel lists
# them in the order of the real encodings.
TIMER_SWAP = {0x603000000013df02: 0x603000000013df1a, 0x603000000013df1a: 0x603000000013df02}


def reg_list_key(i):
    coproc = (i >> 16) & 0xfff
    if coproc == 0x10:                      # by offset in struct kvm_regs
        low = i & 0xffff
    elif coproc == 0x15:                    # KVM_REG_ARM64_SVE_VLS first
        low = -1 if i & 0xffff == 0xffff else i & 0xffff
    else:
        low = TIMER_SWAP.get(i, i)
    return (COPROC_RANK.get(coproc, 9), low)


def cmd_fixture(profile, proc_version, host_cpu):
    """Print PROFILE (the probe's JSON) in the format of the committed
    fixtures: '#' header, then "0x<id> [0x<value> [0x<writable>]]" in
    KVM_GET_REG_LIST order."""
    with open(profile) as f:
        prof = json.load(f)
    feats = prof["identity"].get("features") or []
    bits = PSCI_0_2 | sum(b for p, _, b in VCPU_FEATURE_BITS if p in feats)
    label = "+".join(n for p, n, _ in VCPU_FEATURE_BITS if p in feats) or "base"
    regs = sorted(prof["registers"], key=lambda r: reg_list_key(int(r["id"], 16)))
    out = ["# KVM_GET_REG_LIST of a scratch arm64 vCPU, with KVM_GET_ONE_REG values",
           # the builder's address left out, as in the committed fixtures
           "# kernel: %s" % re.sub(r"^(Linux version \S+) \([^()@]*@[^()]*\) ", r"\1 ",
                                   proc_version.strip()),
           "# host CPU: %s" % host_cpu,
           "# vCPU features: %s (KVM_ARM_VCPU_INIT features=0x%x)" % (label, bits)]
    if any("writable" in r for r in regs):
        out.append("# third column, ID registers only: KVM_ARM_GET_REG_WRITABLE_MASKS mask"
                   " (bits userspace may change)")
    out.append("# registers: %d" % len(regs))
    for r in regs:
        line = "0x%016x" % int(r["id"], 16)
        if "value" in r:
            line += " 0x%x" % int(r["value"], 16)
            if "writable" in r:
                line += " 0x%x" % int(r["writable"], 16)
        out.append(line)
    sys.stdout.write("\n".join(out) + "\n")


def main(argv):
    if len(argv) == 3 and argv[1] == "stream-regs":
        cmd_stream_regs(argv[2])
    elif len(argv) == 3 and argv[1] == "profile-regs":
        cmd_profile_regs(argv[2])
    elif len(argv) == 4 and argv[1] == "collect":
        cmd_collect(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "fixture":
        cmd_fixture(argv[2], argv[3], argv[4])
    elif len(argv) in (3, 4) and argv[1] == "report":
        cmd_report(argv[2], argv[3] if len(argv) == 4 else None)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
