#!/bin/bash
# cluster_quorum.sh: votequorum settings that let both sides of a split be
# quorate, and two agents on one node, on real corosync (cluster_probe on
# every node). Proves:
#  - two_node: 1 (2 nodes, no qdevice): both agents refuse to lead, loudly,
#    and with the link cut, though corosync calls both halves quorate,
#    neither names itself leader or passes the gate;
#  - auto_tie_breaker: 1 (2 nodes): the cut leaves node 1 alone quorate and
#    leading, node 2 neither;
#  - expected votes lowered at run time (nodes 3 and 4 down, then
#    corosync-quorumtool -e 2 on 4 nodes: quorum 2): the agents refuse to
#    lead though corosync is quorate again;
#  - quorum.expected_votes: 2 on 4 nodes booted into a 2 | 2 split: both
#    sides are quorate, and nobody leads;
#  - a second agent on node 1: no leader while node 1 appears twice, the
#    leader back once it is gone;
#  - last_man_standing (+ auto_tie_breaker and wait_for_all, which
#    votequorum requires with an odd node count; window 1 s; 3 nodes): after a
#    node is lost and expected votes drop, a cut of the remaining two keeps
#    one quorate side (node 1), which leads.
LIB=${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib
. "$LIB/tap.sh"
. "$LIB/cluster.sh"
. "$LIB/probe.sh"

probe_preflight

tap_plan 18
CL_NODE_HOOKS=probe_hook

# a fresh cluster of $1 nodes with quorum options $2
fresh() {
	cl_cleanup
	cl_init
	CL_QUORUM_OPTS=$2
	cl_build "$1" && cl_start_all
}
last_members() { probe_log "$1" | awk '$2 == "membership" { m = $4 } END { print m }'; }
# no "leader self" and no "gate 1" line from probe $1 after time $2
never_led_after() {
	! probe_log "$1" | awk -v t="$2" '$1 > t' | grep -qE ' leader self | gate 1 '
}
refused() { grep -q 'refuses to lead' "$CL_DIR/n$1/probe.err"; }
alone() { [ "$(last_members "$1")" = "members=$1" ]; }

# ---- two_node: 1 ----
cl_init
fresh 2 "two_node: 1" || { echo "# cannot start"; tap_done; }
cl_wait 30 eval 'cl_quorate 1 && cl_quorate 2'
cl_wait 20 eval '[ "$(last_members 1)" = members=1,2 ] && [ "$(last_members 2)" = members=1,2 ]'
tap_ok "two_node: both agents refuse to lead, loudly" cl_wait 10 eval 'refused 1 && refused 2'
sed -n 's/.*\(refuses to lead.*\)/# node 1: \1/p' "$CL_DIR/n1/probe.err" | head -n 1
t0=$(cl_now_ms)
cl_partition "1" "2"
tap_ok "two_node, link cut: each side is alone in its view" cl_wait 30 eval 'alone 1 && alone 2'
tap_ok "two_node, link cut: corosync calls both halves quorate (the hazard)" \
	eval 'cl_quorate 1 && cl_quorate 2'
sleep 2
tap_ok "two_node, link cut: neither agent names itself leader or passes the gate" \
	eval 'never_led_after 1 $t0 && never_led_after 2 $t0'

# ---- auto_tie_breaker: 1, 2 nodes ----
fresh 2 "auto_tie_breaker: 1" || { echo "# cannot start"; tap_done; }
tap_ok "auto_tie_breaker: node 1 leads, gate open" cl_wait 40 eval \
	'[ "$(probe_agree_leader 1 2)" = 1 ] && [ "$(probe_gate 1)" = 1 ]'
t0=$(cl_now_ms)
cl_partition "1" "2"
tap_ok "auto_tie_breaker, link cut: only node 1 stays quorate" cl_wait 30 eval \
	'alone 1 && alone 2 && cl_quorate 1 && ! cl_quorate 2'
tap_ok "auto_tie_breaker, link cut: node 1 leads (gate open), node 2 not" cl_wait 20 eval \
	'[ "$(probe_leader 1)" = "self 1" ] && [ "$(probe_gate 1)" = 1 ] && never_led_after 2 $t0'

# ---- 4 nodes: a second agent on node 1, then expected votes lowered ----
fresh 4 "" || { echo "# cannot start"; tap_done; }
tap_ok "4 nodes: node 1 leads" cl_wait 40 eval '[ "$(probe_agree_leader 1 2 3 4)" = 1 ]'
t0=$(cl_now_ms)
probe_start 1:probe2
dup_none() {
	local k
	for k in 1 1:probe2 2 3 4; do [ "$(probe_leader $k)" = "none 0" ] || return 1; done
	[ "$(probe_gate 1)" = 0 ] && [ "$(probe_gate 1:probe2)" = 0 ]
}
tap_ok "two agents on node 1: no leader anywhere, gate closed on both" cl_wait 30 dup_none
tap_ok "two agents on node 1: neither passed the gate" eval \
	'never_led_after 1:probe2 $t0 && ! probe_log 1 | awk -v t=$((t0 + 1000)) "\$1 > t" | grep -q " gate 1 "'
tap_ok "two agents on node 1: the reason is logged" grep -q 'appears twice' "$CL_DIR/n2/probe.err"
cl_kill 1 probe2
tap_ok "the second agent gone: node 1 leads again" cl_wait 30 eval \
	'[ "$(probe_agree_leader 1 2 3 4)" = 1 ] && [ "$(probe_gate 1)" = 1 ]'
cl_corosync_kill 3
cl_corosync_kill 4
cl_wait 30 eval '! cl_quorate 1'
t0=$(cl_now_ms)
cl_exec 1 corosync-quorumtool -e 2 >/dev/null
tap_ok "nodes 3, 4 down, expected votes lowered to 2: quorate again, and both agents refuse" \
	cl_wait 15 eval 'cl_quorate 1 && refused 1 && refused 2'
sleep 2
tap_ok "expected votes lowered: nobody names itself leader or passes the gate" eval \
	'never_led_after 1 $t0 && never_led_after 2 $t0'

# booted into a split: with the nodelist's 4 votes seen, votequorum would
# raise expected votes again; before, each half is quorate
cl_cleanup
cl_init
CL_QUORUM_OPTS="expected_votes: 2"
cl_build 4 && cl_partition "1 2" "3 4" && cl_start_all || { echo "# cannot start"; tap_done; }
t0=$(cl_now_ms)
tap_ok "expected_votes 2 of 4, booted split 1 2 | 3 4: corosync calls both sides quorate (the hazard)" \
	cl_wait 30 eval '[ "$(last_members 1)" = members=1,2 ] && [ "$(last_members 3)" = members=3,4 ] &&
		cl_quorate 1 && cl_quorate 3'
sleep 2
tap_ok "expected_votes 2 of 4, split: every agent refuses, nobody leads" eval \
	'refused 1 && refused 3 && never_led_after 1 $t0 && never_led_after 2 $t0 &&
	 never_led_after 3 $t0 && never_led_after 4 $t0'

# ---- last_man_standing + auto_tie_breaker, 3 nodes ----
fresh 3 "last_man_standing: 1
last_man_standing_window: 1000
auto_tie_breaker: 1
wait_for_all: 1" || { echo "# cannot start"; tap_done; }
cl_wait 40 eval '[ "$(probe_agree_leader 1 2 3)" = 1 ]'
cl_corosync_kill 3
# the window passes with {1,2} stable: votequorum lowers expected votes to 2
cl_wait 30 eval 'cl_exec 1 corosync-quorumtool -s | grep -q "^Expected votes: *2"'
t0=$(cl_now_ms)
cl_partition "1" "2"
tap_ok "last_man_standing, then cut 1 | 2: only node 1 stays quorate" cl_wait 30 eval \
	'alone 1 && alone 2 && cl_quorate 1 && ! cl_quorate 2'
tap_ok "last_man_standing, cut: node 1 leads (gate open), node 2 not" cl_wait 30 eval \
	'[ "$(probe_leader 1)" = "self 1" ] && [ "$(probe_gate 1)" = 1 ] && never_led_after 2 $t0'
cl_exec 1 corosync-quorumtool -s | grep -E '^(Expected|Quorum|Flags)' | sed 's/^/# node 1: /'
tap_done
