# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for platform/xen/.
