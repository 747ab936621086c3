# tests/lib/srrd_stack.sh: srrd on a real cluster, against hmcsim over SSH, for
# the integration tests of issue 9 (bash; source it: it sources tap.sh and
# cluster.sh; needs root). A test starts with
#   LIB=.../tests/lib; . "$LIB/srrd_stack.sh"; srr_begin SECS "$@"
#
# Layout: tests/lib/cluster.sh's nodes (10.77.0.K, corosync each); hmcsim
# in a namespace of its own on the same bridge, 10.77.0.200 (a second
# address, 10.77.0.201, is a second endpoint of the same model: two HMCs
# that see the same estate); a second, independent hmcsim at 10.77.0.202
# when a test wants two HMCs that can disagree. srrd runs in each node's
# namespace (srrd -f, logs in $CL_DIR/nK/srrd.err), started by the
# CL_NODE_HOOKS hook srrd_hook, with its own srrha.conf, store and state
# directory under $CL_DIR/nK.
#
# Evidence: the claims of the tests are checked in hmcsim's command log
# (what the HMC received, with the client's address: tests/lib/
# srr_cmdlog.py) and in every agent's SQLite store, never in srrd's log.
#
# Functions (k = node number):
#   srr_begin SECS "$@"      re-run the calling script under timeout(1) (at
#                            most SECS), skip it (TAP) if something is missing
#   srr_init                 cl_init, work dir SRR_DIR, client SSH key
#   srr_sim_start NAME ADDR[,ADDR...] [HMCSIM OPTION...]  hmcsim NAME in
#                            namespace $CL_P-NAME listening on ADDR:22 each;
#                            its host key appended to the known_hosts file
#   srr_sim_stop NAME / srr_simctl [-n NAME] ARGS...  (default NAME: h)
#   srr_model SYS LPAR FIELD one field of a partition in the model
#   srr_sys_state SYS        a system's true state in the model
#   srr_set_state SYS STATE  simctl set-state (every hmcsim started)
#   srr_log QUESTION ARGS... srr_cmdlog.py over every hmcsim's log
#   srr_conf_write k         $CL_DIR/nK/srrha.conf from SRR_HMCS,
#                            SRR_SYSTEMS_CONF, SRR_POL[...], SRR_ALERTS,
#                            SRR_CONF_EXTRA (SRR_IDENTITY, SRR_KNOWN_HOSTS:
#                            other files than the good ones; SRR_SESSIONS:
#                            the executor's sessions per HMC)
#   srrd_start k [ARGS...] / srrd_hook k / srrd_kill k [SIG] / srrd_alive k
#   srrd_wait_leader SECS [NODES]  wait for one node to poll at the leader's
#                            rate (in the command log); prints its number
#   srr_leader               that node now, or nothing
#   srr_sql k SQL            a query on node k's store (sqlite3)
#   srr_ops k                "LPAR SRC DST STATUS" per record, sorted
#   srr_debts k [SRC]        "LPAR SRC DST" per open debt (restarted,
#                            cleaning), sorted
#   srr_count k STATUS       records in that status
#   srr_ledger k             every record's identity and state (to compare)
#   srr_ledgers_equal K...   the same ledger on every listed node
#   srr_all_debts "LPARS" K...  every listed node holds exactly these open
#                            debts
#   srr_restarted_on_dest LPARS   each partition Running on dst1 or dst2
#   srr_failover SYS LPARS [K...]  power SYS off (SRR_T_OFF: when) and wait
#                            until srr_failed_over (default: every node)
#   srr_failed_over SYS LPARS K...  LPARS run on a destination and are
#                            exactly SYS's open debts in every listed store
#   srr_all_count STATUS N K...  N records in STATUS and no open debt in
#                            every listed store
#   srr_alerts [k]           the lines alert_file.sh.sample wrote (of node k)
#   srr_confirm k SYS        the operator's confirmation (srrctl)
#   srr_up N                 build N nodes + hmcsim (+ qnetd if CL_QDEVICE=1),
#                            start everything, wait for quorum and a leader
#                            (SRR_LEADER)
# Variables: SRR_TIME_SCALE (0.0134: a 2 s restart), SRR_TOPO, SRR_HMCS
#   ("NAME=ADDR ..."), SRR_POL (associative: policy key -> value),
#   SRR_ELIGIBLE / SRR_NEVER (srcA's partitions in srrd_estate.ini that must
#   and must not be restarted), SRR_ELIGIBLE_B (srcB's), SRR_LONG=1 (long variants).
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/cluster.sh"
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
SRRD_BIN=${SRRD_BIN:-$TOP_BUILDDIR/agent/srrd}
SRRCTL_BIN=${SRRCTL_BIN:-$TOP_BUILDDIR/agent/srrctl}
SRR_SIM_BIN=${SRR_SIM_BIN:-$TOP_BUILDDIR/sim/hmcsim}
SRR_SIMCTL_BIN=${SRR_SIMCTL_BIN:-$TOP_BUILDDIR/sim/simctl}
SRR_CMDLOG=$TOP_SRCDIR/tests/lib/srr_cmdlog.py
SRR_TOPO=${SRR_TOPO:-$TOP_SRCDIR/tests/integration/srrd_estate.ini}
SRR_TIME_SCALE=${SRR_TIME_SCALE:-0.0134}
SRR_ALERT_AGENT=${SRR_ALERT_AGENT:-/usr/share/pacemaker/alerts/alert_file.sh.sample}
SRR_HMCS=${SRR_HMCS:-"hmc1=10.77.0.200"}
SRR_ALERTS=${SRR_ALERTS:-1}
SRR_ELIGIBLE="a01 a02 a03 a04 a05 a06 a07 a08"
SRR_NEVER="a09 a10 a11 vios1 vios2"
SRR_ELIGIBLE_B="b01 b02 b03 b04"
SRR_SIMS=""
SRR_LEADER=""
declare -A SRR_POL=(
	[poll_interval]=1s
	[confirm_polls]=3
	[confirm_window]=3s
	[follower_poll_interval]=10s
	[inventory_interval]=30s
	[command_timeout]=30s
	[max_per_source]=4
	[max_per_dest]=8
	[backoff]=1s
	[backoff_max]=4s
)
# the systems of srrd_estate.ini; SRR_SRCA_EXTRA: more keys for srcA (a fence)
SRR_SYSTEMS_CONF=${SRR_SYSTEMS_CONF:-"[system srcA]
protect = yes
destinations = dst1, dst2
@SRCA_EXTRA@
[system srcB]
protect = yes
destinations = dst1, dst2

[system dst1]

[system dst2]

[lpar srcA/a11]
exclude = yes"}

srr_begin() {
	local secs=$1
	shift
	if [ -z "${SRR_TIMED:-}" ]; then
		SRR_TIMED=1 exec timeout -k 10 "$secs" bash "$0" "$@"
	fi
	srr_need
}

srr_init() {
	cl_init
	SRR_DIR=$CL_DIR/srr
	mkdir -p "$SRR_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SRR_DIR/id" -C srrd-test || return 1
	chmod 0600 "$SRR_DIR/id"
	: >"$SRR_DIR/known_hosts"
}

srr_sim_start() {
	local name=$1 addrs=$2 a first listen="" d pub
	shift 2
	d=$SRR_DIR/$name
	mkdir -p "$d"
	first=${addrs%%,*}
	if ! ip netns list | grep -qE "^$CL_P-$name( |$)"; then
		cl_attach "$CL_P-$name" "sim-$name" "$first" || return 1
		for a in ${addrs//,/ }; do
			[ "$a" = "$first" ] || ip -n "$CL_P-$name" addr add "$a/24" dev eth0 || return 1
		done
	fi
	for a in ${addrs//,/ }; do listen="$listen${listen:+,}$a:22"; done
	ip netns exec "$CL_P-$name" "$SRR_SIM_BIN" --topology "$SRR_TOPO" \
		--state "$d/state.ini" --listen "$listen" --host-key "$d/host_key" \
		--authorized-keys "$SRR_DIR/id.pub" --control "$d/ctl.sock" \
		--log "$d/cmd.json" --time-scale "$SRR_TIME_SCALE" "$@" \
		>>"$d/hmcsim.log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	disown $!
	case " $SRR_SIMS " in *" $name "*) ;; *) SRR_SIMS="$SRR_SIMS $name" ;; esac
	cl_wait 20 srr_simctl -n "$name" status >/dev/null 2>&1 || return 1
	cl_wait 20 test -s "$d/host_key" || return 1
	pub=$(ssh-keygen -y -f "$d/host_key") || return 1
	for a in ${addrs//,/ }; do
		grep -q "^$a " "$SRR_DIR/known_hosts" || echo "$a $pub" >>"$SRR_DIR/known_hosts"
	done
}

srr_sim_stop() {
	local p
	p=$(cat "$SRR_DIR/$1/pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	cl_wait 10 eval "! kill -0 $p 2>/dev/null" || kill -9 "$p" 2>/dev/null
	rm -f "$SRR_DIR/$1/ctl.sock"
}

srr_simctl() {
	local name=h
	[ "$1" = -n ] && { name=$2; shift 2; }
	"$SRR_SIMCTL_BIN" -s "$SRR_DIR/$name/ctl.sock" "$@"
}

srr_model() { srr_simctl show "$1" "$2" 2>/dev/null | sed -n "s/^$3=//p"; }
srr_sys_state() { srr_simctl show "$1" | sed -n 's/^state=//p'; }

srr_set_state() {
	local s
	for s in $SRR_SIMS; do srr_simctl -n "$s" set-state "$1" "$2" >/dev/null || return 1; done
}

srr_log() {
	local s args=()
	for s in $SRR_SIMS; do args+=(-l "$SRR_DIR/$s/cmd.json"); done
	python3 "$SRR_CMDLOG" "${args[@]}" "$@"
}

srr_node_addr() { echo "$CL_NET.$1"; }

# ------------------------------------------------------------- config

srr_conf_write() {
	local k=$1 d=$CL_DIR/n$1 h key
	mkdir -p "$d/state"
	{
		printf '[cluster]\ngroup = srrha-%s\nhello_timeout = 5s\n' "$CL_P"
		for h in $SRR_HMCS; do
			printf '\n[hmc %s]\nhost = %s\nport = 22\nuser = hscroot\n' "${h%%=*}" "${h#*=}"
			printf 'identity = %s\nknown_hosts = %s\ntimeout = 10s\n' \
				"${SRR_IDENTITY:-$SRR_DIR/id}" "${SRR_KNOWN_HOSTS:-$SRR_DIR/known_hosts}"
			[ -n "${SRR_SESSIONS:-}" ] && printf 'sessions = %s\n' "$SRR_SESSIONS"
		done
		printf '\n%s\n\n[policy]\n' "${SRR_SYSTEMS_CONF/@SRCA_EXTRA@/${SRR_SRCA_EXTRA:-}}"
		for key in $(printf '%s\n' "${!SRR_POL[@]}" | sort); do
			printf '%s = %s\n' "$key" "${SRR_POL[$key]}"
		done
		if [ "$SRR_ALERTS" = 1 ]; then
			# one recipient for all: it is in the configuration digest
			printf '\n[alert file]\npath = %s\nrecipient = %s\ntimeout = 10s\n' \
				"$SRR_ALERT_AGENT" "$SRR_DIR/alerts.txt"
		fi
		printf '\n[store]\npath = %s\nstate_dir = %s\n' "$d/state/ledger.db" "$d/state"
		[ -n "${SRR_CONF_EXTRA:-}" ] && printf '\n%s\n' "$SRR_CONF_EXTRA"
	} >"$d/srrha.conf"
	chmod 0600 "$d/srrha.conf"	# srrd refuses one others can read
}

# ------------------------------------------------------------- daemon

srrd_start() {
	local k=$1 d=$CL_DIR/n$1
	shift
	[ -f "$d/srrha.conf" ] || srr_conf_write "$k"
	# a restart appends, so the earlier run's log stays for the report
	[ -f "$d/srrd.err" ] && cat "$d/srrd.err" >>"$d/srrd.old"
	cl_spawn "$k" srrd "$SRRD_BIN" -f -c "$d/srrha.conf" "$@"
}

srrd_hook() { srrd_start "$1"; }
srrd_kill() { cl_kill "$1" srrd "${2:-KILL}"; }
srrd_alive() { cl_alive "$1" srrd; }

srr_leader() {
	local a
	a=$(srr_log leader 2.5) || return 1
	[ -n "$a" ] && echo "${a##*.}"
}

srrd_wait_leader() {
	local secs=$1 nodes=${2:-} l
	_srr_leader_in() {
		l=$(srr_leader) && [ -n "$l" ] || return 1
		[ -z "$nodes" ] && return 0
		case " $nodes " in *" $l "*) return 0 ;; esac
		return 1
	}
	cl_wait "$secs" _srr_leader_in || return 1
	echo "$l"
}

# ------------------------------------------------------------- stores

srr_db() { echo "$CL_DIR/n$1/state/ledger.db"; }

srr_sql() {
	local db
	db=$(srr_db "$1")
	[ -f "$db" ] || return 1
	sqlite3 -cmd '.timeout 5000' "$db" "$2" 2>/dev/null
}

SRR_STATUS_SQL="CASE status WHEN 0 THEN 'planned' WHEN 1 THEN 'restarting'
	WHEN 2 THEN 'failed' WHEN 3 THEN 'restarted' WHEN 4 THEN 'cleaning'
	WHEN 5 THEN 'abandoned' WHEN 6 THEN 'cleaned' ELSE 'unknown' END"

srr_ops() {
	srr_sql "$1" "SELECT lpar || ' ' || src || ' ' || dst || ' ' || $SRR_STATUS_SQL
		FROM ops WHERE lpar <> '' ORDER BY lpar, epoch, node, seq"
}

srr_debts() {
	local src=${2:-}
	srr_sql "$1" "SELECT lpar || ' ' || src || ' ' || dst FROM ops
		WHERE status IN (3, 4) AND ('$src' = '' OR src = '$src') ORDER BY lpar"
}

srr_count() {
	srr_sql "$1" "SELECT count(*) FROM ops WHERE lpar <> '' AND $SRR_STATUS_SQL = '$2'"
}

srr_ledger() {
	srr_sql "$1" "SELECT epoch, node, seq, status, lpar, src, dst, attempts,
		cl_attempts FROM ops ORDER BY epoch, node, seq"
}

srr_ledgers_equal() {
	local k first="" l
	for k in "$@"; do
		l=$(srr_ledger "$k") || return 1
		[ -z "$first" ] && first=$l
		[ "$l" = "$first" ] || return 1
	done
}

# every node K holds exactly the open debts of LPARS (space separated),
# of source SRR_DEBT_SRC if set, of all sources if not
srr_all_debts() {
	local want=$1 k got
	shift
	want=$(printf '%s\n' $want | sort | tr '\n' ' ')
	for k in "$@"; do
		got=$(srr_debts "$k" "${SRR_DEBT_SRC:-}" | awk '{ print $1 }' | sort | tr '\n' ' ')
		[ "$got" = "$want" ] || return 1
	done
}

srr_restarted_on_dest() {
	local l
	for l in $1; do
		[ "$(srr_model dst1 "$l" state)" = Running ] ||
			[ "$(srr_model dst2 "$l" state)" = Running ] || return 1
	done
}

srr_failover() {
	local sys=$1 lpars=$2 nodes
	shift 2
	nodes=${*:-$(seq -s ' ' 1 "$CL_N")}
	SRR_T_OFF=$(cl_now_ms)
	srr_set_state "$sys" "Power Off" || return 1
	cl_wait "${SRR_FAILOVER_WAIT:-60}" srr_failed_over "$sys" "$lpars" $nodes
}

srr_failed_over() {
	local sys=$1 lpars=$2
	shift 2
	srr_restarted_on_dest "$lpars" && SRR_DEBT_SRC=$sys srr_all_debts "$lpars" "$@"
}

srr_all_count() {
	local st=$1 n=$2 k
	shift 2
	for k in "$@"; do
		[ "$(srr_count "$k" "$st")" = "$n" ] && [ -z "$(srr_debts "$k")" ] || return 1
	done
}

# alert_file.sh.sample's lines (every agent appends to one file); those of
# node K when given (Pacemaker's format names the node: "on 'nK'")
srr_alerts() {
	if [ -n "${1:-}" ]; then
		grep "'n$1'" "$SRR_DIR/alerts.txt" 2>/dev/null
	else
		cat "$SRR_DIR/alerts.txt" 2>/dev/null
	fi
}

srr_confirm() {
	[ -x "$SRRCTL_BIN" ] || return 2
	cl_exec "$1" "$SRRCTL_BIN" -y -c "$CL_DIR/n$1/srrha.conf" confirm "$2" --reason "integration test"
}

# ------------------------------------------------------------- whole stack

srr_up() {
	local n=$1 k
	cl_build "$n" || return 1
	if [ "$CL_QDEVICE" = 1 ]; then
		cl_build_qnetd && cl_qnetd_start || return 1
	fi
	srr_sim_start h "$CL_NET.200,$CL_NET.201" || return 1
	for k in $(seq 1 "$n"); do srr_conf_write "$k"; done
	CL_NODE_HOOKS="$CL_NODE_HOOKS srrd_hook"
	cl_start_all || return 1
	cl_wait 60 cl_quorate 1 || return 1
	SRR_LEADER=$(srrd_wait_leader 60) || return 1
	# a slow start (sanitizers) can show an early leader that hands over
	# once every agent has joined: wait until all N agree on one
	cl_wait 60 srr_settled "$n" >/dev/null || return 1
	SRR_LEADER=$(srr_settled "$n") || return 1
}

# srr_settled N: every agent 1..N is synced, sees N members and names the
# same leader (srrctl status); prints it
srr_settled() {
	local n=$1 k got
	got=$(for k in $(seq 1 "$n"); do
		cl_exec "$k" "$SRRCTL_BIN" -c "$CL_DIR/n$k/srrha.conf" status --json 2>/dev/null |
			python3 -c "import json, sys
c = json.load(sys.stdin)['data']['cluster']
if c['synced'] and len(c['members']) == $n and c['leader']:
    print(c['leader'])" 2>/dev/null
	done)
	[ "$(wc -l <<<"$got")" = "$n" ] && [ "$(sort -u <<<"$got" | wc -l)" = 1 ] || return 1
	head -n 1 <<<"$got"
}

# tap_plan's skip checks every srrd test shares
srr_need() {
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
	command -v corosync >/dev/null || tap_skip_all "corosync not installed"
	command -v sqlite3 >/dev/null || tap_skip_all "sqlite3 not installed"
	[ -x "$SRRD_BIN" ] || tap_skip_all "srrd not built ($SRRD_BIN)"
	[ -x "$SRR_SIM_BIN" ] || tap_skip_all "hmcsim not built"
}

# what a test prints when it ends, to read a failure without CL_KEEP
srr_diag() {
	local k
	echo "# command log: $(srr_log changes | wc -l) changes"
	srr_log changes | sed 's/^/#   /' | head -40
	for k in $(seq 1 "$CL_N"); do
		echo "# node $k ops: $(srr_ops "$k" | tr '\n' ';')"
		tail -n 5 "$CL_DIR/n$k/srrd.err" 2>/dev/null | sed "s/^/#   n$k: /"
	done
}
