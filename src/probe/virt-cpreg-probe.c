/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt-cpreg-probe: the static arm64 KVM register probe of libvirt-cpreg.
 *
 *   virt-cpreg-probe [--features LIST] [--trial FILE] [--kvm PATH]
 *
 * Creates a scratch VM with one vCPU, initialises it with the requested
 * vCPU features and prints what this kernel lists for it (KVM_GET_REG_LIST),
 * the value of every register up to 64 bits wide (KVM_GET_ONE_REG) and, for
 * the feature ID registers, the bits userspace may change
 * (KVM_ARM_GET_REG_WRITABLE_MASKS), as a libvirt-cpreg profile (JSON).
 *
 * With --trial FILE, a plain dump of a source host's register values, it
 * also writes every one of them that this kernel lists into a second, fresh
 * vCPU and reports what KVM_SET_ONE_REG made of it: the question a
 * migration destination answers when QEMU loads the cpreg list.
 *
 * Self-contained on purpose: libc and the Linux uapi headers only, so that
 * it links statically and runs in an initramfs or on a bare host.
 *
 * Console mode: `virt-cpreg-probe --console --config LIST [--config LIST]...`
 * probes each vCPU configuration in turn (in a child process, so that no
 * failure of one stops the others) and prints, for each, its stdout and
 * stderr between marker lines, base64 with their length and checksum, so
 * that a reader of a serial console with kernel messages in between gets
 * every byte or knows it did not (see "Console mode" below). As /init (PID 1,
 * `virt-cpreg probe --kernel` boots it so) it is always in console mode:
 * it mounts proc, sysfs and devtmpfs (for /dev/kvm), takes its arguments
 * from the kernel command line (the words after " -- ") and powers the
 * machine off when done, whatever happened.
 *
 * Exit status: 0 success; 1 KVM failed unexpectedly; 2 bad usage or input,
 * no usable KVM device, a vCPU feature KVM does not offer, or not arm64.
 */

#define _POSIX_C_SOURCE 200809L
#ifndef _DEFAULT_SOURCE
# define _DEFAULT_SOURCE 1          /* mount(2), reboot(2) */
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#define PROG "virt-cpreg-probe"

#define ARRAY_CARDINALITY(a) (sizeof(a) / sizeof((a)[0]))

enum {
    PROBE_EXIT_OK = 0,
    PROBE_EXIT_KVM = 1,       /* an ioctl failed that should not have */
    PROBE_EXIT_USAGE = 2,     /* bad usage/input, no KVM, wrong host */
};

/* Bounds: nothing read from the kernel or a file is trusted to be small. */
#define TRIAL_FILE_MAX (1024 * 1024)     /* bytes */
#define TRIAL_REGS_MAX 16384             /* entries in a trial file */
#define REG_LIST_MAX 65536               /* KVM_GET_REG_LIST entries */
#define IOCTL_EINTR_RETRIES 16

/* ------------------------------------------------------------------------
 * Register ids (include/uapi/linux/kvm.h, arch/arm64/include/uapi/asm/kvm.h)
 *
 * Decoded here with local constants so that the input checks also build on
 * other architectures; on arm64 they are checked against the uapi headers.
 */
#define REG_ARM64            0x6000000000000000ULL  /* KVM_REG_ARM64 */
#define REG_COPROC_SHIFT     16                     /* KVM_REG_ARM_COPROC_SHIFT */
#define REG_COPROC_MASK      0x000000000fff0000ULL  /* KVM_REG_ARM_COPROC_MASK */
#define REG_COPROC_CORE      0x0010                 /* KVM_REG_ARM_CORE */
#define REG_COPROC_SYSREG    0x0013                 /* KVM_REG_ARM64_SYSREG */
#define REG_COPROC_SVE       0x0015                 /* KVM_REG_ARM64_SVE */
#define REG_MIDR_EL1         0x603000000013c000ULL  /* SYSREG (3, 0, 0, 0, 0) */
#define FEATURE_ID_RANGE_SIZE (3 * 8 * 8)           /* KVM_ARM_FEATURE_ID_RANGE_SIZE */

/*
 * KVM_ARM_VCPU_INIT feature bit numbers (arch/arm64/include/uapi/asm/kvm.h).
 */
enum {
    VCPU_FEAT_PSCI_0_2 = 2,
    VCPU_FEAT_PMU_V3 = 3,
    VCPU_FEAT_SVE = 4,
    VCPU_FEAT_PTRAUTH_ADDRESS = 5,
    VCPU_FEAT_PTRAUTH_GENERIC = 6,
};

#if defined(__aarch64__)
_Static_assert(REG_ARM64 == KVM_REG_ARM64, "KVM_REG_ARM64");
_Static_assert(REG_COPROC_SHIFT == KVM_REG_ARM_COPROC_SHIFT, "coproc shift");
_Static_assert(REG_COPROC_MASK == KVM_REG_ARM_COPROC_MASK, "coproc mask");
_Static_assert(REG_COPROC_CORE == (KVM_REG_ARM_CORE >> KVM_REG_ARM_COPROC_SHIFT),
               "KVM_REG_ARM_CORE");
_Static_assert(REG_COPROC_SYSREG == (KVM_REG_ARM64_SYSREG >> KVM_REG_ARM_COPROC_SHIFT),
               "KVM_REG_ARM64_SYSREG");
_Static_assert(REG_COPROC_SVE == (KVM_REG_ARM64_SVE >> KVM_REG_ARM_COPROC_SHIFT),
               "KVM_REG_ARM64_SVE");
_Static_assert(VCPU_FEAT_PSCI_0_2 == KVM_ARM_VCPU_PSCI_0_2, "PSCI_0_2");
_Static_assert(VCPU_FEAT_PMU_V3 == KVM_ARM_VCPU_PMU_V3, "PMU_V3");
_Static_assert(VCPU_FEAT_SVE == KVM_ARM_VCPU_SVE, "SVE");
_Static_assert(VCPU_FEAT_PTRAUTH_ADDRESS == KVM_ARM_VCPU_PTRAUTH_ADDRESS, "PTRAUTH_A");
_Static_assert(VCPU_FEAT_PTRAUTH_GENERIC == KVM_ARM_VCPU_PTRAUTH_GENERIC, "PTRAUTH_G");
#endif

/*
 * KVM_ARM_GET_REG_WRITABLE_MASKS appeared in Linux 6.7 (commit 3f9cd0ca8484,
 * "KVM: arm64: Allow userspace to get the writable masks for feature ID
 * registers"); Debian 12's cross headers are 6.1, so carry the uapi here.
 * The kernel side is found at run time through the capability.
 */
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
# define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230
#endif
#if defined(__aarch64__) && !defined(KVM_ARM_FEATURE_ID_RANGE)
# define KVM_ARM_FEATURE_ID_RANGE 0
# define KVM_ARM_FEATURE_ID_RANGE_SIZE (3 * 8 * 8)
struct reg_mask_range {
    __u64 addr;              /* pointer to the mask array */
    __u32 range;             /* requested range */
    __u32 reserved[13];
};
#endif
#if defined(__aarch64__) && !defined(KVM_ARM_GET_REG_WRITABLE_MASKS)
# define KVM_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct reg_mask_range)
#endif
#if defined(__aarch64__)
_Static_assert(FEATURE_ID_RANGE_SIZE == KVM_ARM_FEATURE_ID_RANGE_SIZE, "ID range");
#endif

static unsigned int
reg_coproc(uint64_t id)
{
    return (unsigned int)((id & REG_COPROC_MASK) >> REG_COPROC_SHIFT);
}

static bool
reg_is_arm64(uint64_t id)
{
    return (id & KVM_REG_ARCH_MASK) == REG_ARM64;
}

/* Size in bytes: bits 52..55 hold log2 of it (KVM_REG_SIZE()). */
static uint64_t
reg_size(uint64_t id)
{
    unsigned int shift = (unsigned int)((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);

    return UINT64_C(1) << shift;
}

/*
 * The feature ID space (DDI0487, D19.2.66, quoted in the uapi header):
 * op0 == 3, op1 in {0, 1, 3}, CRn == 0, CRm 0..7, op2 0..7. This is the
 * range KVM_ARM_GET_REG_WRITABLE_MASKS describes; on success *idx is the
 * register's slot, as KVM_ARM_FEATURE_ID_RANGE_IDX() computes it.
 */
static bool
reg_feature_id_index(uint64_t id, unsigned int *idx)
{
    unsigned int op0 = (unsigned int)(id >> 14) & 3;
    unsigned int op1 = (unsigned int)(id >> 11) & 7;
    unsigned int crn = (unsigned int)(id >> 7) & 15;
    unsigned int crm = (unsigned int)(id >> 3) & 15;
    unsigned int op2 = (unsigned int)id & 7;

    if (!reg_is_arm64(id) || reg_coproc(id) != REG_COPROC_SYSREG ||
        reg_size(id) != 8)
        return false;
    if (op0 != 3 || crn != 0 || crm > 7 || op1 == 2 || op1 > 3)
        return false;
    *idx = (op1 == 3 ? 2 : op1) << 6 | crm << 3 | op2;
    return true;
}

/*
 * QEMU migrates CORE registers (struct kvm_regs) and SVE registers as
 * separate vmstate fields, not through its cpreg list: the trial leaves
 * them out, as target/arm/kvm.c's kvm_arm_reg_syncs_via_cpreg_list() does.
 */
static bool
reg_in_cpreg_list(uint64_t id)
{
    if (!reg_is_arm64(id))
        return true;
    switch (reg_coproc(id)) {
    case REG_COPROC_CORE:
    case REG_COPROC_SVE:
        return false;
    default:
        return true;
    }
}

static int
u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------
 * Messages
 */

static void __attribute__((format(printf, 1, 2)))
probe_error(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Symbolic errno names for the trial's "errno" field. */
static const struct {
    int num;
    const char *name;
} errno_names[] = {
    { EPERM, "EPERM" },
    { ENOENT, "ENOENT" },
    { EINTR, "EINTR" },
    { EIO, "EIO" },
    { ENXIO, "ENXIO" },
    { E2BIG, "E2BIG" },
    { ENOEXEC, "ENOEXEC" },
    { EBADF, "EBADF" },
    { EAGAIN, "EAGAIN" },
    { ENOMEM, "ENOMEM" },
    { EACCES, "EACCES" },
    { EFAULT, "EFAULT" },
    { EBUSY, "EBUSY" },
    { EEXIST, "EEXIST" },
    { ENODEV, "ENODEV" },
    { EINVAL, "EINVAL" },
    { ENOSPC, "ENOSPC" },
    { ERANGE, "ERANGE" },
    { ENOSYS, "ENOSYS" },
    { ENOTTY, "ENOTTY" },
    { EOPNOTSUPP, "EOPNOTSUPP" },
};

static const char *
errno_name(int num, char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < ARRAY_CARDINALITY(errno_names); i++) {
        if (errno_names[i].num == num)
            return errno_names[i].name;
    }
    snprintf(buf, len, "errno %d", num);
    return buf;
}

/* ------------------------------------------------------------------------
 * vCPU features
 *
 * PSCI 0.2 is always requested, as QEMU does for its -M virt vCPUs.
 * "pauth" is address and generic authentication together: KVM refuses to
 * initialise a vCPU with only one of them (-EINVAL, "both address/generic
 * pointer authentication features are requested by the userspace together").
 * An SVE vCPU must be finalized (KVM_ARM_VCPU_FINALIZE) before
 * KVM_GET_REG_LIST answers: arch/arm64/kvm/arm.c, kvm_arch_vcpu_ioctl(),
 * returns -EPERM until kvm_arm_vcpu_is_finalized().
 */
struct probe_cap {
    long num;                    /* KVM_CAP_*; 0 = unused slot */
    const char *name;
};

#define PROBE_CAP(cap) { cap, #cap }

struct probe_feature {
    const char *name;
    unsigned int init_bits[2];   /* KVM_ARM_VCPU_* bits; 0 = unused slot */
    struct probe_cap caps[2];    /* capabilities KVM must report */
    bool finalize;               /* KVM_ARM_VCPU_FINALIZE(finalize_what) */
    int finalize_what;
};

static const struct probe_feature probe_features[] = {
    { "pmu",   { VCPU_FEAT_PMU_V3, 0 },
      { PROBE_CAP(KVM_CAP_ARM_PMU_V3) }, false, 0 },
    { "sve",   { VCPU_FEAT_SVE, 0 },
      { PROBE_CAP(KVM_CAP_ARM_SVE) }, true, VCPU_FEAT_SVE },
    { "pauth", { VCPU_FEAT_PTRAUTH_ADDRESS, VCPU_FEAT_PTRAUTH_GENERIC },
      { PROBE_CAP(KVM_CAP_ARM_PTRAUTH_ADDRESS),
        PROBE_CAP(KVM_CAP_ARM_PTRAUTH_GENERIC) }, false, 0 },
};

typedef unsigned int probe_feature_set;   /* bit n = probe_features[n] */

_Static_assert(ARRAY_CARDINALITY(probe_features) <= sizeof(probe_feature_set) * 8,
               "feature set too small");

/*
 * Parse "pmu,sve": a comma-separated subset of probe_features; "" and
 * "base" are the empty set.
 */
static int
probe_features_parse(const char *list, probe_feature_set *set)
{
    const char *p = list;

    *set = 0;
    if (strcmp(list, "") == 0 || strcmp(list, "base") == 0)
        return 0;

    for (;;) {
        size_t len = strcspn(p, ",");
        size_t i;

        for (i = 0; i < ARRAY_CARDINALITY(probe_features); i++) {
            if (strlen(probe_features[i].name) == len &&
                strncmp(probe_features[i].name, p, len) == 0)
                break;
        }
        if (i == ARRAY_CARDINALITY(probe_features)) {
            probe_error("--features: unknown feature '%.*s' (known: pmu, sve, pauth)",
                        (int)len, p);
            return -1;
        }
        *set |= 1U << i;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* ------------------------------------------------------------------------
 * Trial input: "0x<id> 0x<value>" per line, '#' starts a comment.
 */
struct trial_input {
    uint64_t id;
    uint64_t value;
    unsigned int line;
};

struct trial_file {
    const char *path;
    struct trial_input *regs;
    size_t nregs;
};

/* Parse one "0x…" token of at most 16 hex digits. */
static bool
parse_hex_token(const char *tok, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (len < 3 || len > 18 || tok[0] != '0' || (tok[1] != 'x' && tok[1] != 'X'))
        return false;
    for (i = 2; i < len; i++) {
        char c = tok[i];
        unsigned int d;

        if (c >= '0' && c <= '9')
            d = (unsigned int)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned int)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned int)(c - 'A' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/*
 * Split a line (no '\n') into at most @max blank-separated tokens, stopping
 * at '#'. Returns the token count, or max + 1 if there are more.
 */
static size_t
split_tokens(const char *line, size_t len, const char **tok, size_t *toklen,
             size_t max)
{
    size_t n = 0;
    size_t i = 0;

    while (i < len && line[i] != '#') {
        size_t start;

        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
            i++;
            continue;
        }
        if (n == max)
            return max + 1;
        start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t' &&
               line[i] != '\r' && line[i] != '#')
            i++;
        tok[n] = line + start;
        toklen[n] = i - start;
        n++;
    }
    return n;
}

static int
trial_input_cmp(const void *a, const void *b)
{
    return u64_cmp(&((const struct trial_input *)a)->id,
                   &((const struct trial_input *)b)->id);
}

static int
trial_parse_line(struct trial_file *tf, const char *line, size_t len,
                 unsigned int lineno)
{
    const char *tok[2];
    size_t toklen[2];
    size_t n = split_tokens(line, len, tok, toklen, 2);
    struct trial_input *r;
    uint64_t size;

    if (memchr(line, '\0', len) != NULL) {
        probe_error("%s:%u: NUL byte", tf->path, lineno);
        return -1;
    }
    if (n == 0)
        return 0;
    if (n != 2) {
        probe_error("%s:%u: expected '0x<id> 0x<value>'", tf->path, lineno);
        return -1;
    }
    if (tf->nregs == TRIAL_REGS_MAX) {
        probe_error("%s:%u: more than %d registers", tf->path, lineno,
                    TRIAL_REGS_MAX);
        return -1;
    }
    r = &tf->regs[tf->nregs];
    if (!parse_hex_token(tok[0], toklen[0], &r->id) ||
        !parse_hex_token(tok[1], toklen[1], &r->value)) {
        probe_error("%s:%u: expected '0x<id> 0x<value>' (hexadecimal, at most 16 digits)",
                    tf->path, lineno);
        return -1;
    }
    if (!reg_in_cpreg_list(r->id))
        return 0;       /* CORE/SVE: QEMU migrates them separately */
    size = reg_size(r->id);
    if (size > 8) {   /* not CORE/SVE, which may be wider */
        probe_error("%s:%u: register 0x%" PRIx64 " is %" PRIu64
                    " bytes wide; only registers up to 64 bits carry a value",
                    tf->path, lineno, r->id, size);
        return -1;
    }
    if (size < 8 && (r->value >> (size * 8)) != 0) {
        probe_error("%s:%u: value 0x%" PRIx64 " does not fit the %" PRIu64
                    "-bit register 0x%" PRIx64,
                    tf->path, lineno, r->value, size * 8, r->id);
        return -1;
    }
    r->line = lineno;
    tf->nregs++;
    return 0;
}

/* Read at most TRIAL_FILE_MAX + 1 bytes; *len > TRIAL_FILE_MAX = too big. */
static int
read_bounded(const char *path, char **buf, size_t *len)
{
    size_t cap = TRIAL_FILE_MAX + 1;
    size_t got = 0;
    char *b;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        probe_error("%s: %s", path, strerror(errno));
        return -1;
    }
    b = malloc(cap);
    if (!b) {
        probe_error("out of memory");
        close(fd);
        return -1;
    }
    while (got < cap) {
        ssize_t r = read(fd, b + got, cap - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            probe_error("%s: %s", path, strerror(errno));
            free(b);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = got;
    return 0;
}

static int
trial_file_load(struct trial_file *tf, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    size_t pos = 0;
    unsigned int lineno = 0;
    size_t i;

    tf->path = path;
    tf->nregs = 0;
    tf->regs = calloc(TRIAL_REGS_MAX, sizeof(*tf->regs));
    if (!tf->regs) {
        probe_error("out of memory");
        return -1;
    }
    if (read_bounded(path, &buf, &len) < 0)
        return -1;
    if (len > TRIAL_FILE_MAX) {
        probe_error("%s: larger than %d bytes", path, TRIAL_FILE_MAX);
        free(buf);
        return -1;
    }

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - (buf + pos)) : len - pos;

        lineno++;
        if (trial_parse_line(tf, buf + pos, linelen, lineno) < 0) {
            free(buf);
            return -1;
        }
        pos += linelen + 1;
    }
    free(buf);

    /* Stable report of duplicates: sort, then name both lines. */
    qsort(tf->regs, tf->nregs, sizeof(*tf->regs), trial_input_cmp);
    for (i = 1; i < tf->nregs; i++) {
        if (tf->regs[i].id == tf->regs[i - 1].id) {
            unsigned int a = tf->regs[i].line, b = tf->regs[i - 1].line;

            probe_error("%s:%u: register 0x%" PRIx64 " already given on line %u",
                        path, a > b ? a : b, tf->regs[i].id, a > b ? b : a);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Results, independent of how they were obtained
 */
struct probe_reg {
    uint64_t id;
    uint64_t value;
    uint64_t writable;
    bool has_value;      /* false for registers wider than 64 bits */
    bool has_writable;   /* feature ID register on a kernel with masks */
};

enum trial_result {
    TRIAL_ACCEPTED,
    TRIAL_REJECTED,
    TRIAL_UNKNOWN,
};

static const char *const trial_result_names[] = {
    [TRIAL_ACCEPTED] = "accepted",
    [TRIAL_REJECTED] = "rejected",
    [TRIAL_UNKNOWN] = "unknown",
};

struct trial_outcome {
    uint64_t id;
    uint64_t value;
    uint64_t readback;
    enum trial_result result;
    int err;             /* errno of a rejected KVM_SET_ONE_REG */
};

struct probe_result {
    struct utsname uts;
    probe_feature_set features;
    uint64_t midr;
    struct probe_reg *regs;
    size_t nregs;
    bool have_masks;     /* the kernel reported writable masks */
    uint64_t masks[FEATURE_ID_RANGE_SIZE];
    struct trial_outcome *trial;   /* NULL without --trial */
    size_t ntrial;
};

/* Attach the writable mask to every feature ID register of the profile. */
static void
profile_apply_masks(struct probe_result *res)
{
    size_t i;

    if (!res->have_masks)
        return;
    for (i = 0; i < res->nregs; i++) {
        struct probe_reg *r = &res->regs[i];
        unsigned int idx;

        if (reg_feature_id_index(r->id, &idx)) {
            r->writable = res->masks[idx];
            r->has_writable = true;
        }
    }
}

/* ------------------------------------------------------------------------
 * JSON output
 */

static void
json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Hex: lowercase, "0x" prefix, no leading zeros ("0x0" for zero). */
static void
json_hex(FILE *out, const char *key, uint64_t v)
{
    fprintf(out, "\"%s\": \"0x%" PRIx64 "\"", key, v);
}

static void
json_identity(FILE *out, const struct probe_result *res)
{
    const char *sep = "";
    size_t i;

    fputs(" \"identity\": {\"kernel\": ", out);
    json_string(out, res->uts.release);
    fputs(", \"machine\": ", out);
    json_string(out, res->uts.machine);
    fputs(", ", out);
    json_hex(out, "midr", res->midr);
    fputs(", \"features\": [", out);
    for (i = 0; i < ARRAY_CARDINALITY(probe_features); i++) {
        if (!(res->features & (1U << i)))
            continue;
        fprintf(out, "%s\"%s\"", sep, probe_features[i].name);
        sep = ", ";
    }
    fputs("], \"source\": \"kvm-probe\", \"accel\": \"kvm\"},\n", out);
}

static void
json_registers(FILE *out, const struct probe_result *res)
{
    size_t i;

    fputs(" \"registers\": [", out);
    for (i = 0; i < res->nregs; i++) {
        const struct probe_reg *r = &res->regs[i];

        fputs(i ? ",\n  {" : "\n  {", out);
        json_hex(out, "id", r->id);
        if (r->has_value) {
            fputs(", ", out);
            json_hex(out, "value", r->value);
        }
        if (r->has_writable) {
            fputs(", ", out);
            json_hex(out, "writable", r->writable);
        }
        fputc('}', out);
    }
    fputs(res->nregs ? "\n ]" : "]", out);
}

static void
json_trial(FILE *out, const struct probe_result *res)
{
    size_t i;

    fputs(",\n \"trial\": [", out);
    for (i = 0; i < res->ntrial; i++) {
        const struct trial_outcome *t = &res->trial[i];

        fputs(i ? ",\n  {" : "\n  {", out);
        json_hex(out, "id", t->id);
        fputs(", ", out);
        json_hex(out, "value", t->value);
        fprintf(out, ", \"result\": \"%s\"", trial_result_names[t->result]);
        if (t->result == TRIAL_REJECTED) {
            char buf[32];

            fprintf(out, ", \"errno\": \"%s\"", errno_name(t->err, buf, sizeof(buf)));
        }
        if (t->result != TRIAL_UNKNOWN) {
            fputs(", ", out);
            json_hex(out, "readback", t->readback);
        }
        fputc('}', out);
    }
    fputs(res->ntrial ? "\n ]" : "]", out);
}

static int
json_print(FILE *out, const struct probe_result *res)
{
    fputs("{\"libvirt-cpreg-profile\": 1,\n", out);
    json_identity(out, res);
    json_registers(out, res);
    if (res->trial)
        json_trial(out, res);
    fputs("}\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        probe_error("writing the profile: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * KVM (arm64 only)
 */
#if defined(__aarch64__)

struct probe_vcpu {
    int vm;
    int fd;
};

/* ioctl(2), restarted on EINTR a bounded number of times. */
static int
xioctl(int fd, unsigned long req, void *arg)
{
    int i;
    int rc = -1;

    for (i = 0; i < IOCTL_EINTR_RETRIES; i++) {
        rc = ioctl(fd, req, arg);
        if (rc >= 0 || errno != EINTR)
            break;
    }
    return rc;
}

/*
 * KVM_GET/SET_ONE_REG copy exactly KVM_REG_SIZE(id) bytes from/to .addr
 * (arch/arm64/kvm/guest.c); a register of up to 64 bits travels in an
 * integer of its own width, so the value is right on either endianness.
 */
union reg_buf {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
};

static uint64_t
reg_buf_get(const union reg_buf *b, uint64_t size)
{
    switch (size) {
    case 1: return b->u8;
    case 2: return b->u16;
    case 4: return b->u32;
    default: return b->u64;
    }
}

static void
reg_buf_set(union reg_buf *b, uint64_t size, uint64_t value)
{
    switch (size) {
    case 1: b->u8 = (uint8_t)value; break;
    case 2: b->u16 = (uint16_t)value; break;
    case 4: b->u32 = (uint32_t)value; break;
    default: b->u64 = value; break;
    }
}

/* Only for registers of at most 64 bits (reg_size(id) <= 8). */
static int
get_one_reg(int vcpu, uint64_t id, uint64_t *value)
{
    union reg_buf buf = { .u64 = 0 };
    struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&buf };

    if (xioctl(vcpu, KVM_GET_ONE_REG, &reg) < 0)
        return -1;
    *value = reg_buf_get(&buf, reg_size(id));
    return 0;
}

static int
set_one_reg(int vcpu, uint64_t id, uint64_t value)
{
    union reg_buf buf = { .u64 = 0 };
    struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&buf };

    reg_buf_set(&buf, reg_size(id), value);
    return xioctl(vcpu, KVM_SET_ONE_REG, &reg);
}

static int
open_kvm(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    int version;

    if (fd < 0) {
        probe_error("%s: %s", path, strerror(errno));
        return -PROBE_EXIT_USAGE;
    }
    /* The API version has been 12 since Linux 2.6.22 (KVM_API_VERSION). */
    version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        if (version < 0)
            probe_error("%s: KVM_GET_API_VERSION: %s", path, strerror(errno));
        else
            probe_error("%s: KVM API version %d, expected %d", path, version,
                        KVM_API_VERSION);
        close(fd);
        return -PROBE_EXIT_USAGE;
    }
    return fd;
}

/*
 * KVM_CHECK_EXTENSION on the VM fd (KVM_CAP_CHECK_EXTENSION_VM, Linux 4.0;
 * arm64 answers per VM): 0 for an unknown capability, else its value.
 */
static int
check_extension(int vm, long cap, const char *name, int *value)
{
    int rc = ioctl(vm, KVM_CHECK_EXTENSION, cap);

    if (rc < 0) {
        probe_error("KVM_CHECK_EXTENSION(%s): %s", name, strerror(errno));
        return -PROBE_EXIT_KVM;
    }
    *value = rc;
    return 0;
}

static void
vcpu_close(struct probe_vcpu *v)
{
    if (v->fd >= 0)
        close(v->fd);
    if (v->vm >= 0)
        close(v->vm);
    v->fd = v->vm = -1;
}

static int
vcpu_check_features(int vm, probe_feature_set set)
{
    size_t i, j;

    for (i = 0; i < ARRAY_CARDINALITY(probe_features); i++) {
        if (!(set & (1U << i)))
            continue;
        for (j = 0; j < ARRAY_CARDINALITY(probe_features[i].caps); j++) {
            const struct probe_cap *cap = &probe_features[i].caps[j];
            int value;
            int rc;

            if (!cap->num)
                continue;
            if ((rc = check_extension(vm, cap->num, cap->name, &value)) < 0)
                return rc;
            if (value <= 0) {
                probe_error("KVM on this host does not offer vCPU feature '%s' (no %s)",
                            probe_features[i].name, cap->name);
                return -PROBE_EXIT_USAGE;
            }
        }
    }
    return 0;
}

static int
vcpu_init(const struct probe_vcpu *v, probe_feature_set set)
{
    struct kvm_vcpu_init init;
    size_t i, j;

    /* The target KVM prefers for this host: KVM_ARM_TARGET_GENERIC_V8 or a named core. */
    memset(&init, 0, sizeof(init));
    if (xioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
        probe_error("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
        return -PROBE_EXIT_KVM;
    }
    memset(init.features, 0, sizeof(init.features));
    init.features[0] |= 1U << VCPU_FEAT_PSCI_0_2;
    for (i = 0; i < ARRAY_CARDINALITY(probe_features); i++) {
        if (!(set & (1U << i)))
            continue;
        for (j = 0; j < ARRAY_CARDINALITY(probe_features[i].init_bits); j++) {
            if (probe_features[i].init_bits[j])
                init.features[0] |= 1U << probe_features[i].init_bits[j];
        }
    }
    if (xioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
        probe_error("KVM_ARM_VCPU_INIT (target %u, features 0x%x): %s",
                    init.target, init.features[0], strerror(errno));
        return -PROBE_EXIT_KVM;
    }

    for (i = 0; i < ARRAY_CARDINALITY(probe_features); i++) {
        int what = probe_features[i].finalize_what;

        if (!(set & (1U << i)) || !probe_features[i].finalize)
            continue;
        if (xioctl(v->fd, KVM_ARM_VCPU_FINALIZE, &what) < 0) {
            probe_error("KVM_ARM_VCPU_FINALIZE(%s): %s", probe_features[i].name,
                        strerror(errno));
            return -PROBE_EXIT_KVM;
        }
    }
    return 0;
}

/* A scratch VM (default IPA size) with one initialised vCPU. */
static int
vcpu_create(int kvm, probe_feature_set set, struct probe_vcpu *v)
{
    int rc;

    v->vm = v->fd = -1;
    v->vm = xioctl(kvm, KVM_CREATE_VM, 0);
    if (v->vm < 0) {
        probe_error("KVM_CREATE_VM: %s", strerror(errno));
        return -PROBE_EXIT_KVM;
    }
    if ((rc = vcpu_check_features(v->vm, set)) < 0)
        goto error;
    v->fd = xioctl(v->vm, KVM_CREATE_VCPU, 0);
    if (v->fd < 0) {
        probe_error("KVM_CREATE_VCPU: %s", strerror(errno));
        rc = -PROBE_EXIT_KVM;
        goto error;
    }
    if ((rc = vcpu_init(v, set)) < 0)
        goto error;
    return 0;

 error:
    vcpu_close(v);
    return rc;
}

/*
 * KVM_GET_REG_LIST (arch/arm64/kvm/arm.c): a call with n smaller than the
 * count fails with -E2BIG and writes the count back into n. The list comes
 * in kernel order (core, firmware, SVE, system registers); it is returned
 * sorted ascending, as QEMU sorts its cpreg list.
 */
static int
vcpu_reg_list(const struct probe_vcpu *v, uint64_t **ids, size_t *n)
{
    struct kvm_reg_list probe = { .n = 0 };
    struct kvm_reg_list *list;
    size_t count;

    if (xioctl(v->fd, KVM_GET_REG_LIST, &probe) == 0) {
        probe_error("KVM_GET_REG_LIST: the vCPU has no registers");
        return -PROBE_EXIT_KVM;
    }
    if (errno != E2BIG) {
        probe_error("KVM_GET_REG_LIST: %s", strerror(errno));
        return -PROBE_EXIT_KVM;
    }
    if (probe.n == 0 || probe.n > REG_LIST_MAX) {
        probe_error("KVM_GET_REG_LIST: implausible count %llu",
                    (unsigned long long)probe.n);
        return -PROBE_EXIT_KVM;
    }
    count = (size_t)probe.n;
    list = calloc(1, sizeof(*list) + count * sizeof(list->reg[0]));
    if (!list) {
        probe_error("out of memory");
        return -PROBE_EXIT_KVM;
    }
    list->n = count;
    if (xioctl(v->fd, KVM_GET_REG_LIST, list) < 0) {
        probe_error("KVM_GET_REG_LIST: %s", strerror(errno));
        free(list);
        return -PROBE_EXIT_KVM;
    }
    /* The kernel may only shrink n (it writes back what it filled). */
    if (list->n > count) {
        probe_error("KVM_GET_REG_LIST: count grew from %zu to %llu", count,
                    (unsigned long long)list->n);
        free(list);
        return -PROBE_EXIT_KVM;
    }
    count = (size_t)list->n;
    *ids = malloc(count * sizeof(**ids));
    if (!*ids) {
        probe_error("out of memory");
        free(list);
        return -PROBE_EXIT_KVM;
    }
    memcpy(*ids, list->reg, count * sizeof(**ids));
    free(list);
    qsort(*ids, count, sizeof(**ids), u64_cmp);
    *n = count;
    return 0;
}

/*
 * The writable masks of the feature ID range (KVM_ARM_GET_REG_WRITABLE_MASKS,
 * a VM ioctl, Linux 6.7+). Returns 1 with masks filled, 0 if the kernel has
 * none, negative on failure.
 */
static int
vm_writable_masks(int vm, uint64_t masks[FEATURE_ID_RANGE_SIZE])
{
    struct reg_mask_range range;
    int ranges;
    int rc;

    /* The capability is a bitmap of supported ranges (0 before 6.7). */
    rc = check_extension(vm, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES,
                         "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES", &ranges);
    if (rc < 0)
        return rc;
    if (!(ranges & (1 << KVM_ARM_FEATURE_ID_RANGE)))
        return 0;
    memset(&range, 0, sizeof(range));   /* reserved[] must be zero */
    range.addr = (uintptr_t)masks;
    range.range = KVM_ARM_FEATURE_ID_RANGE;
    if (xioctl(vm, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0) {
        probe_error("KVM_ARM_GET_REG_WRITABLE_MASKS: %s", strerror(errno));
        return -PROBE_EXIT_KVM;
    }
    return 1;
}

static int
probe_profile(const struct probe_vcpu *v, struct probe_result *res)
{
    uint64_t *ids = NULL;
    size_t n = 0, i;
    int rc;

    if ((rc = vcpu_reg_list(v, &ids, &n)) < 0)
        return rc;
    if ((rc = vm_writable_masks(v->vm, res->masks)) < 0) {
        free(ids);
        return rc;
    }
    res->have_masks = rc > 0;
    res->regs = calloc(n, sizeof(*res->regs));
    if (!res->regs) {
        probe_error("out of memory");
        free(ids);
        return -PROBE_EXIT_KVM;
    }
    for (i = 0; i < n; i++) {
        struct probe_reg *r = &res->regs[i];

        r->id = ids[i];
        if (reg_size(r->id) <= 8) {
            if (get_one_reg(v->fd, r->id, &r->value) < 0) {
                probe_error("KVM_GET_ONE_REG 0x%" PRIx64 ": %s", r->id,
                            strerror(errno));
                free(ids);
                return -PROBE_EXIT_KVM;
            }
            r->has_value = true;
        }
    }
    res->nregs = n;
    free(ids);

    if (get_one_reg(v->fd, REG_MIDR_EL1, &res->midr) < 0) {
        probe_error("KVM_GET_ONE_REG MIDR_EL1: %s", strerror(errno));
        return -PROBE_EXIT_KVM;
    }
    return 0;
}

/*
 * Write each source value into a fresh vCPU and read it back. Ascending id
 * order, as QEMU's write_list_to_kvmstate() walks its sorted cpreg list.
 */
static int
probe_trial(const struct probe_vcpu *v, const struct trial_file *tf,
            struct probe_result *res)
{
    uint64_t *ids = NULL;
    size_t n = 0, i;
    int rc;

    if ((rc = vcpu_reg_list(v, &ids, &n)) < 0)
        return rc;
    res->trial = calloc(tf->nregs ? tf->nregs : 1, sizeof(*res->trial));
    if (!res->trial) {
        probe_error("out of memory");
        free(ids);
        return -PROBE_EXIT_KVM;
    }
    for (i = 0; i < tf->nregs; i++) {
        const struct trial_input *in = &tf->regs[i];
        struct trial_outcome *t = &res->trial[res->ntrial++];

        t->id = in->id;
        t->value = in->value;
        if (!bsearch(&in->id, ids, n, sizeof(*ids), u64_cmp)) {
            t->result = TRIAL_UNKNOWN;
            continue;
        }
        t->result = TRIAL_ACCEPTED;
        if (set_one_reg(v->fd, in->id, in->value) < 0) {
            t->result = TRIAL_REJECTED;
            t->err = errno;
        }
        if (get_one_reg(v->fd, in->id, &t->readback) < 0) {
            probe_error("KVM_GET_ONE_REG 0x%" PRIx64 " after KVM_SET_ONE_REG: %s",
                        in->id, strerror(errno));
            free(ids);
            return -PROBE_EXIT_KVM;
        }
    }
    free(ids);
    return 0;
}

static int
probe_run(const char *kvm_path, probe_feature_set set,
          const struct trial_file *tf, struct probe_result *res)
{
    struct probe_vcpu v = { -1, -1 };
    int kvm;
    int rc;

    if ((kvm = open_kvm(kvm_path)) < 0)
        return kvm;
    if ((rc = vcpu_create(kvm, set, &v)) < 0)
        goto out;
    rc = probe_profile(&v, res);
    vcpu_close(&v);
    if (rc < 0 || !tf)
        goto out;

    /*
     * A fresh VM for the trial: since Linux 6.7 the ID registers are VM
     * scoped (kvm->arch.id_regs), so a write must not meet state left by
     * the profile's vCPU.
     */
    if ((rc = vcpu_create(kvm, set, &v)) < 0)
        goto out;
    rc = probe_trial(&v, tf, res);
    vcpu_close(&v);

 out:
    close(kvm);
    return rc;
}

#else /* !__aarch64__ */

static int
probe_run(const char *kvm_path, probe_feature_set set,
          const struct trial_file *tf, struct probe_result *res)
{
    (void)kvm_path; (void)set; (void)tf; (void)res;
    probe_error("arm64 KVM registers can only be probed on an arm64 host");
    return -PROBE_EXIT_USAGE;
}

#endif /* !__aarch64__ */

/* ------------------------------------------------------------------------
 * Command line
 */

static void
usage(FILE *out)
{
    fputs("Usage: " PROG " [--features LIST] [--trial FILE] [--kvm PATH]\n"
          "       " PROG " --console --config LIST [--config LIST]... [--kvm PATH]\n"
          "\n"
          "Print this host's KVM register profile of an arm64 vCPU as JSON.\n"
          "\n"
          "  --features LIST  vCPU features, comma-separated: pmu, sve, pauth\n"
          "                   (default: none; PSCI 0.2 is always on)\n"
          "  --trial FILE     also write the values of FILE (lines\n"
          "                   '0x<id> 0x<value>') into a fresh vCPU and\n"
          "                   report which ones KVM accepts\n"
          "  --kvm PATH       the KVM device (default /dev/kvm)\n"
          "  --console        probe each --config LIST (\"base\" or features)\n"
          "                   and print the results framed for a serial\n"
          "                   console (always so as PID 1, the initramfs's\n"
          "                   /init, which then powers off)\n"
          "\n"
          "Exit status: 0 success, 1 KVM failure, 2 bad usage or input,\n"
          "no KVM, unsupported feature or not arm64.\n", out);
}

struct probe_options {
    const char *kvm_path;
    const char *trial_path;
    probe_feature_set features;
};

static int
parse_args(int argc, char **argv, struct probe_options *opts)
{
    static const struct option longopts[] = {
        { "features", required_argument, NULL, 'f' },
        { "trial", required_argument, NULL, 't' },
        { "kvm", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    opts->kvm_path = "/dev/kvm";
    opts->trial_path = NULL;
    opts->features = 0;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (probe_features_parse(optarg, &opts->features) < 0)
                return -1;
            break;
        case 't':
            opts->trial_path = optarg;
            break;
        case 'k':
            opts->kvm_path = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(PROBE_EXIT_OK);
        case ':':
            probe_error("option '%s' needs an argument", argv[optind - 1]);
            return -1;
        default:
            probe_error("invalid option '%s' (try --help)", argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc) {
        probe_error("unexpected argument '%s' (try --help)", argv[optind]);
        return -1;
    }
    return 0;
}

static int
probe_main(const struct probe_options *opts, struct trial_file *tf,
           struct probe_result *res)
{
    int rc;

    /* Input is checked before KVM is touched, on any host. */
    if (opts->trial_path && trial_file_load(tf, opts->trial_path) < 0)
        return PROBE_EXIT_USAGE;
    if (uname(&res->uts) < 0) {
        probe_error("uname: %s", strerror(errno));
        return PROBE_EXIT_KVM;
    }
    res->features = opts->features;

    rc = probe_run(opts->kvm_path, opts->features,
                   opts->trial_path ? tf : NULL, res);
    if (rc < 0)
        return -rc;
    profile_apply_masks(res);
    if (json_print(stdout, res) < 0)
        return PROBE_EXIT_KVM;
    return PROBE_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Console mode: several configurations, framed for a serial console
 *
 * Per configuration N (from 1), in order:
 *
 *   @@CPREG-BEGIN N LIST@@
 *   @@CPREG-OUT LEN FNV@@      then the probe's stdout, base64, 64 per line
 *   @@CPREG-ERR LEN FNV@@      then its stderr, the same way
 *   @@CPREG-END N STATUS@@
 *
 * after one "@@CPREG-BOOTED RELEASE@@" and before one "@@CPREG-DONE@@".
 * LEN is the decoded length in bytes, FNV the 64-bit FNV-1a hash of the
 * decoded bytes (16 hex digits), STATUS the probe's exit status (0, 1, 2;
 * 4 if it died). A reader keeps the base64 lines between a header and the
 * next marker and drops anything else (kernel messages); a line a kernel
 * message broke into shows as a wrong length or hash, never as data.
 */
#define CONSOLE_CONFIGS_MAX 16
#define CONSOLE_CAPTURE_MAX (4 * 1024 * 1024)
#define CONSOLE_B64_LINE 48          /* input bytes per line: 64 characters */

static uint64_t
fnv1a64(const unsigned char *p, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static void
base64_line(FILE *out, const unsigned char *p, size_t len)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        fprintf(out, "%c%c%c%c", abc[v >> 18], abc[(v >> 12) & 63],
                abc[(v >> 6) & 63], abc[v & 63]);
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        fprintf(out, "%c%c==", abc[v >> 18], abc[(v >> 12) & 63]);
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        fprintf(out, "%c%c%c=", abc[v >> 18], abc[(v >> 12) & 63], abc[(v >> 6) & 63]);
    }
    fputc('\n', out);
}

static void
console_block(FILE *out, const char *tag, const unsigned char *p, size_t len)
{
    size_t i;

    fprintf(out, "@@CPREG-%s %zu %016" PRIx64 "@@\n", tag, len, fnv1a64(p, len));
    for (i = 0; i < len; i += CONSOLE_B64_LINE)
        base64_line(out, p + i, len - i < CONSOLE_B64_LINE ? len - i : CONSOLE_B64_LINE);
}

/* The contents of the capture file @fd (at most CONSOLE_CAPTURE_MAX). */
static unsigned char *
capture_read(int fd, size_t *len, bool *truncated)
{
    unsigned char *buf = malloc(CONSOLE_CAPTURE_MAX);
    size_t got = 0;
    unsigned char more;

    *len = 0;
    if (!buf || lseek(fd, 0, SEEK_SET) < 0) {
        free(buf);
        return NULL;
    }
    while (got < CONSOLE_CAPTURE_MAX) {
        ssize_t r = read(fd, buf + got, CONSOLE_CAPTURE_MAX - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    /* more than the bound: never a silently shortened profile */
    if (got == CONSOLE_CAPTURE_MAX && read(fd, &more, 1) == 1)
        *truncated = true;
    *len = got;
    return buf;
}

/* An unlinked temporary file for a child's stdout or stderr. */
static int
capture_file(void)
{
    char path[] = "/tmp/virt-cpreg-probe.XXXXXX";
    int fd = mkstemp(path);

    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Probes configuration @list in a child: its exit status (4 if it died). */
static int
console_run_one(const char *kvm_path, const char *list, int outfd, int errfd)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        probe_error("fork: %s", strerror(errno));
        return 4;
    }
    if (pid == 0) {
        struct probe_options opts = { kvm_path, NULL, 0 };
        struct trial_file tf = { NULL, NULL, 0 };
        struct probe_result res;

        if (dup2(outfd, STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0)
            _exit(4);
        memset(&res, 0, sizeof(res));
        if (probe_features_parse(list, &opts.features) < 0)
            _exit(PROBE_EXIT_USAGE);
        fflush(NULL);
        _exit(probe_main(&opts, &tf, &res));
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 4;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
}

static void
console_config(FILE *out, const char *kvm_path, unsigned int n, const char *list)
{
    int outfd = capture_file();
    int errfd = capture_file();
    unsigned char *data;
    size_t len;
    bool truncated = false;
    int rc = 4;

    if (outfd >= 0 && errfd >= 0)
        rc = console_run_one(kvm_path, list, outfd, errfd);
    else
        probe_error("cannot capture the probe's output: %s", strerror(errno));
    fprintf(out, "@@CPREG-BEGIN %u %s@@\n", n, list);
    data = outfd >= 0 ? capture_read(outfd, &len, &truncated) : NULL;
    console_block(out, "OUT", data ? data : (const unsigned char *)"", data ? len : 0);
    free(data);
    data = errfd >= 0 ? capture_read(errfd, &len, &truncated) : NULL;
    console_block(out, "ERR", data ? data : (const unsigned char *)"", data ? len : 0);
    free(data);
    if (truncated && rc == 0)
        rc = 4;
    fprintf(out, "@@CPREG-END %u %d@@\n", n, rc);
    fflush(out);
    if (outfd >= 0)
        close(outfd);
    if (errfd >= 0)
        close(errfd);
}

/* A configuration word: "base" or a comma-separated list of known names
 * (checked again by the child; here only so that it may be echoed). */
static bool
console_list_valid(const char *list)
{
    probe_feature_set set;

    return strlen(list) < 64 && strspn(list, "abcdefghijklmnopqrstuvwxyz,") == strlen(list) &&
           probe_features_parse(list, &set) == 0;
}

struct console_options {
    const char *kvm_path;
    const char *configs[CONSOLE_CONFIGS_MAX];
    unsigned int nconfigs;
};

static int
console_parse_args(int argc, char **argv, struct console_options *opts)
{
    int i;

    opts->kvm_path = "/dev/kvm";
    opts->nconfigs = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--console") == 0)
            continue;
        if (i + 1 < argc && strcmp(argv[i], "--kvm") == 0) {
            opts->kvm_path = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
            if (!console_list_valid(argv[i + 1]))
                return -1;
            if (opts->nconfigs == CONSOLE_CONFIGS_MAX) {
                probe_error("more than %d configurations", CONSOLE_CONFIGS_MAX);
                return -1;
            }
            opts->configs[opts->nconfigs++] = argv[++i];
        } else {
            probe_error("console mode: unexpected argument '%s' (--config LIST, --kvm PATH)",
                        argv[i]);
            return -1;
        }
    }
    if (opts->nconfigs == 0) {
        probe_error("console mode: no --config LIST");
        return -1;
    }
    return 0;
}

static int
console_main(int argc, char **argv)
{
    struct console_options opts;
    struct utsname uts;
    unsigned int i;

    if (uname(&uts) < 0)
        strcpy(uts.release, "unknown");
    /* the release is the kernel's: printable, no blanks (strict readers) */
    printf("@@CPREG-BOOTED %s@@\n", uts.release);
    if (console_parse_args(argc, argv, &opts) < 0) {
        printf("@@CPREG-USAGE@@\n@@CPREG-DONE@@\n");
        fflush(stdout);
        return PROBE_EXIT_USAGE;
    }
    for (i = 0; i < opts.nconfigs; i++)
        console_config(stdout, opts.kvm_path, i + 1, opts.configs[i]);
    printf("@@CPREG-DONE@@\n");
    fflush(stdout);
    return PROBE_EXIT_OK;
}

/*
 * PID 1 in an initramfs: the file systems the probe needs, console mode,
 * power off. Never returns: PID 1 exiting is a kernel panic (which, with
 * panic=-1 and QEMU's -no-reboot, also ends the machine).
 */
static void __attribute__((noreturn))
init_main(int argc, char **argv)
{
    static const struct {
        const char *source, *target, *type;
    } mounts[] = {
        { "proc", "/proc", "proc" },
        { "sysfs", "/sys", "sysfs" },
        { "devtmpfs", "/dev", "devtmpfs" },
    };
    size_t i;

    for (i = 0; i < ARRAY_CARDINALITY(mounts); i++) {
        mkdir(mounts[i].target, 0755);
        if (mount(mounts[i].source, mounts[i].target, mounts[i].type, 0, NULL) < 0 &&
            errno != EBUSY)
            probe_error("mount %s: %s", mounts[i].target, strerror(errno));
    }
    mkdir("/tmp", 01777);
    console_main(argc, argv);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

static bool
wants_console(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--console") == 0)
            return true;
    }
    return false;
}

int
main(int argc, char **argv)
{
    struct probe_options opts;
    struct trial_file tf = { NULL, NULL, 0 };
    struct probe_result res;
    int rc;

    if (getpid() == 1)
        init_main(argc, argv);
    if (wants_console(argc, argv))
        return console_main(argc, argv);
    memset(&res, 0, sizeof(res));
    if (parse_args(argc, argv, &opts) < 0)
        return PROBE_EXIT_USAGE;
    rc = probe_main(&opts, &tf, &res);
    free(res.regs);
    free(res.trial);
    free(tf.regs);
    return rc;
}
