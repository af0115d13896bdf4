/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt-cpreg.c: the public API, over the library's modules
 *
 * Each function here is a few lines: the work is done where virt-cpreg
 * has it done, so that the library and the command cannot disagree.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "libvirt-cpreg.h"

#include "cpreg-decode.h"
#include "cpreg-diff.h"
#include "cpreg-domain.h"
#include "cpreg-error.h"
#include "cpreg-exit.h"
#include "cpreg-policy.h"
#include "cpreg-profile.h"
#include "cpreg-render.h"
#include "cpreg-verdict-render.h"
#include "cpreg-verdict.h"

/* The public names are the internal ones, value for value. */
G_STATIC_ASSERT((int)CPREG_ERROR_INPUT == (int)VIR_CPREG_ERROR_INPUT);
G_STATIC_ASSERT((int)CPREG_ERROR_USAGE == (int)VIR_CPREG_ERROR_USAGE);
G_STATIC_ASSERT((int)CPREG_ERROR_UNSUPPORTED == (int)VIR_CPREG_ERROR_UNSUPPORTED);
G_STATIC_ASSERT((int)CPREG_ERROR_INTERNAL == (int)VIR_CPREG_ERROR_INTERNAL);
G_STATIC_ASSERT((int)CPREG_VERDICT_ALLOW == (int)VIR_CPREG_VERDICT_ALLOW);
G_STATIC_ASSERT((int)CPREG_VERDICT_ALLOW_WITH_CHANGES == (int)VIR_CPREG_VERDICT_ALLOW_WITH_CHANGES);
G_STATIC_ASSERT((int)CPREG_VERDICT_VETO == (int)VIR_CPREG_VERDICT_VETO);
G_STATIC_ASSERT((int)CPREG_VERDICT_UNCERTAIN == (int)VIR_CPREG_VERDICT_UNCERTAIN);

GQuark
cpregErrorQuark(void)
{
    return VIR_CPREG_ERROR;
}

/* ---- profiles -------------------------------------------------------- */

cpregProfile *
cpregProfileLoad(const char *path, GError **error)
{
    return virCpregProfileLoad(path, error);
}

cpregProfile *
cpregProfileParse(const char *origin, const char *data, gsize len,
                  GError **error)
{
    return virCpregProfileParse(origin, data, len, error);
}

gboolean
cpregProfileSave(const cpregProfile *profile, const char *path, GError **error)
{
    return virCpregProfileSave(profile, path, error);
}

char *
cpregProfileFormat(const cpregProfile *profile, cpregFormat format)
{
    switch (format) {
    case CPREG_FORMAT_JSON:
        return virCpregProfileToJSON(profile);
    case CPREG_FORMAT_DUMP:
        return virCpregProfileToDump(profile);
    case CPREG_FORMAT_TEXT:
        return virCpregProfileDescribe(profile);
    }
    g_return_val_if_reached(NULL);
}

const char *
cpregProfileGetKernel(const cpregProfile *profile)
{
    return profile->ident.kernel;
}

guint
cpregProfileGetRegisterCount(const cpregProfile *profile)
{
    return virCpregProfileCount(profile);
}

void
cpregProfileFree(cpregProfile *profile)
{
    virCpregProfileFree(profile);
}

/* ---- diff and decode ------------------------------------------------- */

char *
cpregDiff(const cpregProfile *a, const cpregProfile *b, cpregFormat format,
          guint *count)
{
    g_autoptr(virCpregProfile) qa = virCpregProfileQemuView(a);
    g_autoptr(virCpregProfile) qb = virCpregProfileQemuView(b);
    g_autoptr(GArray) items = virCpregDiff(qa, qb);

    g_return_val_if_fail(format != CPREG_FORMAT_DUMP, NULL);
    if (count)
        *count = items->len;
    if (format == CPREG_FORMAT_JSON)
        return virCpregDiffToJSON(qa, qb, items);
    return virCpregDiffToText(qa, qb, items);
}

char *
cpregDecode(const char *reg, cpregFormat format, GError **error)
{
    g_autoptr(json_object) list = NULL;
    virCpregIdInfo info;
    guint64 id;

    g_return_val_if_fail(format != CPREG_FORMAT_DUMP, NULL);
    if (!virCpregIdParse(reg, &id, error))
        return NULL;
    virCpregIdDecode(id, &info);
    if (format == CPREG_FORMAT_TEXT)
        return virCpregDecodeToText(reg, &info);
    /* as `virt-cpreg decode --json` does, for one register */
    list = json_object_new_array();
    json_object_array_add(list, virCpregDecodeToJSON(&info));
    return virCpregRenderJSON(list);
}

/* ---- checks ---------------------------------------------------------- */

struct _cpregVerdict {
    virCpregVerdict *verdict;
    virCpregDomain *domain;       /* what the verdict was judged with */
};

cpregVerdict *
cpregCheck(const cpregProfile *source, const cpregProfile *dest,
           const cpregCheckParams *params, GError **error)
{
    const cpregCheckParams none = { 0 };
    g_autoptr(virCpregPolicy) policy = NULL;
    g_autofree cpregVerdict *result = g_new0(cpregVerdict, 1);
    virCpregCheckOptions opts = { 0 };

    if (!params)
        params = &none;
    if (params->domain_xml &&
        !(result->domain = virCpregDomainParse(_("the domain XML"), params->domain_xml,
                                               strlen(params->domain_xml), error)))
        return NULL;
    if (!(policy = virCpregPolicyLoadAll(NULL, params->policy_files, error))) {
        virCpregDomainFree(result->domain);
        return NULL;
    }
    opts.dest_qemu = params->dest_qemu;
    opts.policy = policy;
    opts.domain = result->domain;
    if (!(result->verdict = virCpregCheck(source, dest, &opts, error))) {
        virCpregDomainFree(result->domain);
        return NULL;
    }
    return g_steal_pointer(&result);
}

cpregVerdictKind
cpregVerdictGetKind(const cpregVerdict *verdict)
{
    return (cpregVerdictKind)verdict->verdict->kind;
}

char *
cpregVerdictFormat(const cpregVerdict *verdict, cpregFormat format)
{
    g_return_val_if_fail(format != CPREG_FORMAT_DUMP, NULL);
    if (format == CPREG_FORMAT_JSON)
        return virCpregVerdictToJSON(verdict->verdict);
    return virCpregVerdictToText(verdict->verdict, FALSE);
}

int
cpregVerdictExitStatus(const cpregVerdict *verdict)
{
    return virCpregExitForVerdict(verdict->verdict->kind);
}

void
cpregVerdictFree(cpregVerdict *verdict)
{
    if (!verdict)
        return;
    virCpregVerdictFree(verdict->verdict);
    virCpregDomainFree(verdict->domain);
    g_free(verdict);
}
