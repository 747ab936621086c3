#!/bin/bash
# srrd_two_hmc.sh: srrd with two HMCs.
#  1. Two independent HMCs (two hmcsim) that disagree: one shows srcA
#     Power Off, the other Operating: no action.
#  2. Two HMCs of one estate (two endpoints of one hmcsim): the first is
#     down, srcA powers off: the second serves the whole failover.
#  3. Both down while srcB powers off: no action, and an alert; when one
#     comes back, srcB is failed over.
# Proven in hmcsim's command logs (per endpoint) and every store.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 11
srr_init
ALL="1 2 3"
restart_all() {
	local k
	for k in $ALL; do srrd_kill "$k" TERM; done
	for k in $ALL; do srr_conf_write "$k"; srrd_start "$k"; done
}

# ---- 1. two HMCs that disagree ----
cl_build 3 || { echo "# cannot build namespaces"; tap_done; }
srr_sim_start h "$CL_NET.200,$CL_NET.201" && srr_sim_start h2 "$CL_NET.202" ||
	{ echo "# hmcsim did not start"; tap_done; }
SRR_HMCS="hmc1=$CL_NET.200 hmc2=$CL_NET.202"
for k in $ALL; do srr_conf_write "$k"; done
CL_NODE_HOOKS=srrd_hook
cl_start_all && cl_wait 30 cl_quorate 1 && SRR_LEADER=$(srrd_wait_leader 60)
tap_ok "3 agents up with two independent HMCs; node $SRR_LEADER leads" test -n "$SRR_LEADER"
seen_by_both() {
	[ "$(python3 "$SRR_CMDLOG" -l "$SRR_DIR/h2/cmd.json" polls --since "$1" | wc -l)" -ge 1 ] &&
		[ "$(python3 "$SRR_CMDLOG" -l "$SRR_DIR/h/cmd.json" polls --since "$1" | wc -l)" -ge 1 ]
}
srr_simctl -n h2 set-state srcA "Power Off" >/dev/null
T0=$(cl_now_ms)
sleep 8
tap_ok "both HMCs were polled while they disagreed" seen_by_both "$T0"
tap_is "$(srr_log count restart)" 0 "HMCs disagree (Power Off / Operating): no restart on either"
srr_simctl -n h2 set-state srcA Operating >/dev/null
srr_sim_stop h2
SRR_SIMS=" h"

# ---- 2. one HMC of two down: the other serves ----
SRR_HMCS="hmc1=$CL_NET.200 hmc2=$CL_NET.201"
restart_all
SRR_LEADER=$(srrd_wait_leader 60)
tap_ok "agents restarted with two endpoints of one estate; node $SRR_LEADER leads" test -n "$SRR_LEADER"
srr_simctl endpoint 0 down >/dev/null
T1=$(cl_now_ms)
tap_ok "HMC 1 down, srcA powered off: failed over, debts in all three stores" \
	srr_failover srcA "$SRR_ELIGIBLE"
tap_is "$(srr_log rr restart --since "$T1" --endpoint "$CL_NET.200")" "" "command log: nothing reached HMC 1 while it was down"
tap_is "$(srr_log per-lpar restart --ok --endpoint "$CL_NET.201" | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s ' $SRR_ELIGIBLE)" "command log: HMC 2 ran every restart, once each"

# ---- 3. both down, then one back ----
srr_simctl endpoint 1 down >/dev/null
sleep 3
T2=$(cl_now_ms)
srr_set_state srcB "Power Off"
sleep 8
tap_is "$(srr_log count restart --sys srcB)" 0 "both HMCs down, srcB powered off: no restart"
tap_ok "both HMCs down: an alert says so" eval \
	'srr_alerts | grep -qiE "unreachable"'
srr_simctl endpoint 1 up >/dev/null
tap_ok "HMC 2 back: srcB failed over, debts in all three stores" \
	cl_wait 60 srr_failed_over srcB "$SRR_ELIGIBLE_B" $ALL
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
