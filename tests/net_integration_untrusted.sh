#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/net_integration.sh with the vif marked untrusted by the toolstack
# (trusted=0): every packet crosses netfront's bounce pages.
here=$(cd "$(dirname "$0")" && pwd)
PVF_NET_FLAGS=--untrusted
export PVF_NET_FLAGS
exec sh "$here/net_integration.sh"
