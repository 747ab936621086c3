#!/bin/bash
# srrd_store_restart.sh: every agent is killed (kill -9) after the debts
# are recorded, then started again: every debt is still in every store,
# nothing is restarted a second time, and the debts are replayed
# (cleanup) and closed when the source returns. Then the inventory cache:
# all agents are killed right after srcB powers off, before any restart,
# and started again while srcB is down (the HMC no longer lists what ran
# there): they still restart srcB's partitions, from the inventory they
# cached on disk while srcB was Operating.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 10
srr_init
ALL="1 2 3"
kill_all() { local k; for k in $ALL; do srrd_kill "$k" KILL; done; }
start_all() { local k; for k in $ALL; do srrd_start "$k"; done; }
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "srcA failed over: 8 debts in all three stores" srr_failover srcA "$SRR_ELIGIBLE"
before=$(srr_ledger 1)
kill_all
tap_ok "all agents killed: each store still holds the 8 debts" eval \
	'! srrd_alive 1 && ! srrd_alive 2 && ! srrd_alive 3 && srr_all_debts "$SRR_ELIGIBLE" 1 2 3'
T_UP=$(cl_now_ms)
start_all
SRR_LEADER=$(srrd_wait_leader 60)
tap_ok "agents started again; node $SRR_LEADER leads" test -n "$SRR_LEADER"
sleep 3
tap_ok "every debt present after the restart, the ledgers equal to before" eval \
	'srr_all_debts "$SRR_ELIGIBLE" 1 2 3 && [ "$(srr_ledger 2)" = "$before" ] && srr_ledgers_equal 1 2 3'
tap_is "$(srr_log count restart --since "$T_UP")" 0 "command log: no restart after the agents came back"
srr_set_state srcA Operating
tap_ok "srcA back: the stored debts replayed and closed in all three stores" \
	cl_wait 60 srr_all_count cleaned 8 $ALL
tap_is "$(srr_log per-lpar cleanup --ok | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s ' $SRR_ELIGIBLE)" "command log: one successful cleanup per debt"

# ---- the inventory cache: restarted while the source is already down ----
srr_set_state srcB "Power Off"
T_OFF=$(cl_now_ms)
kill_all
shown=$(srr_simctl show srcB b01 | sed -n 's/^shown=//p')
echo "# srcB down; hmcsim now shows b01 as '$shown'"
start_all
tap_ok "agents started after srcB went down: its partitions restarted from the cached inventory" \
	cl_wait 90 srr_failed_over srcB "$SRR_ELIGIBLE_B" $ALL
tap_is "$(srr_log twice)" "" "command log: no partition restarted twice"
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
