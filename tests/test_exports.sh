#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# libpvfront.so exports exactly the public API: every pvf_* name that the
# installed headers declare (libpvfront.sym, made by tools/public-symbols)
# and that the library defines, and nothing else: no internal helper
# (pvf_logf, pvf_blk_pool_get, ...) and no non-pvf symbol.  Skips (77)
# only when the shared library was not built (--disable-shared).
set -u
so=./.libs/libpvfront.so
check=./.libs/libpvfront-check.a
sym=./libpvfront.sym
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

[ -f "$so" ] || { echo "SKIP: $so not built (--disable-shared?)"; exit 77; }
[ -f "$sym" ] || { echo "FAIL: $sym missing"; exit 1; }
[ -f "$check" ] || { echo "FAIL: $check missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

LC_ALL=C sort -u "$sym" >"$tmp/public"
n=$(wc -l <"$tmp/public")
[ "$n" -ge 100 ] || bad "libpvfront.sym lists only $n names: the header scan is broken"

# Defined, global dynamic symbols of the shared library.
nm -D --defined-only "$so" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' | sed 's/@.*//' |
	LC_ALL=C sort -u >"$tmp/exported"
# Defined, global symbols of the same sources with nothing hidden.
nm --defined-only "$check" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDRB]$/ {print $3}' |
	grep '^pvf_' | LC_ALL=C sort -u >"$tmp/defined"
[ -s "$tmp/defined" ] || bad "no pvf_ symbols found in $check"

# 1. Nothing exported outside the public list.
LC_ALL=C comm -23 "$tmp/exported" "$tmp/public" >"$tmp/extra"
if [ -s "$tmp/extra" ]; then
	bad "exported but not declared in an installed header:"
	sed 's/^/    /' "$tmp/extra"
fi
# 2. Every public name the library defines is exported.
LC_ALL=C comm -12 "$tmp/public" "$tmp/defined" >"$tmp/want"
LC_ALL=C comm -23 "$tmp/want" "$tmp/exported" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
	bad "declared in an installed header and defined, but not exported:"
	sed 's/^/    /' "$tmp/missing"
fi
# 3. Known internal helpers are defined (so the check above means something)
#    and hidden.
for s in pvf_logf pvf_snprintf pvf_blk_pool_get pvf_net_rx_refill pvf_xsc_ops; do
	grep -qx "$s" "$tmp/defined" || bad "internal helper $s is no longer defined: update this test"
	grep -qx "$s" "$tmp/exported" && bad "internal helper $s is exported"
done
# 4. A few central entry points are exported.
for s in pvf_platform_validate pvf_platform_nosys_ops pvf_blk_submit pvf_net_xenbus_ops \
	 pvf_unplug_run pvf_xs_parse_u32 pvf_lb_hv_create; do
	grep -qx "$s" "$tmp/exported" || bad "public entry point $s is not exported"
done

echo "test_exports: $(wc -l <"$tmp/exported") symbols exported," \
	"$(wc -l <"$tmp/want") public names defined, $fails failures"
[ "$fails" = 0 ]
