/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * testutils.h: what the tests share
 */
#pragma once

#include <glib.h>

#include "cpreg-domain-edit.h"

GPtrArray *testFixtureFiles(void);
char *testFixture(const char *relative);
char *testWriteTemp(const char *name, const char *data, gssize len);
int testCompareStrings(gconstpointer a, gconstpointer b);
void testRemoveTree(const char *dir);
int testJournalSocket(const char *path);
char *testJournalDrain(int fd);
char *testRewrite(const char *xml, gsize len, const virCpregDomainEdit *edit);
