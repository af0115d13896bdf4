#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden verdicts: `virt-cpreg check --json` on every real case.

    generate.py VIRT_CPREG            compare with verdicts.jsonl.xz (exit 1
                                      on any difference, with a diff)
    generate.py VIRT_CPREG --update   rewrite verdicts.jsonl.xz

A case is one ordered pair of real profiles (tests/fixtures: the lab's
kernels and Firecracker's hosts as sources and destinations, the QEMU
stream and the save image as sources only) x one destination QEMU
version x one domain case (none, or one of domains/*.xml). What is kept
of a case: the exit status, the JSON verdict on stdout and the error on
stderr. Every case runs from the source root with relative paths, no
policy directories (VIRT_CPREG_POLICY_DIRS=) and LC_ALL=C.UTF-8, so
nothing in the output depends on the machine. Where the text differs, the
JSON is compared as data (key order and whitespace are the writer's, not
the verdict's).

Meant to prove that a refactoring changes no verdict: generate before,
compare after.
"""

import argparse
import difflib
import json
import lzma
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(HERE, "verdicts.jsonl.xz")

# Debian 12's QEMU (7.2, the oldest row), every release from 10.0 the
# model has a row for, and one newer (modelled as the newest row).
QEMU_VERSIONS = ["7.2", "10.0", "10.2", "11.0", "11.1", "12.0"]

NO_DOMAIN = "-"


def listdir(rel, suffixes):
    names = sorted(n for n in os.listdir(os.path.join(ROOT, rel))
                   if n.endswith(suffixes))
    return [rel + "/" + n for n in names]


def profiles():
    """(sources, destinations): relative paths from the source root."""
    hosts = (listdir("tests/fixtures/lab", (".regs",)) +
             listdir("tests/fixtures/firecracker", (".json",)))
    streams = listdir("tests/fixtures/streams", (".qemu", ".save"))
    return hosts + streams, hosts


def domains():
    return [NO_DOMAIN] + listdir("tests/golden/domains", (".xml",))


# The first case of every pair. A pair it refuses (exit 2: profiles of
# different vCPU configurations, or an unreadable one) is refused before
# the QEMU version or the domain is looked at, so that case stands for
# the pair's other 29: recording them would only multiply the run time.
PROBE_QEMU = "11.1"


def pairs():
    sources, dests = profiles()
    return [(s, d) for s in sources for d in dests]


def probe_case(pair):
    return (pair[0], pair[1], PROBE_QEMU, NO_DOMAIN)


def other_cases(pair):
    return [(pair[0], pair[1], q, dom) for q in QEMU_VERSIONS for dom in domains()
            if (q, dom) != (PROBE_QEMU, NO_DOMAIN)]


def case_key(case):
    return " ".join(case)


def environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRT_CPREG")}
    env.update(VIRT_CPREG_POLICY_DIRS="", LC_ALL="C.UTF-8", LANGUAGE="")
    return env


def run_case(virt_cpreg, env, case):
    src, dst, qemu, dom = case
    cmd = [virt_cpreg, "check", "--json", "--source", src, "--dest", dst,
           "--dest-qemu", qemu]
    if dom != NO_DOMAIN:
        cmd += ["--domain", dom]
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=60)
    return {"case": case_key(case), "exit": p.returncode,
            "stdout": p.stdout.decode("utf-8", "replace"),
            "stderr": p.stderr.decode("utf-8", "replace")}


def run_all(virt_cpreg, jobs):
    env = environment()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        def run(todo):
            return list(pool.map(lambda c: run_case(virt_cpreg, env, c), todo))
        every = pairs()
        probes = run([probe_case(p) for p in every])
        rest = [c for p, r in zip(every, probes) if r["exit"] != 2
                for c in other_cases(p)]
        results = probes + run(rest)
    return sorted(results, key=lambda r: r["case"])


def dumps(result):
    return json.dumps(result, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


def write(results):
    data = "".join(dumps(r) + "\n" for r in results).encode("utf-8")
    tmp = GOLDEN + ".tmp"
    with lzma.open(tmp, "wb", preset=6) as f:
        f.write(data)
    os.replace(tmp, GOLDEN)
    return len(data)


def read():
    """{case: its canonical line}: parsed only where it differs."""
    with lzma.open(GOLDEN, "rt", encoding="utf-8") as f:
        return {line[len('{"case":"'):line.index('","exit"')]: line.rstrip("\n")
                for line in f}


def as_data(line):
    """A stored case with its stdout parsed: what is compared when the
    text differs (a JSON writer may order keys or space them its own way)."""
    r = json.loads(line)
    try:
        r["stdout"] = json.loads(r["stdout"]) if r["stdout"].strip() else None
    except ValueError:
        pass
    return r


def pretty(result):
    return json.dumps(result, sort_keys=True, indent=2,
                      ensure_ascii=False).splitlines()


def compare(golden, results, shown):
    """The number of differing cases; prints a diff of the first @shown."""
    want = golden
    got = {r["case"]: dumps(r) for r in results}
    differing = 0
    for key in sorted(set(want) | set(got)):
        w, g = want.get(key), got.get(key)
        if w == g:
            continue
        w = as_data(w) if w else None
        g = as_data(g) if g else None
        if w == g:
            continue
        differing += 1
        if differing > shown:
            continue
        if w is None:
            print("new case, not in the golden file: %s" % key)
        elif g is None:
            print("case gone, in the golden file only: %s" % key)
        else:
            print("differs: %s" % key)
            sys.stdout.writelines(
                line + "\n" for line in difflib.unified_diff(
                    pretty(w), pretty(g), "golden", "now", n=2, lineterm=""))
    return differing


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("virt_cpreg", help="the built virt-cpreg")
    ap.add_argument("--update", action="store_true",
                    help="rewrite the golden file instead of comparing")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--show", type=int, default=5,
                    help="how many differing cases to print in full")
    args = ap.parse_args()
    virt_cpreg = os.path.abspath(args.virt_cpreg)

    start = time.monotonic()
    results = run_all(virt_cpreg, args.jobs)
    took = time.monotonic() - start
    exits = {}
    for r in results:
        exits[r["exit"]] = exits.get(r["exit"], 0) + 1
    summary = ", ".join("exit %d: %d" % kv for kv in sorted(exits.items()))
    print("%d cases in %.1f s (%s)" % (len(results), took, summary))
    if args.update:
        raw = write(results)
        print("wrote %s: %d bytes (%d uncompressed)"
              % (os.path.relpath(GOLDEN, ROOT), os.path.getsize(GOLDEN), raw))
        return 0
    if not os.path.exists(GOLDEN):
        print("no golden file: run with --update first")
        return 1
    differing = compare(read(), results, args.show)
    if differing:
        print("%d of %d cases differ from %s; if the change is meant, "
              "rerun with --update and say why in the commit"
              % (differing, len(results), os.path.relpath(GOLDEN, ROOT)))
        return 1
    print("all %d cases equal the golden verdicts" % len(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
