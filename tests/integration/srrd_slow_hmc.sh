#!/bin/bash
# srrd_slow_hmc.sh: a slow or huge HMC (issue 15). hmcsim answers every
# lssyscfg (srrd's poll and inventory) at 1 byte a second, then with
# 100 MB of listing lines:
#  - slow: the poll times out ([hmc] timeout, 10 s in the stack) and srrd
#    logs it within that bound; hmcsim sees srrd leave mid-answer; srrctl
#    status answers within 2 s on every node, sampled while the poll is
#    out; srcB, powered off meanwhile, is not restarted (no agent could
#    read it).
#  - huge: srrd cuts the output at its cap (max_output, HMC_OUTPUT_MAX in
#    hmc/hmc.h: 16 MiB) and logs it; the leader's peak RSS (VmHWM) grows
#    far less than 100 MB; srrctl status still answers; no restart.
#  - faults cleared: srcB is failed over (its first restart after the
#    clear), then srcA powered off is failed over too.
#  - stopped inside a command: SIGTERM while the leader's poll is held
#    3 s (latency) ends srrd when the poll has answered, within the 3 s;
#    while it hangs, srrd leaves it in flight after SRRD_STOP_WAIT_MS
#    (5 s) and says so; both log "stopped" and no sanitizer report.
# Proven in hmcsim's command log, srrd's and hmcsim's logs, /proc and
# every store.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 200 "$@"

CAP=16777216			# HMC_OUTPUT_MAX, hmc/hmc.h
HMC_TIMEOUT_MS=10000		# [hmc] timeout in srr_conf_write
STATUS_MAX_MS=2000
tap_plan 20
srr_init
[ -x "$SRRCTL_BIN" ] || tap_skip_all "srrctl not built"
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
ALL="1 2 3"
L=$SRR_LEADER
echo "# node $L leads"

# status_ms k: how long `srrctl status` took on node k (ms), "fail" if it
# gave no answer (srrctl exits 1 or 2 for debts: an answer still)
status_ms() {
	local t0 rc out
	t0=$(cl_now_ms)
	out=$(cl_exec "$1" timeout 10 "$SRRCTL_BIN" -c "$CL_DIR/n$1/srrha.conf" status 2>&1)
	rc=$?
	if [ "$rc" -gt 2 ] || [ -z "$out" ]; then echo fail; return; fi
	echo $(( $(cl_now_ms) - t0 ))
}
hwm_kb() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$(cl_pid "$1" srrd)/status"; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# watch PATTERN SECS: sample srrctl status on every node about once a
# second until the leader's log holds a new line matching PATTERN and at
# least 6 samples are in, at most SECS. Sets SEEN_MS (from the call;
# empty if never), NS (answers), WORST (slowest, ms), FAILS (no answer).
watch() {
	local pat=$1 secs=$2 t0 from k ms
	from=$(wc -l <"$CL_DIR/n$L/srrd.err")
	t0=$(cl_now_ms)
	SEEN_MS="" NS=0 WORST=0 FAILS=0
	while [ $(( $(cl_now_ms) - t0 )) -lt $(( secs * 1000 )) ]; do
		for k in $ALL; do
			ms=$(status_ms "$k")
			if [ "$ms" = fail ]; then
				FAILS=$((FAILS + 1))
			else
				NS=$((NS + 1))
				[ "$ms" -gt "$WORST" ] && WORST=$ms
			fi
		done
		if [ -z "$SEEN_MS" ] && tail -n "+$((from + 1))" "$CL_DIR/n$L/srrd.err" |
			grep -q -- "$pat"; then
			SEEN_MS=$(( $(cl_now_ms) - t0 ))
		fi
		[ -n "$SEEN_MS" ] && [ "$NS" -ge 6 ] && break
		sleep 1
	done
	echo "# srrctl status: $NS answers, slowest $WORST ms, $FAILS without an answer"
}
status_ok() { [ "$FAILS" = 0 ] && [ "$NS" -ge 6 ] && [ "$WORST" -lt "$STATUS_MAX_MS" ]; }

# ---- slow: 1 byte a second ----
id_slow=$(srr_simctl fault add lssyscfg '*' slow 1 | awk '{ print $2 }')
T_SLOW=$(cl_now_ms)
sleep 2		# a poll that began before the fault has answered
srr_set_state srcB "Power Off"
watch "srrd: HMC hmc1: .*timed out after $HMC_TIMEOUT_MS ms" 25
echo "# slow: the leader logged the timeout $((SEEN_MS + 2000)) ms after the fault: $(grep -m1 "srrd: HMC hmc1: .*timed out after" "$CL_DIR/n$L/srrd.err" | cut -c1-200)"
tap_ok "slow: srrd logs the poll's timeout within the [hmc] timeout + 5 s" \
	test -n "$SEEN_MS" -a "$((SEEN_MS + 2000))" -le $((HMC_TIMEOUT_MS + 5000))
tap_ok "slow: srrctl status answered every time, each within $STATUS_MAX_MS ms" status_ok
late=$(grep -c "has not answered yet" "$CL_DIR/n$L/srrd.err")
outs=$(grep -c "hmc-ssh: command on .* timed out" "$CL_DIR/n$L/srrd.err")
echo "# slow: the leader logged $late late polls for $outs timed-out commands"
tap_ok "slow: a late poll is logged once, not once a second" test "$late" -le $((outs + 1))
tap_ok "slow: hmcsim saw srrd close the channel mid-answer" \
	grep -q "client gone after" "$SRR_DIR/h/hmcsim.log"
tap_ok "slow: the slow answers are in the command log" \
	eval '[ "$(grep -c "\"fault\":\"slow" "$SRR_DIR/h/cmd.json")" -ge 1 ]'

# ---- huge: 100 MB (added before slow goes: no poll in between answers) ----
H0=$(hwm_kb "$L")
srr_simctl fault add lssyscfg '*' huge 100000000 >/dev/null
srr_simctl fault del "$id_slow" >/dev/null
watch "srrd: HMC hmc1: .*exceeds $CAP bytes" 25
sleep 3		# a few more huge polls on the leader
H1=$(hwm_kb "$L")
echo "# huge: cut after $SEEN_MS ms: $(grep -m1 "srrd: HMC hmc1: .*exceeds $CAP" "$CL_DIR/n$L/srrd.err" | cut -c1-200)"
echo "# huge: $(grep -c "hmc-ssh: output .* exceeds $CAP" "$CL_DIR/n$L/srrd.err") outputs cut on the leader; hmcsim VmRSS $(rss_kb "$(cat "$SRR_DIR/h/pid")") kB"
echo "# huge: leader srrd VmHWM before $H0 kB, after $H1 kB, growth $((H1 - H0)) kB (cap $((CAP / 1024)) kB, output 97656 kB)"
tap_ok "huge: srrd refuses output past its cap ($CAP bytes) and says so" test -n "$SEEN_MS"
tap_ok "huge: srrd's peak RSS grows by less than 2.5 times the cap (far below 100 MB)" \
	test "$((H1 - H0))" -lt $((CAP * 5 / 2 / 1024))
tap_ok "huge: srrctl status answered every time, each within $STATUS_MAX_MS ms" status_ok
tap_ok "huge: the three agents are still running" eval 'srrd_alive 1 && srrd_alive 2 && srrd_alive 3'
tap_is "$(srr_log count restart)" 0 "slow then huge: srcB powered off, nothing restarted"

# ---- faults cleared: real failovers ----
srr_simctl fault clear >/dev/null
T_CLR=$(cl_now_ms)
tap_ok "faults cleared: srcB failed over, debts in all three stores" \
	cl_wait 60 srr_failed_over srcB "$SRR_ELIGIBLE_B" $ALL
echo "# srcB: first restart $(( $(srr_log first-start restart) - T_CLR )) ms after the clear"
tap_ok "command log: no restart began before the faults were cleared" \
	test "$(srr_log first-start restart)" -ge "$T_CLR"
tap_ok "srcA powered off: failed over, debts in all three stores" \
	srr_failover srcA "$SRR_ELIGIBLE"
echo "# srcA: failed over in $(( $(cl_now_ms) - SRR_T_OFF )) ms"
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3

# ---- stopped inside a command ----
STOP_WAIT_MS=5000		# SRRD_STOP_WAIT_MS, agent/srrd_int.h
# stop_in_poll FAULT...: adds the fault to lssyscfg, waits until the
# leader logs a late poll (one is out), sends it SIGTERM; sets STOP_MS
# (SIGTERM to exit, "" if still running after 15 s) and NEW (its log
# lines since the fault)
stop_in_poll() {
	local k=$L from p t0 id
	from=$(wc -l <"$CL_DIR/n$k/srrd.err")
	id=$(srr_simctl fault add lssyscfg '*' "$@" | awk '{ print $2 }')
	cl_wait 20 eval "tail -n +$((from + 1)) '$CL_DIR/n$k/srrd.err' | grep -q 'has not answered yet'"
	p=$(cl_pid "$k" srrd)
	t0=$(cl_now_ms)
	kill -TERM "$p"
	STOP_MS=""
	cl_wait 15 eval "! kill -0 $p 2>/dev/null" && STOP_MS=$(( $(cl_now_ms) - t0 ))
	srr_simctl fault del "$id" >/dev/null
	NEW=$(tail -n "+$((from + 1))" "$CL_DIR/n$k/srrd.err")
	echo "# node $k stopped in $STOP_MS ms: $(grep -E "stopping: |stopped" <<<"$NEW" | cut -c1-160 | tr '\n' '|')"
}
clean_end() { grep -q "srrd: stopped" <<<"$NEW" && ! grep -qE "Sanitizer|runtime error|SEGV" <<<"$NEW"; }

stop_in_poll latency 3000
tap_ok "stop in a 3 s poll: srrd waits for it, says so, and ends within 3 s + 1 s" \
	eval '[ -n "$STOP_MS" ] && [ "$STOP_MS" -le 4000 ] && grep -q "waiting up to" <<<"$NEW"'
tap_ok "stop in a 3 s poll: nothing left in flight, a clean end" \
	eval '! grep -q "left in flight" <<<"$NEW" && clean_end'
STOPPED=$L
REST=$(for k in $ALL; do [ "$k" = "$STOPPED" ] || echo "$k"; done | tr '\n' ' ')
L=$(srrd_wait_leader 30 "$REST") || echo "# no new leader among nodes $REST"
echo "# node $L leads"
stop_in_poll hang
tap_ok "stop in a hung poll: srrd ends after its $STOP_WAIT_MS ms wait, within 2 s more" \
	eval '[ -n "$STOP_MS" ] && [ "$STOP_MS" -ge $STOP_WAIT_MS ] && [ "$STOP_MS" -le $((STOP_WAIT_MS + 2000)) ]'
tap_ok "stop in a hung poll: srrd says the command is left in flight, and ends cleanly" \
	eval 'grep -q "left in flight" <<<"$NEW" && clean_end'
LAST=$(for k in $REST; do [ "$k" = "$L" ] || echo "$k"; done)
tap_ok "the third agent (node $LAST) still runs" srrd_alive "$LAST"
tap_ok "after both stops, the remaining ledgers are equal to the stopped ones" srr_ledgers_equal 1 2 3
echo "# whole test: $(( $(cl_now_ms) - T_SLOW )) ms from the first fault"
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
