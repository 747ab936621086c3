# fence_lib.sh: what the fence_srr integration tests share (bash; source
# it): keys, an hmcsim over SSH, and calling fence_srr and fence_lpar.
#
#   fl_init DIR              work dir, SSH client key, the agents' paths
#   fl_sim_start TOPO ADDR PORT [NETNS]   hmcsim on ADDR:PORT (inside NETNS
#                            when given); writes $FL_DIR/known_hosts
#   fl_sim_up TOPO           the same on a free loopback port, or bail out
#   fl_sim_stop
#   fl_simctl ARGS...        hmcsim's control interface
#   fl_model SYS LPAR FIELD  a partition's field in the model (state= is
#                            the truth, shown= what the HMC shows)
#   fl_hmc CMD               run CMD on hmcsim as hscroot (openssh client)
#   fl_log_mark / fl_log_since MARK   the command log's commands after MARK
#   fl_srr ACTION PLUG [KEY=VALUE...]  fence_srr with key=value on stdin;
#                            sets FL_RC, FL_OUT, FL_ERR (FL_NO_KEY=1: no
#                            identity_file)
#   fl_lpar ACTION PLUG MANAGED [OPTION...]  Debian's fence_lpar, same
#   fl_wait SECS CMD...      poll CMD every 0.2 s
#   check DESC 'CONDITION'   one TAP line: ok if CONDITION (shell code) holds
FL_AGENT=${FL_AGENT:-${TOP_BUILDDIR:-.}/fence/fence_srr}
FL_SIM=${TOP_BUILDDIR:-.}/sim/hmcsim
FL_SIMCTL=${TOP_BUILDDIR:-.}/sim/simctl
FL_FENCE_LPAR=/usr/sbin/fence_lpar
FL_PASSWORD=fence-test-pw
FL_SIM_PID=

. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
fl_wait() { wait_until "$@"; }

# fl_skip_unless_built: a TAP skip (and exit) when a binary is not built
fl_skip_unless_built() {
	local f
	for f in "$FL_AGENT" "$FL_SIM" "$FL_SIMCTL"; do
		[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
	done
}

fl_init() {
	FL_DIR=$1
	mkdir -p "$FL_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$FL_DIR/id" || return 1
}

# fl_free_port ADDR: a TCP port nothing listens on (loopback only)
fl_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

fl_sim_start() {
	local topo=$1 addr=$2 port=$3 ns=${4:-} pub
	FL_ADDR=$addr FL_PORT=$port
	local cmd=("$FL_SIM" --topology "$topo" --listen "$addr:$port"
		--host-key "$FL_DIR/hostkey" --authorized-keys "$FL_DIR/id.pub"
		--password "hscroot:$FL_PASSWORD" --control "$FL_DIR/ctl.sock"
		--log "$FL_DIR/cmd.log" --time-scale 0.01)
	# known_hosts names port 22 by the host alone
	FL_KH_HOST="[$addr]:$port"
	[ "$port" = 22 ] && FL_KH_HOST=$addr
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "${cmd[@]}" >"$FL_DIR/hmcsim.log" 2>&1 </dev/null &
	else
		"${cmd[@]}" >"$FL_DIR/hmcsim.log" 2>&1 </dev/null &
	fi
	FL_SIM_PID=$!
	fl_wait 20 fl_simctl status >/dev/null 2>&1 || return 1
	fl_wait 20 test -s "$FL_DIR/hostkey" || return 1
	pub=$(ssh-keygen -y -f "$FL_DIR/hostkey") || return 1
	echo "$FL_KH_HOST $pub" >"$FL_DIR/known_hosts"
}

# fl_sim_up TOPO: hmcsim on a free loopback port, or "Bail out!" and exit
fl_sim_up() {
	fl_sim_start "$1" 127.0.0.1 "$(fl_free_port)" && return 0
	echo "Bail out! hmcsim did not start"
	cat "$FL_DIR/hmcsim.log"
	exit 1
}

fl_sim_stop() {
	[ -n "$FL_SIM_PID" ] || return 0
	kill "$FL_SIM_PID" 2>/dev/null
	fl_wait 10 eval "! kill -0 $FL_SIM_PID 2>/dev/null" || kill -9 "$FL_SIM_PID" 2>/dev/null
	wait "$FL_SIM_PID" 2>/dev/null
	FL_SIM_PID=
}

fl_simctl() { "$FL_SIMCTL" -s "$FL_DIR/ctl.sock" "$@"; }

fl_model() { fl_simctl show "$1" "$2" | sed -n "s/^$3=//p"; }

fl_hmc() {
	ssh -q -i "$FL_DIR/id" -p "$FL_PORT" -o BatchMode=yes \
		-o UserKnownHostsFile="$FL_DIR/known_hosts" -o StrictHostKeyChecking=yes \
		-o GlobalKnownHostsFile=/dev/null "hscroot@$FL_ADDR" "$1"
}

fl_log_mark() { wc -l <"$FL_DIR/cmd.log"; }

# the "command" field of every log record after line MARK
fl_log_since() {
	python3 -c 'import json, sys
for line in open(sys.argv[1]).readlines()[int(sys.argv[2]):]:
    print(json.loads(line)["command"])' "$FL_DIR/cmd.log" "$1" >"$FL_DIR/since.out" &&
		cat "$FL_DIR/since.out"
}

fl_srr() {
	local action=$1 plug=$2 kv
	shift 2
	{
		printf 'action=%s\nplug=%s\nip=%s\nipport=%s\nusername=hscroot\n' \
			"$action" "$plug" "$FL_ADDR" "$FL_PORT"
		[ -n "${FL_NO_KEY:-}" ] || printf 'identity_file=%s\n' "$FL_DIR/id"
		printf 'known_hosts=%s\npower_timeout=30\nnodename=test\n' "$FL_DIR/known_hosts"
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} >"$FL_DIR/srr.in"
	"$FL_AGENT" <"$FL_DIR/srr.in" >"$FL_DIR/srr.out" 2>"$FL_DIR/srr.err"
	FL_RC=$?
	FL_OUT=$(cat "$FL_DIR/srr.out")
	FL_ERR=$(cat "$FL_DIR/srr.err")
}

fl_lpar() {
	local action=$1 plug=$2 managed=$3
	shift 3
	timeout 120 "$FL_FENCE_LPAR" -o "$action" -n "$plug" -s "$managed" -a "$FL_ADDR" \
		-u "$FL_PORT" -l hscroot -p "$FL_PASSWORD" -x --power-timeout 30 \
		--ssh-options "-o UserKnownHostsFile=$FL_DIR/known_hosts -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null" \
		"$@" >"$FL_DIR/lpar.out" 2>"$FL_DIR/lpar.err" </dev/null
	FL_RC=$?
	FL_OUT=$(cat "$FL_DIR/lpar.out")
	FL_ERR=$(cat "$FL_DIR/lpar.err")
}

n=0 failed=0
check() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		echo "# rc=${FL_RC:-} out=[${FL_OUT:0:200}] err=[${FL_ERR:0:400}]"
	fi
}
