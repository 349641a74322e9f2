# SPDX-License-Identifier: BSD-2-Clause
# Makefile fragment (see harness/local.mk).
