/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One kernel fact, as the single row cpreg-knowledge.c would take for it:
 * "kernel 6.12 hides ID_AA64MMFR1_EL1 from guests and ignores a write of
 * the host's own value" (not true of 6.12; test-knowledge-kernel is built
 * with it).
 */
#define VIR_CPREG_TEST_KERNEL_ROW { \
    .release = "6.12", .change = VIR_CPREG_KERNEL_HIDES, \
    .id = VIR_CPREG_SYSREG(3, 0, 0, 7, 1), .why = "a test row", \
    .cite = "tests/knowledge/kernel-hides-mmfr1.h", \
}
