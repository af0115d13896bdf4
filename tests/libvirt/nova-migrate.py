#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""nova-migrate.py GUEST DEST_URI MIGRATE_URI allow|veto

Migrates the running, persistent GUEST of qemu:///system the way OpenStack
Nova's libvirt driver does (nova/virt/libvirt/guest.py, Guest.migrate):
migrateToURI3 with VIR_MIGRATE_LIVE | PEER2PEER | UNDEFINE_SOURCE |
PERSIST_DEST, and the guest's migratable XML as both DEST_XML and
PERSIST_XML, with the migration URI. Then checks the source's side:
- allow: the call returns, and GUEST is gone from the source (undefined);
- veto: libvirtError with VIR_ERR_HOOK_SCRIPT_FAILED, whose text holds the
  hook's one-line summary, and GUEST still runs and is still defined.
Exit 1 with the reason on a mismatch.
"""
import sys

import libvirt

NOVA_FLAGS = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER |
              libvirt.VIR_MIGRATE_UNDEFINE_SOURCE |
              libvirt.VIR_MIGRATE_PERSIST_DEST)
SUMMARY = "migration vetoed: "


def fail(msg):
    print("nova-migrate: " + msg)
    sys.exit(1)


def on_source(conn, name):
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise


def check_vetoed(conn, name, err):
    if err.get_error_code() != libvirt.VIR_ERR_HOOK_SCRIPT_FAILED:
        fail("error code %d, not VIR_ERR_HOOK_SCRIPT_FAILED (%d): %s" %
             (err.get_error_code(), libvirt.VIR_ERR_HOOK_SCRIPT_FAILED, err))
    if SUMMARY not in str(err):
        fail("the error does not hold the summary: %s" % err)
    print("libvirtError %d (VIR_ERR_HOOK_SCRIPT_FAILED): %s" %
          (err.get_error_code(), str(err).splitlines()[0]))
    dom = on_source(conn, name) or fail("%s is gone from the source" % name)
    state = dom.state()[0]
    if state != libvirt.VIR_DOMAIN_RUNNING or not dom.isPersistent():
        fail("%s on the source: state %d, persistent %d" %
             (name, state, dom.isPersistent()))
    print("on the source: %s still running and defined" % name)


def main():
    name, dest, uri, expect = sys.argv[1:5]
    # the errors are ours to report, not the library's to print
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open("qemu:///system")
    dom = conn.lookupByName(name)
    if not (dom.isActive() and dom.isPersistent()):
        fail("%s must be running and defined" % name)
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)
    params = {
        libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml,
        libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: xml,
        libvirt.VIR_MIGRATE_PARAM_URI: uri,
        libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 0,
    }
    try:
        dom.migrateToURI3(dest, params, NOVA_FLAGS)
    except libvirt.libvirtError as err:
        if expect != "veto":
            fail("the migration failed: %s" % err)
        return check_vetoed(conn, name, err)
    if expect != "allow":
        fail("the migration went through")
    if on_source(conn, name):
        fail("%s is still on the source (UNDEFINE_SOURCE)" % name)
    print("migrated; %s undefined on the source" % name)


main()
