#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every --json output of virt-cpreg against its schema in schemas/.

    validate-outputs.py VIRT_CPREG [--schemas DIR] [-v]

Runs each verb on real inputs (tests/fixtures: the lab's kernels, the
Firecracker fingerprints, the QEMU stream and the save image, compressed
as libvirt does; the lab's domain XMLs; profiles this host's QEMU gives
under TCG) and validates every output against the verb's schema:

    check -> verdict.schema.json    probe -> profile.schema.json
    VERB  -> VERB.schema.json       (decode diff matrix baseline inspect validate
                                     plan)

It also holds each output to what its exit status says (diff: 1 when the
profiles differ; check: 0/1/3 by verdict; validate: 1 when a check fails),
requires the inputs to reach every verdict, and proves every schema can
reject: each verb's first output, broken in a few ways (a member dropped,
one added, an enum or type changed), must fail it.
Exit 0 when all hold, 1 with every failure listed, 77 without
python3-jsonschema.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
LAB = os.path.join(FIXTURES, "lab")
FC = os.path.join(FIXTURES, "firecracker")
STREAM = os.path.join(FIXTURES, "streams", "virt-max-smp2.qemu")
SAVE = os.path.join(FIXTURES, "streams", "virt-max-smp2.save")
SAVE_STREAM_OFFSET = 1116        # virQEMUSaveHeader + the padded domain XML
SAVE_FORMAT_OFFSET = 28          # virQEMUSaveHeader.format

sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import judge  # noqa: E402  (the lab's domain XML per configuration)

SCHEMA_OF = {
    "check": "verdict.schema.json",
    "probe": "profile.schema.json",
    "decode": "decode.schema.json",
    "diff": "diff.schema.json",
    "matrix": "matrix.schema.json",
    "baseline": "baseline.schema.json",
    "inspect": "inspect.schema.json",
    "validate": "validate.schema.json",
    "predict": "predict.schema.json",
    "plan": "plan.schema.json",
}

# libvirt's save image formats (qemu_saveimage.h) and their tools
COMPRESSIONS = [(1, "gzip"), (2, "bzip2"), (3, "xz"), (4, "lzop"), (5, "zstd")]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def lab(name):
    return os.path.join(LAB, name + ".regs")


def fc(name):
    return os.path.join(FC, "fingerprint_ARM_NEOVERSE_%s.json" % name)


class Runner:
    def __init__(self, virt_cpreg, schemas, tmp, verbose):
        self.virt_cpreg = virt_cpreg
        self.tmp = tmp
        self.verbose = verbose
        self.validators = {}
        for verb, name in SCHEMA_OF.items():
            schema = json.load(open(os.path.join(schemas, name)))
            jsonschema.Draft202012Validator.check_schema(schema)
            self.validators[verb] = jsonschema.Draft202012Validator(schema)
        self.outputs = {verb: [] for verb in SCHEMA_OF}
        self.env = dict(os.environ, LC_ALL="C.UTF-8", VIRT_CPREG_POLICY_DIRS="",
                        VIRT_CPREG_CACHE_DIR=os.path.join(tmp, "cache"),
                        VIRT_CPREG_CONF=os.path.join(tmp, "absent.conf"))

    def run(self, verb, args, env=None, json_flag=True, output=None):
        """virt-cpreg VERB [--json] ARGS: its output, validated; None if it
        gave none. @output: read the JSON from this file instead."""
        cmd = [self.virt_cpreg, verb] + (["--json"] if json_flag else []) + args
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                           env=dict(self.env, **(env or {})))
        words = [os.path.basename(a) if a.startswith("/") else a for a in args]
        if len(words) > 6:
            words = words[:4] + ["... (%d arguments)" % len(words)]
        what = " ".join([verb] + words)
        if p.returncode not in (0, 1, 3):
            fail("%s: exit %d: %s" % (what, p.returncode, p.stderr.strip()))
            return None
        try:
            doc = json.load(open(output)) if output else json.loads(p.stdout)
        except (ValueError, OSError) as e:
            fail("%s: no JSON: %s" % (what, e))
            return None
        errors = sorted(self.validators[verb].iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]:
            fail("%s: %s at %s" % (what, e.message[:300],
                                   "/".join(str(x) for x in e.absolute_path) or "(root)"))
        if not errors:
            self.outputs[verb].append((what, doc, p.returncode))
            if self.verbose:
                print("ok: %s (exit %d)" % (what, p.returncode))
        return doc, p.returncode


# ---- the inputs ---------------------------------------------------------

def register_ids(path):
    """The KVM ids a fixture lists, as it writes them."""
    if path.endswith(".regs"):
        return [line.split()[0] for line in open(path)
                if line.strip() and not line.startswith("#")]
    if path.endswith(".json") and "fingerprint" in path:
        return [m["addr"] for m in json.load(open(path))["guest_cpu_config"]["reg_modifiers"]]
    return [r["id"] for r in json.load(open(path))["registers"]]


def compressed_saves(tmp):
    """The save image fixture with its stream compressed as libvirt writes
    it, one per installed tool."""
    data = open(SAVE, "rb").read()
    out = []
    for fmt, tool in COMPRESSIONS:
        if not shutil.which(tool):
            print("note: %s is not installed: no %s save image" % (tool, tool))
            continue
        packed = subprocess.run([tool, "-c"], input=data[SAVE_STREAM_OFFSET:],
                                capture_output=True, check=True).stdout
        head = bytearray(data[:SAVE_STREAM_OFFSET])
        head[SAVE_FORMAT_OFFSET:SAVE_FORMAT_OFFSET + 4] = fmt.to_bytes(4, "little")
        path = os.path.join(tmp, "virt-max-smp2-%s.save" % tool)
        open(path, "wb").write(bytes(head) + packed)
        out.append(path)
    return out


def domain_xmls(tmp):
    """The lab's domain XML for each configuration (tests/lab/judge.py)."""
    out = {}
    configs = {"host": "host", "pmu-off": "host,pmu=off",
               "psci-1.1": "host,kvm-psci-version=1.1"}
    for config, cpu in configs.items():
        path = os.path.join(tmp, "domain-%s.xml" % config)
        open(path, "w").write(judge.domain_xml(cpu, None))
        out[config] = path
    return out


def write_policies(tmp):
    policies = {
        "deny-tcr2": [{"register": "TCR2_EL1", "action": "deny", "reason": "site rule"}],
        "warn-mmfr1": [{"register": "ID_AA64MMFR1_EL1", "action": "warn"}],
        "pin-psci": [{"register": "PSCI_VERSION", "action": "pin", "value": "1.0",
                      "property": "kvm-psci-version"}],
        "ignore-bmap2": [{"register": "VENDOR_HYP_BMAP_2", "action": "ignore-if-present"}],
    }
    out = {}
    for name, rules in policies.items():
        out[name] = os.path.join(tmp, name + ".json")
        json.dump({"libvirt-cpreg-policy": 1, "rules": rules}, open(out[name], "w"))
    return out


# ---- the verbs ----------------------------------------------------------

def run_probe(r):
    """This host's QEMU under TCG: profiles for the other verbs too."""
    if not shutil.which("qemu-system-aarch64"):
        print("SKIP: probe: qemu-system-aarch64 is not installed")
        return []
    tcg = os.path.join(r.tmp, "domain-tcg.xml")
    open(tcg, "w").write(
        "<domain type='qemu'><name>tcg</name>"
        "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
        "<cpu mode='custom' match='exact'><model>cortex-a72</model></cpu>"
        "<devices><emulator>/usr/bin/qemu-system-aarch64</emulator></devices></domain>\n")
    cases = [
        ("tcg-max", ["--via", "qemu", "--accel", "tcg"]),
        ("tcg-max-base", ["--via", "qemu", "--accel", "tcg", "--features", ""]),
        ("tcg-max-pmu", ["--via", "qemu", "--accel", "tcg", "--features", "pmu"]),
        ("tcg-max-all", ["--via", "qemu", "--accel", "tcg", "--features", "pmu,sve,pauth"]),
        ("tcg-cortex-a57", ["--via", "qemu", "--accel", "tcg", "--cpu", "cortex-a57"]),
        ("tcg-neoverse-n1", ["--via", "qemu", "--accel", "tcg", "--cpu", "neoverse-n1"]),
        ("tcg-domain-a72", ["--domain", tcg]),
    ]
    out = []
    for name, args in cases:
        path = os.path.join(r.tmp, name + ".json")
        if r.run("probe", args + ["-o", path], json_flag=False, output=path):
            out.append(path)
    r.run("probe", cases[0][1], json_flag=False)      # to stdout, from the cache
    return out


def run_decode(r, probes):
    r.run("decode", ["TCR2_EL1", "0x6030000000160003", "S3_0_C2_C0_3",
                     "KVM_REG_ARM_VENDOR_HYP_BMAP_2", "PSCI_VERSION", "x0", "pc",
                     "spsr[EL1]", "v31", "CCSIDR_L1D", "SVE_Z0", "DBGDTRTX",
                     "CP15_0_C1_C0_0_NS", "S3_0_C0_C7_7"])
    for path in [lab("linux-6.1-max-base"), lab("linux-7.2-max-pmu-sve-ptrauth"),
                 lab("linux-6.12-n1-pmu"), fc("V2_6.18host")] + probes[:1]:
        r.run("decode", register_ids(path))


def run_diff(r, probes, saves):
    pairs = [
        (lab("linux-6.1-max-base"), lab("linux-6.1-max-base")),
        (lab("linux-6.1-max-base"), lab("linux-7.2-max-base")),
        (lab("linux-6.12-max-pmu"), lab("linux-7.2-max-pmu")),
        (lab("linux-7.2-max-pmu-sve-ptrauth"), lab("linux-6.12-max-pmu-sve-ptrauth")),
        (lab("linux-6.1-n1-base"), lab("linux-6.12-n1-pmu")),
        (fc("N1_5.10host"), fc("N1_6.18host")),
        (fc("V1_6.1host"), fc("V2_6.1host")),
        (fc("V2_6.18host"), fc("V2_6.18host")),
        (STREAM, SAVE),
        (SAVE, lab("linux-7.2-max-pmu-sve-ptrauth")),
    ] + [(STREAM, s) for s in saves[:1]] + [(STREAM, p) for p in probes[:2]]
    for a, b in pairs:
        for extra in ([], ["--all"]):
            res = r.run("diff", extra + [a, b])
            if not res:
                continue
            doc, rc = res
            differ = bool(doc["only_a"] or doc["only_b"] or doc["changed"])
            if rc != int(differ):
                fail("diff %s %s: exit %d, but differences: %s" % (a, b, rc, differ))


def run_check(r, probes, domains, policies):
    L61, L612, L72 = "linux-6.1-max-", "linux-6.12-max-", "linux-7.2-max-"
    pairs = [
        (lab(L61 + "base"), lab(L61 + "base")),
        (lab(L61 + "base"), lab(L72 + "base")),
        (lab(L72 + "pmu"), lab(L61 + "pmu")),
        (lab(L612 + "pmu-sve"), lab(L72 + "pmu-sve")),
        (lab(L61 + "base"), lab("linux-6.1-n1-base")),
        (lab("linux-6.12-n1-pmu"), lab("linux-7.2-n1-pmu")),
        (fc("N1_6.1host"), fc("N1_6.18host")),
        (fc("V2_5.10host"), fc("V2_6.1host")),
        (fc("V1_6.18host"), fc("V1_5.10host")),
    ]
    for src, dst in pairs:
        for qemu in ([], ["--dest-qemu", "10.0"], ["--dest-qemu", "11.0"],
                     ["--dest-qemu", "11.1"]):
            r.run("check", ["--source", src, "--dest", dst] + qemu)
    for config, xml in domains.items():
        for q in ("10.0", "11.0"):
            r.run("check", ["--source", lab(L61 + "base"), "--dest", lab(L72 + "base"),
                            "--dest-qemu", q, "--domain", xml, "-v"])
    for name, policy in policies.items():
        r.run("check", ["--source", lab(L612 + "pmu"), "--dest", lab(L72 + "pmu"),
                        "--dest-qemu", "11.0", "--policy", policy])
    r.run("check", ["--source", lab(L61 + "base"), "--dest", lab(L72 + "base"),
                    "--policy", policies["pin-psci"], "--policy", policies["deny-tcr2"]])
    # the source from the guest's metadata, as stamp writes it
    stamped = os.path.join(r.tmp, "domain-stamped.xml")
    p = subprocess.run([r.virt_cpreg, "stamp", "--xml", domains["host"], "--profile",
                        lab(L61 + "pmu")], capture_output=True, text=True, env=r.env)
    if p.returncode != 0:
        fail("stamp --xml: exit %d: %s" % (p.returncode, p.stderr.strip()))
    else:
        open(stamped, "w").write(p.stdout)
        r.run("check", ["--domain", stamped, "--dest", lab(L612 + "pmu")])
        r.run("check", ["--domain", stamped, "--dest", lab(L72 + "pmu"), "--dest-qemu", "11.1"])
    # QEMU's own cpreg list, from the stream and the save image of a plain
    # -cpu max, whose registers show all three features
    same = [p for p in probes if p.endswith("tcg-max-all.json")]
    for src in [STREAM, SAVE]:
        for dst in same:
            r.run("check", ["--source", src, "--dest", dst])
            r.run("check", ["--source", src, "--dest", dst, "--dest-qemu", "11.1"])
    # this host's QEMU models, among those of the same vCPU features
    by_features = {}
    for path in probes:
        by_features.setdefault(str(json.load(open(path))["identity"].get("features")), []).append(path)
    for same in by_features.values():
        for src, dst in zip(same, same[1:]):
            r.run("check", ["--source", src, "--dest", dst])
            r.run("check", ["--source", dst, "--dest", src])
    exits = {"allow": 0, "allow-with-changes": 0, "veto": 1, "uncertain": 3}
    for what, doc, rc in r.outputs["check"]:
        if exits[doc["verdict"]] != rc:
            fail("%s: exit %d for %s" % (what, rc, doc["verdict"]))
    seen = {doc["verdict"] for _, doc, _ in r.outputs["check"]}
    for verdict in exits:
        if verdict not in seen:
            fail("check: no input gave %s" % verdict)


def run_fleet(r, probes, policies):
    labs = sorted(glob.glob(os.path.join(LAB, "*.regs")))
    fcs = sorted(glob.glob(os.path.join(FC, "*.json")))
    fleets = [
        labs, fcs, labs + fcs,
        [p for p in labs if "-max-pmu.regs" in p],
        [p for p in labs if "-n1-" in p],
        [lab("linux-6.1-max-base")],
        [STREAM, SAVE] + probes,
    ]
    for fleet in fleets:
        for extra in ([], ["--dest-qemu", "11.0"], ["--dest-qemu", "11.1"]):
            res = r.run("matrix", extra + fleet)
            if res and len(res[0]["pairs"]) != len(fleet) ** 2:
                fail("matrix of %d profiles: %d pairs" % (len(fleet), len(res[0]["pairs"])))
        r.run("baseline", fleet)
    r.run("matrix", ["--policy", policies["deny-tcr2"], "--policy", policies["warn-mmfr1"]] + labs)
    r.run("baseline", ["--policy", policies["ignore-bmap2"]] + labs)
    seen = {p["verdict"] for _, doc, _ in r.outputs["matrix"] for p in doc["pairs"]}
    for verdict in ("allow", "allow-with-changes", "veto", "uncertain", "not-comparable"):
        if verdict not in seen:
            fail("matrix: no pair gave %s" % verdict)
    if not any(doc["pins"] for _, doc, _ in r.outputs["baseline"]):
        fail("baseline: no fleet needed a pin")
    if not any(h["unreachable_from"] for _, doc, _ in r.outputs["baseline"] for h in doc["hosts"]):
        fail("baseline: no host was unreachable")


def run_plan(r):
    """The lab's fleet (tests/plan/fleet.py), upgraded host by host."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "plan"))
    import fleet
    d = fleet.build(r.virt_cpreg, os.path.join(r.tmp, "fleet"),
                    predicted=[(n, "7.3") for n, _, _ in fleet.HOSTS], env=r.env)
    for order in (["trixie"], ["bookworm", "trixie", "sid"], ["backports"]):
        r.run("plan", ["--fleet", d, "--upgrade"] + order)
    if not any(doc["qemu"] for _, doc, _ in r.outputs["plan"]) and \
            not any(doc["breaks"] for _, doc, _ in r.outputs["plan"]):
        fail("plan: no fleet broke")


def run_inspect(r, saves):
    for path in [STREAM, SAVE] + saves:
        r.run("inspect", [path])


def run_validate(r):
    hooks = os.path.join(r.tmp, "qemu.d")
    os.makedirs(hooks)
    r.run("validate", ["--hook-dir", hooks, "-c", "test:///default"])
    hook = os.path.join(hooks, "50-cpreg")
    open(hook, "w").write("#!/bin/sh\nexec %s hook \"$@\"\n" % r.virt_cpreg)
    os.chmod(hook, 0o755)
    pdir = os.path.join(r.tmp, "policy.d")
    os.makedirs(pdir)
    json.dump({"libvirt-cpreg-policy": 1, "rules": [{"register": "TCR2_EL1", "action": "warn"}]},
              open(os.path.join(pdir, "10-good.json"), "w"))
    open(os.path.join(pdir, "20-bad.json"), "w").write('{"libvirt-cpreg-policy": 1, "rules": [{}]}\n')
    conf = os.path.join(r.tmp, "cpreg.conf")
    for text in ("[hook]\nhost-profile=%s\nqemu-version=11.0\ncache-dir=%s\n"
                 % (lab("linux-7.2-max-pmu"), os.path.join(r.tmp, "cache")),
                 "[hook]\nqemu-version=banana\npolicy-dirs=%s\ntime-budget-ms=x\nunknown=1\n"
                 "on-missing-profile=deny\n" % pdir):
        open(conf, "w").write(text)
        r.run("validate", ["--hook-dir", hooks, "-c", "test:///default"],
              env={"VIRT_CPREG_CONF": conf})
    # a hook anyone may change, and a cache directory others may write
    os.chmod(hook, 0o666)
    os.makedirs(os.path.join(r.tmp, "open-cache"), mode=0o777)
    os.chmod(os.path.join(r.tmp, "open-cache"), 0o777)
    open(conf, "w").write("[hook]\ncache-dir=%s\n" % os.path.join(r.tmp, "open-cache"))
    r.run("validate", ["--hook-dir", hooks, "-c", "test:///default"],
          env={"VIRT_CPREG_CONF": conf})
    statuses = set()
    for what, doc, rc in r.outputs["validate"]:
        failed = any(c["status"] == "FAIL" for c in doc["checks"])
        statuses |= {c["status"] for c in doc["checks"]}
        if rc != int(failed):
            fail("%s: exit %d, but a check failed: %s" % (what, rc, failed))
    if statuses != {"PASS", "WARN", "FAIL"}:
        fail("validate: statuses seen: %s" % sorted(statuses))


def run_predict(r):
    """Every kernel step of the lab's max host from the n1 deltas: the
    summary against predict's schema, the predicted profile (JSON) against
    the profile's."""
    kernels = ["6.1", "6.12", "7.2", "7.3"]
    for i, a in enumerate(kernels):
        for b in kernels[i + 1:]:
            for cfg, n1 in (("pmu-sve-ptrauth", "pmu"), ("base", "base")):
                out = os.path.join(r.tmp, "predict-%s-%s-%s.json" % (a, b, cfg))
                res = r.run("predict", ["--host", lab("linux-%s-max-%s" % (a, cfg)),
                                        "--from", lab("linux-%s-n1-%s" % (a, n1)),
                                        "--to", lab("linux-%s-n1-%s" % (b, n1)), "-o", out])
                if not res:
                    continue
                if res[1] != 0:
                    fail("predict %s -> %s %s: exit %d" % (a, b, cfg, res[1]))
                profile = json.load(open(out))
                for e in list(r.validators["probe"].iter_errors(profile))[:5]:
                    fail("predict %s -> %s %s: the profile: %s" % (a, b, cfg, e.message[:300]))


# ---- every schema can reject -----------------------------------------------

def first(doc):
    """The first object of an array output, else the output."""
    return doc[0] if isinstance(doc, list) else doc


def mutations(verb, schema, doc):
    """(what, broken copy) pairs the verb's schema must reject."""
    obj = first(doc)
    out = []
    required = (schema.get("items") or schema)["required"]
    b = json.loads(json.dumps(doc))
    del first(b)[required[0]]
    out.append(("without '%s'" % required[0], b))
    for key, value in list(obj.items())[:1]:
        b = json.loads(json.dumps(doc))
        first(b)[key] = {"x": 1} if not isinstance(value, dict) else 12345
        out.append(("with '%s' of the wrong type" % key, b))
    if verb != "probe":     # a profile's unknown members are allowed
        b = json.loads(json.dumps(doc))
        first(b)["unexpected"] = 1
        out.append(("with an unknown member", b))
    enums = {
        "check": lambda d: d.__setitem__("verdict", "maybe"),
        "decode": lambda d: d[0].__setitem__("class", "vector"),
        "diff": lambda d: d["a"].__setitem__("features", ["avx"]),
        "matrix": lambda d: d["pairs"][0].__setitem__("verdict", "perhaps"),
        "baseline": lambda d: d["hosts"][0].__setitem__("qemu", "eleven"),
        "inspect": lambda d: d.__setitem__("format", "vmdk"),
        "probe": lambda d: d["identity"].__setitem__("accel", "hvf"),
        "validate": lambda d: d["checks"][0].__setitem__("status", "MAYBE"),
        "predict": lambda d: d["counts"].__setitem__("added", "one"),
        "plan": lambda d: d["stranded"][0].__setitem__("kind", "lost"),
    }
    b = json.loads(json.dumps(doc))
    enums[verb](b)
    out.append(("with an unknown enum value", b))
    return out


def check_rejects(r):
    for verb, outputs in r.outputs.items():
        if not outputs:
            continue
        what, doc, _ = outputs[0]
        for how, broken in mutations(verb, r.validators[verb].schema, doc):
            if r.validators[verb].is_valid(broken):
                fail("%s: its schema takes the output %s" % (what, how))


def check_installed(schemas):
    """schemas/meson.build installs every schema."""
    build = open(os.path.join(schemas, "meson.build")).read()
    listed = set(re.findall(r"'([^']+\.json)'", build))
    present = {os.path.basename(p) for p in glob.glob(os.path.join(schemas, "*.json"))}
    for name in sorted(present - listed):
        fail("schemas/meson.build does not install %s" % name)
    for name in sorted(set(SCHEMA_OF.values()) - present):
        fail("schemas/%s is missing" % name)


def detail(verb, outputs):
    """What the outputs held, for the log."""
    counts = {}
    if verb == "decode":
        counts["registers"] = sum(len(doc) for _, doc, _ in outputs)
    elif verb == "check":
        for _, doc, _ in outputs:
            counts[doc["verdict"]] = counts.get(doc["verdict"], 0) + 1
    elif verb == "matrix":
        for _, doc, _ in outputs:
            for p in doc["pairs"]:
                counts[p["verdict"]] = counts.get(p["verdict"], 0) + 1
    elif verb == "diff":
        counts["with differences"] = sum(rc for _, _, rc in outputs)
    elif verb == "validate":
        counts["checks"] = sum(len(doc["checks"]) for _, doc, _ in outputs)
    if not counts:
        return ""
    return " (%s)" % ", ".join("%s %s" % (v, k) for k, v in sorted(counts.items()))


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    schemas = os.path.join(ROOT, "schemas")
    if "--schemas" in args:
        i = args.index("--schemas")
        schemas = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit("usage: validate-outputs.py VIRT_CPREG [--schemas DIR] [-v]")
    with tempfile.TemporaryDirectory(prefix="cpreg-schemas-") as tmp:
        check_installed(schemas)
        r = Runner(os.path.abspath(args[0]), schemas, tmp, verbose)
        saves = compressed_saves(tmp)
        domains = domain_xmls(tmp)
        policies = write_policies(tmp)
        probes = run_probe(r)
        run_decode(r, probes)
        run_diff(r, probes, saves)
        run_check(r, probes, domains, policies)
        run_fleet(r, probes, policies)
        run_plan(r)
        run_inspect(r, saves)
        run_validate(r)
        run_predict(r)
        check_rejects(r)
    for verb, outputs in r.outputs.items():
        print("%-8s %3d outputs valid against %s%s" % (verb, len(outputs), SCHEMA_OF[verb],
                                                      detail(verb, outputs)))
        if not outputs and not (verb == "probe" and not shutil.which("qemu-system-aarch64")):
            fail("%s: no output validated" % verb)
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
