#!/bin/bash
# hmc_transport.sh: runs hmc_transport_bench against a throw-away OpenSSH
# sshd on 127.0.0.1 (the unit tests' fixture: tests/fixtures/ssh/), stopped
# and removed on exit whatever happens. Run from the bench build directory
# (make bench does); N commands per side, 100 unless given.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-100}
if [ ! -x /usr/sbin/sshd ]; then
	echo "hmc_transport: /usr/sbin/sshd not installed; skipped"
	exit 0
fi
dir=$(mktemp -d /tmp/srrha-bench-ssh-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
# A random high port; another one if something already listens there.
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
	"$here/../tests/fixtures/ssh/sshd-setup.sh" "$dir" "$port"
	/usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
	pid=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break 2
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
done
if [ -z "$pid" ]; then
	echo "hmc_transport: sshd did not start:" >&2
	cat "$dir/sshd.log" >&2
	exit 1
fi
timeout 600 ./hmc_transport_bench 127.0.0.1 "$port" "$(id -un)" \
	"$dir/client_key" "$dir/known_hosts" "$n"
