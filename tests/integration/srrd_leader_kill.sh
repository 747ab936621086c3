#!/bin/bash
# srrd_leader_kill.sh: kill -9 of the leader's srrd while its restarts run,
# TRIALS times (3; SRR_LONG=1: 10, as the issue asks), each on a source of
# its own (k01, k02, ... with 8 eligible partitions, cap 4 on 2 executor
# sessions: 2 s restarts, some waiting for a channel). The kill comes at a random moment (seed printed) after
# the first restart reached hmcsim. The new leader reconciles and
# finishes: every partition is restarted exactly once (command log: one
# success, no restart sent after it), and no debt is lost (every partition
# hmcsim restarted is an open debt in every store, the killed agent's
# included once it is back).
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
TRIALS=${SRR_TRIALS:-3}
[ "${SRR_LONG:-0}" = 1 ] && TRIALS=${SRR_TRIALS:-10}
srr_begin $((120 + TRIALS * 60)) "$@"

SEED=${SRR_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
echo "# seed $SEED (SRR_SEED=$SEED reproduces the kill moments), $TRIALS trials"
tap_plan $((2 + 4 * TRIALS))
srr_init

# one source per trial, 8 eligible partitions each, two large destinations
LPARS="p1 p2 p3 p4 p5 p6 p7 p8"
SRR_TOPO=$CL_DIR/kill_topo.ini
{
	printf '[hmc]\nname = hmcsim\nrr_limit = 32\n'
	for t in $(seq 1 "$TRIALS"); do
		s=$(printf 'k%02d' "$t")
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\n' "$s"
		for i in $(seq 1 8); do
			printf '\n[lpar %s/%s-p%d]\nid = %d\nstate = Running\nsrr_capable = 1\nmem_mb = 4096\nproc_units = 0.5\n' \
				"$s" "$s" "$i" "$i"
		done
	done
	for d in dst1 dst2; do
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\nmem_mb = 1048576\nproc_units = 96.0\n' "$d"
	done
} >"$SRR_TOPO"
SRR_SYSTEMS_CONF=$(
	for t in $(seq 1 "$TRIALS"); do
		printf '[system k%02d]\nprotect = yes\ndestinations = dst1, dst2\n\n' "$t"
	done
	printf '[system dst1]\n\n[system dst2]\n'
)
SRR_POL[max_per_source]=4
# fewer executor sessions than the cap: commands wait for a channel (hmcsim
# serves one per session) when the leader dies, and the new leader must
# reconcile them without burning their attempts
SRR_SESSIONS=2
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "3 agents up; node $SRR_LEADER leads" test -n "$SRR_LEADER"

restarting() { srr_simctl show "$1" "$1-p$2" | grep -qx "rr_status=Source Remote Restarting"; }
any_restarting() {
	local i
	for i in 1 2 3 4 5 6 7 8; do restarting "$1" "$i" && return 0; done
	return 1
}
names() { local i; for i in 1 2 3 4 5 6 7 8; do printf '%s-p%d ' "$1" "$i"; done; }
times=()
for t in $(seq 1 "$TRIALS"); do
	src=$(printf 'k%02d' "$t")
	want=$(names "$src")
	leader=$(srrd_wait_leader 60) || { echo "# trial $t: no leader"; break; }
	t0=$(cl_now_ms)
	srr_set_state "$src" "Power Off"
	cl_wait 30 any_restarting "$src"
	delay=$((RANDOM % 1500))
	sleep "$(printf '0.%03d' "$delay")"
	tk=$(cl_now_ms)
	srrd_kill "$leader"
	rest=$(for k in 1 2 3; do [ "$k" = "$leader" ] || printf '%s ' "$k"; done)
	ok=0
	cl_wait 90 srr_failed_over "$src" "$want" $rest && ok=1
	end=$(srr_log last-end restart --sys "$src")
	echo "# trial $t: leader $leader killed $((tk - t0)) ms after the power-off (+$delay ms after a restart began); all 8 restarted $((end - t0)) ms after the power-off"
	times+=("$((end - t0))")
	tap_is "$ok" 1 "trial $t: the survivors finished: 8 partitions running on a destination, 8 debts in their stores ($rest)"
	tap_is "$(srr_log twice --since "$t0")" "" "trial $t: command log: no partition restarted twice"
	tap_is "$(srr_log per-lpar restart --ok --sys "$src" | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
		"$want" "trial $t: command log: each partition of $src restarted exactly once"
	srrd_start "$leader"
	back() { SRR_DEBT_SRC=$src srr_all_debts "$want" 1 2 3 && srr_ledgers_equal 1 2 3; }
	tap_ok "trial $t: the killed agent is back: no debt lost, the three ledgers equal" cl_wait 60 back
done
tap_ok "every debt of every trial is open in all three stores ($((TRIALS * 8)))" eval \
	'[ "$(srr_debts 1 | wc -l)" = $((TRIALS * 8)) ] && srr_ledgers_equal 1 2 3'
printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "# power-off to last restart with a leader kill: median %d ms, max %d ms over %d trials\n", v[int((NR + 1) / 2)], v[NR], NR }'
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
