#!/bin/bash
# makespan.sh: srrd's failover makespan against the hand-run script
# (bench/rrmonitor.sh, the seed article's rrMonitor) and the lower bound
# confirm window + ceil(N / cap) x restart time, on the real stack (3 srrd on
# corosync in network namespaces, hmcsim over SSH; tests/lib/srrd_stack.sh).
# Every time is read in hmcsim's command log (what the HMC received).
#
#   makespan.sh OUTDIR [--full]
#
# For each cap (max_per_source = max_per_dest = 1, 8, 32; executor sessions
# per HMC = cap + 2, at most 16 (srrd's limit); each runs up to 8 channels
# at once, and hmcsim, as an HMC, runs up to 10 channels of a session at
# once: the cap, not the sessions, limits, up to 128 at once)
# a fresh stack fails sources of N = 8, 32 (and 128) partitions one after
# another: makespan = power-off to last restart done, detection = power-off
# to first restart sent, double restarts from the log. With cap 32 it also
# powers off 4 sources of 32 at once (a site, 128 partitions; its bound
# takes 2 x cap at once: the 2 destinations' max_per_dest). Then srrd is
# stopped and rrmonitor.sh fails a source of each N (one poll per interval,
# a new ssh connection each time, restarts one after another).
# Restart 150 s scaled to 1.5 s; confirmation 3 s; poll interval 250 ms
# (BENCH_POLL_MS), for srrd and the baseline alike: at this scale (0.01) it
# stands for 25 s of real time, as srrd's default of 5 s stands for 0.05 s;
# a 1 s poll would stand for 100 s, and its phase (up to one poll between
# the power-off and the first poll that sees it) is outside the bound.
# Without --full, N = 128 runs at caps 8 and 32 only and not with
# the baseline (those take 3+ minutes each). At cap 8, detection's spread:
# BENCH_DETECT_TRIALS (20) more sources of 8 partitions fail one after
# another, at moments unrelated to the poll's phase.
# Writes OUTDIR/makespan.dat: "KIND CAP N MAKESPAN_MS DETECT_MS BOUND_MS TWICE
# [PHASE_MS AFTER_MS]" (KIND srrha, trial, baseline or site4; the last two for srrd
# only: detection = PHASE + the confirm window + the confirming poll's
# round trip + AFTER. PHASE: from the power-off to the start of the window,
# the question of the first poll that saw the source down, taken as the
# confirming poll's question less the window (the first poll asked after
# the power-off may have read the state before it changed); AFTER: from
# the confirming poll's answer to the first restart sent), after a line
# "params POLL_MS CONFIRM_MS RESTART_MS". BENCH_CAPS="32": those caps only,
# appended to an existing makespan.dat.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
out=${1:?usage: makespan.sh OUTDIR [--full]}
full=0
[ "${2:-}" = --full ] && full=1
if [ -z "${SRR_TIMED:-}" ]; then	# bounded, whatever happens
	SRR_TIMED=1 exec timeout -k 10 $((full ? 3600 : 1500)) bash "$0" "$@"
fi
. "$TOP_SRCDIR/tests/lib/srrd_stack.sh"
mkdir -p "$out"
dat=$out/makespan.dat

RESTART_MS=1500
CONFIRM_MS=3000
POLL_MS=${BENCH_POLL_MS:-250}
INTERVAL_S=$(awk -v m="$POLL_MS" 'BEGIN { printf "%g", m / 1000 }')
TRIALS=${BENCH_DETECT_TRIALS:-20}
SRR_TIME_SCALE=0.01	# 150 s -> 1.5 s
SRR_ALERTS=0
SRR_POL[poll_interval]=${POLL_MS}ms
SRR_POL[confirm_window]=$((CONFIRM_MS / 1000))s
SRR_POL[inventory_interval]=10s
SRR_POL[command_timeout]=60s

# sources: sN-K (N partitions) for srrha, bN for the baseline, qK for the
# site, dK for detection's trials
topo() {
	local s n i
	printf '[hmc]\nname = hmcsim\nrr_limit = 256\n'
	for s in "$@"; do
		n=${s#*:}
		s=${s%%:*}
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\nmem_mb = 1048576\nproc_units = 128.0\n' "$s"
		for i in $(seq 1 "$n"); do
			printf '\n[lpar %s/%s-%03d]\nid = %d\nstate = Running\nsrr_capable = 1\nmem_mb = 2048\nproc_units = 0.1\n' \
				"$s" "$s" "$i" "$i"
		done
	done
	for s in dst1 dst2; do
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\nmem_mb = 8388608\nproc_units = 1024.0\n' "$s"
	done
}
conf() {
	local s
	for s in "$@"; do
		printf '[system %s]\nprotect = yes\ndestinations = dst1, dst2\n\n' "${s%%:*}"
	done
	printf '[system dst1]\n\n[system dst2]\n'
}
bound() { awk -v c="$CONFIRM_MS" -v n="$1" -v k="$2" -v r="$RESTART_MS" \
	'BEGIN { printf "%d", c + int((n + k - 1) / k) * r }'; }
# wait until N restarts of SYS... succeeded (bounded), print makespan and
# detection from T0
measure() {
	local t0=$1 n=$2 secs=$3
	shift 3
	M_SYS="$*" M_T0=$t0 M_N=$n
	cl_wait "$secs" eval '[ "$(ok_restarts "$M_T0" $M_SYS)" -ge "$M_N" ]' || return 1
	echo "$(( $(last_end "$t0" "$@") - t0 )) $(( $(first_start "$t0" "$@") - t0 ))"
}
ok_restarts() { local t0=$1 s n=0; shift; for s in "$@"; do n=$((n + $(srr_log rr restart --sys "$s" --since "$t0" --ok | wc -l))); done; echo "$n"; }
last_end() { local t0=$1 s m=0 v; shift; for s in "$@"; do v=$(srr_log last-end restart --sys "$s" --since "$t0"); [ "$v" -gt "$m" ] && m=$v; done; echo "$m"; }
first_start() { local t0=$1 s m=0 v; shift; for s in "$@"; do v=$(srr_log first-start restart --sys "$s" --since "$t0"); { [ "$m" = 0 ] || [ "$v" -lt "$m" ]; } && m=$v; done; echo "$m"; }

# detection's parts from T0 for the source of SYS... whose restart went
# first: "PHASE_MS AFTER_MS" (see the header), "- -" if not found
det_parts() {
	local t0=$1 s v p c f best=""
	shift
	for s in "$@"; do
		v=$(srr_log detection "$s" --since "$t0")
		[ -n "$v" ] || continue
		read -r p c f <<<"$v"
		if [ -z "$best" ] || [ "$f" -lt "${best##* }" ]; then best="$p $c $f"; fi
	done
	[ -n "$best" ] || { echo "- -"; return; }
	read -r p c f <<<"$best"
	echo "$((p - CONFIRM_MS - t0)) $((f - c))"
}

stack_down() {
	local k
	for k in $(seq 1 "$CL_N"); do srrd_kill "$k" TERM 2>/dev/null; done
	for s in $SRR_SIMS; do srr_sim_stop "$s"; done
	cl_cleanup >/dev/null 2>&1
	SRR_SIMS=""
	CL_NODE_HOOKS=$hooks0
}

run_cap() {
	local cap=$1 last=$2 ns=$3 systems="" n r t0 site="" k
	for n in $ns; do systems="$systems s$n:$n"; done
	[ "$last" = 1 ] && for n in $ns; do systems="$systems b$n:$n"; done
	[ "$cap" = 32 ] && site="q1:32 q2:32 q3:32 q4:32" && systems="$systems $site"
	for k in $([ "$cap" = 8 ] && seq 1 "$TRIALS"); do systems="$systems d$k:8"; done
	srr_init || return 1
	topo $systems >"$CL_DIR/bench.ini"
	SRR_TOPO=$CL_DIR/bench.ini
	SRR_SYSTEMS_CONF=$(conf $(for s in $systems; do case $s in b*) ;; *) echo "$s" ;; esac; done))
	SRR_POL[max_per_source]=$cap
	SRR_POL[max_per_dest]=$cap
	# a session per command up to srrd's 16, then channels shared (8 per
	# session, hmcsim runs them at once): the site's 128 still fit
	SRR_SESSIONS=$((cap + 2 > 16 ? 16 : cap + 2))
	echo "# cap $cap: starting 3 agents, hmcsim ($SRR_SESSIONS sessions per agent)" >&2
	srr_up 3 || { echo "makespan: the stack did not come up (cap $cap)" >&2; srr_diag >&2; stack_down; return 1; }
	sleep 3	# warm: every agent holds its sessions
	for n in $ns; do
		t0=$(cl_now_ms)
		srr_set_state "s$n" "Power Off"
		if r=$(measure "$t0" "$n" $(( (CONFIRM_MS + (n + cap - 1) / cap * RESTART_MS) / 1000 * 3 + 60 )) "s$n"); then
			echo "srrha $cap $n $r $(bound "$n" "$cap") $(srr_log twice --since "$t0" | wc -l) $(det_parts "$t0" "s$n")" | tee -a "$dat"
		else
			echo "# cap $cap N $n: not failed over in time" >&2; srr_diag >&2
		fi
		sleep 2
	done
	for k in $([ "$cap" = 8 ] && seq 1 "$TRIALS"); do
		sleep "0.$((RANDOM % 10))"	# any phase of the poll
		t0=$(cl_now_ms)
		srr_set_state "d$k" "Power Off"
		if r=$(measure "$t0" 8 60 "d$k"); then
			echo "trial $cap 8 $r $(bound 8 "$cap") $(srr_log twice --since "$t0" | wc -l) $(det_parts "$t0" "d$k")" | tee -a "$dat"
		else
			echo "# detection trial $k: not failed over in time" >&2; srr_diag >&2
		fi
		sleep 1
	done
	if [ -n "$site" ]; then
		t0=$(cl_now_ms)
		# at once, as a site is lost: one after another, the four
		# could fall on two polls and be confirmed a poll apart
		local pids=""
		for s in q1 q2 q3 q4; do srr_set_state "$s" "Power Off" & pids="$pids $!"; done
		wait $pids
		if r=$(measure "$t0" 128 120 q1 q2 q3 q4); then
			# 4 sources of cap each, but 2 destinations of
			# max_per_dest (= cap) each: 2 x cap at once
			echo "site4 $cap 128 $r $(bound 128 $((2 * cap))) $(srr_log twice --since "$t0" | wc -l) $(det_parts "$t0" q1 q2 q3 q4)" | tee -a "$dat"
		else
			echo "# site of 4 sources: not failed over in time" >&2
		fi
	fi
	if [ "$last" = 1 ]; then
		for k in 1 2 3; do srrd_kill "$k" TERM; done
		sleep 1
		for n in $ns; do
			[ "$n" = 128 ] && [ "$full" = 0 ] && continue
			cl_exec 1 "$here/rrmonitor.sh" "b$n" dst1 "$INTERVAL_S" "hscroot@$CL_NET.200" \
				-i "$SRR_DIR/id" -o "UserKnownHostsFile=$SRR_DIR/known_hosts" \
				>"$out/rrmonitor-b$n.log" 2>&1 &
			local bp=$!
			sleep 3	# it listed the partitions and polls
			t0=$(cl_now_ms)
			srr_set_state "b$n" "Power Off"
			if r=$(measure "$t0" "$n" $(( n * 3 + 60 )) "b$n"); then
				echo "baseline 1 $n $r $(bound "$n" 1) $(srr_log twice --since "$t0" | wc -l)" | tee -a "$dat"
			else
				echo "# baseline N $n: not done in time" >&2
			fi
			kill "$bp" 2>/dev/null
			wait "$bp" 2>/dev/null
		done
	fi
	cp "$SRR_DIR/h/cmd.json" "$out/cmd-cap$cap.json"
	stack_down
}

hooks0=${CL_NODE_HOOKS:-}
caps=${BENCH_CAPS:-1 8 32}	# BENCH_CAPS: some caps only, appended to the .dat
params="params $POLL_MS $CONFIRM_MS $RESTART_MS"
if [ -z "${BENCH_CAPS:-}" ] || [ ! -s "$dat" ]; then
	echo "$params" >"$dat"
elif [ "$(grep '^params ' "$dat")" != "$params" ]; then
	# report.py reads one set of parameters for every row
	echo "makespan: $dat was measured with other parameters ($(grep '^params ' "$dat" || echo 'none')); not appending" >&2
	exit 1
fi
for cap in $caps; do
	case $cap in
	1) run_cap 1 0 "8 32$([ "$full" = 1 ] && echo ' 128')" ;;
	8) run_cap 8 0 "8 32 128" ;;
	32) run_cap 32 1 "8 32 128" ;;
	esac
done
