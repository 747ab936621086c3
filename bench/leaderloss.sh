#!/bin/bash
# leaderloss.sh: kill -9 of the leader at a random moment of a failover,
# TRIALS times (20), on the real stack (3 srrd on corosync in network
# namespaces, hmcsim over SSH; tests/lib/srrd_stack.sh). Each trial fails a
# source of its own (8 partitions, cap 8, restart 2 s); the kill moment is
# drawn uniformly between the power-off and the end the failover reaches
# without a kill (seed printed; BENCH_SEED reproduces them). The baseline is
# the same failover without a kill, BASE (3) times, in the same run. Prints
# per trial the makespan (power-off to last restart done) and the time the
# kill added against the baseline's median, against the goal token +
# consensus + 2 s, and the partitions restarted twice (hmcsim's log).
#   leaderloss.sh [TRIALS]     (root; needs a built tree)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
TRIALS=${1:-20}
BASE=${BENCH_BASE:-3}
if [ "$(id -u)" != 0 ] || [ ! -x "$TOP_BUILDDIR/agent/srrd" ]; then
	echo "leaderloss: needs root and a built srrd; skipped"
	exit 0
fi
if [ -z "${SRR_TIMED:-}" ]; then	# bounded, whatever happens
	SRR_TIMED=1 exec timeout -k 10 $((300 + (TRIALS + BASE) * 90)) bash "$0" "$@"
fi
. "$TOP_SRCDIR/tests/lib/srrd_stack.sh"

SEED=${BENCH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
RESTART_S=2 CONFIRM_S=3 NP=8
NSRC=$((TRIALS + BASE))
srr_init || exit 1
SRR_TIME_SCALE=$(awk -v r=$RESTART_S 'BEGIN { printf "%.6f", r / 150 }')
SRR_TOPO=$CL_DIR/leaderloss.ini
src() { printf 's%02d' "$1"; }
{
	printf '[hmc]\nname = hmcsim\nrr_limit = 64\n'
	for t in $(seq 1 "$NSRC"); do
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\n' "$(src "$t")"
		for i in $(seq 1 $NP); do
			printf '\n[lpar %s/%s-p%d]\nid = %d\nstate = Running\nsrr_capable = 1\nmem_mb = 4096\nproc_units = 0.5\n' \
				"$(src "$t")" "$(src "$t")" "$i" "$i"
		done
	done
	for d in dst1 dst2; do
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\nmem_mb = 4194304\nproc_units = 512.0\n' "$d"
	done
} >"$SRR_TOPO"
SRR_SYSTEMS_CONF=$(
	for t in $(seq 1 "$NSRC"); do
		printf '[system %s]\nprotect = yes\ndestinations = dst1, dst2\n\n' "$(src "$t")"
	done
	printf '[system dst1]\n\n[system dst2]\n'
)
SRR_POL[max_per_source]=$NP
SRR_POL[max_per_dest]=$NP
SRR_POL[confirm_window]=${CONFIRM_S}s
SRR_ALERTS=0
SRR_CONF_EXTRA=""
SRR_SESSIONS=$NP
srr_up 3 || { echo "leaderloss: the stack did not come up"; srr_diag; exit 1; }
sleep 3	# warm: every agent has its sessions

names() { local i; for i in $(seq 1 $NP); do printf '%s-p%d ' "$1" "$i"; done; }
token=$CL_TOKEN consensus=$((CL_TOKEN * 12 / 10))
goal=$((token + consensus + 2000))
echo "seed $SEED (BENCH_SEED=$SEED draws the same kill moments); $NP partitions per source, restart ${RESTART_S} s, cap $NP, confirmation ${CONFIRM_S} s; corosync token $token ms, consensus $consensus ms: goal, time added <= $goal ms"

# ---- the baseline: the same failover, no kill ----
base=()
for t in $(seq 1 "$BASE"); do
	s=$(src "$t")
	t0=$(cl_now_ms)
	srr_set_state "$s" "Power Off"
	cl_wait 60 srr_failed_over "$s" "$(names "$s")" 1 2 3 || { echo "leaderloss: baseline $s not failed over"; srr_diag; exit 1; }
	base+=("$(( $(srr_log last-end restart --sys "$s") - t0 ))")
	echo "baseline $t: makespan ${base[-1]} ms"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
bmed=$(printf '%s\n' "${base[@]}" | median)
echo "baseline median makespan: $bmed ms"

# ---- the trials ----
added=() doubles=0 over=0 done_trials=0
for t in $(seq $((BASE + 1)) "$NSRC"); do
	s=$(src "$t")
	leader=$(srrd_wait_leader 60) || { echo "trial $((t - BASE)): no leader"; break; }
	kill_at=$((RANDOM % bmed))
	t0=$(cl_now_ms)
	srr_set_state "$s" "Power Off"
	now=$(cl_now_ms)
	[ $((t0 + kill_at - now)) -gt 0 ] && sleep "$(awk -v ms=$((t0 + kill_at - now)) 'BEGIN { printf "%.3f", ms / 1000 }')"
	tk=$(cl_now_ms)
	srrd_kill "$leader"
	rest=$(for k in 1 2 3; do [ "$k" = "$leader" ] || printf '%s ' "$k"; done)
	if ! cl_wait 120 srr_failed_over "$s" "$(names "$s")" $rest; then
		echo "trial $((t - BASE)): $s NOT failed over within 120 s of the kill"
		srr_diag
		break
	fi
	m=$(( $(srr_log last-end restart --sys "$s") - t0 ))
	tw=$(srr_log twice --since "$t0" | wc -l)
	doubles=$((doubles + tw))
	a=$((m - bmed))
	added+=("$a")
	[ "$a" -gt "$goal" ] && over=$((over + 1))
	done_trials=$((done_trials + 1))
	echo "trial $((t - BASE)): leader node $leader killed $((tk - t0)) ms after the power-off; makespan $m ms, added $a ms; restarted twice: $tw"
	srrd_start "$leader"
	cl_wait 60 eval 'srr_ledgers_equal 1 2 3' || echo "trial $((t - BASE)): the ledgers differ 60 s after the restart"
done
[ "$done_trials" -gt 0 ] || exit 1
echo "leader killed at a random moment, $done_trials trials: time added median $(printf '%s\n' "${added[@]}" | median) ms, max $(printf '%s\n' "${added[@]}" | sort -n | tail -1) ms (goal <= $goal ms: $over over); partitions restarted twice: $doubles"
[ "$done_trials" = "$TRIALS" ]
