#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real TCG migrations between QEMU releases (issue 14, Build item 3).

    migrate.py OUTDIR RELEASE=EMULATOR...

For every release, CPU model and machine type (virt-<the older release> of
each pair) a source QEMU under TCG saves its vCPU's migration stream to
OUTDIR/streams/<release>-<model>-<machine>.mig (over getfd + fd:, which
every release has); then every destination release loads every stream of
its machine type with `-incoming exec:cat FILE`. The outcome of a load is
"loaded" when the destination's migration is "completed" with the guest
"paused" (or 7.2's "prelaunch", -S) and then "running" after `cont`, "failed" when QEMU exits
with an error; QEMU's stderr is kept. Anything else (a timeout, a QEMU
that cannot start or save) is a harness error.

Writes OUTDIR/migrations.json:
  {"releases": {R: {"emulator": PATH, "version": "X.Y.Z"}},
   "streams": {"R/model/machine": {"path", "registers": N}},
   "loads": [{"source", "destination", "model", "machine", "outcome",
              "stderr": [lines], "seconds"}]}
Exit status: 0 done, 1 harness error (said on stderr).

Every QEMU runs in its own session (process group), under timeout(1),
with PR_SET_PDEATHSIG, and is killed when this script exits.
Standard library only.
"""

import ctypes
import re
import json
import os
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
import labtool  # noqa: E402  (tests/lab: the one reader of a stream's cpreg arrays)

MODELS = ("cortex-a57", "neoverse-n1", "max")
QEMU_TIMEOUT = 60          # seconds a QEMU may live, whatever happens
QMP_TIMEOUT = 20           # seconds for one QMP exchange or wait
PR_SET_PDEATHSIG = 1
PERTURB = 165              # MALLOC_PERTURB_ of the perturbed-heap loads

_children = []


class HarnessError(Exception):
    pass


def _die_with_parent():
    # In timeout(1), before its exec: a session of its own, and SIGTERM
    # when this script dies however it dies, which timeout(1) passes on to
    # QEMU (and follows with SIGKILL after -k).
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def kill_all():
    for p in _children:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    _children.clear()


def _on_signal(signum, _frame):
    kill_all()
    sys.exit(128 + signum)


def release_version(emulator):
    """(X.Y, X.Y.Z) from `EMULATOR --version`."""
    out = subprocess.run([emulator, "--version"], capture_output=True, text=True,
                         timeout=QMP_TIMEOUT, check=True).stdout
    words = out.split()
    if len(words) < 4 or words[:3] != ["QEMU", "emulator", "version"]:
        raise HarnessError("%s --version: unexpected output %r" % (emulator, out[:80]))
    full = words[3]
    return ".".join(full.split(".")[:2]), full


class Qemu:
    """One QEMU under TCG with a QMP socket, in its own process group."""

    def __init__(self, workdir, name, emulator, machine, model, extra=(), perturb=None):
        self.sock_path = os.path.join(workdir, name + ".qmp")
        self.err_path = os.path.join(workdir, name + ".stderr")
        for p in (self.sock_path,):
            if os.path.exists(p):
                os.unlink(p)
        argv = ["timeout", "-k", "5", "-s", "KILL", str(QEMU_TIMEOUT), emulator,
                "-S", "-nodefaults", "-no-user-config", "-display", "none",
                "-nic", "none", "-machine", machine, "-accel", "tcg",
                "-cpu", model, "-m", "64", "-smp", "1",
                "-qmp", "unix:%s,server=on,wait=off" % self.sock_path] + list(extra)
        self.argv = argv
        # glibc's MALLOC_PERTURB_ (meson sets it for tests) fills fresh heap
        # memory with a pattern; a destination QEMU writes its uninitialised
        # cpreg_values to the registers a stream lacks, so it changes
        # outcomes. QEMU runs without it, as in production, unless asked.
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
        if perturb is not None:
            env["MALLOC_PERTURB_"] = str(perturb)
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env,
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         preexec_fn=_die_with_parent)
        _children.append(self.proc)
        self.sock = None
        self.buf = b""

    def connect(self):
        """Connect to QMP; False when QEMU exited first."""
        deadline = time.monotonic() + QMP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(QMP_TIMEOUT)
            try:
                s.connect(self.sock_path)
            except OSError:
                s.close()
                time.sleep(0.02)
                continue
            self.sock = s
            try:
                greeting = self._read()
                if "QMP" not in greeting:
                    raise HarnessError("no QMP greeting: %r" % greeting)
                self.cmd("qmp_capabilities")
            except (OSError, HarnessError):
                # QEMU may be exiting (a failed load) while we talk.
                if self.exited():
                    return False
                raise
            return True
        raise HarnessError("no QMP socket after %d s: %s" % (QMP_TIMEOUT, " ".join(self.argv)))

    def exited(self):
        """Whether QEMU exits within a few seconds (after a closed socket)."""
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise HarnessError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, fds=(), **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        data = (json.dumps(msg) + "\n").encode()
        if fds:
            socket.send_fds(self.sock, [data], list(fds))
        else:
            self.sock.sendall(data)
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise HarnessError("QMP %s: %s" % (name, reply["error"].get("desc")))
            return reply["return"]

    def poll_until(self, name, key, done, **args):
        """Repeat NAME until reply[KEY] is in DONE; the last value."""
        deadline = time.monotonic() + QMP_TIMEOUT
        while time.monotonic() < deadline:
            value = self.cmd(name, **args).get(key)
            if value in done:
                return value
            time.sleep(0.05)
        raise HarnessError("%s: %s still not in %s after %d s" % (name, key, done, QMP_TIMEOUT))

    def stderr_lines(self):
        with open(self.err_path, errors="replace") as f:
            return [line.rstrip("\n") for line in f if line.strip()]

    def finish(self):
        """Quit (if QMP is up) and reap; the exit status."""
        if self.sock and self.proc.poll() is None:
            try:
                self.cmd("quit")
            except (OSError, HarnessError):
                pass
        try:
            rc = self.proc.wait(timeout=QMP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait()
        if self.sock:
            self.sock.close()
        _children.remove(self.proc)
        return rc


def save_stream(workdir, emulator, machine, model, path):
    """The source side: a fresh TCG vCPU's state into PATH."""
    name = "save-" + os.path.basename(path)
    q = Qemu(workdir, name, emulator, machine, model)
    try:
        if not q.connect():
            raise HarnessError("source QEMU exited: %s" % " / ".join(q.stderr_lines()))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            q.cmd("getfd", fds=[fd], fdname="stream")
        finally:
            os.close(fd)
        q.cmd("migrate", uri="fd:stream")
        status = q.poll_until("query-migrate", "status", ("completed", "failed", "cancelled"))
        if status != "completed":
            raise HarnessError("saving %s: migration %s: %s" %
                               (path, status, " / ".join(q.stderr_lines())))
    finally:
        rc = q.finish()
    if rc != 0:
        raise HarnessError("source QEMU for %s exited %d: %s" % (path, rc, q.stderr_lines()))


def load_stream(workdir, emulator, machine, model, path, tag, perturb=None):
    """The destination side: (outcome, stderr lines)."""
    incoming = "exec:cat %s" % shlex.quote(path)
    q = Qemu(workdir, "load-" + tag, emulator, machine, model, ["-incoming", incoming],
             perturb)
    outcome = None
    try:
        if q.connect():
            try:
                # With -S, 7.2 ends an incoming migration in "prelaunch",
                # later releases in "paused".
                mig = q.poll_until("query-migrate", "status", ("completed", "failed"))
                status = q.cmd("query-status")["status"]
                if mig != "completed" or status not in ("paused", "prelaunch"):
                    raise HarnessError("%s: migration %s, destination %s" % (tag, mig, status))
                q.cmd("cont")
                status = q.poll_until("query-status", "status", ("running",))
                outcome = "loaded" if status == "running" else None
            except (OSError, HarnessError):
                if not q.exited():
                    raise
    finally:
        rc = q.finish()
    lines = q.stderr_lines()
    if outcome is None:
        # QEMU's exit after a failed load is 1; a signal (our timeout's
        # KILL is -9 from timeout(1), 137) is the harness's failure.
        if rc != 1:
            raise HarnessError("%s: destination QEMU exited %d without loading: %s" %
                               (tag, rc, lines))
        outcome = "failed"
    elif rc != 0:
        raise HarnessError("%s: destination QEMU loaded but exited %d: %s" % (tag, rc, lines))
    return outcome, lines


# ---------------------------------------------------------------------------
# The registers behind a failure. QEMU before 11.1 names none when
# cpu_post_load fails ("error while loading state for instance 0x0 of
# device 'cpu'" / "Operation not permitted"), and stops at the length check
# before it looks at any ("Failed to load cpu:cpreg_vmstate_array_len").
# So the harness asks QEMU itself, with edited streams (FACTS.md section 4:
# in the "cpu" section a be32 length, then N be64 ids, then N be64 values):
# the carrier is the destination's own stream of the same CPU model and
# machine (it loads: that is the same-release control), and one difference
# of the source at a time is put into its cpreg arrays -- a register only
# the source lists (added), a value that differs (the source's), a register
# only the destination lists (left out of the stream). Each edit that makes
# the load fail is behind the failure. A register added to a destination
# whose length check is tight takes the place of a register only the
# destination lists whose absence was harmless. Then the source's own
# stream with the destination's cpreg arrays says whether anything outside
# the cpreg list fails too (a vmstate subsection the destination does not
# know, such as 10.0's cpu/wfxt-timer on 7.2). Every edited load runs
# twice, the second time with MALLOC_PERTURB_ set: a register whose
# outcome differs ("heap_dependent") is one QEMU fills from uninitialised
# memory when the stream lacks it.


def cpu_arrays(data):
    """(offset of the length, N) of the first "cpu" section's cpreg arrays
    (tests/lab/labtool.py reads them)."""
    if data[:4] != b"QEVM":
        raise HarnessError("not a QEMU migration stream")
    found = labtool.cpreg_arrays(data)
    if found is None:
        raise HarnessError("no cpreg arrays in the cpu section")
    return found


def stream_regs(path):
    """{id: value} of a stream's cpreg list."""
    with open(path, "rb") as f:
        data = f.read()
    pos, n = cpu_arrays(data)
    ids = struct.unpack_from(">%dQ" % n, data, pos + 4)
    values = struct.unpack_from(">%dQ" % n, data, pos + 4 + 8 * n)
    return dict(zip(ids, values))


def rewrite_stream(src_path, regs, out_path):
    """SRC's stream with its cpreg arrays replaced by REGS ({id: value})."""
    with open(src_path, "rb") as f:
        data = f.read()
    pos, n = cpu_arrays(data)
    ids = sorted(regs)
    arrays = struct.pack(">i%dQ%dQ" % (len(ids), len(ids)), len(ids), *ids,
                         *(regs[i] for i in ids))
    with open(out_path, "wb") as f:
        f.write(data[:pos] + arrays + data[pos + 4 + 16 * n:])


def cpu_subsections(path):
    """The cpu subsections a stream's VM description lists."""
    with open(path, "rb") as f:
        data = f.read()
    return sorted({m.decode() for m in re.findall(rb'"vmsd_name": "(cpu/[A-Za-z0-9_-]+)"', data)})


def attribute(work, emulator, machine, model, stream, dest_stream, tag):
    """What QEMU says about each difference behind a failed load."""
    src, dst = stream_regs(stream), stream_regs(dest_stream)
    res = {"culprits": {}, "innocent": [], "untested": [], "heap_dependent": [],
           "only_in_source": ["0x%016x" % i for i in sorted(set(src) - set(dst))],
           "only_in_destination": ["0x%016x" % i for i in sorted(set(dst) - set(src))],
           "differing": ["0x%016x" % i for i in sorted(i for i in set(src) & set(dst)
                                                         if src[i] != dst[i])]}
    path = os.path.join(work, tag + ".edited.mig")
    n = [0]

    def fails(carrier, regs, key):
        rewrite_stream(carrier, regs, path)
        n[0] += 1
        outcome, lines = load_stream(work, emulator, machine, model, path, "%s-%d" % (tag, n[0]))
        # The same load with a perturbed heap: a different outcome means
        # QEMU decided on uninitialised memory.
        perturbed, _ = load_stream(work, emulator, machine, model, path,
                                   "%s-%d-perturbed" % (tag, n[0]), perturb=PERTURB)
        if perturbed != outcome:
            res["heap_dependent"].append(key)
        if outcome == "failed":
            res["culprits"][key] = lines
        else:
            res["innocent"].append(key)
        return outcome == "failed"

    # The carrier rewritten with its own registers must load, or the edits
    # prove nothing.
    rewrite_stream(dest_stream, dst, path)
    outcome, lines = load_stream(work, emulator, machine, model, path, tag + "-identity")
    if outcome != "loaded":
        raise HarnessError("%s: the destination's own stream, rewritten unchanged, "
                           "does not load: %s" % (tag, lines))
    room = None
    for key in res["only_in_destination"]:
        regs = dict(dst)
        del regs[int(key, 16)]
        if not fails(dest_stream, regs, key) and room is None:
            room = int(key, 16)
    for key in res["differing"]:
        regs = dict(dst)
        regs[int(key, 16)] = src[int(key, 16)]
        fails(dest_stream, regs, key)
    for key in res["only_in_source"]:
        regs = dict(dst)
        if room is not None:
            del regs[room]
        elif len(src) > len(dst):
            res["untested"].append(key)
            continue
        regs[int(key, 16)] = src[int(key, 16)]
        fails(dest_stream, regs, key)
    # Outside the cpreg list: the source's stream with the destination's arrays.
    rewrite_stream(stream, dst, path)
    outcome, lines = load_stream(work, emulator, machine, model, path, tag + "-outside")
    res["outside"] = {"outcome": outcome, "stderr": lines,
                      "subsections_unknown": sorted(set(cpu_subsections(stream)) -
                                                    set(cpu_subsections(dest_stream)))}
    os.unlink(path)
    return res


def older(a, b):
    key = lambda v: tuple(int(x) for x in v.split("."))
    return min(a, b, key=key)


def pair_machine(src, dst, rels):
    """The machine type of a pair: the older release's; a same-release
    control runs under the machine type of the oldest release in the run,
    as the cross-release pairs it controls do."""
    if src == dst:
        oldest = rels[0]
        for r in rels:
            oldest = older(oldest, r)
        return "virt-" + oldest
    return "virt-" + older(src, dst)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: migrate.py OUTDIR RELEASE=EMULATOR...")
    out = sys.argv[1]
    emulators = dict(arg.split("=", 1) for arg in sys.argv[2:])
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    work = os.path.join(out, "work")
    streams_dir = os.path.join(out, "streams")
    os.makedirs(work, exist_ok=True)
    os.makedirs(streams_dir, exist_ok=True)
    res = {"releases": {}, "streams": {}, "loads": []}
    try:
        for rel, emu in emulators.items():
            short, full = release_version(emu)
            if short != rel:
                raise HarnessError("%s is QEMU %s, not %s" % (emu, full, rel))
            res["releases"][rel] = {"emulator": emu, "version": full}
        rels = list(emulators)
        pairs = [(s, d) for s in rels for d in rels]
        for rel in rels:
            for model in MODELS:
                for machine in sorted({pair_machine(s, d, rels) for s, d in pairs
                                       if rel in (s, d)}):
                    key = "%s/%s/%s" % (rel, model, machine)
                    path = os.path.join(streams_dir, "%s-%s-%s.mig" % (rel, model, machine))
                    t = time.monotonic()
                    save_stream(work, emulators[rel], machine, model, path)
                    res["streams"][key] = {"path": path,
                                           "seconds": round(time.monotonic() - t, 2)}
                    print("saved %s (%d bytes)" % (key, os.path.getsize(path)), flush=True)
        for model in MODELS:
            for src, dst in pairs:
                machine = pair_machine(src, dst, rels)
                stream = res["streams"]["%s/%s/%s" % (src, model, machine)]["path"]
                tag = "%s-to-%s-%s-%s" % (src, dst, model, machine)
                t = time.monotonic()
                outcome, lines = load_stream(work, emulators[dst], machine, model, stream, tag)
                res["loads"].append({
                    "source": src, "destination": dst, "model": model, "machine": machine,
                    "stream": stream, "outcome": outcome, "stderr": lines,
                    "seconds": round(time.monotonic() - t, 2)})
                if outcome == "failed":
                    own = res["streams"]["%s/%s/%s" % (dst, model, machine)]["path"]
                    res["loads"][-1]["attribution"] = attribute(
                        work, emulators[dst], machine, model, stream, own, tag)
                print("%-6s -> %-6s %-12s %-9s %s%s" % (
                    src, dst, model, machine, outcome,
                    (": " + " / ".join(lines)) if outcome == "failed" else ""), flush=True)
                if outcome == "failed":
                    att = res["loads"][-1]["attribution"]
                    print("    behind the failure: %s; outside the cpreg list: %s %s" % (
                        ", ".join(att["culprits"]) or "no register",
                        att["outside"]["outcome"],
                        " ".join(att["outside"]["subsections_unknown"])), flush=True)
    except (HarnessError, OSError, subprocess.SubprocessError) as e:
        print("migrate.py: harness error: %s" % e, file=sys.stderr)
        kill_all()
        return 1
    finally:
        kill_all()
    with open(os.path.join(out, "migrations.json"), "w") as f:
        json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
