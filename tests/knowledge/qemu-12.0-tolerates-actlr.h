/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One QEMU fact, as the single row cpreg-knowledge.c would take for it:
 * "QEMU 12.0 tolerates ACTLR_EL1 on either side" (a release that does not
 * exist; test-knowledge-qemu is built with it).
 */
#define VIR_CPREG_TEST_QEMU_ROW { \
    .version = "12.0", .major = 12, .minor = 0, \
    .checks_past_end = TRUE, .psci_property = TRUE, \
    .tolerates = (const virCpregTolerance[]) { \
        { .id = VIR_CPREG_SYSREG(3, 0, 1, 0, 1), .how = VIR_CPREG_TOLERATE_NOT_ON_BOTH_ENDS, \
          .why = "ACTLR_EL1: a test row" }, \
        { 0 }, \
    }, \
    .cite = "tests/knowledge/qemu-12.0-tolerates-actlr.h", \
}
