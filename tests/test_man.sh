#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The man pages cover the public API: every name of the generated export
# list (libpvfront.sym, made from the installed headers by
# tools/public-symbols) appears in the NAME section of some section-3
# page under man/, and every name a NAME section lists is either in that
# list or a macro/inline function defined in an installed header (no stale
# entries).  When groff is installed, every page (section 1 and 3) must
# also format without warnings (groff -man -ww -z).
# Runs in the build directory (libpvfront.sym exists after `make`).
# Usage: test_man.sh [TOP_SRCDIR]  (default: $srcdir/.. of the harness, or
# the directory above this script).
set -u
top=${1:-${srcdir:-$(dirname "$0")/..}}
sym=./libpvfront.sym
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

[ -d "$top/man" ] || { echo "FAIL: $top/man not found"; exit 1; }
[ -f "$sym" ] || { echo "FAIL: $sym missing (run make first)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

LC_ALL=C sort -u "$sym" >"$tmp/public"
n=$(wc -l <"$tmp/public")
[ "$n" -ge 100 ] || bad "$sym lists only $n names: the header scan is broken"

# Names of every NAME section: the text between ".SH NAME" and the next
# ".SH", up to the "\-" that starts the description.
pages=$(ls "$top"/man/*.3 2>/dev/null)
[ -n "$pages" ] || { echo "FAIL: no section-3 pages in $top/man"; exit 1; }
: >"$tmp/named"
for p in $pages; do
	awk '/^\.SH[ \t]+"?NAME"?[ \t]*$/ { on = 1; next }
	     on && /^\.SH/ { exit }
	     on { print }' "$p" | tr '\n' ' ' | sed 's/\\-.*//' |
		tr ',' '\n' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' |
		grep -v '^$' >"$tmp/one"
	[ -s "$tmp/one" ] || bad "$(basename "$p"): empty or missing NAME section"
	while read -r name; do
		case $name in
		*[!A-Za-z0-9_]*) bad "$(basename "$p"): '$name' in NAME is not an identifier" ;;
		*) echo "$name $(basename "$p")" >>"$tmp/named" ;;
		esac
	done <"$tmp/one"
done
cut -d' ' -f1 "$tmp/named" | LC_ALL=C sort -u >"$tmp/names"

# 1. Every exported name is documented.
LC_ALL=C comm -23 "$tmp/public" "$tmp/names" >"$tmp/undoc"
while read -r s; do
	bad "undocumented symbol $s (in $sym, in no NAME section of man/*.3)"
done <"$tmp/undoc"

# 2. Every documented name exists: exported, or a macro or inline function
#    of an installed header.
LC_ALL=C comm -13 "$tmp/public" "$tmp/names" >"$tmp/extra"
while read -r s; do
	if grep -Eq "^[[:space:]]*#[[:space:]]*define[[:space:]]+$s([^A-Za-z0-9_]|\$)" \
		"$top"/include/pvfront/*.h ||
	   grep -Eq "^static inline .*[^A-Za-z0-9_]$s\(" "$top"/include/pvfront/*.h; then
		continue
	fi
	bad "stale NAME entry $s ($(grep "^$s " "$tmp/named" | cut -d' ' -f2 | tr '\n' ' ')): not exported, not a header macro or inline"
done <"$tmp/extra"

# 3. Every page formats cleanly.
ng=0
if command -v groff >/dev/null 2>&1; then
	for p in "$top"/man/*.[13]; do
		ng=$((ng + 1))
		out=$(groff -man -ww -z "$p" 2>&1)
		[ -z "$out" ] || bad "$(basename "$p"): groff warnings:
$out"
	done
else
	echo "note: groff not installed: formatting not checked"
fi

echo "test_man: $n exported names, $(wc -l <"$tmp/names") names documented in" \
	"$(echo "$pages" | wc -w) section-3 pages, $ng pages formatted, $fails failures"
[ "$fails" = 0 ]
