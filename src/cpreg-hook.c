/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-hook.c: an incoming guest (migrate begin, restore begin), decided
 *
 * libvirt runs the qemu hook with the domain XML on stdin (virhook.c);
 * for "migrate begin" that is the destination, before any state moves.
 * A non-zero exit refuses the migration and libvirt shows our stderr in
 * virsh's error; XML on stdout replaces the live definition (only
 * <metadata> and <qemu:commandline> may differ, which is what we touch).
 */
#include "config.h"

#include <string.h>
#include <syslog.h>
#include <glib/gi18n-lib.h>

#include "cpreg-hook.h"
#include "cpreg-cache.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-exit.h"
#include "cpreg-hostprobe.h"
#include "cpreg-log.h"
#include "cpreg-domain-edit.h"
#include "cpreg-profile-priv.h"
#include "cpreg-qemu.h"
#include "cpreg-verdict.h"

void
virCpregHookAnswerInit(virCpregHookAnswer *answer)
{
    answer->status = 0;
    answer->out = g_string_new(NULL);
    answer->err = g_string_new(NULL);
}

void
virCpregHookAnswerClear(virCpregHookAnswer *answer)
{
    if (answer->out)
        g_string_free(answer->out, TRUE);
    if (answer->err)
        g_string_free(answer->err, TRUE);
    answer->out = answer->err = NULL;
}

/* @message_id: VIR_CPREG_LOG_MESSAGE_ID_VETO for a veto, else NULL */
static void
logDomain(int priority, const char *message_id, const char *message,
          const virCpregDomain *d, const char *op, const char *verdict,
          const char *registers)
{
    const virCpregLogField fields[] = {
        { "MESSAGE_ID", message_id },
        { "CPREG_DOMAIN", d ? d->name : NULL },
        { "CPREG_DOMAIN_UUID", d ? d->uuid : NULL },
        { "CPREG_OPERATION", op },
        { "CPREG_VERDICT", verdict },
        { "CPREG_REGISTERS", registers },
    };

    virCpregLog(priority, message, fields, G_N_ELEMENTS(fields));
}

/*
 * What the hook does when it cannot decide (bad configuration, an
 * unreadable profile, a probe that fails or outruns the budget):
 * on-internal-error=allow lets the guest in unchanged, deny refuses it.
 */
void
virCpregHookInternalError(const virCpregConf *conf, const char *op,
                          const char *why, virCpregHookAnswer *answer)
{
    virCpregOnAction action = conf ? conf->on_internal_error : VIR_CPREG_ON_ALLOW;
    gboolean deny = action == VIR_CPREG_ON_DENY;
    g_autofree char *msg = g_strdup_printf(deny ?
        _("libvirt-cpreg: cannot check the guest's vCPU registers, refusing it (on-internal-error=deny): %s") :
        _("libvirt-cpreg: cannot check the guest's vCPU registers, letting it in unchecked (on-internal-error=allow): %s"),
        why);

    logDomain(deny ? LOG_ERR : LOG_WARNING, NULL, msg, NULL, op,
              deny ? "error-deny" : "error-allow", NULL);
    g_string_truncate(answer->out, 0);
    g_string_truncate(answer->err, 0);
    if (deny)
        g_string_append_printf(answer->err, "%s\n", msg);
    answer->status = virCpregExitForAction(action);
}

/*
 * This host's side for the guest's vCPU: the configured profile, else a
 * probe: on a KVM host the KVM probe with a trial of the source's values
 * (the kernel's own answer, register by register), else a scratch QEMU
 * like the guest's (cached for this boot).
 */
static virCpregProfile *
hostProfileFor(const virCpregConf *conf, const virCpregDomain *domain,
               const virCpregProfile *src, GError **error)
{
    gboolean kvm = virCpregDomainIsKvm(domain);
    virCpregHostProbe req = {
        .features = (const char *const *)src->ident.features,
        .cache_dir = conf->cache_dir,
        .conf = conf,
    };
    g_autofree char *report = NULL;
    gboolean hit;

    if (conf->host_profile)
        return virCpregProfileLoad(conf->host_profile, error);
    if (kvm && virCpregHostProbeKvmUsable()) {
        req.via = "kvm";
        if (!(report = virCpregHostProbeTrial(&req, src, error)))
            return NULL;
        return virCpregProfileParse(_("this host's KVM probe"), report, strlen(report), error);
    }
    /* the guest's emulator, if cpreg.conf trusts it (checked there) */
    virCpregHostProbeFromDomain(&req, domain, NULL);
    return virCpregHostProbeProfile(&req, &hit, error);
}

/*
 * The destination QEMU to model: qemu-version=, else what the guest's
 * emulator says it is, if cpreg.conf trusts it to be run at all. Without
 * either there is nothing honest to model (the oldest behaviour would
 * veto guests a newer QEMU takes, the newest would let in guests an
 * older one fails): the check cannot be made, on-internal-error decides.
 */
char *
virCpregHookQemuVersion(const virCpregConf *conf, const char *emulator,
                        GError **error)
{
    g_autoptr(GError) err = NULL;
    char *version;

    if (conf->qemu_version)
        return g_strdup(conf->qemu_version);
    if (virCpregConfEmulatorAllowed(conf, emulator, &err) &&
        (version = virCpregCacheQemuVersion(conf->cache_dir, emulator, &err)))
        return version;
    g_set_error(error, VIR_CPREG_ERROR, VIR_CPREG_ERROR_UNSUPPORTED,
                _("cannot tell the destination QEMU's version (qemu-version= is not set): %s"),
                err->message);
    return NULL;
}

/* CPREG_REGISTERS: the blocking and undecidable registers, each once. */
static char *
blockingList(const virCpregVerdict *v)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint i;

    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        char *name;
        if (f->severity != VIR_CPREG_SEVERITY_BLOCKING &&
            f->severity != VIR_CPREG_SEVERITY_UNCERTAIN)
            continue;
        name = virCpregFindingName(f);
        if (g_hash_table_contains(seen, name)) {
            g_free(name);
            continue;
        }
        g_hash_table_add(seen, name);
        if (s->len)
            g_string_append_c(s, ',');
        g_string_append(s, name);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The refusal: the summary is stderr's first line; details follow. */
static void
answerVeto(const virCpregVerdict *v, virCpregHookAnswer *answer)
{
    g_autofree char *summary = virCpregVerdictSummary(v);
    guint i;

    g_string_append_printf(answer->err, "%s\n", summary);
    for (i = 0; i < v->findings->len; i++) {
        const virCpregFinding *f = &g_array_index(v->findings, virCpregFinding, i);
        g_autofree char *msg = NULL;
        g_autofree char *remedy = NULL;
        if (f->severity < VIR_CPREG_SEVERITY_UNCERTAIN)
            continue;
        msg = virCpregFindingMessage(v, f);
        remedy = virCpregFindingRemedy(v, f);
        g_string_append_printf(answer->err, "  %s\n", msg);
        if (remedy)
            g_string_append_printf(answer->err, _("    fix: %s\n"), remedy);
    }
    answer->status = virCpregExitForHookVerdict(v->kind);
}

/* The admission: our metadata refreshed to this host, and the pins. */
static void
answerAllow(const virCpregVerdict *v, virCpregDomain *domain,
            virCpregHookAnswer *answer)
{
    const virCpregChange *pin = v->changes->len ? v->changes->pdata[0] : NULL;
    virCpregDomainEdit edit = { .profile = v->dst, .psci_pin = pin ? pin->value : NULL };
    g_autofree char *out = virCpregDomainRewrite(domain, &edit);

    g_string_append(answer->out, out);
}

static void
noSourceProfile(const virCpregConf *conf, const virCpregDomain *domain,
                const char *op, virCpregHookAnswer *answer)
{
    gboolean deny = conf->on_missing_profile == VIR_CPREG_ON_DENY;
    g_autofree char *msg = g_strdup_printf(deny ?
        _("libvirt-cpreg: guest '%1$s' carries no vCPU register profile, refusing it (on-missing-profile=deny); stamp it on its host with: virt-cpreg stamp %1$s") :
        _("libvirt-cpreg: guest '%1$s' carries no vCPU register profile and is let in unchecked; stamp it on its host with: virt-cpreg stamp %1$s"),
        domain->name ? domain->name : "?");

    logDomain(LOG_WARNING, NULL, msg, domain, op,
              deny ? "no-profile-deny" : "no-profile-allow", NULL);
    if (deny) {
        g_string_append_printf(answer->err, "%s\n", msg);
        answer->status = virCpregExitForAction(conf->on_missing_profile);
    }
}

void
virCpregHookIncoming(const virCpregConf *conf, const char *op, const char *xml,
                     gsize len, virCpregHookAnswer *answer)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(virCpregDomain) domain = virCpregDomainParse("stdin", xml, len, &error);
    g_autoptr(virCpregProfile) src = NULL;
    g_autoptr(virCpregProfile) dst = NULL;
    g_autoptr(virCpregPolicy) policy = NULL;
    g_autoptr(virCpregVerdict) v = NULL;
    g_autofree char *qemu = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *registers = NULL;
    virCpregCheckOptions opts = { 0 };

    if (!domain)
        return virCpregHookInternalError(conf, op, error->message, answer);
    if (!virCpregDomainIsAarch64(domain))
        return;
    if (!domain->profile_text)
        return noSourceProfile(conf, domain, op, answer);
    /* the metadata is text out of libxml2: valid UTF-8 already */
    if (!(src = virCpregProfileParseText(_("the domain's metadata"), domain->profile_text,
                                         strlen(domain->profile_text), &error)) ||
        !virCpregProfileRefuseMarks(src, _("the domain's metadata"), &error) ||
        !(qemu = virCpregHookQemuVersion(conf, domain->emulator, &error)) ||
        !(dst = hostProfileFor(conf, domain, src, &error)) ||
        !(policy = virCpregPolicyLoadAll(virCpregConfPolicyDirs(conf), NULL, &error)))
        return virCpregHookInternalError(conf, op, error->message, answer);
    opts.dest_qemu = qemu;
    opts.policy = policy;
    opts.domain = domain;
    if (!(v = virCpregCheck(src, dst, &opts, &error)))
        return virCpregHookInternalError(conf, op, error->message, answer);
    summary = virCpregVerdictSummary(v);
    registers = blockingList(v);
    logDomain(v->kind == VIR_CPREG_VERDICT_VETO ? LOG_ERR :
              v->kind == VIR_CPREG_VERDICT_UNCERTAIN ? LOG_WARNING : LOG_INFO,
              v->kind == VIR_CPREG_VERDICT_VETO ? VIR_CPREG_LOG_MESSAGE_ID_VETO : NULL,
              summary, domain, op, virCpregVerdictKindToString(v->kind),
              *registers ? registers : NULL);
    if (virCpregExitForHookVerdict(v->kind) != VIR_CPREG_EXIT_OK)
        answerVeto(v, answer);
    else
        answerAllow(v, domain, answer);
}
