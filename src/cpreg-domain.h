/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpreg-domain.h: what a libvirt domain XML says about the vCPU
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIR_CPREG_DOMAIN_MAX_BYTES (8 * 1024 * 1024)

/* Our <metadata> element (schemas/metadata.rng). */
#define VIR_CPREG_METADATA_NS "http://libvirt-cpreg.org/xmlns/metadata/1.0"
#define VIR_CPREG_METADATA_PREFIX "cpreg"
#define VIR_CPREG_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

typedef enum {
    VIR_CPREG_TRISTATE_ABSENT,   /* the XML does not say */
    VIR_CPREG_TRISTATE_ON,
    VIR_CPREG_TRISTATE_OFF,
} virCpregTristate;

typedef struct {
    char *name;
    char *uuid;
    char *type;             /* kvm, qemu */
    char *arch;             /* aarch64 */
    char *machine;          /* virt-9.2 */
    char *cpu_mode;         /* host-passthrough, custom, ... */
    char *cpu_model;        /* max, ... */
    char *emulator;         /* /usr/bin/qemu-system-aarch64 */
    virCpregTristate pmu;   /* <features><pmu state=.../> */
    virCpregTristate sve;   /* <cpu><feature name='sve' policy=.../> */
    virCpregTristate pauth; /* <cpu><feature name='pauth' .../> */
    char *psci_pin;         /* kvm-psci-version from <qemu:commandline> */
    char *profile_text;     /* the source profile in our <metadata>: a
                             * register dump or our JSON */
    void *doc;              /* private: the parsed xmlDoc, which
                             * virCpregDomainRewrite() edits */
} virCpregDomain;

virCpregDomain *virCpregDomainParse(const char *origin, const char *xml,
                                    gsize len, GError **error);
virCpregDomain *virCpregDomainLoad(const char *path, GError **error);
void virCpregDomainFree(virCpregDomain *domain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCpregDomain, virCpregDomainFree);

gboolean virCpregDomainIsAarch64(const virCpregDomain *domain);
gboolean virCpregDomainIsKvm(const virCpregDomain *domain);
gboolean virCpregDomainHasPsciProperty(const virCpregDomain *domain);
/* The values of a domain XML that may reach a QEMU command line. */
typedef enum {
    VIR_CPREG_DOMAIN_TOKEN_CPU_MODEL,   /* -cpu MODEL */
    VIR_CPREG_DOMAIN_TOKEN_MACHINE,     /* -machine TYPE */
    VIR_CPREG_DOMAIN_TOKEN_FEATURE,     /* -cpu MODEL,NAME=on|off */
    VIR_CPREG_DOMAIN_TOKEN_LAST,
} virCpregDomainToken;

gboolean virCpregDomainTokenValid(virCpregDomainToken kind, const char *value,
                                  GError **error);
gboolean virCpregDomainCheckFeatures(const virCpregDomain *domain,
                                     const char *const *features,
                                     const char *what, GError **error);

G_END_DECLS
