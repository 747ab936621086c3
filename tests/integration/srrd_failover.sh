#!/bin/bash
# srrd_failover.sh: three srrd on a real 3-node corosync, one hmcsim over
# SSH. The source srcA is powered off: after the confirmation window
# (K=3 polls over T=3 s) every eligible partition (a01..a08: Running,
# SRR-capable, not excluded) is restarted once on a destination with room,
# and no other partition is; the restarts overlap up to the cap
# (max_per_source=4); only the leader sent them; the debts are in all three
# stores; the alert agent (Pacemaker's alert_file.sh.sample) wrote them.
# Proven in hmcsim's command log and in every store.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 240 "$@"

tap_plan 15
srr_init
CAP=4
SRR_POL[max_per_source]=$CAP
# as many executor sessions as the cap: hmcsim serves one channel at a
# time per session (doc/hmcsim.md, Limits), so fewer sessions than the cap
# cannot overlap up to it here; never a handshake per command
SRR_SESSIONS=$CAP
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "3 agents up, quorate; node $SRR_LEADER polls at the leader's rate" test -n "$SRR_LEADER"
tap_is "$(srr_log count restart)/$(srr_log count cleanup)" 0/0 \
	"nothing restarted or cleaned while srcA is Operating"

logins() { srr_simctl status | awk '$1 == "logins" { n += $4 } END { print n + 0 }'; }
sleep 2	# every agent has its sessions
L0=$(logins)
T_OFF=$(cl_now_ms)
srr_set_state srcA "Power Off"
all_done() { srr_restarted_on_dest "$SRR_ELIGIBLE" && srr_all_debts "$SRR_ELIGIBLE" 1 2 3; }
tap_ok "every eligible partition runs on a destination; its debt is in all three stores" \
	cl_wait 60 all_done
first=$(srr_log first-start restart)
last=$(srr_log last-end restart)
echo "# power off -> first restart sent $((first - T_OFF)) ms, last restart done $((last - T_OFF)) ms"
tap_ok "no restart before the confirmation window (T=3 s) after the power-off" \
	test "$((first - T_OFF))" -ge 3000

ok_once=$(srr_log per-lpar restart --ok | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')
tap_is "$ok_once" "$(printf '%s ' $SRR_ELIGIBLE)" "command log: each eligible partition restarted exactly once"
tap_is "$(srr_log twice)" "" "command log: no restart sent for a partition already restarted"
others=$(srr_log per-lpar restart | awk '{ print $1 }' | grep -vxF -f <(printf '%s\n' $SRR_ELIGIBLE))
tap_is "$others" "" "command log: no restart for a09 (not activated), a10 (not capable), a11 (excluded), VIOS"
tap_is "$(srr_log rr restart | awk '$2 != "srcA" || ($3 != "dst1" && $3 != "dst2")')" "" \
	"command log: every restart from srcA onto dst1 or dst2"
tap_is "$(( $(logins) - L0 ))" 0 "hmcsim: no SSH handshake during the failover (sessions kept open)"
ov=$(srr_log overlap restart)
echo "# restarts running at once (command log): at most $ov, cap $CAP, $SRR_SESSIONS sessions per HMC"
tap_is "$ov" "$CAP" "command log: the restarts overlap up to the cap, never above"
tap_is "$(srr_log changes | awk '{ print $1 }' | sort -u)" "$CL_NET.$SRR_LEADER" \
	"command log: every change came from the leader (node $SRR_LEADER)"
# the store's destination is where hmcsim runs the partition
where_ok() {
	local k l s d
	for k in 1 2 3; do
		while read -r l s d; do
			[ "$(srr_model "$d" "$l" state)" = Running ] || return 1
		done < <(srr_debts "$k")
	done
}
tap_ok "every store names the destination where hmcsim runs the partition" where_ok
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3
tap_is "$(srr_count 1 restarted)/$(srr_count 2 restarted)/$(srr_count 3 restarted)" 8/8/8 \
	"8 records 'restarted' (debt open) in each store"
alerted() {
	local l
	for l in $SRR_ELIGIBLE; do srr_alerts | grep -q "$l" || return 1; done
}
tap_ok "alert_file.sh.sample wrote an alert naming every restarted partition" cl_wait 10 alerted
echo "# alerts on node $SRR_LEADER: $(srr_alerts | wc -l) lines, e.g.:"
srr_alerts | head -n 3 | sed 's/^/#   /'
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
