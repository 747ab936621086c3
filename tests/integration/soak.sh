#!/bin/bash
# soak.sh: repeated failovers and returns of srcA (8 eligible partitions)
# for SOAK_MINUTES (default 2), each round under one fault drawn from a
# seeded random stream (SOAK_SEED, printed; fresh per run):
#   none | hmc-latency (1.5 s on every command) | hmc-garbage (3 polls of
#   garbage) | drop (2 restarts cut without an answer: outcome unknown) |
#   kill-leader / kill-follower (kill -9 mid-failover, back after 5 s) |
#   partition (the leader cut from the others for 8 s) | endpoint-down
#   (one of the two HMC endpoints down for the round)
# Each round starts hmcsim afresh from the topology (an HMC that rebooted),
# powers srcA off, waits until every eligible partition runs on a
# destination, heals the fault, powers srcA on and waits until every debt is
# cleaned. After each round it checks, in hmcsim's command log and every
# store: each partition restarted exactly once (never twice, never while it
# ran), 8 more debts cleaned in every store (none lost), the three ledgers
# equal. It samples each srrd's RSS. scripts/soak --minutes N runs it.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
MINUTES=${SOAK_MINUTES:-2}
srr_begin $((MINUTES * 60 + 300)) "$@"

SEED=${SOAK_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
echo "# soak: $MINUTES minutes, seed $SEED (SOAK_SEED=$SEED replays the fault sequence)"
FAULTS=(none hmc-latency hmc-garbage drop kill-leader kill-follower partition endpoint-down)
ALL="1 2 3"
srr_init
SRR_HMCS="hmc1=$CL_NET.200 hmc2=$CL_NET.201"
# the estate changes under srrd at each round (hmcsim afresh): a short
# inventory interval, and a round waits until srcA's 8 are seen ready
SRR_POL[inventory_interval]=5s
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_plan 1; tap_done; }
tap_ok "3 agents up, quorate; node $SRR_LEADER leads" test -n "$SRR_LEADER"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(cl_pid "$1" srrd)/status" 2>/dev/null; }
rss_all() { local k; for k in $ALL; do printf '%s ' "$(rss "$k")"; done; }
RSS0=$(rss_all)
echo "# RSS (kB) of srrd 1 2 3 at the start: $RSS0"

sim_fresh() {	# hmcsim from the topology again, as after an HMC reboot
	srr_sim_stop h
	rm -f "$SRR_DIR/h/state.ini"
	srr_sim_start h "$CL_NET.200,$CL_NET.201" || return 1
	srrd_wait_leader 60 >/dev/null && cl_wait 60 ready8
}
ready8() {	# the leader sees srcA's 8 eligible partitions ready
	local l
	l=$(srr_leader) && [ -n "$l" ] || return 1
	cl_exec "$l" "$SRRCTL_BIN" -c "$CL_DIR/n$l/srrha.conf" status --json 2>/dev/null |
		python3 -c "import json, sys
s = [x for x in json.load(sys.stdin)['data']['systems'] if x['name'] == 'srcA']
sys.exit(0 if s and s[0]['lpars']['ready'] == 8 else 1)"
}
restarted_once() {	# every eligible partition: exactly one successful restart
	local got
	got=$(srr_log per-lpar restart --since "$1" --ok --sys srcA | awk '{ print $1 "=" $2 }' | sort | tr '\n' ' ')
	[ "$got" = "$(printf '%s=1\n' $SRR_ELIGIBLE | sort | tr '\n' ' ')" ] || {
		echo "# restarts since the round began: $got"; return 1; }
}
cleaned_n() {	# every store holds N cleaned records and no open debt
	local k
	for k in $ALL; do
		[ "$(srr_count "$k" cleaned)" = "$1" ] && [ -z "$(srr_debts "$k")" ] || return 1
	done
}
alive_all() { srrd_alive 1 && srrd_alive 2 && srrd_alive 3; }

round=0 violations=0 deadline=$(( $(date +%s) + MINUTES * 60 ))
declare -A seen
while [ "$(date +%s)" -lt "$deadline" ]; do
	round=$((round + 1))
	fault=${FAULTS[RANDOM % ${#FAULTS[@]}]}
	seen[$fault]=$(( ${seen[$fault]:-0} + 1 ))
	t0=$(cl_now_ms)
	ok=1 why=""
	[ "$round" = 1 ] || sim_fresh || { ok=0; why="hmcsim did not come back"; }
	L=$(srr_leader); L=${L:-1}
	F=$(( L % 3 + 1 ))
	case $fault in
	hmc-latency) srr_simctl fault add '*' '*' latency 1500 >/dev/null ;;
	hmc-garbage) srr_simctl fault add lssyscfg '*' garbage count=3 >/dev/null ;;
	drop) srr_simctl fault add rrstartlpar srcA drop count=2 >/dev/null ;;
	endpoint-down) srr_simctl endpoint 0 down >/dev/null ;;
	esac
	srr_set_state srcA "Power Off"
	case $fault in
	kill-leader|kill-follower)
		[ "$fault" = kill-leader ] && victim=$L || victim=$F
		sleep $(( RANDOM % 5 + 1 ))
		srrd_kill "$victim" KILL
		sleep 5
		srrd_start "$victim" ;;
	partition)
		sleep $(( RANDOM % 5 + 1 ))
		cl_partition "$L" "$(echo $ALL | tr ' ' '\n' | grep -vx "$L" | tr '\n' ' ')"
		sleep 8
		cl_heal ;;
	esac
	if [ "$ok" = 1 ] && ! cl_wait 120 srr_restarted_on_dest "$SRR_ELIGIBLE"; then
		ok=0; why="not every partition runs on a destination after 120 s"
	fi
	srr_simctl fault clear >/dev/null
	srr_simctl endpoint 0 up >/dev/null
	if [ "$ok" = 1 ] && ! cl_wait 60 eval 'alive_all && SRR_DEBT_SRC=srcA srr_all_debts "$SRR_ELIGIBLE" 1 2 3'; then
		ok=0; why="the 8 debts are not in every store"
	fi
	[ "$ok" = 1 ] && ! restarted_once "$t0" && { ok=0; why="a partition was not restarted exactly once"; }
	[ "$ok" = 1 ] && [ -n "$(srr_log twice --since "$t0")" ] && { ok=0; why="a partition restarted while it ran"; }
	srr_set_state srcA Operating
	if [ "$ok" = 1 ] && ! cl_wait 120 cleaned_n $((round * 8)); then
		ok=0; why="the debts of round $round are not all cleaned in every store"
	fi
	[ "$ok" = 1 ] && ! cl_wait 30 srr_ledgers_equal 1 2 3 && { ok=0; why="the ledgers differ"; }
	secs=$(( ($(cl_now_ms) - t0) / 1000 ))
	if [ "$ok" = 1 ]; then
		tap_result 0 "round $round ($fault, ${secs} s): 8 restarted once each, 8 cleaned, ledgers equal; RSS $(rss_all)"
	else
		violations=$((violations + 1))
		tap_result 1 "round $round ($fault, ${secs} s): $why"
		srr_diag
		break	# the estate is no longer in a known state
	fi
done
echo "# soak: $round rounds in $MINUTES minutes, seed $SEED, violations $violations"
for f in "${FAULTS[@]}"; do echo "#   $f: ${seen[$f]:-0} rounds"; done
echo "# RSS (kB) of srrd 1 2 3: start $RSS0, end $(rss_all)"
# a clean stop (under ASan, LeakSanitizer reports what was never freed)
for k in $ALL; do srrd_kill "$k" TERM; done
echo "1..$TAP_N"
TAP_PLAN=$TAP_N
tap_done
