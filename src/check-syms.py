#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-syms.py [--write] SYMS HEADER...: every function the public
# headers declare is in the version script, and the script lists nothing
# else. Run by the test suite so that the explicit export list cannot
# drift; --write rewrites SYMS from the headers after an API change.

import re
import sys


def declared(headers):
    names = set()
    for path in headers:
        text = open(path, encoding='utf-8').read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        # static inline helpers are not exported
        text = re.sub(r'static inline[^{]*\{.*?\n\}', '', text, flags=re.S)
        for m in re.finditer(r'^[A-Za-z_][\w \*]*?\b(cpreg[A-Z]\w*)\s*\(', text, flags=re.M):
            names.add(m.group(1))
    return names


def exported(path):
    text = open(path, encoding='utf-8').read()
    return set(re.findall(r'^\s+(cpreg\w+);', text, flags=re.M))


def write(syms, names):
    with open(syms, 'w', encoding='utf-8') as f:
        f.write('# The exported symbols of libvirt-cpreg; everything else is local.\n'
                '# src/check-syms.py (a test) keeps this list and the public headers equal.\n'
                'LIBVIRT_CPREG_0.1 {\n  global:\n')
        f.writelines('    %s;\n' % n for n in sorted(names))
        f.write('  local:\n    *;\n};\n')


def main():
    args = sys.argv[1:]
    if args and args[0] == '--write':
        write(args[1], declared(args[2:]))
        return
    syms, headers = args[0], args[1:]
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
