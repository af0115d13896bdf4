#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""validate-check.py SCHEMA JSON EXPECT...: checks virt-cpreg validate --json.

The output must match SCHEMA (schemas/validate.schema.json). Each EXPECT is
ID=STATUS, then optionally ~TEXT (the check's message holds TEXT) and
!TEXT (it does not), or
--others=PASS: every check not named is PASS, except the arm64 KVM ones
(kvm, kvm-masks), which may say "not an arm64 KVM host" off arm64, or
--rc=N: validate's exit status N is 1 if a check is FAIL, else 0.
Prints one line per check; exit 1 with the reason on the first mismatch.
"""
import json
import os
import re
import sys

import jsonschema

ARM64_ONLY = ("kvm", "kvm-masks")


def fail(msg):
    print("validate-check: " + msg)
    sys.exit(1)


def expect_others_pass(checks, named):
    arm64_kvm = os.uname().machine == "aarch64" and os.path.exists("/dev/kvm")
    for c in checks:
        if c["id"] in named or c["status"] == "PASS":
            continue
        if c["id"] in ARM64_ONLY and not arm64_kvm and c["status"] == "WARN" \
                and "not an arm64 KVM host" in c["message"]:
            continue
        fail("%s is %s, not PASS: %s" % (c["id"], c["status"], c["message"]))


def main():
    schema = json.load(open(sys.argv[1]))
    out = json.load(open(sys.argv[2]))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(out)
    checks = out["checks"]
    by_id = {c["id"]: c for c in checks}
    for c in checks:
        print("%s: %s (%s)" % (c["id"], c["status"], c["message"]))
    named = set()
    for arg in sys.argv[3:]:
        if arg == "--others=PASS":
            continue
        if arg.startswith("--rc="):
            want = 1 if any(c["status"] == "FAIL" for c in checks) else 0
            if int(arg[5:]) != want:
                fail("exit status %s, not %d" % (arg[5:], want))
            continue
        m = re.fullmatch(r"([^=]+)=(PASS|WARN|FAIL)(?:~([^!]*))?(?:!(.*))?", arg) \
            or fail("bad expectation %s" % arg)
        cid, status, text, absent = m.groups()
        named.add(cid)
        c = by_id.get(cid) or fail("no check %s" % cid)
        if c["status"] != status:
            fail("%s is %s, not %s: %s" % (cid, c["status"], status, c["message"]))
        if text and text not in c["message"]:
            fail("%s does not say '%s': %s" % (cid, text, c["message"]))
        if absent and absent in c["message"]:
            fail("%s says '%s': %s" % (cid, absent, c["message"]))
    if "--others=PASS" in sys.argv[3:]:
        expect_others_pass(checks, named)


main()
