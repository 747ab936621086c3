# tests/lib/srrd.sh: srrd on the nodes of tests/lib/cluster.sh, against
# hmcsim over SSH (bash; source after cluster.sh).
#
# Layout: hmcsim runs in its own namespace ($CL_P-hmc) on the cluster's
# bridge, listening on $SRRD_HMC_ADDR:22 and, as a second HMC of the same
# estate, $SRRD_HMC_ADDR2:22 (`srrd_simctl endpoint ...` takes one down).
# Every node's srrd has its own config, state directory and store under
# $CL_DIR/nK/srrd/. cl_cleanup (the trap) kills hmcsim and every srrd with
# the namespaces.
#
#   srrd_init                   keys, known_hosts (call after cl_build)
#   srrd_sim_start TOPO [OPTS]  hmcsim (time scale, --auto-cleanup ...)
#   srrd_simctl ARGS...         hmcsim's control socket
#   srrd_conf k                 write node k's srrd.conf (see variables)
#   srrd_start k / srrd_hook k  start node k's srrd (-f); srrd_hook is for
#                               CL_NODE_HOOKS (writes the conf if missing)
#   srrd_stop k [SIG]           stop it (TERM by default) and wait
#   srrd_log k                  its stderr (the daemon's log)
#   srrd_leader k               the leader node k's srrd last logged
#   srrd_sql k SQL              run SQL on node k's store (read only)
#   srrd_debts k                "lpar:status" lines of its ledger, sorted
#   srrd_all_debts N STATUS K...  every listed node's store holds exactly N
#                               records in STATUS (restarted, cleaned ...)
#   srrd_cmds [MARK]            hmcsim's command log, commands only, one
#                               per line, after line MARK
#   srrd_cmd_mark               the command log's line count now
#   srrd_restarts [MARK]        rrstartlpar -o restart commands since MARK
#   srrd_sessions [MARK]        distinct SSH sessions in the log since MARK
#   srrd_new_sessions MARK      sessions whose first command came after MARK
#                               (SSH handshakes since then)
# Variables (set before srrd_conf):
#   SRRD_SYSTEMS   the [system]/[lpar] sections (INI text); default: src
#                  protected, destination dst
#   SRRD_POLICY    [policy] keys; default fast polls for tests
#   SRRD_HMCS      1 or 2 HMC sections (default 1)
#   SRRD_EXTRA     more INI text (alerts ...)
#   SRRD_HELLO_TIMEOUT  [cluster] hello_timeout (default 10s)
#   SRRD_SESSIONS  executor sessions per HMC (default 4; hmcsim runs one
#                  channel per session, so this is the parallelism there)
SRRD_BIN=${SRRD_BIN:-${TOP_BUILDDIR:-.}/agent/srrd}
SRRD_SIM=${SRRD_SIM:-${TOP_BUILDDIR:-.}/sim/hmcsim}
SRRD_SIMCTL=${SRRD_SIMCTL:-${TOP_BUILDDIR:-.}/sim/simctl}
SRRD_HMC_ADDR=${CL_NET:-10.77.0}.200
SRRD_HMC_ADDR2=${CL_NET:-10.77.0}.201
SRRD_HMCS=${SRRD_HMCS:-1}
SRRD_HELLO_TIMEOUT=${SRRD_HELLO_TIMEOUT:-10s}
SRRD_SESSIONS=${SRRD_SESSIONS:-4}
SRRD_SYSTEMS=${SRRD_SYSTEMS:-"[system src]
protect = yes
destinations = dst

[system dst]
"}
SRRD_POLICY=${SRRD_POLICY:-"poll_interval = 1s
confirm_polls = 3
confirm_window = 3s
follower_poll_interval = 5s
inventory_interval = 10s
command_timeout = 60s
backoff = 2s
backoff_max = 10s"}
SRRD_EXTRA=${SRRD_EXTRA:-}

srrd_init() {
	SRRD_DIR=$CL_DIR/srrd
	mkdir -p "$SRRD_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SRRD_DIR/id" -C srrd-test || return 1
	chmod 600 "$SRRD_DIR/id"
}

srrd_sim_start() {
	local topo=$1 ns="$CL_P-hmc" pub
	shift
	cl_attach "$ns" hmc "$SRRD_HMC_ADDR" || return 1
	ip -n "$ns" addr add "$SRRD_HMC_ADDR2/24" dev eth0 || return 1
	mkdir -p "$SRRD_DIR/sim"
	ip netns exec "$ns" "$SRRD_SIM" --topology "$topo" \
		--listen "$SRRD_HMC_ADDR:22,$SRRD_HMC_ADDR2:22" \
		--host-key "$SRRD_DIR/sim/hostkey" \
		--authorized-keys "$SRRD_DIR/id.pub" \
		--control "$SRRD_DIR/sim/ctl.sock" \
		--state "$SRRD_DIR/sim/state.ini" \
		--log "$SRRD_DIR/sim/cmd.log" "$@" \
		>"$SRRD_DIR/sim/hmcsim.log" 2>&1 </dev/null &
	echo $! > "$SRRD_DIR/sim/pid"
	disown $!
	wait_until 20 srrd_simctl status >/dev/null 2>&1 || return 1
	wait_until 20 test -s "$SRRD_DIR/sim/hostkey" || return 1
	pub=$(ssh-keygen -y -f "$SRRD_DIR/sim/hostkey") || return 1
	printf '%s %s\n%s %s\n' "$SRRD_HMC_ADDR" "$pub" "$SRRD_HMC_ADDR2" "$pub" \
		> "$SRRD_DIR/known_hosts"
}

srrd_simctl() { "$SRRD_SIMCTL" -s "$SRRD_DIR/sim/ctl.sock" "$@"; }

srrd_hmc_section() {
	printf '[hmc %s]\nhost = %s\nidentity = %s\nknown_hosts = %s\ntimeout = 10s\nsessions = %s\n\n' \
		"$1" "$2" "$SRRD_DIR/id" "$SRRD_DIR/known_hosts" "$SRRD_SESSIONS"
}

srrd_conf() {
	local k=$1 dir=$CL_DIR/n$1/srrd
	mkdir -p "$dir"
	{
		printf '[cluster]\ngroup = srrha\nhello_timeout = %s\n\n' "$SRRD_HELLO_TIMEOUT"
		srrd_hmc_section hmc1 "$SRRD_HMC_ADDR"
		[ "$SRRD_HMCS" = 2 ] && srrd_hmc_section hmc2 "$SRRD_HMC_ADDR2"
		printf '%s\n\n[policy]\n%s\n\n' "$SRRD_SYSTEMS" "$SRRD_POLICY"
		printf '[store]\npath = %s/ledger.db\nstate_dir = %s\n\n' "$dir" "$dir"
		printf '%s\n' "$SRRD_EXTRA"
	} > "$dir/srrd.conf"
	chmod 0600 "$dir/srrd.conf"	# srrd refuses one others can read
}

srrd_start() {
	local k=$1 dir=$CL_DIR/n$1/srrd
	[ -f "$dir/srrd.conf" ] || srrd_conf "$k"
	# a restart appends, so earlier lines stay for the checks
	[ -f "$CL_DIR/n$k/srrd.err" ] && cat "$CL_DIR/n$k/srrd.err" >> "$CL_DIR/n$k/srrd.old"
	cl_spawn "$k" srrd "$SRRD_BIN" -f -c "$dir/srrd.conf"
}

srrd_hook() { srrd_start "$1"; }

srrd_stop() { cl_kill "$1" srrd "${2:-TERM}"; }

srrd_log() { cat "$CL_DIR/n$1/srrd.err" 2>/dev/null; }

srrd_leader() {
	srrd_log "$1" | sed -n 's/.*membership: epoch [0-9a-f]* leader \([0-9]*\) .*/\1/p' | tail -1
}

srrd_sql() { sqlite3 -readonly "$CL_DIR/n$1/srrd/ledger.db" "$2" 2>/dev/null; }

# status numbers as in ledger.h (enum srr_op_status)
srrd_debts() {
	srrd_sql "$1" "SELECT lpar || ':' || CASE status WHEN 0 THEN 'planned' \
		WHEN 1 THEN 'restarting' WHEN 2 THEN 'failed' WHEN 3 THEN 'restarted' \
		WHEN 4 THEN 'cleaning' WHEN 5 THEN 'abandoned' WHEN 6 THEN 'cleaned' END \
		FROM ops WHERE lpar <> '' ORDER BY lpar, epoch, node, seq;"
}

srrd_all_debts() {
	local n=$1 st=$2 k
	shift 2
	for k in "$@"; do
		[ "$(srrd_debts "$k" | grep -c ":$st\$")" = "$n" ] || return 1
	done
}

srrd_cmd_mark() { wc -l < "$SRRD_DIR/sim/cmd.log" 2>/dev/null || echo 0; }

srrd_cmds() {
	tail -n +"$(( ${1:-0} + 1 ))" "$SRRD_DIR/sim/cmd.log" 2>/dev/null |
		python3 -c 'import sys, json
for l in sys.stdin:
    try: print(json.loads(l)["command"])
    except Exception: pass'
}

srrd_restarts() { srrd_cmds "${1:-0}" | grep -c -- '^rrstartlpar .*-o restart'; }

srrd_sessions() {
	tail -n +"$(( ${1:-0} + 1 ))" "$SRRD_DIR/sim/cmd.log" 2>/dev/null |
		python3 -c 'import sys, json
s = set()
for l in sys.stdin:
    try: o = json.loads(l); s.add((o["endpoint"], o["session"]))
    except Exception: pass
print(len(s))'
}

srrd_new_sessions() {
	python3 - "$SRRD_DIR/sim/cmd.log" "${1:-0}" <<'PY'
import json, sys
seen, new = set(), set()
for i, l in enumerate(open(sys.argv[1])):
    try: o = json.loads(l)
    except Exception: continue
    k = (o["endpoint"], o["session"])
    if k not in seen and i >= int(sys.argv[2]):
        new.add(k)
    seen.add(k)
print(len(new))
PY
}
