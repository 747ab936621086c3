# sim_lib.sh: shared by hmcsim's integration tests (sourced, bash).
# Starts hmcsim on loopback with fresh keys in a temp dir, gives ssh and
# simctl wrappers that verify the host key strictly, prints TAP, and
# cleans up (trap EXIT) whatever happens.
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
HMCSIM=$TOP_BUILDDIR/sim/hmcsim
SIMCTL=$TOP_BUILDDIR/sim/simctl
TOPOS=$TOP_SRCDIR/sim/topologies
SIM_PASSWORD=Sim-pass-$$

t_n=0 t_fail=0
ok() { t_n=$((t_n + 1)); echo "ok $t_n - $*"; }
notok() { t_n=$((t_n + 1)); t_fail=$((t_fail + 1)); echo "not ok $t_n - $*"; }
# check WHAT 'SHELL CONDITION': one TAP line for the whole condition.
check() { local what=$1; shift; if eval "$*"; then ok "$what"; else notok "$what"; fi; }
finish() { [ "$t_fail" -eq 0 ]; exit $?; }

[ -x "$HMCSIM" ] || { echo "1..0 # SKIP hmcsim not built"; exit 0; }
command -v ssh >/dev/null || { echo "1..0 # SKIP no ssh client"; exit 0; }

SIM_TMP=$(mktemp -d /tmp/hmcsim-test.XXXXXX)
SIM_PID=
sim_cleanup() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	[ -n "${SIM_EXTRA_CLEANUP:-}" ] && eval "$SIM_EXTRA_CLEANUP"
	rm -rf "$SIM_TMP"
}
trap sim_cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$SIM_TMP/id" -C sim-test
cp "$SIM_TMP/id.pub" "$SIM_TMP/authorized_keys"

# A free loopback port (the kernel picks one; a race is unlikely and the
# start below fails loudly if it happens).
sim_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sim_start TOPOLOGY [hmcsim options...]: start on two endpoints, wait for
# the control socket, write known_hosts for both.
sim_start() {
	local topo=$1; shift
	SIM_PORT=${SIM_PORT:-$(sim_free_port)}
	SIM_PORT2=${SIM_PORT2:-$(sim_free_port)}
	"$HMCSIM" --topology "$topo" --state "$SIM_TMP/state.ini" \
		--listen "127.0.0.1:$SIM_PORT,127.0.0.1:$SIM_PORT2" \
		--host-key "$SIM_TMP/host_key" --authorized-keys "$SIM_TMP/authorized_keys" \
		--password "hscroot:$SIM_PASSWORD" --control "$SIM_TMP/ctl" \
		--log "$SIM_TMP/log.json" "$@" 2>>"$SIM_TMP/hmcsim.err" &
	SIM_PID=$!
	local i
	for i in $(seq 1 50); do
		[ -S "$SIM_TMP/ctl" ] && "$SIMCTL" -s "$SIM_TMP/ctl" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	sim_known_hosts
}

sim_known_hosts() {
	local pub
	pub=$(ssh-keygen -y -f "$SIM_TMP/host_key") || return 1
	printf '[127.0.0.1]:%s %s\n[127.0.0.1]:%s %s\n' "$SIM_PORT" "$pub" \
		"$SIM_PORT2" "$pub" > "$SIM_TMP/known_hosts"
}

sim_stop() {
	kill "$SIM_PID" 2>/dev/null
	wait "$SIM_PID" 2>/dev/null
	SIM_PID=
	rm -f "$SIM_TMP/ctl"
}

SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10
	  -o LogLevel=ERROR -o IdentitiesOnly=yes)
# sim_ssh [-P PORT] COMMAND: one exec request, as `ssh hmc 'CMD'`.
sim_ssh() {
	local port=$SIM_PORT
	[ "$1" = -P ] && { port=$2; shift 2; }
	timeout 60 ssh "${SSH_OPTS[@]}" -o UserKnownHostsFile="$SIM_TMP/known_hosts" \
		-i "$SIM_TMP/id" -p "$port" hscroot@127.0.0.1 "$@" </dev/null
}

simctl() { "$SIMCTL" -s "$SIM_TMP/ctl" "$@"; }
