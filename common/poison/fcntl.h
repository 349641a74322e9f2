/* SPDX-License-Identifier: BSD-2-Clause */
/* Poison header: the freestanding guest build must not use libc. */
#error "<fcntl.h> is a libc header; the pvfront guest library is freestanding (use common/internal.h helpers)"
