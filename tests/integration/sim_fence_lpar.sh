#!/bin/bash
# sim_fence_lpar.sh: Debian's unmodified fence_lpar (fence-agents) drives
# hmcsim's interactive shell (password login, pexpect, the ":~>" prompt)
# for list, status, off, on and reboot; results are checked in the model
# through the control socket, not through fence_lpar's own word.
. "$(dirname "$0")/sim_lib.sh"
FENCE_LPAR=/usr/sbin/fence_lpar
[ -x "$FENCE_LPAR" ] || { echo "1..0 # SKIP fence_lpar not installed (fence-agents)"; exit 0; }
echo "1..10"
sim_start "$TOPOS/seed.ini" --time-scale 0.01

fence() {
	timeout 60 "$FENCE_LPAR" --ip 127.0.0.1 --ipport "$SIM_PORT" --username hscroot \
		--password "$SIM_PASSWORD" --ssh --managed p814-1 \
		--ssh-options="-o UserKnownHostsFile=$SIM_TMP/known_hosts -o StrictHostKeyChecking=yes" \
		--power-timeout 20 "$@"
}
model_state() { simctl show p814-1 "$1" | sed -n 's/^state=//p'; }

out=$(fence --action list); rc=$?
check "list: every partition of p814-1, exit 0" \
	'[ "$rc" = 0 ] && [ "$(grep -c , <<<"$out")" = 9 ] && grep -q "^lpar7," <<<"$out"'

out=$(fence --plug lpar1 --action status); rc=$?
check "status of a Running partition: ON, exit 0" '[ "$rc" = 0 ] && [ "$out" = "Status: ON" ]'

out=$(fence --plug lpar2 --action status); rc=$?
check "status of a Not Activated partition: OFF, exit 2" '[ "$rc" = 2 ] && [ "$out" = "Status: OFF" ]'

out=$(fence --plug lpar1 --action off); rc=$?
check "off: success reported" '[ "$rc" = 0 ]'
check "off: the model has lpar1 Not Activated" '[ "$(model_state lpar1)" = "Not Activated" ]'

out=$(fence --plug lpar1 --action on); rc=$?
sleep 0.5
check "on: success, and the model has lpar1 Running (profile found by fence_lpar's backtick lookup)" \
	'[ "$rc" = 0 ] && [ "$(model_state lpar1)" = Running ]'

check "on: fence_lpar's co-management check (lscomgmt -m p814-1) answered with exit 0" \
	'grep "\"command\":\"lscomgmt -m p814-1" "$SIM_TMP/log.json" | grep -q "\"exit_status\":0"'

before=$(grep -c '"command":"chsysstate' "$SIM_TMP/log.json")
out=$(fence --plug lpar6 --action reboot); rc=$?
sleep 0.5
after=$(grep -c '"command":"chsysstate' "$SIM_TMP/log.json")
check "reboot: success, lpar6 Running again after a shutdown and an activation" \
	'[ "$rc" = 0 ] && [ "$(model_state lpar6)" = Running ] && [ $((after - before)) = 2 ]'

check "every fence_lpar command went through the interactive shell as hscroot" \
	'! grep "\"command\":\"chsysstate" "$SIM_TMP/log.json" | grep -v "\"mode\":\"shell\"" | grep -q . && grep -q "\"user\":\"hscroot\"" "$SIM_TMP/log.json"'

out=$(timeout 60 "$FENCE_LPAR" --ip 127.0.0.1 --ipport "$SIM_PORT" --username hscroot \
	--password wrong --ssh --managed p814-1 --plug lpar1 --action status \
	--ssh-options="-o UserKnownHostsFile=$SIM_TMP/known_hosts" --login-timeout 5 2>&1); rc=$?
check "a wrong password is refused (fence_lpar fails, nothing changes)" \
	'[ "$rc" != 0 ] && [ "$(model_state lpar1)" = Running ]'
finish
