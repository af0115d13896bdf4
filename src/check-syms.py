#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-syms.py SYMS HEADER...: every function the public headers declare
# is in the version script, and the script lists nothing else. Run by the
# test suite so that the explicit export list cannot drift.

import re
import sys


def declared(headers):
    names = set()
    for path in headers:
        text = open(path, encoding='utf-8').read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        # static inline helpers are not exported
        text = re.sub(r'static inline[^{]*\{.*?\n\}', '', text, flags=re.S)
        for m in re.finditer(r'^[A-Za-z_][\w \*]*?\b(vir[A-Z]\w*)\s*\(', text, flags=re.M):
            names.add(m.group(1))
    return names


def exported(path):
    text = open(path, encoding='utf-8').read()
    return set(re.findall(r'^\s+(vir\w+);', text, flags=re.M))


def main():
    syms, headers = sys.argv[1], sys.argv[2:]
    want, have = declared(headers), exported(syms)
    ok = True
    for n in sorted(want - have):
        print('%s: %s is declared but not exported' % (syms, n))
        ok = False
    for n in sorted(have - want):
        print('%s: %s is exported but not declared' % (syms, n))
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
