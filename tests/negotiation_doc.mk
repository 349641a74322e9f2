# SPDX-License-Identifier: BSD-2-Clause
# Fragment of tests/local.mk: docs/negotiation.md (the blkif/netif
# negotiation matrix) lists exactly the xenstore keys the frontend cores use.
# docs/ is already in EXTRA_DIST; the script reads the sources from $(srcdir).
dist_check_SCRIPTS += tests/test_negotiation_doc.sh
TESTS += tests/test_negotiation_doc.sh
