#!/bin/bash
# cluster_nodes.sh N: cluster/ on a real N-node corosync (N = 3 or 5), with
# cluster_probe on every node. Proves: one leader named by all; kill -9 of
# the leader's agent and of its corosync gives a new leader (10 trials each,
# median and max printed); a partition leaves the minority inquorate with no
# leader and the majority with one; healing gives one synced epoch and the
# union of the states written on both sides; a member with another config
# digest never leads (N = 3).
N=${1:-3}
TRIALS=${TRIALS:-10}
LIB=${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib
. "$LIB/tap.sh"
. "$LIB/cluster.sh"
. "$LIB/probe.sh"

probe_preflight

ALL=$(seq -s ' ' 1 "$N")
if [ "$N" = 3 ]; then tap_plan 27; else tap_plan 13; fi
cl_init
CL_NODE_HOOKS=probe_hook

without() { local k; for k in $ALL; do [ "$k" = "$1" ] || printf '%s ' "$k"; done; }

# every node in $3.. names a leader other than $2 after time $1
all_moved() {
	local t0=$1 old=$2 k l
	shift 2
	for k in "$@"; do
		l=$(probe_first_leader_after "$k" "$t0" "$old")
		[ -n "$l" ] || return 1
	done
}

# kill the leader's agent or corosync TRIALS times; print the figures
trials() {
	local what=$1 i old t0 k t tmax new rest times=() bad=0
	for i in $(seq 1 "$TRIALS"); do
		old=$(probe_agree_leader $ALL) || { bad=1; echo "# trial $i: no agreed leader"; break; }
		rest=$(without "$old")
		t0=$(cl_now_ms)
		if [ "$what" = agent ]; then cl_kill "$old" probe; else cl_corosync_kill "$old"; fi
		if ! cl_wait 30 all_moved "$t0" "$old" $rest; then
			bad=1; echo "# trial $i: no new leader"; break
		fi
		tmax=0
		for k in $rest; do
			t=$(probe_first_leader_after "$k" "$t0" "$old")
			t=${t%% *}
			[ $((t - t0)) -gt "$tmax" ] && tmax=$((t - t0))
		done
		times+=("$tmax")
		new=$(cl_wait 10 probe_agree $rest && probe_agree_leader $rest)
		[ "$new" = "${rest%% *}" ] || { bad=1; echo "# trial $i: new leader '$new'"; }
		if [ "$what" = agent ]; then
			probe_start "$old"
		else
			# its agent must have said "no cluster" and named no leader
			probe_log "$old" | awk -v t="$t0" '$1 >= t' | grep -q 'connection down' ||
				{ bad=1; echo "# trial $i: node $old's agent did not log 'connection down'"; }
			[ "$(probe_leader "$old")" = "none 0" ] ||
				{ bad=1; echo "# trial $i: node $old's agent names leader '$(probe_leader "$old")' without corosync"; }
			cl_corosync_start "$old"
		fi
		cl_wait 40 probe_agree $ALL >/dev/null || { bad=1; echo "# trial $i: no recovery"; break; }
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v w="$what" -v n="$N" '
		{ v[NR] = $1 } END { if (NR == 0) exit;
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "# %s nodes, kill -9 leader %s: new leader in median %d ms, max %d ms over %d trials\n", n, w, m, v[NR], NR }'
	[ "$bad" = 0 ] && [ "${#times[@]}" = "$TRIALS" ]
}

cl_build "$N" || { echo "# cannot build namespaces"; tap_done; }
tap_ok "$N nodes started (corosync + probe)" cl_start_all
tap_ok "corosync quorate on node 1" cl_wait 30 cl_quorate 1
tap_ok "every member names the same leader, synced in one epoch" cl_wait 30 probe_agree $ALL
tap_is "$(probe_agree_leader $ALL)" 1 "the leader is the lowest nodeid"
tap_ok "kill -9 the leader's agent: new leader ($TRIALS trials)" trials agent
tap_ok "kill -9 the leader's corosync: new leader ($TRIALS trials)" trials corosync

# ---- partition: majority | minority, different state on each side ----
MAJ=$(seq -s ' ' 1 $((N / 2 + 1)))
MIN=$(seq -s ' ' $((N / 2 + 2)) "$N")
probe_cmd 2 "add base"
tap_ok "a record reaches every member" cl_wait 10 eval \
	'for k in $ALL; do [ "$(probe_state $k)" = base ] || exit 1; done'
last_members() { probe_log "$1" | awk '$2 == "membership" { m = $4 } END { print m }'; }
before=$(probe_epoch 1)
cl_partition "$MAJ" "$MIN"
minority_down() {
	local k
	for k in $MIN; do
		[ "$(probe_leader "$k")" = "none 0" ] || return 1
		probe_log "$k" | awk '$2 == "quorum" { q = $3 } END { exit q != 0 }' || return 1
	done
}
tap_ok "partition: the minority ($MIN) is not quorate and names no leader" cl_wait 30 minority_down
tap_ok "partition: the majority ($MAJ) keeps one leader" cl_wait 30 eval \
	'[ "$(probe_epoch 1)" != "$before" ] && [ "$(last_members 1)" = "members=${MAJ// /,}" ] &&
	 [ "$(probe_agree_leader $MAJ)" = 1 ] && [ "$(probe_leader 1)" = "self 1" ]'
probe_cmd 1 "add maj-a"
probe_cmd "$N" "add min-b"
sleep 1
tap_ok "partition: each side holds only its own writes" eval \
	'[ "$(probe_state 1)" = base,maj-a ] && [ "$(probe_state $N)" = base,min-b ]'
cl_heal
tap_ok "heal: one epoch, synced, one leader" cl_wait 40 probe_agree $ALL
# what each member said last, if they did not agree (a CI record says why)
probe_agree $ALL || for k in $ALL; do
	echo "# heal: node $k: leader $(probe_leader "$k"), epoch $(probe_epoch "$k"), synced $(probe_synced "$k"); last lines:"
	probe_log "$k" | tail -6 | sed 's/^/#   /'
done
union_everywhere() {
	local k
	for k in $ALL; do [ "$(probe_state "$k")" = base,maj-a,min-b ] || return 1; done
}
tap_ok "heal: every member holds the union of both sides" cl_wait 10 union_everywhere

if [ "$N" = 3 ]; then
	# ---- large states: digests and deltas above CPG's ~1 MB message
	# limit, chunked, through flow control ----
	cl_partition "$MAJ" "$MIN"
	cl_wait 30 minority_down
	probe_cmd 1 "bulk 60000 bigstate-side-a"
	probe_cmd "$N" "bulk 60000 bigstate-side-b"
	sleep 1
	cl_heal
	tap_ok "large states (2 x 1.4 MB): one epoch, synced, after healing" cl_wait 90 probe_agree $ALL
	same_big() {
		local k want="count=120003" s0="" s
		for k in $ALL; do
			s=$(probe_summary "$k")
			[ "${s%% *}" = "$want" ] || return 1
			[ -z "$s0" ] && s0=$s
			[ "$s" = "$s0" ] || return 1
		done
	}
	tap_ok "large states: every member holds the same 120003 items" cl_wait 20 same_big
	probe_summary 1 >/dev/null
	probe_log 1 | grep ' stats ' | tail -n 1 | sed 's/^[0-9]* /# node 1 /'

	# ---- a stopped agent stays in the CPG group but says nothing: it is
	# excluded after the HELLO timeout and does not block the others ----
	kill -STOP "$(cl_pid 3 probe)"
	t0=$(cl_now_ms)
	cl_kill 2 probe
	excluded_ok() {
		local l
		l=$(probe_first_leader_after 1 "$t0")
		[ "${l#* }" = 1 ] && [ "$(probe_synced 1)" = "$(probe_epoch 1)" ] &&
			[ "$(probe_epoch 1)" != "" ] && grep -q 'excluded from this epoch' "$CL_DIR/n1/probe.err"
	}
	tap_ok "a stopped agent is excluded after the HELLO timeout; node 1 leads, synced" \
		cl_wait 40 excluded_ok
	l=$(probe_first_leader_after 1 "$t0")
	echo "# leader named $(( ${l%% *} - t0 )) ms after the view change (HELLO timeout 10000 ms)"
	kill -CONT "$(cl_pid 3 probe)"
	tap_ok "the resumed agent knows it was excluded, leaves and joins again" cl_wait 10 eval \
		'grep -q "this member was excluded" "$CL_DIR/n3/probe.err" &&
		 grep -q "leaving the group, joining again" "$CL_DIR/n3/probe.err"'
	probe_start 2
	tap_ok "the next view takes it back: one leader, synced" cl_wait 30 probe_agree $ALL

	# ---- a member with another configuration digest never leads ----
	t0=$(cl_now_ms)
	cl_kill 1 probe
	probe_start 1 cfg-other
	tap_ok "digest: the others name node 2, node 1 names none" cl_wait 30 eval \
		'[ "$(probe_agree_leader 2 3)" = 2 ] && [ "$(probe_leader 1)" = "none 0" ] && [ "$(probe_synced 1)" = "$(probe_epoch 2)" ]'
	tap_ok "digest: the mismatch is reported on both sides" eval \
		'probe_log 2 | grep -q "mismatch node=1 version=0" && probe_log 1 | grep -q "mismatch node=2 version=0"'
	cl_kill 2 probe
	# 1:1 on the digest: no majority config, so nobody leads
	tap_ok "digest: the leader's agent dies, 1:1 digest tie: nobody leads" cl_wait 30 eval \
		'[ "$(probe_leader 3)" = "none 0" ] && [ "$(probe_leader 1)" = "none 0" ] &&
		 [ "$(probe_synced 3)" = "$(probe_epoch 3)" ]'
	probe_start 2
	tap_ok "digest: node 2 back: it leads again, node 1 still names none" cl_wait 30 eval \
		'[ "$(probe_agree_leader 2 3)" = 2 ] && [ "$(probe_leader 1)" = "none 0" ]'
	tap_ok "digest: no member named node 1 leader since it changed" eval \
		'! cat $CL_DIR/n*/probe.log | awk -v t=$t0 "\$1 > t" | grep -q "leader .* node=1 "'
fi
bad_input=$(cat "$CL_DIR"/n*/probe.log | grep -c ' stats malformed=[1-9]')
tap_is "$bad_input" 0 "no member counted a malformed message"

if [ "$N" = 3 ]; then
	# ---- a hostile peer in the group: malformed messages, then silence ----
	JUNK_BIN=${TOP_BUILDDIR:-.}/tests/cluster/cluster_junk
	cl_kill 1 probe
	probe_start 1	# back to the common digest
	cl_wait 30 probe_agree $ALL
	cl_spawn 2 junk "$JUNK_BIN" --group srrha-test --count 70
	tap_ok "a hostile peer joined and sent 70 malformed messages" \
		cl_wait 20 grep -q '^sent 70$' "$CL_DIR/n2/junk.log"
	counted() {
		local k m
		for k in $ALL; do
			cl_alive "$k" probe || return 1
			probe_summary "$k" >/dev/null || return 1
			m=$(probe_log "$k" | awk '$2 == "stats" { m = $3 } END { sub("malformed=", "", m); print m }')
			[ "${m:-0}" -gt 0 ] || return 1
		done
	}
	tap_ok "every agent is alive and counted the malformed messages" cl_wait 20 counted
	tap_ok "the silent hostile peer is excluded: one leader, synced" cl_wait 40 eval \
		'probe_agree $ALL && probe_log 1 | grep -q "members=1,2,2,3$"'
	cl_kill 2 junk
	tap_ok "the hostile peer gone: one leader, synced" cl_wait 30 probe_agree $ALL
	probe_log 1 | grep ' stats ' | tail -n 1 | sed 's/^[0-9]* /# node 1 /'
fi
tap_done
