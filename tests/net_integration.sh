#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Integration: two network namespaces joined only through the PV path
# (namespace A: TAP -> netfront -> rings -> netback -> TAP: namespace B).
# ping both ways, iperf3 over TCP, and a 4 MiB file copied over TCP with
# nc must arrive with the same sha256.  Skips (77) only when TAP devices or
# network namespaces are unavailable; any other failure fails.
# PVF_NET_FLAGS: extra options for `pvfront net` (tests/net_integration_untrusted.sh
# passes --untrusted: the same traffic through netfront's bounce buffers).
set -u

here=$(cd "$(dirname "$0")" && pwd)
NET=${PVF_NET_CMD:-$here/test_netback_cmd}
[ -x "$NET" ] || NET=./tests/test_netback_cmd
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; cleanup; exit 1; }

[ "$(id -u)" = 0 ] || skip "not root: cannot make network namespaces or TAP devices"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing: no TAP devices"
command -v ip >/dev/null 2>&1 || skip "iproute2 (ip) not installed"
for t in ping iperf3 nc sha256sum timeout; do
	command -v $t >/dev/null 2>&1 || fail "$t not installed (tools/install-deps installs iputils-ping, iperf3, netcat-openbsd)"
done

id=$$
nsa=pvfa$id
nsb=pvfb$id
tapa=pva$id
tapb=pvb$id
tmp=$(mktemp -d)
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns pids "$nsa" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$nsb" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup INT TERM

ip netns add "$nsa" 2>/dev/null || skip "cannot create network namespaces (ip netns add)"
ip netns add "$nsb" 2>/dev/null || { ip netns del "$nsa"; skip "cannot create network namespaces"; }

# shellcheck disable=SC2086
"$NET" ${PVF_NET_FLAGS:-} --mode tap --profile linux --tap-front "$tapa" --tap-back "$tapb" \
	--ns-front "$nsa" --ns-back "$nsb" --duration 120 >"$tmp/net.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do
	grep -q '^ready' "$tmp/net.log" && break
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"; rc=$?
		cat "$tmp/net.log"
		pid=
		[ $rc = 3 ] && { cleanup; skip "TAP or namespaces unavailable (pvfront net exit 3)"; }
		fail "pvfront net exited with $rc before it was ready"
	fi
	sleep 0.1
done
grep -q '^ready' "$tmp/net.log" || fail "pvfront net not ready"

ip -n "$nsa" addr add 10.199.0.1/24 dev "$tapa" || fail "address A"
ip -n "$nsb" addr add 10.199.0.2/24 dev "$tapb" || fail "address B"
ip -n "$nsa" link set "$tapa" up || fail "link A"
ip -n "$nsb" link set "$tapb" up || fail "link B"
ip -n "$nsa" link set lo up
ip -n "$nsb" link set lo up

ip netns exec "$nsa" ping -c 3 -i 0.2 -W 2 10.199.0.2 || fail "ping A -> B"
ip netns exec "$nsb" ping -c 3 -i 0.2 -W 2 10.199.0.1 || fail "ping B -> A"
ip netns exec "$nsa" ping -c 2 -s 8000 -W 2 10.199.0.2 || fail "ping with 8000-byte (fragmented) packets"

ip netns exec "$nsb" iperf3 -s -1 -B 10.199.0.2 >"$tmp/iperf-s.log" 2>&1 &
sleep 0.5
ip netns exec "$nsa" timeout 60 iperf3 -c 10.199.0.2 -t 3 >"$tmp/iperf.log" 2>&1 || { cat "$tmp/iperf.log"; fail "iperf3"; }
grep -E 'sender|receiver' "$tmp/iperf.log"

head -c 4194304 /dev/urandom >"$tmp/src.bin"
ip netns exec "$nsb" timeout 60 nc -l -N 10.199.0.2 5201 >"$tmp/dst.bin" &
npid=$!
sleep 0.5
ip netns exec "$nsa" timeout 60 nc -N 10.199.0.2 5201 <"$tmp/src.bin" || fail "nc send"
wait $npid || fail "nc receive"
a=$(sha256sum <"$tmp/src.bin" | cut -d' ' -f1)
b=$(sha256sum <"$tmp/dst.bin" | cut -d' ' -f1)
echo "sha256 sent $a"
echo "sha256 recv $b"
[ "$a" = "$b" ] || fail "file copied over TCP differs"

kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
cat "$tmp/net.log" | tail -3
[ $rc = 0 ] || fail "pvfront net exited with $rc"
grep -q 'leak' "$tmp/net.log" && fail "pvfront net reported a leak"
case " ${PVF_NET_FLAGS:-} " in
*" --untrusted "*)
	grep -q 'bounce buffers (untrusted)' "$tmp/net.log" ||
		fail "--untrusted given but netfront did not bounce";;
esac
cleanup
echo "PASS: ping, iperf3 and a sha256-checked TCP copy through netfront/netback ${PVF_NET_FLAGS:-}"
exit 0
