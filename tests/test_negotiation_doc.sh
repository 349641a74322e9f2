#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# docs/negotiation.md is the negotiation matrix of the block and network
# frontends; this test keeps it complete and current.  It extracts every
# xenstore key the frontend cores use from the sources and compares the set
# with the keys listed in the first column of the document's key tables
# (tables whose header's first cell is "key"):
#   1. a key used in the sources but missing from the document fails;
#   2. a key listed in the document that no source uses any more fails;
#   3. a key listed in an "ignored key" table (keys pvfront deliberately does
#      not read) that the sources now use fails: move it to a key table.
#
# Sources: frontends/blk/*.c, frontends/net/*.c and the two common files the
# frontends get their XenBus plumbing keys from (common/xenbus.c: state,
# backend, backend-id; common/xs.c: trusted).
#
# What counts as a key in the sources: a string literal passed directly as an
# argument to a function call (pvf_xs_read_u32(p, txn, dir, "key", ...),
# wr(blk, txn, "key", v), feat(p, dir, "key", ...), pvf_snprintf(buf, n,
# "%sring-ref%u", ...) ...) or listed in an array initializer (a key
# table), whose text, after removing "%s" and splitting at "/", consists of
# lowercase words joined by "-" with an optional "%u" suffix ("queue-%u",
# "ring-ref%u").  Literals passed to logging and string-comparison functions
# (DENY below) are never keys.  A new helper that takes a key needs no change
# here; a new logging function whose messages are single lowercase words
# would show up as a "key" and fail: add it to DENY.
#
# Usage: test_negotiation_doc.sh [TOP_SRCDIR]  (default: $srcdir, which the
# automake test driver sets, else the directory above this script).
set -u

top=${1:-${srcdir:-$(dirname "$0")/..}}
doc=$top/docs/negotiation.md
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

[ -f "$doc" ] || { echo "FAIL: $doc missing"; exit 1; }
srcs=
for f in "$top"/frontends/blk/*.c "$top"/frontends/net/*.c \
	 "$top"/common/xenbus.c "$top"/common/xs.c; do
	[ -f "$f" ] || { echo "FAIL: no sources at $f"; exit 1; }
	srcs="$srcs $f"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

DENY='pvf_warn pvf_err pvf_info pvf_debug pvf_logf pvf_log pvf_blk_break
pvf_net_break ctrl_bad pvf_strcmp pvf_strncmp pvf_xs_read_trusted
_Static_assert static_assert if while for switch return sizeof'

# ---- 1. keys in the sources: "key<TAB>file:line" ---------------------------
# shellcheck disable=SC2086
awk -v deny="$DENY" -v sq="'" '
function key_shape(c) { return c ~ /^[a-z][a-z0-9]*(-[a-z0-9]+)*(-?%u)?$/ }
function emit(lit, where,   n, i, parts, s) {
	s = lit
	gsub(/%s/, "", s)
	n = split(s, parts, "/")
	for (i = 1; i <= n; i++)
		if (key_shape(parts[i]))
			print parts[i] "\t" where
}
function scan(src, file,   n, i, c, c2, line, st, lastid, lastsig, id, sp,
	      fname, lit, j) {
	n = length(src); line = 1; st = ""; lastid = ""; lastsig = ""; sp = 0
	for (i = 1; i <= n; i++) {
		c = substr(src, i, 1)
		if (c == "\n")
			line++
		if (st == "bc") {               # block comment
			if (c == "*" && substr(src, i + 1, 1) == "/") { st = ""; i++ }
			continue
		}
		if (st == "lc") {               # line comment
			if (c == "\n")
				st = ""
			continue
		}
		if (c == "/" && substr(src, i + 1, 1) == "*") { st = "bc"; i++; continue }
		if (c == "/" && substr(src, i + 1, 1) == "/") { st = "lc"; i++; continue }
		if (c == "\"" || c == sq) {  # string or character literal
			lit = ""
			for (j = i + 1; j <= n; j++) {
				c2 = substr(src, j, 1)
				if (c2 == "\\") { lit = lit c2 substr(src, j + 1, 1); j++; continue }
				if (c2 == c)
					break
				lit = lit c2
			}
			i = j
			if (c == "\"" && sp > 0 && frame[sp] != "")
				emit(lit, file ":" line)
			lastsig = "lit"
			continue
		}
		if (c ~ /[A-Za-z0-9_]/) {
			id = c
			while (i < n && substr(src, i + 1, 1) ~ /[A-Za-z0-9_]/) {
				i++
				id = id substr(src, i, 1)
			}
			lastid = id; lastsig = "id"
			continue
		}
		if (c ~ /[ \t\n\r\f]/)
			continue
		if (c == "(") {
			fname = lastsig == "id" ? lastid : ""
			frame[++sp] = (fname == "" || (fname in denied)) ? "" : fname
		} else if (c == "{") {
			frame[++sp] = lastsig == "=" ? "[initializer]" : ""
		} else if ((c == ")" || c == "}") && sp > 0) {
			sp--
		}
		lastsig = c
	}
}
BEGIN { nd = split(deny, d, /[ \t\n]+/); for (k = 1; k <= nd; k++) denied[d[k]] = 1 }
FNR == 1 && NR > 1 { scan(buf, prev); buf = "" }
{ buf = buf $0 "\n"; prev = FILENAME }
END { if (prev != "") scan(buf, prev) }
' $srcs | sed "s#	$top/#	#" >"$tmp/src_uses"
# Family of each use: frontends/blk -> blkif, frontends/net -> netif,
# common (XenBus plumbing shared by both) -> both.
awk -F'\t' '{
	if ($2 ~ /^frontends\/blk\//) print "blkif\t" $1
	else if ($2 ~ /^frontends\/net\//) print "netif\t" $1
	else { print "blkif\t" $1; print "netif\t" $1 }
}' "$tmp/src_uses" | LC_ALL=C sort -u >"$tmp/src_fam"
cut -f1 "$tmp/src_uses" | LC_ALL=C sort -u >"$tmp/src_keys"
n=$(wc -l <"$tmp/src_keys")
# The frontends use about 50 keys today: far fewer means the scan broke.
[ "$n" -ge 40 ] || bad "only $n xenstore keys found in the sources: the scan is broken"

# ---- 2. keys in the document -------------------------------------------------
# First cells of table rows under a header whose first cell is $1 ("key" or
# "ignored key"); every `code span` in that cell, split at "/".  Each key is
# tagged with the family of the section it is in: the last "## " heading
# names blkif or netif (else "any").  Prints "family<TAB>key".
doc_keys() {
	awk -v want="$1" '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	/^## / {
		fam = "any"
		if ($0 ~ /blkif/) fam = "blkif"
		else if ($0 ~ /netif/) fam = "netif"
	}
	/^\|/ {
		split($0, cell, "|")
		first = trim(cell[2])
		if (!intable) {
			intable = 1
			collect = tolower(first) == want
			next
		}
		if (first ~ /^:?-+:?$/ || !collect)
			next
		s = first
		while (match(s, /`[^`]+`/)) {
			n = split(substr(s, RSTART + 1, RLENGTH - 2), part, "/")
			for (i = 1; i <= n; i++)
				if (part[i] != "")
					print (fam == "" ? "any" : fam) "\t" part[i]
			s = substr(s, RSTART + RLENGTH)
		}
		next
	}
	{ intable = 0; collect = 0 }
	' "$doc" | LC_ALL=C sort -u
}
doc_keys key >"$tmp/doc_fam"
doc_keys "ignored key" | cut -f2 | LC_ALL=C sort -u >"$tmp/doc_ignored"
cut -f2 "$tmp/doc_fam" | LC_ALL=C sort -u >"$tmp/doc_keys"
[ -s "$tmp/doc_keys" ] || bad "no key tables found in $doc (a table whose first header cell is 'key')"

# ---- 3. compare ----------------------------------------------------------------
where() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$tmp/src_uses" | tr '\n' ' ' | sed 's/ $//'; }
for fam in blkif netif; do
	grep "^$fam	" "$tmp/src_fam" | cut -f2 >"$tmp/s_$fam"
	grep "^$fam	" "$tmp/doc_fam" | cut -f2 >"$tmp/d_$fam"
	LC_ALL=C comm -23 "$tmp/s_$fam" "$tmp/d_$fam" >"$tmp/undocumented"
	while read -r k; do
		bad "$fam key '$k' is used by the sources but missing from the $fam table" \
		    "of docs/negotiation.md (used at: $(where "$k"))"
	done <"$tmp/undocumented"
	LC_ALL=C comm -13 "$tmp/s_$fam" "$tmp/d_$fam" >"$tmp/stale"
	while read -r k; do
		bad "$fam key '$k' is listed in docs/negotiation.md but no $fam source uses it"
	done <"$tmp/stale"
done
grep '^any	' "$tmp/doc_fam" | cut -f2 | LC_ALL=C comm -13 "$tmp/src_keys" - >"$tmp/stale"
while read -r k; do
	bad "key '$k' is listed in docs/negotiation.md but no longer used by the sources"
done <"$tmp/stale"
LC_ALL=C comm -12 "$tmp/src_keys" "$tmp/doc_ignored" >"$tmp/ignored_used"
while read -r k; do
	bad "key '$k' is listed as ignored in docs/negotiation.md but the sources use it" \
	    "(used at: $(where "$k")): move it to a key table"
done <"$tmp/ignored_used"

echo "sources: $n keys; document: $(wc -l <"$tmp/doc_keys") keys," \
     "$(wc -l <"$tmp/doc_ignored") ignored"
if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "PASS: docs/negotiation.md lists exactly the xenstore keys of the frontend cores"
exit 0
