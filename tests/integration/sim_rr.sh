#!/bin/bash
# sim_rr.sh: a remote restart rehearsal on the 4-system estate, over SSH,
# with assertions on hmcsim's command log: nothing restarted while the
# source was Operating, restarts overlapped, a second restart refused,
# cleanup only once the source is back, cancel rolls back.
. "$(dirname "$0")/sim_lib.sh"
echo "1..13"
# time scale 0.01: restart 1.5 s, validate 0.1 s, power on 1.2 s; sys04
# allows 4 concurrent remote restarts instead of 32.
sed '/^\[system sys04\]$/a rr_limit = 4' "$TOPOS/estate4.ini" > "$SIM_TMP/estate4.ini"
sim_start "$SIM_TMP/estate4.ini" --time-scale 0.01
LPARS=$(seq -f 'sys01-lp%03g' 1 10)

dest_of() { case $1 in *lp00[1-5]) echo sys02 ;; *) echo sys03 ;; esac; }
# run_all OP: one ssh per partition, in parallel; rc files in $SIM_TMP.
run_all() {
	local op=$1 l pids=()
	for l in $LPARS; do
		if [ "$op" = cleanup ]; then
			cmd="rrstartlpar -o cleanup -m sys01 -p $l"
		else
			cmd="rrstartlpar -o $op -m sys01 -t $(dest_of "$l") -p $l"
		fi
		(sim_ssh "$cmd" > "$SIM_TMP/$op.$l.out" 2>&1; echo $? > "$SIM_TMP/$op.$l.rc") &
		pids+=($!)
	done
	wait "${pids[@]}"
}
count_rc() { cat "$SIM_TMP/$1".*.rc | grep -cx "$2"; }

run_all validate
check "validate of 10 partitions while the source is Operating: all 0" '[ "$(count_rc validate 0)" = 10 ]'

run_all restart
check "restart while the source is Operating: all refused with HSCLA9CE" \
	'[ "$(count_rc restart 1)" = 10 ] && [ "$(cat "$SIM_TMP"/restart.*.out | grep -c ^HSCLA9CE)" = 10 ]'
rm -f "$SIM_TMP"/restart.*

sim_ssh 'chsysstate -m sys01 -r sys -o off --immed'
for i in $(seq 1 50); do
	[ "$(sim_ssh 'lssyscfg -r sys -m sys01 -F state')" = "Power Off" ] && break
	sleep 0.1
done
check "source powered off through chsysstate" '[ "$(simctl show sys01 | sed -n s/^state=//p)" = "Power Off" ]'

t0=$(date +%s%N)
run_all restart
t1=$(date +%s%N)
elapsed=$(( (t1 - t0) / 1000000 ))
echo "# 10 restarts of 1.5 s each took $elapsed ms in all"
check "10 restarts in parallel: all exit 0" '[ "$(count_rc restart 0)" = 10 ]'
check "they ran in parallel (well under 10 x 1.5 s)" '[ "$elapsed" -lt 8000 ]'
check "every partition Running on its destination, Remote Restarted on the source" '
	for l in $LPARS; do
		simctl show "$(dest_of "$l")" "$l" | grep -qx state=Running || exit 1
		simctl show sys01 "$l" | grep -qx "rr_status=Remote Restarted" || exit 1
	done'

out=$(sim_ssh 'rrstartlpar -o restart -m sys01 -t sys04 -p sys01-lp001'); rc=$?
check "a second restart of the same partition is refused" '[ "$rc" = 1 ] && [ "${out:0:8}" = HSCLA9D0 ]'

python3 - "$SIM_TMP/log.json" > "$SIM_TMP/verdict" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
off = [r for r in log if r["command"].startswith("chsysstate -m sys01 -r sys -o off")]
rs = [r for r in log if r["command"].startswith("rrstartlpar -o restart -m sys01")]
ok = [r for r in rs if r["exit_status"] == 0]
early = [r for r in ok if not off or r["start_mono"] < off[0]["end_mono"]]
refused_before = all(r["exit_status"] == 1 for r in rs if off and r["end_mono"] <= off[0]["start_mono"])
ev = sorted([(r["start_mono"], 1) for r in ok] + [(r["end_mono"], -1) for r in ok])
cur = best = 0
for _, d in ev:
    cur += d; best = max(best, cur)
print("successful", len(ok), "early", len(early), "refused_before", refused_before, "overlap", best)
PY
echo "# command log: $(cat "$SIM_TMP/verdict")"
check "command log: no restart succeeded that began before the source was powered off" \
	'grep -q "successful 10 early 0 refused_before True" "$SIM_TMP/verdict"'
check "command log: the restarts overlapped (>= 8 at once)" \
	'[ "$(awk "{print \$NF}" "$SIM_TMP/verdict")" -ge 8 ]'

out=$(sim_ssh 'rrstartlpar -o cleanup -m sys01 -p sys01-lp001'); rc=$?
check "cleanup refused while the source is Power Off" '[ "$rc" = 1 ] && [ "${out:0:8}" = HSCLA9CE ]'

sim_ssh 'chsysstate -m sys01 -r sys -o on'
for i in $(seq 1 60); do
	[ "$(sim_ssh 'lssyscfg -r sys -m sys01 -F state')" = Operating ] && break
	sleep 0.1
done
run_all cleanup
check "cleanup once Operating: all exit 0, the source definitions gone, the partitions still run" '
	[ "$(count_rc cleanup 0)" = 10 ] &&
	[ "$(sim_ssh "lssyscfg -r lpar -m sys01 -F name")" = "$(printf "vios1\nvios2")" ] &&
	simctl show sys02 sys01-lp001 | grep -qx state=Running'

simctl set-state sys04 'Error - Dump in progress' >/dev/null
(sim_ssh 'rrstartlpar -o restart -m sys04 -t sys02 -p sys04-lp001' > "$SIM_TMP/cancel.out"; echo $? > "$SIM_TMP/cancel.rc") &
cpid=$!
sleep 0.4
sim_ssh 'rrstartlpar -o cancel -m sys04 -p sys04-lp001'; crc=$?
wait "$cpid"
check "cancel before the point of no return: the restart fails, nothing left behind" '
	[ "$crc" = 0 ] && [ "$(cat "$SIM_TMP/cancel.rc")" = 1 ] &&
	grep -q ^HSCLA9D7 "$SIM_TMP/cancel.out" &&
	simctl show sys04 sys04-lp001 | grep -qx "rr_status=Remote Restartable" &&
	! simctl show sys02 sys04-lp001 >/dev/null 2>&1'

pids=()
for i in 2 3 4 5 6 7; do
	(sim_ssh "rrstartlpar -o restart -m sys04 -t sys03 -p sys04-lp00$i" > "$SIM_TMP/lim.$i.out"; echo $? > "$SIM_TMP/lim.$i.rc") &
	pids+=($!)
	sleep 0.05
done
wait "${pids[@]}"
check "the per-system limit: 4 of 6 concurrent restarts run, 2 refused with HSCLA9D4" '
	[ "$(cat "$SIM_TMP"/lim.*.rc | grep -cx 0)" = 4 ] &&
	[ "$(cat "$SIM_TMP"/lim.*.out | grep -c ^HSCLA9D4)" = 2 ]'
finish
