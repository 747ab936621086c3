#!/bin/bash
# cluster_twosite.sh: two sites of two nodes plus corosync-qnetd as the
# arbitrator (corosync-qdevice on each node, ffsplit, tie_breaker lowest,
# TLS off). Cutting the link between the sites leaves exactly one site
# quorate, the one qnetd favours (the one with node 1), with one leader;
# the other site names no leader. Healing gives one synced epoch.
LIB=${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib
. "$LIB/tap.sh"
. "$LIB/cluster.sh"
. "$LIB/probe.sh"

[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
command -v corosync-qnetd >/dev/null || tap_skip_all "corosync-qnetd not installed"
command -v corosync-qdevice >/dev/null || tap_skip_all "corosync-qdevice not installed"
[ -x "$PROBE_BIN" ] || tap_skip_all "cluster_probe not built ($PROBE_BIN)"

tap_plan 11
# leftovers of a dead run (its shell is gone) are removed first
sleep 0 &
dead=$!
wait
ip netns add "$CL_PREFIX$dead-n1"
cl_init
tap_ok "a dead run's leftover namespace was removed first" eval \
	'! ip netns list | grep -q "^$CL_PREFIX$dead-n1"'
CL_QDEVICE=1
CL_NODE_HOOKS=probe_hook
ALL="1 2 3 4"

qdevice_voting() {
	cl_exec "$1" corosync-quorumtool -s 2>/dev/null | grep -q 'Qdevice'
}
all_qdevice() { local k; for k in $ALL; do qdevice_voting "$k" || return 1; done; }
site_b_down() {
	local k
	for k in 3 4; do
		[ "$(probe_leader "$k")" = "none 0" ] || return 1
		probe_log "$k" | awk '$2 == "quorum" { q = $3 } END { exit q != 0 }' || return 1
	done
}

{ cl_build 4 && cl_build_qnetd; } || { echo "# cannot build namespaces"; tap_done; }
tap_ok "qnetd started" eval 'cl_qnetd_start && sleep 0.5 && kill -0 $(cat $CL_DIR/q/qnetd.pid)'
tap_ok "4 nodes started (corosync, qdevice, probe)" cl_start_all
tap_ok "every node counts the qdevice vote" cl_wait 60 all_qdevice
tap_ok "one leader, synced, on both sites" cl_wait 30 probe_agree $ALL
last_members() { probe_log "$1" | awk '$2 == "membership" { m = $4 } END { print m }'; }
before=$(probe_epoch 1)
cl_partition "1 2" "3 4"
tap_ok "cut between sites: site A (1 2, favoured by qnetd) keeps leader 1" \
	cl_wait 60 eval '[ "$(probe_epoch 1)" != "$before" ] && [ "$(last_members 1)" = members=1,2 ] &&
		[ "$(probe_agree_leader 1 2)" = 1 ]'
tap_ok "cut between sites: site B (3 4) is not quorate and names no leader" cl_wait 60 site_b_down
tap_ok "site A still quorate per corosync" cl_quorate 1
tap_ok "site B not quorate per corosync" eval '! cl_quorate 3 && ! cl_quorate 4'
gate() { probe_state "$1" >/dev/null && probe_log "$1" | awk '$2 == "state" { s = $0 } END { print s }' | grep -q "may_lead=$2 "; }
tap_ok "only node 1 passes the cluster gate (may_lead)" cl_wait 20 eval \
	'gate 1 1 && gate 2 0 && gate 3 0 && gate 4 0'
cl_heal
tap_ok "heal: one epoch, synced, one leader" cl_wait 60 probe_agree $ALL
tap_done
