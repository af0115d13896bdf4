# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab's fleet as a virt-cpreg plan directory (virt-cpreg(1), PLAN).

Four hosts on the lab's kernels and Debian's QEMU for them, each running
one guest stamped (virt-cpreg stamp) with its host's profile, and trixie's
profile on 7.3 given as predicted/trixie.regs: the real 7.3 probe, until
virt-cpreg predict computes it.
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(ROOT, "tests", "fixtures", "lab")
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import judge  # noqa: E402  (the lab's domain XML)

CONFIG = "max-pmu-sve-ptrauth"
HOSTS = [("bookworm", "6.1", "7.2"), ("trixie", "6.12", "10.0"),
         ("sid", "7.2", "11.1"), ("backports", "7.3", "10.0")]


def lab(kernel):
    return os.path.join(LAB, "linux-%s-%s.regs" % (kernel, CONFIG))


def build(virt_cpreg, path, hosts=HOSTS, predicted=(("trixie", "7.3"),), env=None):
    """The fleet directory at @path; @predicted: (host, kernel) pairs."""
    os.makedirs(os.path.join(path, "hosts"))
    os.makedirs(os.path.join(path, "predicted"))
    conf = []
    for name, kernel, qemu in hosts:
        shutil.copy(lab(kernel), os.path.join(path, "hosts", name + ".regs"))
        conf.append("[%s]\nqemu=%s\n" % (name, qemu))
        guests = os.path.join(path, "guests", name)
        os.makedirs(guests)
        xml = os.path.join(path, "vm-%s.in.xml" % name)
        open(xml, "w").write(judge.domain_xml("host", None).replace(
            "<name>lab</name>", "<name>vm-%s</name>" % name))
        out = subprocess.run([virt_cpreg, "stamp", "--xml", xml, "--profile", lab(kernel)],
                             capture_output=True, text=True, check=True, env=env).stdout
        open(os.path.join(guests, "vm-%s.xml" % name), "w").write(out)
        os.unlink(xml)
    open(os.path.join(path, "fleet.conf"), "w").write("".join(conf))
    for name, kernel in predicted:
        shutil.copy(lab(kernel), os.path.join(path, "predicted", name + ".regs"))
    return path
