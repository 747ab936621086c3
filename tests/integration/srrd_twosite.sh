#!/bin/bash
# srrd_twosite.sh: two sites of two agents and corosync-qnetd at a third
# site (qdevice ffsplit). Site A (nodes 1 and 2, with the leader) is cut
# off from site B and from the arbitrator at the moment its source system
# srcA powers off. Site B (nodes 3 and 4) alone is quorate (2 votes +
# qnetd's): it confirms srcA down and restarts its partitions. Site A
# sends nothing after the cut (command log, by client address). After the
# heal the four ledgers are equal.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"
command -v corosync-qnetd >/dev/null || tap_skip_all "corosync-qnetd not installed"
command -v corosync-qdevice >/dev/null || tap_skip_all "corosync-qdevice not installed"

tap_plan 9
srr_init
CL_QDEVICE=1
srr_up 4 || { echo "# the stack did not come up"; srr_diag; tap_done; }
all_qdevice() {
	local k
	for k in 1 2 3 4; do
		cl_exec "$k" corosync-quorumtool -s 2>/dev/null | grep -q Qdevice || return 1
	done
}
tap_ok "4 agents up, every node counts the qdevice vote" cl_wait 60 all_qdevice
tap_is "$SRR_LEADER" 1 "node 1 (site A) leads"

# site A loses site B and the arbitrator; its source powers off
T_CUT=$(cl_now_ms)
cl_partition "1 2" "3 4"
for k in 1 2; do ip -n "$(cl_ns "$k")" route add blackhole "$CL_NET.100/32"; done
srr_set_state srcA "Power Off"
T_OFF=$(cl_now_ms)
tap_ok "cut: site B (3, 4) quorate, site A (1, 2) not" cl_wait 60 eval \
	'cl_quorate 3 && cl_quorate 4 && ! cl_quorate 1 && ! cl_quorate 2'
tap_ok "site B confirms srcA down and restarts its partitions; debts in stores 3 and 4" \
	cl_wait 90 srr_failed_over srcA "$SRR_ELIGIBLE" 3 4
echo "# cut + power-off -> last restart done $(( $(srr_log last-end restart) - T_OFF )) ms"
tap_is "$(srr_log changes --since "$T_CUT" --peer "$CL_NET.1")$(srr_log changes --since "$T_CUT" --peer "$CL_NET.2")" "" \
	"command log: site A (nodes 1, 2) sent no restart after the cut"
tap_is "$(srr_log changes --since "$T_CUT" | awk '{ print $1 }' | sort -u)" "$CL_NET.3" \
	"command log: every restart came from site B's leader (node 3)"
tap_is "$(srr_log per-lpar restart --ok | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s ' $SRR_ELIGIBLE)" "command log: each eligible partition restarted once"
cl_heal
tap_ok "heal: the four ledgers are equal, the debts in all four stores" cl_wait 90 eval \
	'srr_ledgers_equal 1 2 3 4 && srr_all_debts "$SRR_ELIGIBLE" 1 2 3 4'
tap_ok "heal: one leader again" eval 'test -n "$(srrd_wait_leader 60)"'
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
