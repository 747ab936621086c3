#!/bin/bash
# srrd_flap.sh: a source that is down for less than the confirmation
# window (T = 3 s, K = 3 polls) and then Operating again is never failed
# over: three 1.5 s power-offs, then a power-off followed by Initializing
# (the definite-down run is broken by an ambiguous state) before
# Operating. No restart reaches hmcsim and no record is written in any
# store. Then the control: srcB powered off for good is failed over, so
# the same stack does act when the window is met.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 240 "$@"

tap_plan 7
srr_init
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "3 agents up; node $SRR_LEADER leads" test -n "$SRR_LEADER"
polls() { srr_log polls --peer "$CL_NET.$SRR_LEADER" | awk '{ print $2 }'; }
p0=$(polls)
for i in 1 2 3; do
	srr_set_state srcA "Power Off"
	sleep 1.5
	srr_set_state srcA Operating
	sleep 2.5
done
srr_set_state srcA "Power Off"
sleep 1.5
srr_set_state srcA Initializing
sleep 2
srr_set_state srcA Operating
sleep 8
p1=$(polls)
echo "# the leader polled $((p1 - p0)) times during the flaps"
tap_ok "the leader kept polling through the flaps (>= 15 polls)" test "$((p1 - p0))" -ge 15
tap_is "$(srr_log count restart)/$(srr_log count cleanup)" 0/0 \
	"command log: no restart and no cleanup for a down time under T"
tap_is "$(srr_ledger 1)$(srr_ledger 2)$(srr_ledger 3)" "" "no record in any of the three stores"
tap_is "$(srr_log changes)" "" "command log: no change at all"

# the control: held down past T, the same stack fails over
tap_ok "control: srcB powered off for good is failed over" srr_failover srcB "$SRR_ELIGIBLE_B"
tap_is "$(srr_log count restart --sys srcA)" 0 "still no restart from srcA"
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
