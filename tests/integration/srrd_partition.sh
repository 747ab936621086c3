#!/bin/bash
# srrd_partition.sh: a 2|1 partition of the agents during a failure. The
# leader (node 1) is cut off from nodes 2 and 3 (hmcsim stays reachable
# from both sides). srcA is powered off: the majority (2, 3) restarts
# every eligible partition; the minority (node 1, the old leader) sends no
# restart and, once srcA is back, no cleanup (command log, by client
# address). After the heal the three ledgers are equal and every debt is
# closed everywhere.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 11
srr_init
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_is "$SRR_LEADER" 1 "node 1 leads before the partition"

T_CUT=$(cl_now_ms)
cl_partition "1" "2 3"
tap_ok "cut: node 1 loses quorum, nodes 2 and 3 keep it" cl_wait 30 eval \
	'! cl_quorate 1 && cl_quorate 2 && cl_quorate 3'
tap_is "$(srrd_wait_leader 60 "2 3")" 2 "the majority's leader (node 2) polls at the leader's rate"

tap_ok "srcA powered off: restarted by the majority, debts in stores 2 and 3" \
	srr_failover srcA "$SRR_ELIGIBLE" 2 3
tap_is "$(srr_log changes --since "$T_CUT" --peer "$CL_NET.1")" "" \
	"command log: the minority (node 1) sent no restart"
tap_is "$(srr_debts 1)" "" "the minority's store has no debt (it was not told)"
T_ON=$(cl_now_ms)
srr_set_state srcA Operating
tap_ok "srcA back: the majority cleans up and closes the debts in stores 2 and 3" \
	cl_wait 60 srr_all_count cleaned 8 2 3
tap_is "$(srr_log changes --since "$T_CUT" --peer "$CL_NET.1")" "" \
	"command log: the minority (node 1) sent no cleanup either"
tap_is "$(srr_log per-lpar cleanup --ok | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s ' $SRR_ELIGIBLE)" "command log: one successful cleanup per partition"

cl_heal
tap_ok "heal: the three ledgers are equal" cl_wait 60 eval \
	'srr_ledgers_equal 1 2 3 && [ "$(srr_count 1 cleaned)" = 8 ]'
tap_is "$(srr_log twice)" "" "command log: no partition restarted twice"
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
