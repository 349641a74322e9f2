#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# pvfront-guest.mk (the plain source-list fragment for foreign build systems)
# stays true to the real build and is enough on its own:
#   1. its PVFRONT_GUEST_SRCS is exactly pvf_core_sources of the generated
#      Makefile (each missing or extra source is named), and its
#      PVFRONT_GUEST_CFLAGS is exactly configure's GUEST_CFLAGS;
#   2. a throwaway GNU Makefile that only includes the fragment compiles
#      every source and archives them, with no autotools, no config.h and
#      -nostdinc: the include path is the poison headers (first), include/,
#      a Xen header directory given through PVFRONT_XEN_HEADERS, and the
#      compiler's own freestanding headers; `nm -u` of that archive then
#      shows only memcpy, memset, memmove and memcmp (the rule of
#      tests/test_freestanding), and it has one member per source;
#   3. the headers that build reached are exactly PVFRONT_GUEST_HDRS (under
#      include/pvfront/) and PVFRONT_GUEST_PRIVATE_HDRS (the others);
#   4. when bmake is installed, BSD make reads the same lists; when cmake is
#      installed, the CMake snippet of the fragment's header finds the same
#      sources.
# Step 2 runs for x86_64 and, when "$CC -m32" can compile it, for i386.
#
# Run from the top build directory (the automake test driver does): CC, NM
# and the build's lists are read from ./Makefile.  Usage:
# test_guest_fragment.sh [TOP_SRCDIR] (default: $srcdir, else the directory
# above this script).
set -u

top=${1:-${srcdir:-$(dirname "$0")/..}}
top=$(cd "$top" && pwd)
frag=$top/pvfront-guest.mk
mf=./Makefile
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

[ -f "$frag" ] || { echo "FAIL: $frag missing"; exit 1; }
[ -f "$mf" ] || { echo "FAIL: run from the top build directory ($mf missing)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A clean environment for the make we start (not the one running the tests).
unset MAKEFLAGS MFLAGS MAKELEVEL GNUMAKEFLAGS
gmake=
for m in make gmake; do
	if $m --version 2>/dev/null | grep -q 'GNU Make'; then gmake=$m; break; fi
done
[ -n "$gmake" ] || { echo "SKIP: no GNU make"; exit 77; }

# The value of variable $1 in the generated Makefile, one word per line.
build_var() {
	awk -v name="$1" '
	!on && index($0, name " = ") == 1 { on = 1; $0 = substr($0, length(name) + 4) }
	on { cont = sub(/\\$/, ""); print; if (!cont) exit }
	' "$mf" | tr -s ' \t' '\n\n' | sed '/^$/d'
}
CC=$(build_var CC | tr '\n' ' ')
NM=$(build_var NM_PROG | tr '\n' ' ')
NM=${NM:-nm}
[ -n "$CC" ] || { echo "FAIL: no CC in $mf"; exit 1; }

# The value of fragment variable $1 as GNU make reads it, one word per line.
printf 'include %s\nprint-%%:\n\t@echo $($*)\n' "$frag" >"$tmp/print.mk"
frag_var() {
	$gmake -s -f "$tmp/print.mk" "print-$1" | tr -s ' \t' '\n\n' | sed '/^$/d'
}

# ---- 1. the lists match the autotools build -----------------------------------
frag_var PVFRONT_GUEST_SRCS >"$tmp/frag_srcs" || bad "GNU make cannot read $frag"
LC_ALL=C sort -u "$tmp/frag_srcs" >"$tmp/frag_sorted"
build_var pvf_core_sources | LC_ALL=C sort -u >"$tmp/build_sorted"
[ -s "$tmp/build_sorted" ] || bad "no pvf_core_sources in $mf"
[ "$(wc -l <"$tmp/frag_srcs")" -eq "$(wc -l <"$tmp/frag_sorted")" ] ||
	bad "PVFRONT_GUEST_SRCS lists a source twice"
LC_ALL=C comm -13 "$tmp/frag_sorted" "$tmp/build_sorted" >"$tmp/missing"
while read -r s; do
	bad "source '$s' is in pvf_core_sources but missing from PVFRONT_GUEST_SRCS"
done <"$tmp/missing"
LC_ALL=C comm -23 "$tmp/frag_sorted" "$tmp/build_sorted" >"$tmp/extra"
while read -r s; do
	bad "source '$s' is in PVFRONT_GUEST_SRCS but not in pvf_core_sources"
done <"$tmp/extra"
fcflags=$(frag_var PVFRONT_GUEST_CFLAGS | tr '\n' ' ')
bcflags=$(build_var GUEST_CFLAGS | tr '\n' ' ')
[ "$fcflags" = "$bcflags" ] ||
	bad "PVFRONT_GUEST_CFLAGS is '$fcflags' but configure's GUEST_CFLAGS is '$bcflags'"

# ---- 2. the fragment alone builds a freestanding archive ----------------------
# The Xen headers the build uses, seen through their own directory so that
# PVFRONT_XEN_HEADERS is what makes them reachable under -nostdinc.
xen_cpp=$(build_var XEN_HDR_CPPFLAGS | tr '\n' ' ')
xen_h=$(printf '#include <stdint.h>\n#include <xen/xen.h>\n' |
	$CC $xen_cpp -ffreestanding -M -x c - 2>/dev/null | tr -s ' \\' '\n\n' |
	grep '/xen/xen\.h$' | head -n 1)
[ -n "$xen_h" ] || { echo "FAIL: the build's compiler finds no <xen/xen.h>"; exit 1; }
mkdir -p "$tmp/xenhdrs"
ln -s "$(dirname "$xen_h")" "$tmp/xenhdrs/xen"
cc_inc=$($CC -print-file-name=include)
[ -d "$cc_inc" ] || { echo "FAIL: '$CC -print-file-name=include' gave no directory"; exit 1; }

# Only the fragment's variables, the compiler and the Xen directory.
{
	printf 'PVF = %s\n' "$top"
	printf 'include $(PVF)/pvfront-guest.mk\n'
	printf 'OBJS = $(PVFRONT_GUEST_SRCS:%%.c=obj/%%.o)\n'
	printf 'FLAGS = $(PVFRONT_GUEST_CFLAGS) -nostdinc'
	printf ' $(addprefix -I$(PVF)/,$(PVFRONT_GUEST_POISON_INCLUDES) $(PVFRONT_GUEST_INCLUDES))'
	printf ' $(PVFRONT_GUEST_XEN_CPPFLAGS) -isystem $(CC_INC)\n'
	printf 'libguest.a: $(OBJS)\n\trm -f $@\n\t$(AR) cr $@ $(OBJS)\n'
	printf 'obj/%%.o: $(PVF)/%%.c\n\t@mkdir -p $(@D)\n'
	printf '\t$(CC) $(ARCH) $(FLAGS) -MMD -c $< -o $@\n'
} >"$tmp/Makefile"

# The arrangement must really keep libc out: <string.h> is the poison one.
printf '#include <string.h>\n' >"$tmp/libc.c"
if $CC $fcflags -nostdinc -I"$top/common/poison" -I"$top/include" -isystem "$cc_inc" \
	-c "$tmp/libc.c" -o "$tmp/libc.o" >"$tmp/libc.log" 2>&1; then
	bad "a file including <string.h> compiles with the fragment's include path"
elif ! grep -q 'is a libc header' "$tmp/libc.log"; then
	bad "<string.h> did not reach the poison header: $(head -n 1 "$tmp/libc.log")"
fi

nsrc=$(wc -l <"$tmp/frag_srcs")
allowed='memcpy memset memmove memcmp'
build_arch() { # $1 = name, $2 = arch flags
	d=$tmp/$1
	mkdir -p "$d"
	if ! $gmake -s -C "$d" -f "$tmp/Makefile" CC="$CC" ARCH="$2" CC_INC="$cc_inc" \
		PVFRONT_XEN_HEADERS="$tmp/xenhdrs" >"$d/log" 2>&1; then
		bad "$1: building from the fragment failed:"
		sed 's/^/    /' "$d/log" | head -n 40
		return
	fi
	n=$(ar t "$d/libguest.a" | wc -l)
	[ "$n" -eq "$nsrc" ] || bad "$1: the archive has $n members for $nsrc sources"
	$NM -g --defined-only "$d/libguest.a" 2>/dev/null | awk 'NF == 3 {print $3}' |
		LC_ALL=C sort -u >"$d/defined"
	$NM -u "$d/libguest.a" 2>/dev/null | awk '$1 == "U" {print $2}' |
		LC_ALL=C sort -u | LC_ALL=C comm -23 - "$d/defined" >"$d/external"
	[ -s "$d/defined" ] || bad "$1: the archive defines no symbol"
	for s in $(cat "$d/external"); do
		case " $allowed " in
		*" $s "*) ;;
		*) bad "$1: the archive needs '$s' (only $allowed may be undefined)" ;;
		esac
	done
	# The headers this build reached, relative to the tree.
	cat "$d"/obj/*.d "$d"/obj/*/*.d "$d"/obj/*/*/*.d 2>/dev/null | tr -s ' \\' '\n\n' |
		sed -e ':a' -e 's,/[^/][^/]*/\.\./,/,' -e 'ta' |
		grep "^$top/.*\.h\$" | sed "s,^$top/,," | LC_ALL=C sort -u >"$d/headers"
	echo "$1: $n objects built from the fragment; undefined: $(tr '\n' ' ' <"$d/external")"
}

build_arch x86_64 ""
printf '#include <stdint.h>\n#include <xen/xen.h>\nint pvf_probe(void);\nint pvf_probe(void) { return (int)sizeof(uint64_t); }\n' >"$tmp/probe.c"
if $CC -m32 -ffreestanding -nostdinc -isystem "$cc_inc" -I"$tmp/xenhdrs" \
	-c "$tmp/probe.c" -o "$tmp/probe.o" >/dev/null 2>&1; then
	build_arch i386 -m32
else
	echo "i386: skipped ('$CC -m32' cannot compile freestanding code here)"
fi

# ---- 3. the header lists match what the build reached -------------------------
if [ -s "$tmp/x86_64/headers" ]; then
	grep '^include/pvfront/' "$tmp/x86_64/headers" >"$tmp/reached_pub"
	grep -v '^include/pvfront/' "$tmp/x86_64/headers" | grep -v '^common/poison/' \
		>"$tmp/reached_priv"
	for kind in pub priv; do
		case $kind in
		pub) var=PVFRONT_GUEST_HDRS ;;
		priv) var=PVFRONT_GUEST_PRIVATE_HDRS ;;
		esac
		frag_var $var | LC_ALL=C sort -u >"$tmp/listed_$kind"
		LC_ALL=C comm -23 "$tmp/reached_$kind" "$tmp/listed_$kind" >"$tmp/missing"
		while read -r h; do bad "header '$h' is used by the sources but missing from $var"; done <"$tmp/missing"
		LC_ALL=C comm -13 "$tmp/reached_$kind" "$tmp/listed_$kind" >"$tmp/extra"
		while read -r h; do bad "header '$h' is in $var but no guest source uses it"; done <"$tmp/extra"
	done
	grep -q '^common/poison/' "$tmp/x86_64/headers" &&
		bad "a guest source reached a poison header: $(grep '^common/poison/' "$tmp/x86_64/headers" | head -n 1)"
elif [ -f "$tmp/x86_64/libguest.a" ]; then
	bad "the x86_64 build left no dependency files"
fi

# ---- 4. other readers of the fragment -----------------------------------------
if command -v bmake >/dev/null 2>&1; then
	printf '.include "%s"\nall:\n\t@echo ${PVFRONT_GUEST_SRCS}\n' "$frag" >"$tmp/bsd.mk"
	bmake -f "$tmp/bsd.mk" all 2>&1 | tr -s ' \t' '\n\n' | sed '/^$/d' >"$tmp/bsd_srcs"
	if cmp -s "$tmp/bsd_srcs" "$tmp/frag_srcs"; then
		echo "bmake: reads the same source list"
	else
		bad "BSD make reads another PVFRONT_GUEST_SRCS: $(tr '\n' ' ' <"$tmp/bsd_srcs" | cut -c1-300)"
	fi
fi
if command -v cmake >/dev/null 2>&1; then
	# The loop of the fragment's CMake snippet, unchanged but for printing.
	sed -n '/^# CMake:/,/^$/p' "$frag" | sed -n '/file(READ/,/endforeach/p' |
		sed 's/^#   //' >"$tmp/snippet.cmake"
	printf 'foreach(_s IN LISTS pvfront_guest_srcs)\n  message("${_s}")\nendforeach()\n' \
		>>"$tmp/snippet.cmake"
	cmake -DPVF="$top" -P "$tmp/snippet.cmake" 2>&1 | sed "s,^$top/,," >"$tmp/cmake_srcs"
	if cmp -s "$tmp/cmake_srcs" "$tmp/frag_srcs"; then
		echo "cmake: the fragment's snippet reads the same source list"
	else
		bad "the CMake snippet finds another source list: $(tr '\n' ' ' <"$tmp/cmake_srcs" | cut -c1-300)"
	fi
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "PASS: pvfront-guest.mk lists the $nsrc guest sources and builds them freestanding"
exit 0
