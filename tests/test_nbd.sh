#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The nbdkit plugin (harness/nbdkit) as NBD clients see it.  For each of
# three set-ups (linux profile, one queue; qdisk profile, grant copy and
# 11-segment requests; linux profile, two queues and two fio jobs):
#   1. qemu-img convert writes a file with data and zero runs through the
#      export (pwrite, zero, trim); cmp checks it landed on the image;
#   2. fio's nbd engine: random read/write, 4k..256k blocks (crossing the
#      ring-request split), verify=crc32c;
#   3. qemu-img compare: the image file against the export;
#   4. nbdcopy (when installed) reads the whole export; cmp against the image;
#   5. nbdkit stops; the plugin must report nothing left mapped.
# A negative control checks that qemu-img compare notices a difference.
# Skips (77) only when nbdkit, fio (with its nbd engine) or qemu-img are
# missing.
set -u

PLUGIN=${PVF_NBDKIT_PLUGIN:-./harness/nbdkit/.libs/pvfront-nbdkit.so}
skip() { echo "SKIP: $*"; exit 77; }
# The reason goes last, after nbdkit's log, so a tail of the test log shows it.
fail() {
	[ -n "${tmp:-}" ] && [ -f "$tmp/log" ] && tail -n 200 "$tmp/log"
	echo "FAIL: $*"
	cleanup
	exit 1
}

for t in nbdkit fio qemu-img; do
	command -v $t >/dev/null 2>&1 || skip "$t not installed (tools/install-deps: nbdkit fio qemu-utils)"
done
fio --enghelp 2>/dev/null | grep -qw nbd || skip "this fio has no nbd engine"
[ -f "$PLUGIN" ] || { echo "FAIL: plugin $PLUGIN not built"; exit 1; }
case $PLUGIN in /*) ;; *) PLUGIN=$(pwd)/$PLUGIN ;; esac

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
	rm -rf "$tmp"
}
trap 'cleanup; exit 1' INT TERM
sock=$tmp/nbd.sock
uri="nbd+unix:///?socket=$sock"
img=$tmp/disk.img

start() {
	rm -f "$sock"
	nbdkit -f -v --unix "$sock" "$PLUGIN" "$@" >"$tmp/log" 2>&1 &
	pid=$!
	i=0
	while [ ! -S "$sock" ]; do
		kill -0 "$pid" 2>/dev/null || { pid=; fail "nbdkit did not start ($*)"; }
		i=$((i + 1))
		[ $i -lt 200 ] || fail "nbdkit socket did not appear ($*)"
		sleep 0.05
	done
}

stop() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ $rc = 0 ] || fail "nbdkit exited with $rc"
	grep -q 'grants still mapped 0, guest pages left 0: clean' "$tmp/log" ||
		fail "the plugin did not close cleanly"
	grep 'pvfront-nbdkit: closed' "$tmp/log"
}

# A source with data and zero runs (qemu-img turns zero runs into zero or
# trim requests).
head -c 2097152 /dev/urandom >"$tmp/src"
head -c 2097152 /dev/zero >>"$tmp/src"
head -c 4194304 /dev/urandom >>"$tmp/src"
head -c 1048576 /dev/zero >>"$tmp/src"

one() {
	name=$1 jobs=$2
	shift 2
	echo "== $name: $*"
	head -c 67108864 /dev/urandom >"$img"
	start image="$img" "$@"
	timeout 120 qemu-img convert -n -f raw -O raw "$tmp/src" "$uri" ||
		fail "$name: qemu-img convert into the export"
	cmp -n 9437184 "$tmp/src" "$img" || fail "$name: the image does not hold what was written"
	timeout 300 fio --name=pvf --ioengine=nbd --uri="$uri" --rw=randrw --bsrange=4k-256k \
		--iodepth=16 --numjobs="$jobs" --size=16M --offset=16M --offset_increment=16M \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --randseed=7 --verify_state_save=0 \
		--output="$tmp/fio.out" || { cat "$tmp/fio.out"; fail "$name: fio"; }
	grep -E 'IOPS|err=' "$tmp/fio.out"
	timeout 120 qemu-img compare -f raw -F raw "$img" "$uri" ||
		fail "$name: qemu-img compare: the export differs from the image"
	if command -v nbdcopy >/dev/null 2>&1; then
		timeout 120 nbdcopy "$uri" "$tmp/out" || fail "$name: nbdcopy"
		cmp "$tmp/out" "$img" || fail "$name: nbdcopy read differs from the image"
		rm -f "$tmp/out"
	fi
	# negative control: a copy with one byte changed must compare different.
	# The byte is replaced by its successor (mod 256), never by a fixed
	# value: the image is random, so a fixed 'X' was already there once in
	# 256 runs and the control then failed.
	cp "$img" "$tmp/other"
	dd if="$img" bs=1 skip=40000000 count=1 status=none |
		LC_ALL=C tr '\000-\376\377' '\001-\377\000' |
		dd of="$tmp/other" bs=1 seek=40000000 conv=notrunc status=none
	cmp -s "$img" "$tmp/other" && fail "$name: the negative control changed nothing"
	if timeout 120 qemu-img compare -q -f raw -F raw "$tmp/other" "$uri"; then
		fail "$name: qemu-img compare did not notice a changed byte"
	fi
	rm -f "$tmp/other"
	stop
}

one linux 1 profile=linux
one qdisk 1 profile=qdisk
one linux-2q 2 profile=linux queues=2

cleanup
echo "test_nbd: 3 set-ups passed"
exit 0
