#!/bin/bash
# srrctl_stack.sh: srrctl against three real srrd on a 3-node corosync and
# hmcsim over SSH. Every command from the leader and from a follower; the
# four exit codes of debts; a failover's debts shown with the same content
# by all three agents, and gone after the replay; srrctl as nobody refused
# with nothing changed; promtool on srrctl metrics and the scrape endpoint,
# which only listens on 127.0.0.1; every --help, and a wrong argument.
LIB=${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib
. "$LIB/tap.sh"
. "$LIB/cluster.sh"
. "$LIB/srrd.sh"
. "$(dirname "$0")/srrctl_lib.sh"

[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
command -v corosync >/dev/null || tap_skip_all "corosync not installed"
command -v promtool >/dev/null || tap_skip_all "promtool not installed (Debian package prometheus)"
[ -x "$SRRD_BIN" ] || tap_skip_all "srrd not built ($SRRD_BIN)"
[ -x "$SRRCTL" ] || tap_skip_all "srrctl not built ($SRRCTL)"
[ -x "$SRRD_SIM" ] || tap_skip_all "hmcsim not built ($SRRD_SIM)"

tap_plan 46
cl_init
cl_build 3 || { echo "Bail out! namespaces"; exit 1; }
srrd_init || { echo "Bail out! keys"; exit 1; }
srrd_sim_start "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/srrd_topo.ini" ||
	{ echo "Bail out! hmcsim did not start"; exit 1; }
CL_NODE_HOOKS=srrd_hook
cl_start_all || { echo "Bail out! nodes did not start"; exit 1; }

# Ready: one leader all three agree on, every epoch synced, src
# inventoried and its partitions protected (capacity known).
synced_all() {
	local k l
	l=$(ctl 1 --json status 2>/dev/null | json_get data.cluster.leader)
	[ -n "$l" ] && [ "$l" != 0 ] || return 1
	for k in 1 2 3; do
		ctl $k --json status > "$CL_DIR/ready.json" 2>/dev/null || return 1
		[ "$(json_get synced < "$CL_DIR/ready.json")" = true ] || return 1
		[ "$(json_get data.cluster.leader < "$CL_DIR/ready.json")" = "$l" ] || return 1
		ctl $k --json lpars src 2>/dev/null | json_get data.lpars.1.why |
			grep -q '^protected: ' || return 1
	done
}
tap_ok "srrctl status: one leader, all three agents synced, src protected" cl_wait 90 synced_all
L=$(ctl_leader)
F=$(ctl_follower)
echo "# leader node $L, follower node $F"

# --------------------------------------------------------------- reads
reads_ok() {
	local k=$1 c
	for c in status lpars debts history metrics; do
		ctl "$k" "$c" >/dev/null || { echo "# $c on node $k: $?"; return 1; }
	done
}
tap_ok "every read answers on the leader" reads_ok "$L"
tap_ok "every read answers on a follower" reads_ok "$F"
tap_is "$(ctl "$F" --json status | json_get answered_by)" "$F" \
	"a follower answers reads itself (answered_by)"
tap_is "$(ctl "$F" --json lpars src | json_get data.lpars.4.why)" \
	"legacy is not SRR capable" "lpars SYSTEM --json says why a partition is not protected"
tap_is "$(ctl_rc "$F" debts)" 0 "debts: exit 0 when none is pending"

# ------------------------------------------------------------ nobody
hist_before=$(ctl "$L" --json history | json_get data.rows | python3 -c 'import sys, json; print(len(json.load(sys.stdin)))')
out=$(ctl_as nobody "$F" pause --reason "not allowed" --yes 2>&1)
rc=$?
tap_is "$rc" 3 "pause as nobody: exit 3"
# nobody cannot read the configuration (0600: it holds credentials), so
# srrctl names where the group is set rather than the group
tap_is "$out" "srrctl: pause: permission denied: only root or the group named in [ipc] group of $CL_DIR/n$F/srrd/srrd.conf may use srrd" \
	"pause as nobody: 'permission denied', naming who may"
tap_is "$(ctl_as nobody "$L" status >/dev/null 2>&1; echo $?)" 3 "status as nobody: exit 3"
tap_is "$(ctl "$L" --json status | json_get data.mode.paused)" false \
	"nothing changed: not paused"
tap_is "$(ctl "$L" --json history | json_get data.rows | python3 -c 'import sys, json; print(len(json.load(sys.stdin)))')" \
	"$hist_before" "nothing changed: the history is as it was"
tap_ok "srrd logged the refusal" grep -q "ipc: refused a client uid 65534" "$CL_DIR/n$F/srrd.err"

# ------------------------------------------------------------ writes
out=$(ctl "$F" pause --reason "maintenance window 42")
tap_is "$out" "automatic mode paused (by root: maintenance window 42)
(answered by node $L)" "pause from a follower: the leader's answer"
tap_is "$(ctl "$L" --json status | json_get data.mode.paused_why)" "maintenance window 42" \
	"the leader is paused with the reason"
tap_is "$(ctl "$L" --json status | json_get data.mode.paused_by)" root \
	"the leader shows who paused (the caller's user name)"
# The pause is a ledger record: the follower shows it too (before, only
# the leader knew).
tap_is "$(ctl "$F" --json status | json_get data.mode.paused_why)" "maintenance window 42" \
	"the follower shows the pause with its reason (replicated)"
tap_is "$(ctl_rc "$L" resume)" 0 "resume from the leader"
# srrd takes a restart request and the engine's gate decides, at once,
# naming the part that refuses (the source runs): nothing is sent.
mark=$(srrd_cmd_mark)
out=$(ctl "$F" restart src/legacy 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
tap_ok "restart from a follower: the leader's answer, refused (exit 4) by the gate's source part" \
	eval "[ $rc = 4 ] && echo \"\$out\" | grep -q 'answered by node $L' &&
		echo \"\$out\" | grep -q 'refused by the gate: source src is Operating'"
sleep 3
tap_is "$(srrd_cmds "$mark" | grep -c "restart.*legacy")" 0 \
	"... and a partition that is not SRR capable is not restarted"
tap_is "$(ctl_rc "$F" restart src/nosuch)" 4 "restart of an unknown partition: exit 4"
out=$(ctl "$F" confirm dst --reason "it is up" 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
tap_is "$rc" 4 "confirm of an Operating system is refused (exit 4)"
tap_is "$(ctl_rc "$F" abandon 1.2.3 --reason x)" 4 "abandon of an unknown id: exit 4"
out=$(ctl "$F" replay 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
tap_ok "replay from a follower: exit 0, the leader's answer" \
	eval "[ $rc = 0 ] && echo \"\$out\" | grep -q 'answered by node $L'"
audit_rows() {	# the operator rows of node $1's history: "TO USER"
	ctl "$1" --json history | json_get data.rows | python3 -c 'import sys, json
for r in json.load(sys.stdin):
    if r["lpar"] == "-": print(r["to"], r.get("user", ""))'
}
tap_ok "the follower's history has the pause, resume and replay, with the user" \
	cl_wait 5 eval '[ "$(audit_rows $F | tr "\n" " ")" = "paused root active root replay root " ]'
tap_is "$(ctl "$F" --json history --system root | json_get data.rows | python3 -c 'import sys, json; print(len(json.load(sys.stdin)))')" 0 \
	"history --system root: a user name is not taken for a system"
out=$(ctl "$F" validate src/app1 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
tap_ok "validate from a follower: one line per partition, exit 0" \
	eval "[ $rc = 0 ] && echo \"\$out\" | grep -q '^src/app1 -> dst: ok'"

# ---------------------------------------------------------- failover
srrd_simctl set-state src 'Power Off'
restarted_all() {
	local k
	for k in 1 2 3; do
		[ "$(ctl $k --json debts 2>/dev/null | json_get data.debts |
			python3 -c 'import sys, json; print(len(json.load(sys.stdin)))')" = 3 ] || return 1
	done
}
tap_ok "the failover's three debts show on all three agents" cl_wait 90 restarted_all
same_debts() {
	local k
	for k in 1 2 3; do
		ctl $k --json debts | json_get data.debts > "$CL_DIR/debts.$k"
	done
	cmp -s "$CL_DIR/debts.1" "$CL_DIR/debts.2" && cmp -s "$CL_DIR/debts.1" "$CL_DIR/debts.3"
}
tap_ok "with the same content (ids, times, attempts, commands) on all three" same_debts
python3 -c 'import json, sys
for d in json.load(open(sys.argv[1])): print("#  ", d["id"], d["lpar"], d["cleanup_command"])' "$CL_DIR/debts.1"
tap_is "$(ctl_rc "$F" debts)" 1 "debts: exit 1 when some are pending"
sleep 2
tap_is "$(ctl_rc "$F" debts --older-than 1s)" 2 "debts: exit 2 when some are older than --older-than"
out=$(ctl "$L" debts --check --older-than 1h)
echo "# $out"
tap_ok "debts --check: a Nagios WARNING line" eval "echo \"\$out\" | grep -q '^SRRHA DEBTS WARNING - 3 cleanups pending.*| pending=3;'"
ctl "$F" debts | sed 's/^/#   /'

# An operator closes one debt by hand, from a follower: it goes from all
# three agents, and the history names the operator and the reason.
id3=$(ctl "$F" --json debts | python3 -c 'import sys, json
print([d["id"] for d in json.load(sys.stdin)["data"]["debts"] if d["lpar"] == "app3"][0])')
tap_is "$(ctl_rc "$F" abandon "$id3" --reason "cleaned by hand, ticket 99")" 0 \
	"abandon a debt from a follower"
two_left() {
	local k
	for k in 1 2 3; do
		[ "$(ctl $k --json debts | json_get data.debts |
			python3 -c 'import sys, json; print(len(json.load(sys.stdin)))')" = 2 ] || return 1
	done
}
tap_ok "the abandoned debt is gone from all three agents" cl_wait 20 two_left
ctl "$L" --json history --lpar app3 | python3 -c 'import sys, json
for r in json.load(sys.stdin)["data"]["rows"]: print("#  ", r["from"], "->", r["to"], ":", r["reason"])'
ctl "$L" --json debts >/dev/null
tap_ok "the ledger keeps the operator and the reason of the abandon" \
	eval "srrd_sql $L \"SELECT msg FROM ops WHERE lpar = 'app3'\" | grep -q 'root.*cleaned by hand, ticket 99'"

# ----------------------------------------------------------- metrics
tap_ok "srrctl metrics on the leader passes promtool" eval "ctl $L metrics | promtool check metrics"
tap_ok "srrctl metrics on a follower passes promtool" eval "ctl $F metrics | promtool check metrics"
tap_is "$(ctl "$L" metrics | sed -n 's/^srrha_debts_pending //p')" 2 "srrha_debts_pending is 2"
scrape() {
	cl_exec "$1" python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$2"
}
tap_ok "the scrape endpoint passes promtool" eval "scrape $F http://127.0.0.1:$SRRCTL_PORT/metrics | promtool check metrics"
tap_ok "the scrape endpoint is not on the node's network address" \
	eval "! scrape $L http://$CL_NET.$F:$SRRCTL_PORT/metrics >/dev/null 2>&1 && ! scrape $F http://$CL_NET.$F:$SRRCTL_PORT/metrics >/dev/null 2>&1"

# ------------------------------------------------------------ replay
srrd_simctl set-state src Operating
cleaned_all() {
	local k
	for k in 1 2 3; do [ "$(ctl_rc $k debts)" = 0 ] || return 1; done
}
tap_ok "the source back: the debts are gone on all three agents (exit 0)" cl_wait 120 cleaned_all
tap_ok "history --lpar app1 shows the restart and the cleanup" \
	eval "ctl $F history --lpar app1 --csv | grep -q ',restarted,' && ctl $F history --lpar app1 --csv | grep -q ',cleaned,'"
ctl "$F" history --lpar app1 | sed 's/^/#   /'

# ------------------------------------------------------------- usage
helps_ok() {
	local c
	for c in status lpars debts history metrics validate confirm pause \
		 resume replay abandon restart --help; do
		ctl "$L" "$c" --help > "$CL_DIR/help.out" || return 1
		grep -q '^Usage: srrctl' "$CL_DIR/help.out" || return 1
		awk 'length > 80 { bad = 1 } END { exit bad }' "$CL_DIR/help.out" || return 1
	done
}
tap_ok "every --help: exit 0, a usage, 80 columns" helps_ok
out=$(ctl "$L" debts --older-than soon 2>&1)
rc=$?
tap_is "$rc:$(echo "$out" | head -1)" \
	"64:srrctl: --older-than 'soon': not a duration (90s, 15m, 2h, 1d)" \
	"a wrong argument: one line saying which, exit 64"
tap_ok "... then the usage" eval "echo \"\$out\" | sed -n 2p | grep -q '^Usage: srrctl'"

# ------------------------------------------------------ unreachable
srrd_stop 3
tap_is "$(ctl_rc 3 debts)" 3 "debts: exit 3 when srrd is not running"
tap_ok "debts --check: UNKNOWN when srrd is not running" \
	eval "ctl 3 debts --check | grep -q '^SRRHA DEBTS UNKNOWN - srrd is not reachable'"
tap_done
