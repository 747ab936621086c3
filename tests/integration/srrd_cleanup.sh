#!/bin/bash
# srrd_cleanup.sh: the debts of a failover are replayed when the source
# comes back. srcA fails over; once it is Operating again the leader runs
# `rrstartlpar -o cleanup --retaindev` once per debt (never before), the
# source definitions are gone, the partitions still run on their
# destinations, and every debt is closed ('cleaned') in all three stores.
# Then with hmcsim's auto-cleanup on, srcB fails over and comes back: the
# HMC removed the definitions itself, and the debts close as already
# cleaned without a successful cleanup command. Proven in hmcsim's command
# log and in every store.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 13
srr_init
SRR_POL[cleanup_retaindev]=yes
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "srcA failed over: 8 debts in all three stores" srr_failover srcA "$SRR_ELIGIBLE"
tap_is "$(srr_log count cleanup)" 0 "no cleanup while srcA is Power Off"

T_ON=$(cl_now_ms)
srr_set_state srcA Operating
tap_ok "srcA Operating: every debt closed ('cleaned') in all three stores" \
	cl_wait 60 srr_all_count cleaned 8 1 2 3
first=$(srr_log first-start cleanup)
echo "# source Operating -> first cleanup sent $((first - T_ON)) ms, last done $(( $(srr_log last-end cleanup) - T_ON )) ms"
tap_ok "command log: no cleanup sent before srcA was Operating again" test "$first" -ge "$T_ON"
ok_once=$(srr_log per-lpar cleanup --ok | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')
tap_is "$ok_once" "$(printf '%s ' $SRR_ELIGIBLE)" "command log: one successful cleanup per debt"
tap_is "$(srr_log per-lpar cleanup | awk '{ print $1 }' | grep -vxF -f <(printf '%s\n' $SRR_ELIGIBLE))" "" \
	"command log: no cleanup of a partition that was not restarted"
tap_is "$(srr_log cmd cleanup | grep -vc -- '--retaindev')" 0 "command log: every cleanup carries --retaindev (cleanup_retaindev = yes)"
gone_and_running() {
	local l
	for l in $SRR_ELIGIBLE; do
		srr_simctl show srcA "$l" >/dev/null 2>&1 && return 1
		srr_restarted_on_dest "$l" || return 1
	done
}
tap_ok "hmcsim: the source definitions are gone, the partitions still run on their destinations" \
	gone_and_running
tap_is "$(srr_log changes | awk '{ print $1 }' | sort -u)" "$CL_NET.$SRR_LEADER" \
	"command log: every change came from the leader"

# ---- auto-cleanup: the HMC cleans up by itself ----
srr_simctl auto-cleanup 1 >/dev/null
tap_ok "srcB failed over: 4 debts in all three stores" srr_failover srcB "$SRR_ELIGIBLE_B"
T_ON=$(cl_now_ms)
srr_set_state srcB Operating
tap_ok "auto-cleanup: srcB's debts closed in all three stores" \
	cl_wait 60 srr_all_count cleaned 12 1 2 3
echo "# auto-cleanup: cleanup commands for srcB: $(srr_log rr cleanup --sys srcB | awk '{ print $1 "=" $4 }' | tr '\n' ' ')"
no_attempt() {
	local k
	for k in 1 2 3; do
		[ "$(srr_sql "$k" "SELECT count(*) FROM ops WHERE src = 'srcB' AND status = 6 AND cl_attempts = 0")" = 4 ] || return 1
	done
}
tap_ok "auto-cleanup: closed as already cleaned (no successful cleanup command, no attempt in any store)" \
	eval '[ -z "$(srr_log rr cleanup --sys srcB --ok)" ] && no_attempt'
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
