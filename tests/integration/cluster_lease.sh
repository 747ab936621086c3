#!/bin/bash
# cluster_lease.sh: leadership handover on real corosync (3 nodes,
# cluster_probe on each; its "gate" lines are cluster_may_lead() polled
# every 10 ms, as an engine sees it). Proves:
#  - isolating the leader's node (cut, then heal; LEASE_TRIALS times, 3 by
#    default, 50 for the figure in doc/cluster.md): the old leader's gate
#    closes before the new leader's opens, by at least half a token (the
#    margin: new leader's "gate 1" minus old leader's "gate 0"); min,
#    median and max printed;
#  - a killed agent (its node alive) is replaced at once (no lease);
#  - a lost node (corosync killed) costs the lease: takeover time printed.
LIB=${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib
. "$LIB/tap.sh"
. "$LIB/cluster.sh"
. "$LIB/probe.sh"

probe_preflight

TRIALS=${LEASE_TRIALS:-3}
MIN_MARGIN=$((CL_TOKEN / 2))
tap_plan 6
cl_init
CL_NODE_HOOKS=probe_hook
ALL="1 2 3"

stats() {
	sort -n | awk -v w="$1" '{ v[NR] = $1 } END { if (NR == 0) exit;
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "# %s: min %d ms, median %d ms, max %d ms over %d\n", w, v[1], m, v[NR], NR }'
}
led_by_1() { [ "$(probe_agree_leader $ALL)" = 1 ] && [ "$(probe_gate 1)" = 1 ]; }

# cut node 1 off, measure, heal; prints the margin, fails if none
trial() {
	local t0 off on
	cl_wait 60 led_by_1 || { echo "# no leader before the cut"; return 1; }
	t0=$(cl_now_ms)
	cl_partition "1" "2 3"
	cl_wait 40 eval '[ -n "$(probe_gate_after 2 $t0 1)" ]' || { echo "# node 2 never led"; return 1; }
	off=$(probe_gate_after 1 "$t0" 0)
	on=$(probe_gate_after 2 "$t0" 1)
	cl_heal
	[ -n "$off" ] || { echo "# node 1 never closed its gate"; return 1; }
	echo "$((on - off)) $((off - t0)) $((on - t0))"
}

cl_build 3 || { echo "# cannot build namespaces"; tap_done; }
tap_ok "3 nodes started (corosync + probe)" cl_start_all
tap_ok "node 1 leads, gate open" cl_wait 60 led_by_1
margins=() bad=0
for i in $(seq 1 "$TRIALS"); do
	r=$(trial) || { echo "$r"; bad=1; break; }
	echo "# trial $i: margin ${r%% *} ms (old gate closed, new opened: ${r#* } ms after the cut)"
	margins+=("${r%% *}")
	[ "${r%% *}" -ge "$MIN_MARGIN" ] || bad=1
done
printf '%s\n' "${margins[@]}" | stats "handover margin (new gate open - old gate closed)"
tap_ok "leader cut off $TRIALS times: the old gate closed >= $MIN_MARGIN ms before the new opened" \
	eval '[ $bad = 0 ] && [ ${#margins[@]} = $TRIALS ]'

cl_wait 60 led_by_1
t0=$(cl_now_ms)
cl_kill 1 probe
tap_ok "killed agent (node alive): node 2 opens its gate within a token" cl_wait 20 eval \
	'on=$(probe_gate_after 2 $t0 1); [ -n "$on" ] && [ $((on - t0)) -lt $CL_TOKEN ]'
echo "# killed agent: node 2 gate open $(( $(probe_gate_after 2 "$t0" 1) - t0 )) ms after kill -9"
probe_start 1
cl_wait 60 led_by_1
t0=$(cl_now_ms)
cl_corosync_kill 1
tap_ok "lost node (corosync killed): node 2 opens its gate" cl_wait 40 eval \
	'[ -n "$(probe_gate_after 2 $t0 1)" ]'
on=$(probe_gate_after 2 "$t0" 1)
l=$(probe_first_leader_after 2 "$t0" 1)
echo "# lost node: node 2 named leader $(( ${l%% *} - t0 )) ms, gate open $((on - t0)) ms after kill -9 of corosync"
grep -h 'lease' "$CL_DIR/n2/probe.err" | tail -n 2 | sed 's/^/# node 2: /'
tap_ok "the new leader's gate opened only after the lease (>= token + consensus after its view)" \
	eval '[ $((on - ${l%% *})) -ge $CL_TOKEN ]'
tap_done
