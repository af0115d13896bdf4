#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gen-regtables.py: generate the AArch64 system register name and field
# tables and the AArch32 cp14/cp15 name table (cpreg-regtables.c) from
# src/data/*.tsv at build time.
#
# Usage: gen-regtables.py SYSREGS.tsv FIELDS.tsv AARCH32.tsv OUTPUT.c
#
# The generated file is not committed; the TSV files are the single source
# of truth (see src/data/README.md for where they come from).

import sys

KINDS = {
    'unsigned-enum': 'VIR_CPREG_FIELD_UNSIGNED',
    'signed-enum': 'VIR_CPREG_FIELD_SIGNED',
    'enum': 'VIR_CPREG_FIELD_ENUM',
    'field': 'VIR_CPREG_FIELD_PLAIN',
    'res0': 'VIR_CPREG_FIELD_RES0',
    'res1': 'VIR_CPREG_FIELD_RES1',
    'raz': 'VIR_CPREG_FIELD_RAZ',
    'unkn': 'VIR_CPREG_FIELD_UNKN',
}


def die(msg):
    sys.stderr.write('gen-regtables.py: %s\n' % msg)
    sys.exit(1)


def read_tsv(path, columns):
    with open(path, encoding='utf-8') as f:
        # '#' lines before the header cite the file's sources
        lines = [l for l in f.read().splitlines() if not l.startswith('#')]
    if not lines or lines[0].split('\t') != columns:
        die('%s: unexpected header %r' % (path, lines[:1]))
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split('\t')
        if len(cells) != len(columns):
            die('%s:%d: expected %d columns' % (path, n, len(columns)))
        rows.append((n, cells))
    return rows


def encoding(op0, op1, crn, crm, op2):
    limits = ((op0, 3), (op1, 7), (crn, 15), (crm, 15), (op2, 7))
    for value, limit in limits:
        if not 0 <= value <= limit:
            die('encoding field %d out of range' % value)
    return op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2


def cp_key(cp, opc1, crn, crm, opc2, width):
    """QEMU's ENCODE_CP_REG without the NS bit: cp<<16 | is64<<15 |
    crn<<11 | crm<<7 | opc1<<3 | opc2."""
    limits = ((opc1, 15), (crn, 15), (crm, 15), (opc2, 7))
    for value, limit in limits:
        if not 0 <= value <= limit:
            die('AArch32 encoding field %d out of range' % value)
    if cp not in (14, 15) or width not in (32, 64):
        die('AArch32 row: cp %d width %d' % (cp, width))
    if width == 64 and (crn or opc2):
        die('AArch32 64-bit row with CRn or opc2')
    return cp << 16 | (width == 64) << 15 | crn << 11 | crm << 7 | opc1 << 3 | opc2


def aarch32_rows(path, sysreg_names):
    rows = read_tsv(path, ['name', 'cp', 'opc1', 'crn', 'crm', 'opc2',
                           'width', 'source'])
    regs = []
    seen = {}
    for n, (name, cp, opc1, crn, crm, opc2, width, _source) in rows:
        upper = name.upper()
        # NAME_S names the Secure bank (QEMU's convention), NAME the
        # Non-secure one: a row name must not already end that way, and
        # must not be an AArch64 name, so that every name parses back.
        if upper in seen or upper in sysreg_names or upper.endswith('_S'):
            die('%s:%d: name %s is taken or ambiguous' % (path, n, name))
        key = cp_key(int(cp), int(opc1), int(crn), int(crm), int(opc2),
                     int(width))
        if key in seen.values():
            die('%s:%d: encoding listed twice' % (path, n))
        seen[upper] = key
        regs.append((key, name))
    regs.sort(key=lambda r: r[0])
    return regs


def emit_name_index(out, prefix, names):
    """PREFIXByName[]: indexes into PREFIXTable, in the order of names."""
    order = sorted(range(len(names)), key=lambda i: names[i])
    out.append('/* Indexes into %sTable, sorted by name. */' % prefix)
    out.append('const unsigned short %sByName[] = {' % prefix)
    for i in range(0, len(order), 12):
        out.append('    ' + ', '.join('%d' % x for x in order[i:i + 12]) + ',')
    out.append('};')
    out.append('')


def emit_aarch32(out, regs):
    out.append('const virCpregAarch32Name virCpregAarch32Table[] = {')
    for key, name in regs:
        out.append('    { "%s", "%s_S", 0x%05x },' % (name, name, key))
    out.append('};')
    out.append('const size_t virCpregAarch32TableLen = %d;' % len(regs))
    out.append('')
    # g_ascii_strcasecmp() order: case-folded to lower case
    emit_name_index(out, 'virCpregAarch32', [name.lower() for _key, name in regs])


def main():
    if len(sys.argv) != 5:
        die('usage: gen-regtables.py SYSREGS.tsv FIELDS.tsv AARCH32.tsv OUTPUT.c')
    sysregs = read_tsv(sys.argv[1],
                       ['name', 'op0', 'op1', 'crn', 'crm', 'op2', 'source'])
    fields = read_tsv(sys.argv[2],
                      ['register', 'field', 'msb', 'lsb', 'kind'])

    regs = []
    seen = {}
    for n, (name, op0, op1, crn, crm, op2, _source) in sysregs:
        name = name.upper()
        if name in seen:
            die('line %d: %s listed twice' % (n, name))
        enc = encoding(int(op0), int(op1), int(crn), int(crm), int(op2))
        seen[name] = enc
        regs.append((enc, name))
    # Stable sort: for a shared encoding the primary row (first in the
    # file) stays first, so a lookup by encoding finds the primary name.
    regs.sort(key=lambda r: r[0])

    by_reg = {}
    for n, (reg, fname, msb, lsb, kind) in fields:
        reg = reg.upper()
        if reg not in seen:
            die('fields line %d: unknown register %s' % (n, reg))
        if kind not in KINDS:
            die('fields line %d: unknown kind %s' % (n, kind))
        msb, lsb = int(msb), int(lsb)
        if not 0 <= lsb <= msb <= 63:
            die('fields line %d: bad bit range' % n)
        by_reg.setdefault(reg, []).append((fname, msb, lsb, KINDS[kind]))

    out = []
    out.append('/* Generated by gen-regtables.py from src/data (TSV): '
               'do not edit. */')
    out.append('#include "cpreg-regtables.h"')
    out.append('')
    out.append('const virCpregField virCpregFieldTable[] = {')
    first = {}
    index = 0
    # Fields are attached to each register in table order, so that alias
    # rows with their own field lists keep them.
    for _enc, name in regs:
        if name not in by_reg:
            continue
        first[name] = index
        for fname, msb, lsb, kind in by_reg[name]:
            out.append('    { "%s", %d, %d, %s },' % (fname, msb, lsb, kind))
            index += 1
    out.append('};')
    out.append('')
    out.append('const virCpregSysreg virCpregSysregTable[] = {')
    for enc, name in regs:
        nfields = len(by_reg.get(name, []))
        out.append('    { "%s", 0x%04x, %d, %d },' %
                   (name, enc, first.get(name, 0), nfields))
    out.append('};')
    out.append('const size_t virCpregSysregTableLen = %d;' % len(regs))
    out.append('')
    emit_name_index(out, 'virCpregSysreg', [name for _enc, name in regs])

    emit_aarch32(out, aarch32_rows(sys.argv[3], seen))

    with open(sys.argv[4], 'w', encoding='utf-8') as f:
        f.write('\n'.join(out))


if __name__ == '__main__':
    main()
