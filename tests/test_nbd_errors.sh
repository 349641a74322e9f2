#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Error paths of the nbdkit plugin: every bad configuration makes nbdkit
# refuse to start with a message naming the problem; readonly=true makes a
# read-only export that still reads; null-size=SIZE exports that size.
# Skips (77) only when nbdkit or qemu-img are missing.
set -u

PLUGIN=${PVF_NBDKIT_PLUGIN:-./harness/nbdkit/.libs/pvfront-nbdkit.so}
skip() { echo "SKIP: $*"; exit 77; }
for t in nbdkit qemu-img qemu-io; do
	command -v $t >/dev/null 2>&1 || skip "$t not installed (tools/install-deps: nbdkit qemu-utils)"
done
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
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
truncate -s 8M "$tmp/disk.img"
printf 'abc' >"$tmp/odd.img"

# refuse: expected message, then the arguments
refuse() {
	want=$1
	shift
	timeout 30 nbdkit -f -U - "$PLUGIN" "$@" --run true >"$tmp/out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		fail "nbdkit started with: $*"
	elif ! grep -q "$want" "$tmp/out"; then
		fail "no message '$want' for: $* (got: $(cat "$tmp/out"))"
	else
		echo "ok: $* -> $(grep "$want" "$tmp/out")"
	fi
}

refuse "unknown parameter 'bogus'" image="$tmp/disk.img" bogus=1
refuse "cannot open '$tmp/missing.img': No such file" image="$tmp/missing.img"
refuse "not a regular file whose size is a non-zero multiple of 512" image="$tmp/odd.img"
refuse "exactly one of image=FILE and null-size=SIZE" image="$tmp/disk.img" null-size=1M
refuse "exactly one of image=FILE and null-size=SIZE" profile=linux
refuse "unknown backend profile 'xen'" null-size=1M profile=xen
refuse "queues: 9 is not in 1..8" null-size=1M queues=9
refuse "queues: 0 is not in 1..8" null-size=1M queues=0
refuse "null-size: 1000 is not a non-zero multiple of 4096" null-size=1000
refuse "readonly: 'maybe' is not a boolean" null-size=1M readonly=maybe

# A good configuration starts (the control for the refusals above).
timeout 30 nbdkit -f -U - "$PLUGIN" image="$tmp/disk.img" --run true >"$tmp/out" 2>&1 ||
	fail "a good configuration did not run: $(cat "$tmp/out")"

sock=$tmp/s
start() {
	rm -f "$sock"
	nbdkit -f --unix "$sock" "$PLUGIN" "$@" >"$tmp/log" 2>&1 &
	pid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	[ -S "$sock" ] || fail "nbdkit did not start: $*"
}
stop() {
	kill -TERM "$pid"
	wait "$pid"
	pid=
	grep -q 'grants still mapped 0, guest pages left 0: clean' "$tmp/log" ||
		fail "not closed cleanly: $(cat "$tmp/log")"
}
uri="nbd+unix:///?socket=$sock"

# readonly=true: a writable open is refused, reads work.
start image="$tmp/disk.img" readonly=true
if timeout 30 qemu-io -f raw -c 'write 0 4k' "$uri" >/dev/null 2>&1; then
	fail "readonly=true: a write went through"
fi
timeout 30 qemu-io -r -f raw -c 'read -P 0 0 64k' "$uri" | grep -q 'read 65536/65536' ||
	fail "readonly=true: reading failed"
stop

# null-size: the export has that size; reads complete.
start null-size=12M profile=minimal
size=$(timeout 30 qemu-img info --output=json "$uri" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
[ "$size" = 12582912 ] || fail "null-size=12M exported '$size' bytes"
timeout 30 qemu-io -f raw -c 'read 0 1M' -c 'write 1M 64k' -c flush "$uri" >/dev/null ||
	fail "null device: read/write/flush"
stop

cleanup
[ $fails = 0 ] || { echo "test_nbd_errors: $fails failures"; exit 1; }
echo "test_nbd_errors: all passed"
exit 0
