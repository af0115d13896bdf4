/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt-cpreg.h: predict whether an arm64 KVM guest's vCPU registers
 * will be accepted by a migration destination
 */
#pragma once

#include <libvirt-cpreg/cpreg-error.h>
#include <libvirt-cpreg/cpreg-id.h>
#include <libvirt-cpreg/cpreg-value.h>
#include <libvirt-cpreg/cpreg-profile.h>
#include <libvirt-cpreg/cpreg-diff.h>
