#!/bin/bash
# sim_ssh.sh: hmcsim through OpenSSH's own client (exec path): strict
# host keys, key authentication, exit codes, two endpoints taken down and
# back, host key rotation, faults, 64 concurrent sessions, persistence, a
# stop while a command still runs.
. "$(dirname "$0")/sim_lib.sh"
echo "1..21"
sim_start "$TOPOS/seed.ini" --time-scale 0.01

out=$(sim_ssh 'lssyscfg -r sys -F name,powervm_lpar_simplified_remote_restart_capable')
check "exec: the seed's system listing" '[ "$out" = "$(cat "$TOP_SRCDIR/tests/fixtures/seed/lssyscfg_sys_srr_capable.out")" ]'

out=$(sim_ssh "rrstartlpar -o restart -m p814-1 -t p814-2 -p lpar1"); rc=$?
check "exec: an HSCL error on stdout, exit 1" '[ "$rc" = 1 ] && [ "${out:0:8}" = HSCLA9CE ]'

sim_ssh 'nosuchcmd' >/dev/null 2>"$SIM_TMP/err"; rc=$?
check "exec: unknown command exits 127, message on stderr" '[ "$rc" = 127 ] && grep -q '\''command not found'\'' "$SIM_TMP/err"'

ssh-keygen -q -t ed25519 -N '' -f "$SIM_TMP/other"
timeout 20 ssh "${SSH_OPTS[@]}" -o UserKnownHostsFile="$SIM_TMP/known_hosts" -i "$SIM_TMP/other" \
	-p "$SIM_PORT" hscroot@127.0.0.1 'lssyscfg -r sys -F name' </dev/null >/dev/null 2>&1; rc=$?
check "a key not in authorized_keys is refused" '[ "$rc" = 255 ]'

out=$(sim_ssh -P "$SIM_PORT2" 'lssyscfg -r sys -m p814-2 -F state')
check "second endpoint serves the same model" '[ "$out" = Operating ]'

simctl endpoint 0 down >/dev/null; sleep 0.5
sim_ssh 'lssyscfg -r sys -m p814-1 -F state' >/dev/null 2>/dev/null; rc1=$?
out=$(sim_ssh -P "$SIM_PORT2" 'lssyscfg -r sys -m p814-1 -F state')
check "endpoint 0 down: refused there, endpoint 1 still answers" '[ "$rc1" = 255 ] && [ "$out" = Operating ]'
simctl endpoint 0 up >/dev/null; sleep 0.5
check "endpoint 0 back up" 'sim_ssh '\''lslic -m p814-1 -F ecnumber'\'' >/dev/null'

simctl hostkey rotate >/dev/null; sleep 0.5
sim_ssh 'lssyscfg -r sys -m p814-1 -F state' >/dev/null 2>/dev/null; rc1=$?
sim_known_hosts
out=$(sim_ssh 'lssyscfg -r sys -m p814-1 -F state')
check "host key rotated: the old known_hosts is refused, the new accepted" '[ "$rc1" = 255 ] && [ "$out" = Operating ]'

simctl fault add lssyscfg p814-2 fail HSCL8099 count=1 >/dev/null
out=$(sim_ssh 'lssyscfg -r lpar -m p814-2 -F name'); rc=$?
out2=$(sim_ssh 'lssyscfg -r lpar -m p814-2 -F name'); rc2=$?
check "fault fail: HSCL code once, then normal" '[ "$rc" = 1 ] && [ "${out:0:8}" = HSCL8099 ] && [ "$rc2" = 0 ] && [ -n "$out2" ]'

simctl fault add lslic '*' drop count=1 >/dev/null
sim_ssh 'lslic -m p814-1 -F ecnumber' >/dev/null 2>&1; rc=$?
check "fault drop: the connection dies without an exit status" '[ "$rc" = 255 ]'

simctl fault add lshwres '*' latency 700 count=1 >/dev/null
t0=$(date +%s%N); sim_ssh 'lshwres -r mem -m p814-1 --level sys -F curr_avail_sys_mem' >/dev/null
t1=$(date +%s%N)
check "fault latency: 700 ms added" '[ $(( (t1 - t0) / 1000000 )) -ge 700 ]'

id=$(simctl fault add lssyscfg '*' hang | awk '{print $2}')
timeout 2 ssh "${SSH_OPTS[@]}" -o UserKnownHostsFile="$SIM_TMP/known_hosts" -i "$SIM_TMP/id" \
	-p "$SIM_PORT" hscroot@127.0.0.1 'lssyscfg -r sys -F name' </dev/null >/dev/null 2>&1; rc=$?
simctl fault del "$id" >/dev/null
check "fault hang: no answer until the client gives up" '[ "$rc" = 124 ]'

simctl fault add lssyscfg '*' garbage count=1 >/dev/null
out=$(sim_ssh 'lssyscfg -r sys -F name,state')
check "fault garbage: exit 0 with unparseable output" 'grep -q GARBAGE <<<"$out"'

# 64 concurrent sessions, each held 1.5 s by a latency fault so that they
# really are open together; the command log proves the overlap.
simctl fault add lssyscfg p814-1 latency 1500 count=64 >/dev/null
pids=()
for i in $(seq 1 64); do
	(sim_ssh 'lssyscfg -r lpar -m p814-1 -F name,state' > "$SIM_TMP/c$i.out" 2>&1; echo $? > "$SIM_TMP/c$i.rc") &
	pids+=($!)
done
wait "${pids[@]}"
good=0
for i in $(seq 1 64); do
	[ "$(cat "$SIM_TMP/c$i.rc")" = 0 ] && [ "$(wc -l < "$SIM_TMP/c$i.out")" = 9 ] && good=$((good + 1))
done
overlap=$(python3 - "$SIM_TMP/log.json" <<'PY'
import json, sys
ev = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["command"] == "lssyscfg -r lpar -m p814-1 -F name,state":
        ev += [(r["start_mono"], 1), (r["end_mono"], -1)]
cur = best = 0
for _, d in sorted(ev, key=lambda e: (e[0], e[1])):
    cur += d; best = max(best, cur)
print(best)
PY
)
echo "# 64 sessions: $good answered fully; at most $overlap commands in flight at once"
check "64 concurrent SSH sessions all answered" '[ "$good" = 64 ]'
check "the command log shows them overlapping (>= 48 at once)" '[ "$overlap" -ge 48 ]'

# The shell without a pty (ssh -T, input piped): prompt, commands, exit.
shell() {
	timeout 30 ssh "${SSH_OPTS[@]}" -o UserKnownHostsFile="$SIM_TMP/known_hosts" \
		-i "$SIM_TMP/id" -p "$SIM_PORT" -T hscroot@127.0.0.1 2>&1
}
out=$(printf 'lssyscfg -r sys -m p814-2 -F name,state\nexit\n' | shell); rc=$?
check "shell: prompt, answer, exit" \
	'[ "$rc" = 0 ] && grep -q "^hscroot@hmcsim:~> p814-2,Operating$" <<<"$out"'
# Cut at any length, this line would power p814-2 off: it must not run.
pad=$(head -c 9000 /dev/zero | tr '\0' ' ')
out=$(printf 'chsysstate -m p814-2 -r sys -o off --immed%sbogus\nexit\n' "$pad" | shell)
check "shell: an over-long line is discarded whole, never run cut" \
	'grep -q "line too long" <<<"$out" && [ "$(simctl show p814-2 | sed -n s/^state=//p)" = Operating ]'

sim_ssh "lssyscfg -r lpar -m p814-1 --filter 'lpar_names=lpar7' -F state" >/dev/null
out=$(simctl log 1)
check "control: log gives the last command, its user and exit status" \
	'python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(not (r[\"command\"].endswith(\"lpar_names=lpar7'"'"' -F state\") and r[\"user\"] == \"hscroot\" and r[\"exit_status\"] == 0))" "$out"'
logins=$(simctl status | awk '$1 == "logins" && $2 == 0 && $3 == "127.0.0.1" { print $4 }')
before=$logins
sim_ssh true >/dev/null 2>&1
logins=$(simctl status | awk '$1 == "logins" && $2 == 0 && $3 == "127.0.0.1" { print $4 }')
check "control: the log names the client's address; status counts its logins" \
	'python3 -c "import json,sys; sys.exit(json.loads(sys.argv[1])[\"peer\"] != \"127.0.0.1\")" "$out" && [ "$logins" = $((before + 1)) ]'

sim_ssh 'chsyscfg -r lpar -m p814-1 -i "name=lpar2,simplified_remote_restart_capable=1"'
sim_stop
sim_start "$TOPOS/seed.ini" --time-scale 0.01
out=$(sim_ssh "lssyscfg -r lpar -m p814-1 --filter 'lpar_names=lpar2' -F simplified_remote_restart_capable")
check "state persists across a restart of hmcsim" '[ "$out" = 1 ]'

# Stopped while a command sleeps 8 s: hmcsim waits 3 s for it, then
# leaves without returning from main (the model is in main's frame).
simctl fault add lssyscfg '*' latency 8000 count=1 >/dev/null
sim_ssh 'lssyscfg -r sys -F name' >/dev/null 2>&1 &
cpid=$!
sleep 1
t0=$(date +%s%N)
kill "$SIM_PID"
wait "$SIM_PID"; rc=$?
t1=$(date +%s%N)
SIM_PID=
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
echo "# stopped in $(( (t1 - t0) / 1000000 )) ms with a command running, exit $rc"
check "stop with a command running: hmcsim waits at most 3 s, says so, exits 0" \
	'[ "$rc" = 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 5000 ] && grep -q "stopping with commands still running" "$SIM_TMP/hmcsim.err"'
finish
