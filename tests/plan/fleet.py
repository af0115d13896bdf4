# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab's fleet as a virt-cpreg plan directory (virt-cpreg(1), PLAN).

Four hosts on the lab's kernels and Debian's QEMU for them, each running
one guest stamped (virt-cpreg stamp) with its host's profile. For the
tests, trixie's profile on 7.3 is given as predicted/trixie.regs (the real
7.3 probe). Run as a program, it builds the README's example from a lab
run instead, each host with its kernel's image for the emulated probes:

    fleet.py VIRT_CPREG DIR [LAB_CACHE]
    virt-cpreg plan --fleet DIR --upgrade bookworm trixie \
        --kernel LAB_CACHE/kernels/7.3/Image
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


def build(virt_cpreg, path, hosts=HOSTS, predicted=(("trixie", "7.3"),), env=None,
          profile=lab, images=None):
    """The fleet directory at @path; @predicted: (host, kernel) pairs;
    @profile: a kernel's host profile; @images: {kernel: its image}, copied
    into DIR/kernels/ as each host's kernel-image=."""
    os.makedirs(os.path.join(path, "hosts"))
    os.makedirs(os.path.join(path, "predicted"))
    conf = []
    for name, kernel, qemu in hosts:
        ext = os.path.splitext(profile(kernel))[1]
        shutil.copy(profile(kernel), os.path.join(path, "hosts", name + ext))
        conf.append("[%s]\nqemu=%s\n" % (name, qemu))
        if images:
            os.makedirs(os.path.join(path, "kernels"), exist_ok=True)
            shutil.copy(images[kernel], os.path.join(path, "kernels", "linux-" + kernel))
            conf.append("kernel-image=kernels/linux-%s\n" % kernel)
        guests = os.path.join(path, "guests", name)
        os.makedirs(guests)
        xml = os.path.join(path, "vm-%s.in.xml" % name)
        open(xml, "w").write(judge.domain_xml("host", None).replace(
            "<name>lab</name>", "<name>vm-%s</name>" % name))
        out = subprocess.run([virt_cpreg, "stamp", "--xml", xml, "--profile", profile(kernel)],
                             capture_output=True, text=True, check=True, env=env).stdout
        open(os.path.join(guests, "vm-%s.xml" % name), "w").write(out)
        os.unlink(xml)
    open(os.path.join(path, "fleet.conf"), "w").write("".join(conf))
    for name, kernel in predicted:
        shutil.copy(lab(kernel), os.path.join(path, "predicted", name + ".regs"))
    return path


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: fleet.py VIRT_CPREG DIR [LAB_CACHE]")
    cache = sys.argv[3] if len(sys.argv) == 4 else "/var/cache/libvirt-cpreg-lab"
    run = os.path.join(cache, "runs", "latest", "profiles", "trixie")
    build(os.path.abspath(sys.argv[1]), sys.argv[2], predicted=(),
          profile=lambda k: os.path.join(run, "%s-host.json" % k),
          images={k: os.path.join(cache, "kernels", k, "Image") for _, k, _ in HOSTS})


if __name__ == "__main__":
    main()
