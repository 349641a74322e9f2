# SPDX-License-Identifier: BSD-2-Clause
# Makefile fragment (see the top-level Makefile.am).
