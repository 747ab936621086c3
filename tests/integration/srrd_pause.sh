#!/bin/bash
# srrd_pause.sh: the operator's pause belongs to the cluster, not to one
# leader. Paused from a follower (srrctl pause), every agent shows who
# paused and why, and its history has the row; the leader is killed and
# the source powered off: the new leader, which only merged the pause,
# restarts nothing, and says why; the killed agent comes back paused (from
# its store and the sync); srrctl resume then lets the failover go, and
# every eligible partition is restarted exactly once. Proven in hmcsim's
# command log and in every agent's srrctl answers (before this, a pause
# lived in the leader's memory only and died with it).
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 13
srr_init
[ -x "$SRRCTL_BIN" ] || tap_skip_all "srrctl not built"
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "3 agents up; node $SRR_LEADER leads" test -n "$SRR_LEADER"
L=$SRR_LEADER
F=$(for k in 1 2 3; do [ "$k" != "$L" ] && { echo "$k"; break; }; done)

ctl() { local k=$1; shift; cl_exec "$k" "$SRRCTL_BIN" -c "$CL_DIR/n$k/srrha.conf" "$@"; }
jget() {
	python3 -c 'import sys, json
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k, "") if isinstance(v, dict) else ""
print(json.dumps(v) if isinstance(v, (bool, list, dict)) else v)' "$1"
}
mode_of() { ctl "$1" --json status 2>/dev/null | jget data.mode 2>/dev/null | python3 -c 'import sys, json
m = json.load(sys.stdin); print(m.get("paused"), m.get("paused_by"), m.get("paused_why"))' 2>/dev/null; }
paused_on() {
	local k
	for k in "$@"; do
		[ "$(mode_of "$k")" = "True root firmware update" ] || return 1
	done
}
hist_mode() {	# the history rows of mode changes on node $1: "TO USER REASON"
	ctl "$1" --json history 2>/dev/null | jget data.rows | python3 -c 'import sys, json
for r in json.load(sys.stdin):
    if r["lpar"] == "-": print(r["to"], r.get("user", ""), r["reason"])'
}

out=$(ctl "$F" pause --reason "firmware update" 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
tap_is "$rc" 0 "srrctl pause on follower $F: exit 0"
tap_ok "every agent shows the pause, by root, with its reason" cl_wait 10 paused_on 1 2 3
tap_is "$(hist_mode "$F")" "paused root paused by root: firmware update" \
	"the history of follower $F has the pause, with the user and the reason"

srrd_kill "$L"
rest=$(for k in 1 2 3; do [ "$k" != "$L" ] && printf '%s ' "$k"; done)
N=$(srrd_wait_leader 60 "$rest") || N=
tap_ok "leader $L killed; node $N leads" test -n "$N"
T0=$(cl_now_ms)
srr_set_state srcA "Power Off"
# the confirmation window is 3 s; four times that, and the new leader's
# loop has seen the source down many times over
sleep 12
tap_is "$(srr_log count restart --since "$T0")" 0 \
	"srcA powered off under the new leader: no restart sent while paused"
tap_ok "the new leader $N still shows the pause" paused_on "$N"
tap_ok "... and says why it does not act (gate: automatic mode paused)" \
	grep -q "automatic mode paused" "$CL_DIR/n$N/srrd.err"

srrd_start "$L"
tap_ok "the killed agent $L is back, paused (its store, the sync)" cl_wait 60 paused_on "$L"

out=$(ctl "$L" resume 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
tap_is "$rc" 0 "srrctl resume (from agent $L): exit 0"
tap_ok "every eligible partition runs on a destination, its debt in all three stores" \
	cl_wait 90 srr_failed_over srcA "$SRR_ELIGIBLE" 1 2 3
tap_is "$(srr_log per-lpar restart --ok --sys srcA | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s ' $SRR_ELIGIBLE)" "command log: each eligible partition restarted exactly once"
tap_is "$(hist_mode "$N" | awk '{ print $1 }' | tr '\n' ' ')" "paused active " \
	"the history of agent $N: paused, then active"
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
