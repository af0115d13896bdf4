/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hook.c: virt-cpreg hook, run exactly as libvirt runs a qemu.d hook
 * (virhook.c): argv NAME OP SUBOP EXTRA, the domain XML on stdin, LC_ALL=C
 * and little else in the environment; what libvirt reads back is the exit
 * status, stdout (new XML) and stderr (shown in virsh's error).
 *
 * The hook's cases are rows of hookCases (operation, stdin, cpreg.conf,
 * the exit status, stdout, stderr and journal fragments, the time it may
 * take), each a test of its own, all run by testHookCase(); what does not
 * fit a row (the probe, the daemon, the CLI, a confined scratch QEMU)
 * follows as tests of their own.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <glib/gstdio.h>

#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-domain-edit.h"
#include "cpreg-qemu-probe.h"
#include "testutils.h"

#define LAB_612 "lab/linux-6.12-max-pmu.regs"
#define LAB_72 "lab/linux-7.2-max-pmu.regs"

typedef struct {
    int status;
    char *out;
    char *err;
    char *journal;       /* every datagram the hook sent, joined */
    gint64 ms;           /* wall time */
} HookRun;

static void
hookRunClear(HookRun *r)
{
    g_free(r->out);
    g_free(r->err);
    g_free(r->journal);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HookRun, hookRunClear);

static int
journalSocket(char **path)
{
    static int n;
    g_autofree char *name = g_strdup_printf("journal-%d-%d", getpid(), n++);

    *path = testWriteTemp(name, "", 0);
    return testJournalSocket(*path);
}

static const char *extraEnv;   /* one more NAME=VALUE for the hook, or
                                * PATH=... instead of the default */

/*
 * Runs @shell (which execs the hook) as libvirt runs the hook: little
 * environment, @conf named in it.
 */
static void
runHookShell(HookRun *r, const char *conf, const char *shell)
{
    g_autofree char *sock = NULL;
    int jfd = journalSocket(&sock);
    const char *argv[] = { "/bin/sh", "-c", shell, NULL };
    g_autofree char *envConf = g_strdup_printf("VIRT_CPREG_CONF=%s", conf);
    g_autofree char *envSock = g_strdup_printf("VIRT_CPREG_JOURNAL_SOCKET=%s", sock);
    gboolean path = extraEnv && g_str_has_prefix(extraEnv, "PATH=");
    const char *envp[] = { "LC_ALL=C", path ? extraEnv : "PATH=/usr/bin:/bin", envConf, envSock,
                           path ? NULL : extraEnv, NULL };
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    int status;

    memset(r, 0, sizeof(*r));
    if (!g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
                      &r->out, &r->err, &status, &error))
        fail_msg("%s", error->message);
    r->ms = (g_get_monotonic_time() - start) / 1000;
    assert_true(WIFEXITED(status));
    r->status = WEXITSTATUS(status);
    r->journal = testJournalDrain(jfd);
    close(jfd);
    g_unlink(sock);
}

/* Runs the hook as libvirt does, with @stdinData (len bytes). */
static void
runHook(HookRun *r, const char *conf, const char *op, const char *subop,
        const char *stdinData, gssize len)
{
    g_autofree char *in = testWriteTemp("stdin.xml", stdinData, len);
    g_autofree char *cmd = g_strdup_printf("exec %s hook guest1 %s %s - < '%s'",
                                           VIRT_CPREG, op, subop, in);

    runHookShell(r, conf, cmd);
}

#define QEMU_AARCH64 "/usr/bin/qemu-system-aarch64"

/*
 * How late an answer at a budget may come and still show that the budget
 * cut the check short (what it waits for never comes): early is wrong,
 * late only means a busy machine, so the margin is wide.
 */
#define BUDGET_LATE_MS(budget) ((budget) * 3 + 2000)

/* ---- what the rows name ----------------------------------------------- */

/*
 * Paths made for this run, named in the rows as placeholders: @EVIL@ is
 * a script posing as QEMU that records that it ran (in @RECORD@, which
 * must never appear), @EVILDIR@ its directory (where a second one is
 * "qemu-evil"), @HANG@ a FIFO nobody writes (opening it for reading never
 * returns), @BROKEN@ a directory whose virt-cpreg cannot start, @BUILD@
 * the one of the virt-cpreg under test.
 */
enum { EVILDIR, EVIL, RECORD, HANG, BROKEN, BUILD, PLACES };

static struct {
    const char *name;
    char *value;
} places[PLACES] = {
    [EVILDIR] = { "@EVILDIR@", NULL }, [EVIL] = { "@EVIL@", NULL },
    [RECORD] = { "@RECORD@", NULL }, [HANG] = { "@HANG@", NULL },
    [BROKEN] = { "@BROKEN@", NULL }, [BUILD] = { "@BUILD@", NULL },
};

static char *
expand(const char *text)
{
    char *out = g_strdup(text);
    size_t i;

    for (i = 0; out && i < G_N_ELEMENTS(places); i++) {
        g_auto(GStrv) parts = g_strsplit(out, places[i].name, -1);
        g_free(out);
        out = g_strjoinv(places[i].value, parts);
    }
    return out;
}

/* A FIFO nobody writes to: opening it for reading never returns. */
static char *
makeFifo(const char *name)
{
    g_autofree char *path = testWriteTemp(name, "", 0);

    g_unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    return g_steal_pointer(&path);
}

/* A script posing as QEMU that records the uid it ran as in @record. */
static char *
recordingEmulator(const char *dir, const char *name, const char *record)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *script = g_strdup_printf(
        "#!/bin/sh\nid -u >'%s'\necho 'QEMU emulator version 11.1.0'\nexec sleep 5\n", record);

    assert_true(g_file_set_contents(path, script, -1, NULL));
    assert_int_equal(g_chmod(path, 0755), 0);
    return g_steal_pointer(&path);
}

static int
makePlaces(void **state)
{
    g_autofree char *broken = testWriteTemp("virt-cpreg", "#!/nonexistent/interpreter\n", -1);
    char *record = testWriteTemp("emulator-ran-as", "", 0);
    char *dir = g_path_get_dirname(record);

    (void)state;
    g_unlink(record);
    if (g_chmod(broken, 0755) < 0)
        return -1;
    places[EVILDIR].value = dir;
    places[EVIL].value = recordingEmulator(dir, "evil.sh", record);
    g_free(recordingEmulator(dir, "qemu-evil", record));
    places[RECORD].value = record;
    places[HANG].value = makeFifo("hang.fifo");
    places[BROKEN].value = g_path_get_dirname(broken);
    places[BUILD].value = g_path_get_dirname(VIRT_CPREG);
    return 0;
}

/* ---- what libvirt hands the hook --------------------------------------- */

/* stdin: a guest, stamped on @lab (unless NULL), or hostile bytes */
typedef struct {
    const char *type;           /* <domain type=> */
    const char *arch;
    const char *cpu;            /* the <cpu> element */
    const char *model;          /* or <cpu mode='custom'> with this model */
    const char *emulator;
    const char *lab;            /* the profile in <metadata> */
    const char *pin;            /* a kvm-psci-version pin it carries */
    const char *text;           /* instead of a guest: these bytes */
    gsize zeros;                /* instead of a guest: so many NULs */
    gboolean never_ends;        /* instead: a FIFO that stays open 3 s */
} Input;

#define HOST_PASSTHROUGH "<cpu mode='host-passthrough'/>"
#define KVM_GUEST(labName) { .type = "kvm", .arch = "aarch64", .cpu = HOST_PASSTHROUGH, \
                             .emulator = QEMU_AARCH64, .lab = labName }
#define TCG_GUEST(emu, cpuModel) { .type = "qemu", .arch = "aarch64", .model = cpuModel, \
                                   .emulator = emu, .lab = LAB_612 }

static char *
makeGuest(const Input *in)
{
    g_autofree char *emulator = expand(in->emulator);
    g_autofree char *cpu = in->model ?
        g_markup_printf_escaped("<cpu mode='custom'><model>%s</model></cpu>", in->model) :
        g_strdup(in->cpu);
    g_autofree char *head = g_markup_printf_escaped(
        "<domain type='%s'>\n"
        "  <name>guest1</name>\n"
        "  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>\n"
        "  <memory unit='KiB'>65536</memory>\n"
        "  <os><type arch='%s' machine='virt'>hvm</type></os>\n", in->type, in->arch);
    g_autofree char *tail = g_markup_printf_escaped(
        "  <devices><emulator>%s</emulator></devices>\n"
        "</domain>\n", emulator);
    g_autofree char *xml = g_strconcat(head, "  ", cpu, "\n", tail, NULL);
    g_autofree char *path = NULL;
    g_autoptr(virCpregProfile) p = NULL;
    g_autoptr(virCpregProfile) view = NULL;
    virCpregDomainEdit edit = { .psci_pin = in->pin };

    if (!in->lab)
        return g_steal_pointer(&xml);
    path = testFixture(in->lab);
    p = virCpregProfileLoad(path, NULL);
    view = virCpregProfileQemuView(p);
    edit.profile = view;
    return testRewrite(xml, strlen(xml), &edit);
}

/* The file libvirt's stdin comes from. */
static char *
makeInput(const Input *in)
{
    g_autofree char *data = NULL;

    if (in->never_ends)
        return makeFifo("stdin.fifo");
    if (in->zeros) {
        data = g_malloc0(in->zeros);
        return testWriteTemp("stdin.xml", data, (gssize)in->zeros);
    }
    if (in->text)
        return testWriteTemp("stdin.xml", in->text, -1);
    data = makeGuest(in);
    return testWriteTemp("stdin.xml", data, -1);
}

/* cpreg.conf: [hook], host-profile=@host, policy-dirs= and @text */
typedef enum {
    CONF_HOOK,
    CONF_RAW,                   /* @text is the whole file */
    CONF_LATE,                  /* CONF_HOOK's, from a FIFO, 900 ms late */
    CONF_NEVER,                 /* a FIFO nobody writes */
} ConfKind;

typedef struct {
    ConfKind kind;
    const char *host;           /* a fixture, or NULL */
    const char *text;
} Conf;

static char *
writeConf(const char *hostLab, const char *extra)
{
    g_autofree char *host = hostLab ? testFixture(hostLab) : NULL;
    g_autofree char *text = g_strdup_printf("[hook]\n%s%s%spolicy-dirs=\n%s",
                                            host ? "host-profile=" : "", host ? host : "",
                                            host ? "\n" : "", extra ? extra : "");
    static int n;
    g_autofree char *name = g_strdup_printf("cpreg-%d.conf", n++);

    return testWriteTemp(name, text, -1);
}

/* ---- the cases --------------------------------------------------------- */

typedef struct {
    const char *name;           /* the real situation */
    const char *dropin;         /* through hooks/qemu.d/50-cpreg with this
                                 * BINDIR, or NULL: virt-cpreg hook itself */
    const char *args;           /* OP SUBOP EXTRA, after NAME (guest1) */
    Input in;
    Conf conf;
    const char *env;            /* one more NAME=VALUE, or PATH=... */
    gboolean kill_at_15s;       /* a hook that never answers is killed */
    gboolean needs_qemu;        /* skipped without qemu-system-aarch64 */
    /* what libvirt reads back */
    int status;
    gboolean out_empty;
    gboolean out_guest;         /* stdout is guest1, its metadata this host's */
    const char *pin;            /* ... pinned to this, or to nothing */
    const char *profile_has;    /* ... and its profile says this */
    gboolean err_empty;
    const char *err_prefix;
    const char *err_has[3];
    const char *err_lacks;
    const char *journal_has[7]; /* "a|b": either */
    guint budget_ms;            /* answered at this budget, ... */
    guint early_ms;             /* ... no earlier than this */
    gboolean never_runs;        /* @EVIL@ (or qemu-evil) never runs */
} HookCase;

#define KERNEL_72 "# kernel: 7.2.13+deb14-arm64\n"
#define CANNOT_CHECK_DENY "libvirt-cpreg: cannot check the guest's vCPU registers, refusing it"
#define CONF_ALLOW_10 { CONF_HOOK, LAB_72, "qemu-version=10.0\n" }
#define CONF_DENY_10 { CONF_HOOK, LAB_72, "qemu-version=10.0\non-internal-error=deny\n" }
/* Hostile stdin: on-internal-error=allow lets the guest in unchanged
 * (exit 0, no XML); deny refuses it with a reason. Never a crash. */
#define HOSTILE(what, input) \
    { .name = "hostile stdin, on-internal-error=allow: " what, .args = "migrate begin -", \
      .in = input, .conf = CONF_ALLOW_10, .status = 0, .out_empty = TRUE, .err_lacks = "root:" }, \
    { .name = "hostile stdin, on-internal-error=deny: " what, .args = "migrate begin -", \
      .in = input, .conf = CONF_DENY_10, .status = 1, .err_prefix = CANNOT_CHECK_DENY, \
      .err_lacks = "root:" }
/* Not ours to judge, or not an operation that decides: 0, silently. */
#define SILENT(op) \
    { .name = "silent on " op, .args = op " -", .in = KVM_GUEST(LAB_612), \
      .conf = { CONF_HOOK, LAB_72, "qemu-version=10.0\n" }, .status = 0, .out_empty = TRUE, \
      .err_empty = TRUE }
/*
 * A pin is "-global host-arm-cpu.kvm-psci-version=X": only KVM's host
 * vCPU has the property. A TCG guest (QEMU 10.0 under libvirt 11.3 says
 * "global host-arm-cpu.kvm-psci-version has invalid class name" and runs
 * without it) or another vCPU type gets no pin it would not take: the
 * guest is let in unchanged but for our metadata, with a warning.
 */
#define NO_PIN(what, domainType, cpuElement) \
    { .name = "no pin without the property: " what, .args = "restore begin -", \
      .in = { .type = domainType, .arch = "aarch64", .cpu = cpuElement, \
              .emulator = QEMU_AARCH64, .lab = LAB_612 }, \
      .conf = { CONF_HOOK, LAB_72, "qemu-version=11.1.0\n" }, .status = 0, .out_guest = TRUE, \
      .profile_has = KERNEL_72, .err_empty = TRUE, .journal_has = { "CPREG_VERDICT=allow\n" } }
/*
 * Acceptance "evil emulator": an incoming XML names a script that records
 * its uid. The hook never runs it, whatever is configured; where nothing
 * needs running (host-profile= and qemu-version=) a real verdict comes
 * back, else the check cannot be made and on-internal-error answers,
 * saying why. Before, it ran the script as root for --version and as the
 * scratch QEMU.
 */
#define EVIL(what, host, text, says) \
    { .name = "evil emulator, " what, .args = "migrate begin -", .in = TCG_GUEST("@EVIL@", "max"), \
      .conf = { CONF_HOOK, host, text }, .status = 1, \
      .err_has = { says, "@EVIL@", "refusing it (on-internal-error=deny)" }, .never_runs = TRUE }
/*
 * A bare <emulator> name is never looked up in PATH (before, the probe
 * spawned it with G_SPAWN_SEARCH_PATH), and a name with a newline is
 * shown escaped, never as a line of its own.
 */
#define BARE(what, emu) \
    { .name = "bare emulator name " what, .args = "restore begin -", .in = TCG_GUEST(emu, "max"), \
      .conf = { CONF_HOOK, NULL, "qemu-version=10.0.2\non-internal-error=deny\n" }, \
      .env = "PATH=@EVILDIR@:/usr/bin:/bin", .status = 1, \
      .err_has = { "emulator 'qemu-evil", "is not in the allow-list" }, .err_lacks = "\nINJECTED", \
      .never_runs = TRUE }
/*
 * The drop-in answers every operation but migrate/restore begin itself:
 * reconnect succeeds with virt-cpreg missing or unable to start (before:
 * exit 127, and libvirt kills the guest). On migrate begin a missing
 * virt-cpreg is said on stderr, refused only if cpreg.conf says
 * on-internal-error=deny; one that cannot load fails (127, refused). With
 * the real binary it passes stdin, stdout and the status through.
 */
#define DROPIN_ALLOW { CONF_HOOK, LAB_72, "qemu-version=10.0.2\n" }
#define DROPIN_DENY { CONF_HOOK, LAB_72, "qemu-version=10.0.2\n on-internal-error = deny\n" }
#define DROPIN(what, bindir, op, cpregConf, exitStatus, ...) \
    { .name = "drop-in: " what, .dropin = bindir, .args = op " -", .in = KVM_GUEST(LAB_612), \
      .conf = cpregConf, .status = exitStatus, __VA_ARGS__ }

static const HookCase hookCases[] = {
    { .name = "6.12 -> 7.2 on QEMU 10.0: veto, TCR2/PIR", .args = "migrate begin -",
      .in = KVM_GUEST(LAB_612), .conf = { CONF_HOOK, LAB_72, "qemu-version=10.0.2\n" },
      .status = 1, .out_empty = TRUE,
      .err_prefix = "migration vetoed: cpreg_vmstate_array_len, TCR2_EL1, PIRE0_EL1 and PIR_EL1 would fail on the destination (QEMU 10.0); fix: use QEMU 11.1 or later on the destination\n",
      .journal_has = { "CPREG_VERDICT=veto\n", "CPREG_DOMAIN=guest1\n",
                       "CPREG_DOMAIN_UUID=c7a5fdbd-cdaf-9455-926a-d65c16db1809\n",
                       "CPREG_REGISTERS=cpreg_vmstate_array_len,TCR2_EL1,PIRE0_EL1,PIR_EL1\n",
                       "MESSAGE=migration vetoed: ",
                       "MESSAGE_ID=2f6a48bafe554967a865ae5a86efbe4b\n" } },
    /* the pin, and our metadata now says where the guest lives */
    { .name = "6.12 -> 7.2 on QEMU 11.1: allowed with the PSCI pin", .args = "migrate begin -",
      .in = KVM_GUEST(LAB_612), .conf = { CONF_HOOK, LAB_72, "qemu-version=11.1.0\n" },
      .status = 0, .out_guest = TRUE, .pin = "1.1", .profile_has = KERNEL_72, .err_empty = TRUE,
      .journal_has = { "CPREG_VERDICT=allow-with-changes\n" } },
    { .name = "7.2 -> 7.2 on QEMU 10.0: allowed, no pin", .args = "restore begin -",
      .in = KVM_GUEST(LAB_72), .conf = { CONF_HOOK, LAB_72, "qemu-version=10.0.2\n" },
      .status = 0, .out_guest = TRUE, .profile_has = "" },
    NO_PIN("TCG, -cpu max", "qemu", "<cpu mode='custom'><model>max</model></cpu>"),
    NO_PIN("KVM, maximum", "kvm", "<cpu mode='maximum'/>"),
    NO_PIN("KVM, cortex-a57", "kvm", "<cpu mode='custom'><model>cortex-a57</model></cpu>"),
    /*
     * A pin such a guest already carries (virt-cpreg pin, an older hook)
     * does nothing, so it does not stop QEMU 10.0, which lacks the
     * property, from starting: no "QEMU will not start" veto.
     */
    { .name = "an inert pin on a TCG guest: no veto", .args = "restore begin -",
      .in = { .type = "qemu", .arch = "aarch64", .model = "max", .emulator = QEMU_AARCH64,
              .lab = LAB_72, .pin = "1.1" },
      .conf = { CONF_HOOK, LAB_72, "qemu-version=10.0.2\n" },
      .status = 0, .journal_has = { "CPREG_VERDICT=allow\n" } },
    { .name = "no profile in the metadata, on-missing-profile=allow", .args = "migrate begin -",
      .in = { .type = "kvm", .arch = "aarch64", .cpu = HOST_PASSTHROUGH, .emulator = QEMU_AARCH64 },
      .conf = { CONF_HOOK, LAB_72, NULL }, .status = 0, .out_empty = TRUE,
      .journal_has = { "virt-cpreg stamp guest1" } },
    { .name = "no profile in the metadata, on-missing-profile=deny", .args = "migrate begin -",
      .in = { .type = "kvm", .arch = "aarch64", .cpu = HOST_PASSTHROUGH, .emulator = QEMU_AARCH64 },
      .conf = { CONF_HOOK, LAB_72, "on-missing-profile=deny\n" }, .status = 1,
      .err_prefix = "libvirt-cpreg: guest 'guest1' carries no vCPU register profile, refusing it" },
    SILENT("prepare begin"), SILENT("start begin"), SILENT("started begin"),
    SILENT("stopped end"), SILENT("release end"), SILENT("migrate end"), SILENT("attach begin"),
    { .name = "silent on an x86_64 guest", .args = "migrate begin -",
      .in = { .type = "kvm", .arch = "x86_64", .cpu = HOST_PASSTHROUGH,
              .emulator = "/usr/bin/qemu-system-x86_64" },
      .conf = { CONF_HOOK, LAB_72, "qemu-version=10.0\n" }, .status = 0, .out_empty = TRUE,
      .err_empty = TRUE },
    /* reconnect never fails, whatever is broken */
    { .name = "reconnect with a broken cpreg.conf and garbage on stdin",
      .args = "reconnect begin -", .in = { .text = "\x01\x02 garbage" },
      .conf = { CONF_RAW, NULL, "[hook\nnot a key file" }, .status = 0, .out_empty = TRUE },
    HOSTILE("garbage", { .text = "\x7f" "ELF\x02\x01\x01 not xml at all" }),
    HOSTILE("empty", { .text = "" }),
    HOSTILE("huge", { .zeros = 9 * 1024 * 1024 }),
    HOSTILE("xxe", { .text = "<?xml version='1.0'?>\n<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
                     "<domain><name>&x;</name><os><type arch='aarch64'>hvm</type></os></domain>" }),
    HOSTILE("billion-laughs", { .text = "<?xml version='1.0'?>\n<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
                                "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
                                "<domain><name>&c;</name></domain>" }),
    HOSTILE("bad-metadata", { .text = "<domain><name>g</name><os><type arch='aarch64'>hvm</type></os>"
                              "<metadata><cpreg:profile xmlns:cpreg='http://libvirt-cpreg.org/xmlns/metadata/1.0'>"
                              "{\"libvirt-cpreg-profile\": 1, \"identity\": {}, \"registers\": [{\"id\": \"0xzz\"}]}"
                              "</cpreg:profile></metadata></domain>" }),
    /* a prediction's marks could turn a veto into "uncertain": refused */
    HOSTILE("predicted-metadata", { .text = "<domain><name>g</name><os><type arch='aarch64'>hvm</type></os>"
                                    "<metadata><cpreg:profile xmlns:cpreg='http://libvirt-cpreg.org/xmlns/metadata/1.0'>"
                                    "# vCPU features: pmu\n0x603000000013c039 0x10 predicted uncertain=0xffffffffffffffff\n"
                                    "</cpreg:profile></metadata></domain>" }),
    /*
     * A destination that hangs (here, a host profile that never arrives)
     * cannot keep libvirtd waiting. The budget counts from exec, which
     * the kernel gives in clock ticks (10 ms) rounded down: an answer up
     * to two ticks early is right.
     */
    { .name = "a host profile that never arrives, on-internal-error=allow", .args = "migrate begin -",
      .in = KVM_GUEST(LAB_612),
      .conf = { CONF_HOOK, NULL, "host-profile=@HANG@\nqemu-version=10.0.2\ntime-budget-ms=1000\n" },
      .status = 0, .out_empty = TRUE,
      .journal_has = { "no answer within the time budget of 1000 ms" },
      .budget_ms = 1000, .early_ms = 20 },
    { .name = "a host profile that never arrives, on-internal-error=deny", .args = "migrate begin -",
      .in = KVM_GUEST(LAB_612),
      .conf = { CONF_HOOK, NULL, "host-profile=@HANG@\nqemu-version=10.0.2\ntime-budget-ms=1000\n"
                "on-internal-error=deny\n" },
      .status = 1, .err_has = { "no answer within the time budget of 1000 ms" },
      .budget_ms = 1000, .early_ms = 20 },
    /*
     * The budget counts from the hook's start, reading cpreg.conf
     * included: a configuration that arrives 900 ms late (from a FIFO)
     * leaves 100 ms of a 1000 ms budget, here spent waiting for a domain
     * XML that never ends. Before, the budget started after the
     * configuration: 1900 ms. Which message depends on when the
     * configuration came.
     */
    { .name = "the budget counts from exec: cpreg.conf 900 ms late", .args = "migrate begin -",
      .in = { .never_ends = TRUE },
      .conf = { CONF_LATE, LAB_72, "qemu-version=10.0.2\ntime-budget-ms=1000\n" },
      .status = 0,
      .journal_has = { "did not arrive in time|reading the configuration took the whole time budget" },
      .budget_ms = 1000, .early_ms = 50 },
    /*
     * A cpreg.conf that never arrives (a FIFO nobody writes) cannot hold
     * libvirt either: past the default budget the hook answers as for an
     * unreadable file, every key at its fallback: on-internal-error=deny.
     * Before, the hook waited forever (here: killed after 15 s).
     */
    { .name = "a cpreg.conf that never arrives", .args = "migrate begin -",
      .in = KVM_GUEST(LAB_612), .conf = { CONF_NEVER, NULL, NULL }, .kill_at_15s = TRUE,
      .status = 1, .err_has = { "the configuration could not be read within 5000 ms" },
      .budget_ms = 5000, .early_ms = 20 },
    { .name = "time-budget-ms=forever is ignored, and said", .args = "migrate begin -",
      .in = KVM_GUEST(LAB_612), .conf = { CONF_RAW, NULL, "[hook]\ntime-budget-ms=forever\n" },
      .status = 0, .journal_has = { "time-budget-ms: expected 100 to 600000, not 'forever'" } },
    { .name = "evil emulator, host-profile and qemu-version: nothing to run",
      .args = "migrate begin -", .in = TCG_GUEST("@EVIL@", "max"),
      .conf = { CONF_HOOK, LAB_72, "qemu-version=10.0.2\non-internal-error=deny\n" },
      .status = 1, .err_has = { "migration vetoed: " }, .never_runs = TRUE },
    EVIL("host-profile, no qemu-version", LAB_72, "on-internal-error=deny\n",
         "cannot tell the destination QEMU's version (qemu-version= is not set): emulator '"),
    EVIL("qemu-version, no host-profile: no probe", NULL,
         "qemu-version=10.0.2\non-internal-error=deny\n",
         "refusing to probe with the domain's emulator: emulator '"),
    EVIL("neither", NULL, "on-internal-error=deny\n", "is not in the allow-list"),
    { .name = "evil emulator, neither, on-internal-error=allow", .args = "migrate begin -",
      .in = TCG_GUEST("@EVIL@", "max"), .conf = { CONF_HOOK, NULL, "" }, .status = 0,
      .journal_has = { "is not in the allow-list" }, .never_runs = TRUE },
    BARE("qemu-evil", "qemu-evil"),
    BARE("with a newline", "qemu-evil\nINJECTED: yes"),
    /*
     * <cpu><model>max,x-evil=1</model> is refused before any argv is
     * built, and the hook says why.
     */
    { .name = "a vCPU model with QEMU options in it", .args = "migrate begin -",
      .in = TCG_GUEST(QEMU_AARCH64, "max,x-evil=1"), .needs_qemu = TRUE,
      .conf = { CONF_HOOK, NULL, "qemu-version=10.0.2\non-internal-error=deny\n" },
      .status = 1, .err_has = { "vCPU model 'max,x-evil=1' is refused" } },
    DROPIN("reconnect, binary missing", "/nonexistent", "reconnect begin", DROPIN_DENY, 0,
           .err_empty = TRUE),
    DROPIN("reconnect, binary broken", "@BROKEN@", "reconnect begin", DROPIN_DENY, 0,
           .err_empty = TRUE),
    DROPIN("started, binary missing", "/nonexistent", "started begin", DROPIN_DENY, 0,
           .err_empty = TRUE),
    DROPIN("migrate, missing, allow", "/nonexistent", "migrate begin", DROPIN_ALLOW, 0,
           .err_has = { "libvirt-cpreg: /nonexistent/virt-cpreg is missing; letting the guest in unchecked\n" }),
    DROPIN("migrate, missing, deny", "/nonexistent", "migrate begin", DROPIN_DENY, 1,
           .err_has = { "libvirt-cpreg: /nonexistent/virt-cpreg is missing; refusing the guest unchecked (on-internal-error=deny)\n" }),
    DROPIN("restore, broken", "@BROKEN@", "restore begin", DROPIN_ALLOW, 127,
           .err_has = { "virt-cpreg" }),
    DROPIN("migrate, real binary", "@BUILD@", "migrate begin", DROPIN_ALLOW, 1,
           .err_has = { "migration vetoed: " }),
    { .name = "usage: two arguments instead of four", .args = "migrate",
      .in = { .text = "" }, .conf = { CONF_HOOK, NULL, NULL },
      .status = 2, .err_has = { "expected NAME OP SUBOP EXTRA" } },
};

/* ---- one loop ---------------------------------------------------------- */

/* hooks/qemu.d/50-cpreg.in with virt-cpreg in @bindir, the conf @conf. */
static char *
dropIn(const char *bindir, const char *conf)
{
    g_autofree char *in = g_build_filename(FIXTUREDIR, "..", "..", "hooks", "qemu.d",
                                           "50-cpreg.in", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) a = NULL;
    g_auto(GStrv) b = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *out = NULL;
    static int n;
    g_autofree char *name = g_strdup_printf("50-cpreg-%d", n++);

    assert_true(g_file_get_contents(in, &text, NULL, NULL));
    a = g_strsplit(text, "@BINDIR@", -1);
    tmp = g_strjoinv(bindir, a);
    b = g_strsplit(tmp, "${VIRT_CPREG_CONF:-@SYSCONFDIR@/libvirt-cpreg/cpreg.conf}", -1);
    g_free(text);
    text = g_strjoinv(conf, b);
    out = testWriteTemp(name, text, -1);
    assert_int_equal(g_chmod(out, 0755), 0);
    return g_steal_pointer(&out);
}

/* The configuration file the hook is told about; *late: what a CONF_LATE
 * FIFO gets. */
static char *
makeConf(const Conf *conf, char **late)
{
    g_autofree char *text = expand(conf->text);

    switch (conf->kind) {
    case CONF_RAW:
        return testWriteTemp("raw.conf", text, -1);
    case CONF_LATE:
        *late = writeConf(conf->host, text);
        return makeFifo("late.conf");
    case CONF_NEVER:
        return makeFifo("never.conf");
    case CONF_HOOK:
        break;
    }
    return writeConf(conf->host, text);
}

/* The shell line that execs the hook the way libvirt does. */
static char *
hookCommand(const HookCase *c, const char *conf, const char *late, const char *in)
{
    g_autoptr(GString) cmd = g_string_new(NULL);

    if (late)
        g_string_append_printf(cmd, "(sleep 0.9; cat '%s' >'%s') >/dev/null 2>&1 &\n", late, conf);
    if (c->in.never_ends)
        g_string_append_printf(cmd, "sleep 3 >'%s' 2>/dev/null &\n", in);
    if (c->dropin) {
        g_autofree char *bindir = expand(c->dropin);
        g_autofree char *hook = dropIn(bindir, conf);
        g_string_append_printf(cmd, "exec '%s' guest1 %s <'%s'", hook, c->args, in);
    } else {
        g_string_append_printf(cmd, "exec %s%s hook guest1 %s <'%s'",
                               c->kill_at_15s ? "timeout -s KILL 15 " : "", VIRT_CPREG,
                               c->args, in);
    }
    return g_string_free(g_steal_pointer(&cmd), FALSE);
}

/* stdout: guest1, our metadata refreshed to this host, the right pin */
static void
checkGuest(const HookCase *c, const HookRun *r)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregDomain) d = virCpregDomainParse("stdout", r->out, strlen(r->out), &error);

    if (!d)
        fail_msg("%s: %s", c->name, error->message);
    assert_string_equal(d->name, "guest1");
    if (g_strcmp0(d->psci_pin, c->pin) != 0 || (!c->pin && strstr(r->out, "kvm-psci-version")))
        fail_msg("%s: pin '%s', expected '%s':\n%s", c->name, d->psci_pin, c->pin, r->out);
    if (c->profile_has && (!d->profile_text || !strstr(d->profile_text, c->profile_has)))
        fail_msg("%s: the metadata's profile lacks %s", c->name, c->profile_has);
}

/* Whether @text has @fragment, one of "a|b" enough. */
static gboolean
hasFragment(const char *text, const char *fragment)
{
    g_autofree char *expanded = expand(fragment);
    g_auto(GStrv) either = g_strsplit(expanded, "|", -1);
    guint i;

    for (i = 0; either[i]; i++) {
        if (strstr(text, either[i]))
            return TRUE;
    }
    return FALSE;
}

static void
checkAnswer(const HookCase *c, const HookRun *r)
{
    size_t i;

    if (r->status != c->status)
        fail_msg("%s: status %d, stderr: %s", c->name, r->status, r->err);
    if (c->out_empty && *r->out)
        fail_msg("%s: stdout '%.80s'", c->name, r->out);
    if (c->out_guest)
        checkGuest(c, r);
    if ((c->err_empty && *r->err) ||
        (c->err_prefix && !g_str_has_prefix(r->err, c->err_prefix)) ||
        (c->err_lacks && strstr(r->err, c->err_lacks)))
        fail_msg("%s: stderr: %s", c->name, r->err);
    for (i = 0; i < G_N_ELEMENTS(c->err_has) && c->err_has[i]; i++) {
        if (!hasFragment(r->err, c->err_has[i]))
            fail_msg("%s: stderr lacks '%s': %s", c->name, c->err_has[i], r->err);
    }
    for (i = 0; i < G_N_ELEMENTS(c->journal_has) && c->journal_has[i]; i++) {
        if (!hasFragment(r->journal, c->journal_has[i]))
            fail_msg("%s: the journal lacks '%s': %s", c->name, c->journal_has[i], r->journal);
    }
    if (c->budget_ms &&
        (r->ms < c->budget_ms - c->early_ms || r->ms > BUDGET_LATE_MS(c->budget_ms)))
        fail_msg("%s: answered after %" G_GINT64_FORMAT " ms, budget %u ms",
                 c->name, r->ms, c->budget_ms);
    if (c->never_runs && g_file_test(places[RECORD].value, G_FILE_TEST_EXISTS))
        fail_msg("%s: the hook ran the domain's emulator", c->name);
}

static void
testHookCase(void **state)
{
    const HookCase *c = *state;
    g_autofree char *late = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *in = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *env = expand(c->env);
    g_auto(HookRun) r;

    if (c->needs_qemu && !g_file_test(QEMU_AARCH64, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    g_unlink(places[RECORD].value);
    conf = makeConf(&c->conf, &late);
    in = makeInput(&c->in);
    cmd = hookCommand(c, conf, late, in);
    extraEnv = env;
    runHookShell(&r, conf, cmd);
    extraEnv = NULL;
    checkAnswer(c, &r);
}

/*
 * virt-cpregd, a real libvirt client, on a running aarch64 guest whose
 * <emulator> is the recording script: libvirt's test driver holds the
 * guest (a real libvirtd could not start it: it runs the emulator itself),
 * virt-cpregd probes for it (no profile configured) and must refuse,
 * saying why. Before, it ran the script as root.
 */
static void
testDaemonEvilEmulator(void **state)
{
    g_autofree char *record = testWriteTemp("daemon-ran-as", "", 0);
    g_autofree char *dir = g_path_get_dirname(record);
    g_autofree char *bindir = g_path_get_dirname(VIRT_CPREG);
    g_autofree char *daemon = g_build_filename(bindir, "virt-cpregd", NULL);
    g_autofree char *evil = NULL;
    g_autofree char *node = NULL;
    g_autofree char *nodePath = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *conf = writeConf(NULL, "");
    g_autofree char *cache = g_dir_make_tmp("cpreg-daemon-cache-XXXXXX", NULL);
    g_autofree char *envConf = g_strdup_printf("VIRT_CPREG_CONF=%s", conf);
    g_autofree char *envCache = g_strdup_printf("VIRT_CPREG_CACHE_DIR=%s", cache);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", envConf, envCache, NULL };
    int status;

    (void)state;
    if (!g_file_test(daemon, G_FILE_TEST_IS_EXECUTABLE))
        skip();
    g_unlink(record);
    evil = recordingEmulator(dir, "evil-daemon.sh", record);
    node = g_markup_printf_escaped(
        "<node><domain type='test'><name>evil1</name><memory>65536</memory>"
        "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
        "<cpu mode='custom'><model>max</model></cpu>"
        "<devices><emulator>%s</emulator></devices></domain></node>", evil);
    nodePath = testWriteTemp("evil-node.xml", node, -1);
    uri = g_strdup_printf("test://%s", nodePath);
    {
        const char *argv[] = { daemon, "--connect", uri, "--once", "--verbose", NULL };
        assert_true(g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
                                 &out, &err, &status, NULL));
    }
    if (g_file_test(record, G_FILE_TEST_EXISTS))
        fail_msg("virt-cpregd ran %s", evil);
    if (!strstr(err, "refusing to probe with the domain's emulator: emulator '") ||
        !strstr(err, "is not in the allow-list"))
        fail_msg("virt-cpregd does not say why: %s", err);
    testRemoveTree(cache);
}

/*
 * The CLI on a hostile XML file: `stamp --xml` without a profile (what
 * virt-cpregd does, offline) and `check --domain` without --dest-qemu
 * never run its emulator either (before, both did).
 */
static void
testCliEvilEmulator(void **state)
{
    g_autofree char *record = testWriteTemp("cli-ran-as", "", 0);
    g_autofree char *dir = g_path_get_dirname(record);
    g_autofree char *evil = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *path = NULL;
    g_autofree char *src = testFixture(LAB_612);
    g_autofree char *dst = testFixture(LAB_72);
    g_autofree char *conf = writeConf(NULL, "");
    g_autofree char *envConf = g_strdup_printf("VIRT_CPREG_CONF=%s", conf);
    const char *envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", envConf, NULL };
    const char *stamp[] = { VIRT_CPREG, "stamp", "--xml", NULL, NULL };
    const char *check[] = { VIRT_CPREG, "check", "--source", src, "--dest", dst,
                            "--domain", NULL, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    (void)state;
    g_unlink(record);
    evil = recordingEmulator(dir, "evil-cli.sh", record);
    xml = makeGuest(&(Input)TCG_GUEST(evil, "max"));
    stamp[3] = check[7] = path = testWriteTemp("evil-cli.xml", xml, -1);
    assert_true(g_spawn_sync(NULL, (char **)stamp, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, &err, &status, NULL));
    assert_false(g_file_test(record, G_FILE_TEST_EXISTS));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "is not in the allow-list"));
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&err, g_free);
    assert_true(g_spawn_sync(NULL, (char **)check, (char **)envp, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, &err, &status, NULL));
    if (g_file_test(record, G_FILE_TEST_EXISTS))
        fail_msg("check --domain ran %s", evil);
    assert_non_null(strstr(out, "migration vetoed"));
}

/* The grammar of what a domain XML may hand to a QEMU command line. */
static void
testTokenGrammar(void **state)
{
    static const struct {
        virCpregDomainToken kind;
        const char *value;
        gboolean valid;
    } cases[] = {
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "max", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "cortex-a57", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "neoverse-n1", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "a64fx", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "max,x-evil=1", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "max,pmu=on", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "Max", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "-max", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "max help", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "max\n", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "a123456789012345678901234567890123456789012345678901234567890123", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL, "a1234567890123456789012345678901234567890123456789012345678901234", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_MACHINE, "virt", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_MACHINE, "virt-7.2", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_MACHINE, "virt,memory-backend=x", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_FEATURE, "pmu=on", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_FEATURE, "sve=off", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_FEATURE, "pauth=on", TRUE },
        { VIR_CPREG_DOMAIN_TOKEN_FEATURE, "pmu=1", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_FEATURE, "x-evil=on", FALSE },
        { VIR_CPREG_DOMAIN_TOKEN_FEATURE, "pmu=on,x-evil=1", FALSE },
    };
    size_t i;

    (void)state;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        if (virCpregDomainTokenValid(cases[i].kind, cases[i].value, &error) != cases[i].valid)
            fail_msg("'%s': expected %s", cases[i].value, cases[i].valid ? "valid" : "refused");
        if (!cases[i].valid && !strstr(error->message, "is refused"))
            fail_msg("'%s': %s", cases[i].value, error->message);
    }
}

/*
 * <cpu><model>max,x-evil=1</model> is refused before any argv is built:
 * the scratch QEMU (here a script that records it ran) is never started.
 * (The hook's answer to such a guest is a row of hookCases.)
 */
static void
probeRefuses(virCpregQemuProbeOptions *opts, const char *said)
{
    g_autofree char *record = testWriteTemp("qemu-ran-as", "", 0);
    g_autofree char *dir = g_path_get_dirname(record);
    g_autofree char *fake = NULL;
    g_autoptr(GError) error = NULL;

    g_unlink(record);
    opts->emulator = fake = recordingEmulator(dir, "qemu-records", record);
    assert_null(virCpregQemuProbe(opts, NULL, &error));
    assert_false(g_file_test(record, G_FILE_TEST_EXISTS));
    assert_true(g_error_matches(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_INPUT));
    assert_non_null(strstr(error->message, said));
}

static void
testProbeRefusesCpuModel(void **state)
{
    virCpregQemuProbeOptions opts = { .accel = "tcg", .cpu = "max,x-evil=1", .timeout_ms = 5000 };

    (void)state;
    probeRefuses(&opts, "vCPU model 'max,x-evil=1' is refused");
}

/* A machine type "virt,x-evil=1" (the guest's <type machine=...>, or
 * probe --machine) is refused the same way. */
static void
testProbeRefusesMachine(void **state)
{
    virCpregQemuProbeOptions opts = { .accel = "tcg", .cpu = "max", .machine = "virt,x-evil=1",
                                      .timeout_ms = 5000 };

    (void)state;
    probeRefuses(&opts, "machine type 'virt,x-evil=1' is refused");
}

/* ---- a confined scratch QEMU ------------------------------------------ */

/* The pids of the processes whose command line holds @needle. */
static GArray *
processesWith(const char *needle)
{
    GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    GDir *proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    while (proc && (name = g_dir_read_name(proc))) {
        g_autofree char *path = NULL;
        g_autofree char *cmd = NULL;
        gsize len, i;
        pid_t pid;

        if (!g_ascii_isdigit(*name))
            continue;
        path = g_build_filename("/proc", name, "cmdline", NULL);
        if (!g_file_get_contents(path, &cmd, &len, NULL) || !len)
            continue;
        for (i = 0; i + 1 < len; i++)
            cmd[i] = cmd[i] ? cmd[i] : ' ';
        if (!strstr(cmd, needle))
            continue;
        pid = (pid_t)atoi(name);
        g_array_append_val(pids, pid);
    }
    if (proc)
        g_dir_close(proc);
    return pids;
}

/* The scratch directories in the command lines of processes with @needle. */
static void
addScratchDirs(GPtrArray *dirs, const char *needle)
{
    g_autoptr(GArray) pids = processesWith(needle);
    guint i;

    for (i = 0; i < pids->len; i++) {
        g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", g_array_index(pids, pid_t, i));
        g_autofree char *text = NULL;
        gsize len, k;
        const char *at;

        if (!g_file_get_contents(path, &text, &len, NULL) || len < 2)
            continue;
        for (k = 0; k + 1 < len; k++)
            text[k] = text[k] ? text[k] : ' ';
        if ((at = strstr(text, "virt-cpreg-qemu-"))) {
            g_autofree char *name = g_strndup(at, strcspn(at, "/"));
            if (!g_ptr_array_find_with_equal_func(dirs, name, g_str_equal, NULL))
                g_ptr_array_add(dirs, g_steal_pointer(&name));
        }
    }
}

/* Waits up to @ms for processes with @needle to exist (or to be gone). */
static gboolean
waitProcesses(const char *needle, gboolean exist, guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    do {
        g_autoptr(GArray) pids = processesWith(needle);
        if ((pids->len > 0) == exist)
            return TRUE;
        g_usleep(10000);
    } while (g_get_monotonic_time() < end);
    return FALSE;
}

static void
killProcesses(const char *needle)
{
    g_autoptr(GArray) pids = processesWith(needle);
    guint i;

    for (i = 0; i < pids->len; i++)
        kill(g_array_index(pids, pid_t, i), SIGKILL);
}

/* Whether the temporary directory holds an entry starting with @prefix. */
static gboolean
tmpHas(const char *prefix)
{
    GDir *dir = g_dir_open(g_get_tmp_dir(), 0, NULL);
    const char *name;
    gboolean found = FALSE;

    while (dir && !found && (name = g_dir_read_name(dir)))
        found = g_str_has_prefix(name, prefix);
    if (dir)
        g_dir_close(dir);
    return found;
}

/*
 * A QEMU that never finishes its migration to the probe's file (QEMU's
 * own bandwidth cap at a few KiB/s; *needle finds it in /proc): the probe is then killed while QEMU
 * runs, not before or after. In a directory of its own, root's and not
 * writable by others, so that an emulators= line may name it; NULL
 * without QEMU.
 */
static char *
throttledQemu(char **needle)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-aarch64");
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    g_autofree char *script = NULL;

    if (!qemu)
        return NULL;
    dir = g_dir_make_tmp("cpreg-throttled-XXXXXX", NULL);
    assert_int_equal(g_chmod(dir, 0755), 0);
    path = g_build_filename(dir, "qemu-throttled", NULL);
    /* the cap, unique to this test run, finds its QEMUs among others */
    *needle = g_strdup_printf("x-max-bandwidth=%d", 4096 + (int)getpid());
    /* only the scratch QEMU (-qmp), not the probe's --version run */
    script = g_strdup_printf("#!/bin/sh\ncase \"$*\" in *-qmp*) exec %1$s \"$@\" -global migration.%2$s;; esac\n"
                             "exec %1$s \"$@\"\n", qemu, *needle);
    assert_true(g_file_set_contents(path, script, -1, NULL));
    assert_int_equal(g_chmod(path, 0755), 0);
    return g_steal_pointer(&path);
}

static int
runProbeCli(const char *emulator, const char *cacheDir, gboolean wait, GPid *pid)
{
    const char *argv[] = { VIRT_CPREG, "probe", "--via", "qemu", "--accel", "tcg", "--cpu", "max",
                           emulator ? "--emulator" : NULL, emulator, NULL };
    g_autofree char *envCache = g_strdup_printf("VIRT_CPREG_CACHE_DIR=%s", cacheDir);
    const char *envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", envCache, NULL };
    int status = -1;

    if (!wait) {
        assert_true(g_spawn_async(NULL, (char **)argv, (char **)envp,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, pid, NULL));
        return 0;
    }
    assert_true(g_spawn_sync(NULL, (char **)argv, (char **)envp, G_SPAWN_STDOUT_TO_DEV_NULL,
                             NULL, NULL, NULL, NULL, &status, NULL));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * kill -9 of a probe while its QEMU runs leaves no QEMU behind (the
 * parent-death signal; before, a paused QEMU ran forever), and the next
 * probe removes the directory the killed one left.
 */
static void
testProbeKilled(void **state)
{
    g_autofree char *needle = NULL;
    g_autofree char *qemu = throttledQemu(&needle);
    g_autofree char *cache = g_dir_make_tmp("cpreg-kill-cache-XXXXXX", NULL);
    g_autofree char *cache2 = g_dir_make_tmp("cpreg-kill-cache-XXXXXX", NULL);
    g_autofree char *qemuDir = NULL;
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
    const char *dir;
    GPid pid;

    (void)state;
    if (!qemu)
        skip();
    runProbeCli(qemu, cache, FALSE, &pid);
    if (!waitProcesses(needle, TRUE, 10000)) {
        kill(pid, SIGKILL);
        fail_msg("the probe started no QEMU");
    }
    g_usleep(200000);   /* into the migration */
    addScratchDirs(dirs, needle);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (!waitProcesses(needle, FALSE, 3000)) {
        killProcesses(needle);
        fail_msg("a QEMU outlived its killed probe");
    }
    assert_int_equal(dirs->len, 1);
    dir = dirs->pdata[0];
    assert_true(tmpHas(dir));
    assert_int_equal(runProbeCli(NULL, cache2, TRUE, NULL), 0);
    if (tmpHas(dir))
        fail_msg("the next probe left %s in %s", dir, g_get_tmp_dir());
    testRemoveTree(cache);
    testRemoveTree(cache2);
    testRemoveTree(qemuDir = g_path_get_dirname(qemu));
}

/*
 * The hook's budget kills its worker while the scratch QEMU migrates:
 * no QEMU and no directory is left once the hook has answered (before,
 * every budget kill leaked a /tmp/virt-cpreg-qemu-* directory).
 */
static void
testBudgetKillLeavesNothing(void **state)
{
    g_autofree char *needle = NULL;
    g_autofree char *qemu = throttledQemu(&needle);
    g_autofree char *cache = g_dir_make_tmp("cpreg-budget-cache-XXXXXX", NULL);
    g_autofree char *extra = NULL;
    g_autofree char *conf = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *in = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *envConf = NULL;
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *qemuDir = NULL;
    const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
    const char *envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", NULL, "VIRT_CPREG_JOURNAL_SOCKET=/nonexistent", NULL };
    GPid pid;
    int status = 0;
    guint i;

    (void)state;
    if (!qemu || geteuid() != 0)
        skip();   /* emulators= takes root-owned binaries only */
    extra = g_strdup_printf("qemu-version=7.2.0\ntime-budget-ms=1500\ncache-dir=%s\nemulators=%s\n",
                            cache, qemu);
    conf = writeConf(NULL, extra);
    xml = makeGuest(&(Input)TCG_GUEST(qemu, "max"));
    in = testWriteTemp("budget-kill.xml", xml, -1);
    argv[2] = cmd = g_strdup_printf("exec %s hook guest1 migrate begin - <'%s'", VIRT_CPREG, in);
    envp[2] = envConf = g_strdup_printf("VIRT_CPREG_CONF=%s", conf);
    assert_true(g_spawn_async(NULL, (char **)argv, (char **)envp,
                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                              G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, NULL));
    /* the QEMUs of this hook: the throttled ones, by their directory */
    while (waitpid(pid, &status, WNOHANG) == 0) {
        addScratchDirs(dirs, needle);
        g_usleep(5000);
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    if (!dirs->len)
        fail_msg("the hook started no scratch QEMU");
    for (i = 0; i < dirs->len; i++) {
        const char *name = dirs->pdata[i];
        if (!waitProcesses(name, FALSE, 3000)) {
            killProcesses(name);
            fail_msg("a QEMU in %s outlived the budget kill", name);
        }
        if (tmpHas(name))
            fail_msg("the budget kill left %s in %s", name, g_get_tmp_dir());
    }
    testRemoveTree(cache);
    testRemoveTree(qemuDir = g_path_get_dirname(qemu));
}

/* The value of @field ("Uid:", "Seccomp:") in /proc/@pid/status. */
static char *
procStatus(pid_t pid, const char *field)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *at;

    if (!g_file_get_contents(path, &text, NULL, NULL) || !(at = strstr(text, field)))
        return NULL;
    at += strlen(field);
    return g_strstrip(g_strndup(at, strcspn(at, "\n")));
}

/*
 * What the scratch QEMU runs as, caught while it runs: its own process
 * group, seccomp's filter on with no new privileges, no network, and,
 * when we are root and the distribution's QEMU user exists, that user.
 */
static void
testScratchQemuConfined(void **state)
{
    g_autofree char *needle = NULL;
    g_autofree char *qemu = throttledQemu(&needle);
    g_autofree char *cache = g_dir_make_tmp("cpreg-confined-cache-XXXXXX", NULL);
    g_autofree char *qemuDir = NULL;
    g_autofree char *uid = NULL;
    g_autofree char *seccomp = NULL;
    g_autofree char *nnp = NULL;
    g_autofree char *cmdPath = NULL;
    g_autofree char *cmd = NULL;
    g_autoptr(GArray) pids = NULL;
    gboolean user = geteuid() == 0 && (getpwnam("libvirt-qemu") || getpwnam("qemu"));
    pid_t q;
    gsize len, i;
    GPid pid;

    (void)state;
    if (!qemu)
        skip();
    runProbeCli(qemu, cache, FALSE, &pid);
    if (!waitProcesses(needle, TRUE, 10000)) {
        kill(pid, SIGKILL);
        fail_msg("the probe started no QEMU");
    }
    pids = processesWith(needle);
    q = g_array_index(pids, pid_t, 0);
    /* QEMU turns its filter on once it has read its options */
    for (i = 0; i < 500; i++) {
        g_free(seccomp);
        if ((seccomp = procStatus(q, "Seccomp:")) && g_str_equal(seccomp, "2"))
            break;
        g_usleep(10000);
    }
    uid = procStatus(q, "Uid:");
    nnp = procStatus(q, "NoNewPrivs:");
    cmdPath = g_strdup_printf("/proc/%d/cmdline", (int)q);
    assert_true(g_file_get_contents(cmdPath, &cmd, &len, NULL));
    for (i = 0; i + 1 < len; i++)
        cmd[i] = cmd[i] ? cmd[i] : ' ';
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    waitProcesses(needle, FALSE, 3000);
    assert_int_equal(getpgid(q) < 0 ? q : getpgid(q), q);
    assert_non_null(strstr(cmd, " -nodefaults "));
    assert_non_null(strstr(cmd, " -nic none "));
    assert_non_null(strstr(cmd, " -sandbox on,obsolete=deny,elevateprivileges=deny,resourcecontrol=deny,spawn=deny "));
    if (!seccomp || !g_str_equal(seccomp, "2") || !nnp || !g_str_equal(nnp, "1"))
        fail_msg("QEMU ran with Seccomp: %s, NoNewPrivs: %s", seccomp, nnp);
    if (user && (!uid || g_str_has_prefix(uid, "0")))
        fail_msg("QEMU ran as root (Uid: %s)", uid);
    testRemoveTree(cache);
    testRemoveTree(qemuDir = g_path_get_dirname(qemu));
}

/*
 * A QEMU built without seccomp refuses -sandbox and exits: the probe
 * starts it again without, and gets its profile.
 */
static void
testSandboxFallback(void **state)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-aarch64");
    g_autofree char *dir = NULL;
    g_autofree char *wrapper = NULL;
    g_autofree char *script = NULL;
    g_autofree char *cache = g_dir_make_tmp("cpreg-noseccomp-cache-XXXXXX", NULL);

    (void)state;
    if (!qemu)
        skip();
    dir = g_dir_make_tmp("cpreg-noseccomp-XXXXXX", NULL);
    assert_int_equal(g_chmod(dir, 0755), 0);
    wrapper = g_build_filename(dir, "qemu-no-seccomp", NULL);
    script = g_strdup_printf("#!/bin/sh\ncase \"$*\" in *-sandbox*)\n"
                             "  echo 'qemu-system-aarch64: -sandbox is not supported by this QEMU build.' >&2\n"
                             "  exit 1;;\nesac\nexec %s \"$@\"\n", qemu);
    assert_true(g_file_set_contents(wrapper, script, -1, NULL));
    assert_int_equal(g_chmod(wrapper, 0755), 0);
    assert_int_equal(runProbeCli(wrapper, cache, TRUE, NULL), 0);
    testRemoveTree(cache);
    testRemoveTree(dir);
}

/*
 * What a dead probe left is removed, but only for a PID of our own PID
 * namespace: the temporary directory may be shared with another one,
 * where the same number is a live probe.
 */
static void
testLeftoversByNamespace(void **state)
{
    struct stat st;
    pid_t dead = fork();
    g_autofree char *ours = NULL;
    g_autofree char *other = NULL;
    g_autofree char *inside = NULL;

    (void)state;
    if (dead == 0)
        _exit(0);
    assert_true(dead > 0);
    waitpid(dead, NULL, 0);
    assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
    ours = g_strdup_printf("%s/virt-cpreg-qemu-%d-p%lu-TeSt01", g_get_tmp_dir(), (int)dead,
                           (unsigned long)st.st_ino);
    other = g_strdup_printf("%s/virt-cpreg-qemu-%d-p%lu-TeSt02", g_get_tmp_dir(), (int)dead,
                            (unsigned long)st.st_ino + 1);
    assert_int_equal(g_mkdir(ours, 0700), 0);
    assert_int_equal(g_mkdir(other, 0700), 0);
    inside = g_build_filename(ours, "stream", NULL);
    assert_true(g_file_set_contents(inside, "x", 1, NULL));
    virCpregQemuProbeRemoveLeftovers(0);
    assert_false(g_file_test(ours, G_FILE_TEST_EXISTS));
    assert_true(g_file_test(other, G_FILE_TEST_IS_DIR));
    g_rmdir(other);
}

/* The drop-in's exec line is the one `virt-cpreg validate` reads
 * (cli-validate.c, hook-target), and shellcheck finds nothing. (What it
 * answers is in the rows of hookCases.) */
static void
testDropInScript(void **state)
{
    g_autofree char *conf = writeConf(LAB_72, "qemu-version=10.0.2\n");
    g_autofree char *hook = dropIn("/usr/bin", conf);
    const char *argv[] = { "shellcheck", "-s", "sh", hook, NULL };
    g_autofree char *out = NULL;
    g_autofree char *text = NULL;
    int status;

    (void)state;
    assert_true(g_file_get_contents(hook, &text, NULL, NULL));
    assert_true(g_regex_match_simple("^\\s*exec\\s+/usr/bin/virt-cpreg\\s+hook\\b", text,
                                     G_REGEX_MULTILINE, 0));
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &out, NULL, &status, NULL))
        return;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("shellcheck: %s", out);
}

/*
 * No host-profile=: the hook probes this host with a scratch QEMU like
 * the guest's (here TCG, -cpu max) and caches it for the boot. The source
 * was stamped from the same QEMU, so the guest is let in.
 */
static void
testProbedHost(void **state)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-aarch64");
    g_autofree char *cache = NULL;
    g_autofree char *env = NULL;
    g_autofree char *conf = writeConf(NULL, "qemu-version=10.0.2\n");
    g_autofree char *profilePath = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GString) tcg = NULL;
    g_autoptr(virCpregProfile) src = NULL;
    virCpregDomainEdit edit = { 0 };
    const char *probeArgv[] = { VIRT_CPREG, "probe", "--via", "qemu", "--accel", "tcg",
                                "--cpu", "max", NULL };
    g_auto(HookRun) r1;
    g_auto(HookRun) r2;
    int status;

    (void)state;
    if (!qemu)
        skip();
    cache = g_dir_make_tmp("cpreg-hook-cache-XXXXXX", NULL);
    env = g_strdup_printf("VIRT_CPREG_CACHE_DIR=%s", cache);
    g_setenv("VIRT_CPREG_CACHE_DIR", cache, TRUE);
    assert_true(g_spawn_sync(NULL, (char **)probeArgv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, NULL, &status, NULL));
    assert_int_equal(WEXITSTATUS(status), 0);
    profilePath = testWriteTemp("tcg-source.json", out, -1);
    src = virCpregProfileLoad(profilePath, NULL);
    assert_non_null(src);
    tcg = g_string_new(NULL);
    g_string_printf(tcg, "<domain type='qemu'><name>guest1</name>"
                    "<os><type arch='aarch64' machine='virt'>hvm</type></os>"
                    "<cpu mode='custom'><model>max</model></cpu>"
                    "<devices><emulator>%s</emulator></devices></domain>", qemu);
    edit.profile = src;
    xml = testRewrite(tcg->str, tcg->len, &edit);
    extraEnv = env;
    runHook(&r1, conf, "restore", "begin", xml, -1);
    runHook(&r2, conf, "restore", "begin", xml, -1);
    extraEnv = NULL;
    if (r1.status != 0 || !strstr(r1.journal, "CPREG_VERDICT=allow\n"))
        fail_msg("status %d, stderr %s, journal %s", r1.status, r1.err, r1.journal);
    assert_non_null(strstr(r1.out, "# source: qemu-stream\n"));
    /* the second run reads this boot's cache: no second QEMU */
    assert_int_equal(r2.status, 0);
    assert_true(r2.ms < r1.ms || r2.ms < 100);
}

/* An edit leaves the domain one description of its document: the fields
 * it changes are what the rewritten XML says. */
static void
testRewriteKeepsFields(void **state)
{
    g_autofree char *xml = makeGuest(&(Input)KVM_GUEST(LAB_612));
    g_autofree char *path = g_strdup_printf("%s/lab/linux-7.2-max-pmu.regs", FIXTUREDIR);
    g_autoptr(virCpregProfile) dst = virCpregProfileLoad(path, NULL);
    g_autoptr(virCpregDomain) d = virCpregDomainParse("t", xml, strlen(xml), NULL);
    virCpregDomainEdit edit = { .profile = dst, .psci_pin = "1.1" };
    g_autofree char *out = NULL;
    g_autoptr(virCpregDomain) again = NULL;

    (void)state;
    assert_non_null(d);
    assert_null(d->psci_pin);
    out = virCpregDomainRewrite(d, &edit);
    again = virCpregDomainParse("out", out, strlen(out), NULL);
    assert_non_null(again);
    assert_string_equal(d->psci_pin, "1.1");
    assert_string_equal(d->psci_pin, again->psci_pin);
    assert_string_equal(d->profile_text, again->profile_text);
    assert_non_null(strstr(d->profile_text, "# kernel: 7.2.13+deb14-arm64\n"));
}

/* What we put into <metadata> is what schemas/metadata.rng says. */
static void
testMetadataSchema(void **state)
{
    g_autofree char *xml = makeGuest(&(Input)KVM_GUEST(LAB_612));
    g_autofree char *rng = g_build_filename(SCHEMADIR, "metadata.rng", NULL);
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewParserCtxt(rng);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctx);
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    xmlDocPtr one = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr n;

    (void)state;
    assert_non_null(schema);
    assert_non_null(doc);
    /* <domain><metadata><cpreg:profile> */
    for (n = xmlDocGetRootElement(doc)->children; n && !xmlStrEqual(n->name, (const xmlChar *)"metadata"); n = n->next)
        ;
    assert_non_null(n);
    for (n = n->children; n && n->type != XML_ELEMENT_NODE; n = n->next)
        ;
    assert_non_null(n);
    xmlDocSetRootElement(one, xmlDocCopyNode(n, one, 1));
    assert_int_equal(xmlRelaxNGValidateDoc(vctx, one), 0);
    xmlFreeDoc(one);
    xmlFreeDoc(doc);
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctx);
}

int
main(void)
{
    g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(testDaemonEvilEmulator),
        cmocka_unit_test(testCliEvilEmulator),
        cmocka_unit_test(testTokenGrammar),
        cmocka_unit_test(testProbeRefusesCpuModel),
        cmocka_unit_test(testProbeRefusesMachine),
        cmocka_unit_test(testDropInScript),
        cmocka_unit_test(testProbeKilled),
        cmocka_unit_test(testBudgetKillLeavesNothing),
        cmocka_unit_test(testLeftoversByNamespace),
        cmocka_unit_test(testScratchQemuConfined),
        cmocka_unit_test(testSandboxFallback),
        cmocka_unit_test(testRewriteKeepsFields),
        cmocka_unit_test(testMetadataSchema),
        cmocka_unit_test(testProbedHost),
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(hookCases); i++) {
        struct CMUnitTest t = {
            .name = hookCases[i].name,
            .test_func = testHookCase,
            .initial_state = (void *)&hookCases[i],
        };
        g_array_append_val(tests, t);
    }
    g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
    return _cmocka_run_group_tests("hook", (const struct CMUnitTest *)tests->data,
                                   tests->len, makePlaces, NULL);
}
