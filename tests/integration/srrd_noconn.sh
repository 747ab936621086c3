#!/bin/bash
# srrd_noconn.sh: a source in No Connection (ambiguous: the HMC lost it,
# its partitions may still run) is never restarted on the polls alone.
# srcA has a fence device (tests/integration/fence_test_agent): while the
# device fails, and while it hangs (srrd's fence_timeout ends it), nothing
# is restarted and an alert says so; once it succeeds, srcA's partitions
# are restarted with --noconnection. srcB has no fence device: nothing
# happens until an operator confirms it (srrctl confirm), then its
# partitions are restarted. Proven in hmcsim's command log, the fence
# agent's own log and every store.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 14
srr_init
FENCE=$TOP_SRCDIR/tests/integration/fence_test_agent
MODE=$SRR_DIR/fence.mode
FLOG=$SRR_DIR/fence.log
echo fail >"$MODE"
SRR_SRCA_EXTRA="fence_agent = $FENCE
fence_timeout = 4s
fence_param_mode_file = $MODE
fence_param_log = $FLOG
fence_param_plug = srcA-bmc"
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
fences() { cat "$FLOG" 2>/dev/null | awk -v m="$1" '$2 == m { n++ } END { print n + 0 }'; }

# ---- the fence device fails ----
T0=$(cl_now_ms)
srr_set_state srcA "No Connection"
tap_ok "srcA in No Connection: srrd runs the fence device (action=off, its parameters)" \
	cl_wait 30 eval 'grep -q " fail .*action=off.*plug=srcA-bmc" "$FLOG"'
sleep 6	# two confirmation windows more
tap_is "$(srr_log count restart)" 0 "fence failing: no restart, $(fences fail) fence attempts so far"
tap_ok "fence failing: an alert says so" eval 'srr_alerts | grep -qi fenc'

# ---- the fence device hangs ----
echo hang >"$MODE"
tap_ok "the fence device hangs (it was run again)" cl_wait 60 eval '[ "$(fences hang)" -ge 1 ]'
sleep 7	# past fence_timeout (4 s)
tap_is "$(srr_log count restart)" 0 "fence hanging: no restart"
hung_left() {
	local k p
	for k in 1 2 3; do
		for p in $(ip netns pids "$(cl_ns "$k")"); do
			grep -q "sleep.3600" "/proc/$p/cmdline" 2>/dev/null && return 0
		done
	done
	return 1
}
tap_ok "fence hanging: srrd's fence timeout killed the agent" cl_wait 10 eval '! hung_left'
tap_ok "fence hanging: an alert says the fence timed out" eval 'srr_alerts | grep -qiE "fenc.*timed out"'

# ---- the fence device succeeds ----
echo ok >"$MODE"
T_OK=$(cl_now_ms)
tap_ok "fence succeeds: srcA's partitions restarted, debts in all three stores" \
	cl_wait 60 srr_failed_over srcA "$SRR_ELIGIBLE" 1 2 3
ok_at=$(awk '$2 == "ok" { print $1; exit }' "$FLOG")
echo "# fence: $(fences fail) failed, $(fences hang) hung, first success $((ok_at - T0)) ms after No Connection; first restart $(( $(srr_log first-start restart) - ok_at )) ms after it"
tap_ok "command log: no restart of srcA began before the fence succeeded" \
	test "$(srr_log first-start restart)" -ge "$ok_at"
tap_is "$(srr_log rr restart --sys srcA | awk '$8 != 1')" "" "command log: every restart from srcA carries --noconnection"

# ---- no fence device: the operator confirms ----
srr_set_state srcB "No Connection"
sleep 8
tap_is "$(srr_log count restart --sys srcB)" 0 "srcB in No Connection, no fence device: no restart before the operator confirms"
if [ -x "$SRRCTL_BIN" ]; then
	T_C=$(cl_now_ms)
	tap_ok "srrctl confirm srcB (on a follower: forwarded to the leader)" \
		srr_confirm "$(( SRR_LEADER % 3 + 1 ))" srcB
	tap_ok "confirmed: srcB's partitions restarted (--noconnection), debts in all three stores" \
		eval 'cl_wait 60 srr_failed_over srcB "$SRR_ELIGIBLE_B" 1 2 3 && [ -z "$(srr_log rr restart --sys srcB | awk "\$8 != 1 || \$5 < $T_C")" ]'
else
	tap_skip "srrctl confirm srcB" "srrctl not built"
	tap_skip "confirmed: srcB's partitions restarted" "srrctl not built"
fi
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
