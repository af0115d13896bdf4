/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt-cpreg.h: predict whether an arm64 KVM guest's vCPU registers
 * will be accepted by a migration destination
 */
#pragma once

#include "cpreg-error.h"
#include "cpreg-id.h"
#include "cpreg-value.h"
#include "cpreg-profile.h"
#include "cpreg-diff.h"
#include "cpreg-domain.h"
#include "cpreg-policy.h"
#include "cpreg-qemu.h"
#include "cpreg-rules.h"
#include "cpreg-verdict.h"
#include "cpreg-conf.h"
#include "cpreg-hook.h"
#include "cpreg-log.h"
#include "cpreg-metadata.h"
#include "cpreg-stamp.h"
#include "cpreg-cache.h"
#include "cpreg-hostprobe.h"
#include "cpreg-qemu-probe.h"
#include "cpreg-qmp.h"
#include "cpreg-stream.h"
