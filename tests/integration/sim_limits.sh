#!/bin/bash
# sim_limits.sh: hmcsim's connection limits, like OpenSSH's LoginGraceTime,
# MaxStartups and MaxAuthTries: connections that never finish the SSH
# handshake are dropped in bounded time, past the cap a connection is
# closed at once (no thread for it), the thread count stays bounded, a
# wrong password costs a pause, and a normal login still works after.
set -u
. "$(dirname "$0")/sim_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
GRACE=2 STARTUPS=20 HELD=20 EXTRA=10

echo "1..12"
sim_start "$TOPOS/seed.ini" --login-grace-time "$GRACE" --max-startups "$STARTUPS" \
	--max-sessions 40 --auth-fail-delay 700
python3 "$here/sim_limits.py" "$SIM_PORT" "$SIM_PID" "$SIMCTL" "$SIM_TMP/ctl" \
	"$HELD" "$EXTRA" $((GRACE + 4)) >"$SIM_TMP/facts" 2>&1
sed 's/^/# /' "$SIM_TMP/facts"
fact() { sed -n "s/^$1=//p" "$SIM_TMP/facts"; }

check "the $HELD silent connections are counted as not logged in" \
	'[ "$(fact not_logged_in_held)" = "$HELD" ]'
check "the $EXTRA connections past --max-startups are closed within 2 s" \
	'[ "$(fact extra_closed)" = "$EXTRA" ] && [ "$(fact refused)" = "$EXTRA" ]'
check "threads while held: at most one per session above the base" \
	'[ "$(fact threads_held)" -le $(( $(fact threads_base) + HELD )) ]'
check "every silent connection dropped within the grace time + 4 s" \
	'[ "$(fact held_closed)" = "$HELD" ] && [ "$(fact reaped)" = "$HELD" ]'
check "no session left, threads back to the base" \
	'[ "$(fact sessions_after)" = 0 ] && [ "$(fact threads_after)" -le "$(fact threads_base)" ]'
check "a normal login works after" 'sim_ssh "lssyscfg -r sys -F name" >/dev/null'

# A wrong password: refused after the pause (MaxAuthTries keeps a client
# from trying more than 6 on one connection).
cat >"$SIM_TMP/askpass" <<'AP'
#!/bin/sh
echo wrong-password
AP
chmod +x "$SIM_TMP/askpass"
start=$(date +%s%N)
SSH_ASKPASS="$SIM_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 30 \
	ssh -o StrictHostKeyChecking=yes -o PubkeyAuthentication=no \
	-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
	-o UserKnownHostsFile="$SIM_TMP/known_hosts" -o ConnectTimeout=10 \
	-p "$SIM_PORT" hscroot@127.0.0.1 true </dev/null >/dev/null 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# a wrong password was answered after $ms ms (ssh exit $rc)"
check "a wrong password is refused" '[ "$rc" = 255 ]'
check "a wrong password costs the 700 ms pause" '[ "$ms" -ge 700 ]'
for i in $(seq 1 50); do
	grep -q "refused (1 of 6)" "$SIM_TMP/hmcsim.err" && break
	sleep 0.1
done
check "the refusal is logged with its count" 'grep -q "password of hscroot refused (1 of 6)" "$SIM_TMP/hmcsim.err"'
# --max-sessions counts every session, logged in or not.
sim_stop
sim_start "$TOPOS/seed.ini" --login-grace-time "$GRACE" --max-sessions 5 \
	--auth-fail-delay 100
# MaxAuthTries: a client with 8 password tries on one connection is cut
# after the 6th refusal (6 x 100 ms, within the grace time).
SSH_ASKPASS="$SIM_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 60 \
	ssh -o StrictHostKeyChecking=yes -o PubkeyAuthentication=no \
	-o PreferredAuthentications=password -o NumberOfPasswordPrompts=8 \
	-o UserKnownHostsFile="$SIM_TMP/known_hosts" -o ConnectTimeout=10 \
	-p "$SIM_PORT" hscroot@127.0.0.1 true </dev/null >/dev/null 2>&1
# hmcsim logs from a thread of its own: give the line up to 5 s to appear
for i in $(seq 1 50); do
	grep -q "too many authentication failures" "$SIM_TMP/hmcsim.err" && break
	sleep 0.1
done
check "6 refused passwords on one connection cut it (the 7th is never tried)" \
	'grep -q "too many authentication failures for hscroot" "$SIM_TMP/hmcsim.err" && ! grep -q "refused (7 of 6)" "$SIM_TMP/hmcsim.err"'

python3 "$here/sim_limits.py" "$SIM_PORT" "$SIM_PID" "$SIMCTL" "$SIM_TMP/ctl" \
	5 3 $((GRACE + 4)) >"$SIM_TMP/facts" 2>&1
sed 's/^/# max-sessions 5: /' "$SIM_TMP/facts"
check "past --max-sessions 5, 3 more connections are closed at once" \
	'[ "$(fact extra_closed)" = 3 ] && [ "$(fact refused)" = 3 ]'
check "the refusal names the cap" 'grep -q "max-sessions reached" "$SIM_TMP/hmcsim.err"'
finish
