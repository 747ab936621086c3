#!/bin/bash
# fence_sim.sh: fence_srr against hmcsim over SSH (loopback), every action,
# in four situations: a partition on an Operating system, after a remote
# restart, on a dead source, on a source the HMC lost (No Connection).
# Debian's unmodified fence_lpar runs the same calls side by side; the
# lines "# TABLE |..." are the comparison in doc/fence_srr.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fence_lib.sh"

fl_skip_unless_built
[ -x "$FL_FENCE_LPAR" ] || { echo "1..0 # SKIP fence-agents' fence_lpar not installed"; exit 0; }

dir=$(mktemp -d /tmp/fence_sim.XXXXXX)
trap 'fl_sim_stop; [ -n "${FENCE_KEEP:-}" ] || rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

row() { echo "# TABLE | $1 | $2 | $3 | $4 |"; }
# what an agent answered: exit code and stdout (or its last error line)
answer() {
	local o=$FL_OUT
	[ -n "$o" ] || o=$(printf '%s\n' "$FL_ERR" | grep -i "error\|fail" | tail -1)
	echo "exit $FL_RC: $(printf '%s' "$o" | tr '\n' ' ' | sed 's/ *$//')"
}
running() { fl_wait 10 eval "[ \"\$(fl_model $1 $2 state)\" = Running ]"; }
# commands sent to SYS's partitions since MARK that change power
power_cmds_on() { fl_log_since "$1" | grep '^chsysstate' | grep -c -- "-m '\?$2'\? "; }

echo "1..40"
fl_init "$dir" || { echo "Bail out! ssh-keygen failed"; exit 1; }
fl_sim_up "$here/fence_topo.ini"
port=$FL_PORT

# --- 1. a partition on an Operating system -------------------------------
fl_srr status lpar1
check "operating: status ON" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'
s=$(answer)
fl_lpar status lpar1 src
check "operating: fence_lpar status ON" '[ "$FL_RC" = 0 ]'
row "Operating" "status" "$(answer)" "$s"

mark=$(fl_log_mark)
fl_srr off lpar1
check "operating: off" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Success: Powered OFF" ]'
check "operating: the model shows lpar1 off" '[ "$(fl_model src lpar1 state)" = "Not Activated" ]'
check "operating: off sent one shutdown --immed to src" \
	'fl_log_since $mark | grep -q "^chsysstate.*-m .src. .*-o shutdown --immed"'
fl_srr status lpar1
check "operating: status OFF (exit 2)" '[ "$FL_RC" = 2 ] && [ "$FL_OUT" = "Status: OFF" ]'
s=$(answer)
fl_lpar status lpar1 src
row "Operating, partition off" "status" "$(answer)" "$s"
fl_srr on lpar1
check "operating: on" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Success: Powered ON" ]'
check "operating: the model shows lpar1 running" 'running src lpar1'
check "operating: on used the current profile" \
	'fl_log_since $mark | grep -q "^chsysstate.*-o on.*-f .normal."'
mark=$(fl_log_mark)
fl_srr reboot lpar1
check "operating: reboot" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Success: Rebooted" ] && running src lpar1'
check "operating: reboot sent a shutdown then an on" \
	'[ "$(fl_log_since $mark | grep "^chsysstate" | grep -c -- "-o shutdown --immed")" = 1 ] && [ "$(fl_log_since $mark | grep "^chsysstate" | grep -c -- "-o on")" = 1 ]'
fl_srr list ""
check "operating: list has every partition once" \
	'[ "$FL_RC" = 0 ] && [ "$(grep -c "^lpar1,$" "$dir/srr.out")" = 1 ] && [ "$(grep -c "^vios1,$" "$dir/srr.out")" = 1 ]'
fl_srr list-status ""
check "operating: list-status" '[ "$FL_RC" = 0 ] && grep -q "^lpar1,,ON$" "$dir/srr.out" && grep -q "^lpar3,,ON$" "$dir/srr.out"'
fl_srr monitor ""
check "operating: monitor" '[ "$FL_RC" = 0 ]'
fl_srr status lpar1 "systems=src,nosuch"
check "operating: a system the HMC does not manage is an error" '[ "$FL_RC" = 1 ] && grep -q "nosuch" "$dir/srr.err"'
fl_srr status lpar1 ip=127.0.0.2 ip2=127.0.0.1
check "operating: the second HMC is used when the first is unreachable" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'
FL_NO_KEY=1 fl_srr status lpar1 "password=$FL_PASSWORD"
check "operating: password authentication through the transport" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'
ssh-keygen -q -t ed25519 -N '' -f "$dir/other"
echo "[127.0.0.1]:$port $(cat "$dir/other.pub")" >"$dir/bad_known_hosts"
fl_srr status lpar1 "known_hosts=$dir/bad_known_hosts"
check "operating: a changed host key is refused (UNKNOWN)" '[ "$FL_RC" = 1 ] && [ "$FL_OUT" = "Status: UNKNOWN" ]'
fl_lpar off lpar1 src
check "operating: fence_lpar off" '[ "$FL_RC" = 0 ] && [ "$(fl_model src lpar1 state)" = "Not Activated" ]'
fl_lpar on lpar1 src
check "operating: fence_lpar on" '[ "$FL_RC" = 0 ] && running src lpar1'

# --- 2. after a remote restart of lpar1 from src to dst ------------------
fl_simctl set-state src "Power Off" >/dev/null
fl_hmc "rrstartlpar -o restart -m src -t dst -p lpar1" >"$dir/rr.out" 2>&1
fl_wait 30 eval '[ "$(fl_model dst lpar1 state)" = Running ]'
check "restart: lpar1 runs on dst, the stale copy stays on src" \
	'[ "$(fl_model dst lpar1 state)" = Running ] && [ "$(fl_model src lpar1 rr_status)" = "Remote Restarted" ]'
mark=$(fl_log_mark)
fl_srr status lpar1 managed=src
check "restart: status ON (the copy on dst)" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'
s=$(answer)
fl_lpar status lpar1 src
check "restart: fence_lpar reads the stale copy as off" '[ "$FL_RC" = 2 ]'
row "after a remote restart src -> dst (src dead), managed=src" "status" "$(answer)" "$s"
fl_lpar off lpar1 src
l="$(answer); lpar1 on dst: $(fl_model dst lpar1 state)"
check "restart: fence_lpar off claims success while lpar1 runs on dst" \
	'[ "$FL_RC" = 0 ] && [ "$(fl_model dst lpar1 state)" = Running ]'
fl_srr off lpar1 managed=src
check "restart: off fences the copy on dst" '[ "$FL_RC" = 0 ] && [ "$(fl_model dst lpar1 state)" = "Not Activated" ]'
row "after a remote restart src -> dst (src dead), managed=src" "off" "$l" \
	"$(answer); lpar1 on dst: $(fl_model dst lpar1 state)"
fl_srr on lpar1 managed=src
check "restart: on starts the copy on dst" '[ "$FL_RC" = 0 ] && running dst lpar1'
fl_srr reboot lpar1 managed=src
check "restart: reboot on dst" '[ "$FL_RC" = 0 ] && running dst lpar1'
check "restart: no power command ever went to src" '[ "$(power_cmds_on $mark src)" = 0 ]'
check "restart: the power commands went to dst" '[ "$(power_cmds_on $mark dst)" = 4 ]'
fl_simctl set-state src Operating >/dev/null
mark=$(fl_log_mark)
fl_srr reboot lpar1 managed=src
check "restart, src back before cleanup: reboot restarts the dst copy, not the stale one" \
	'[ "$FL_RC" = 0 ] && running dst lpar1 && [ "$(fl_model src lpar1 state)" = "Not Activated" ] && [ "$(power_cmds_on $mark src)" = 0 ]'
fl_lpar status lpar1 src
s2=$(answer)
fl_srr status lpar1 managed=src
row "after a remote restart, src Operating again before cleanup" "status" "$s2" "$(answer)"

# --- 3. a dead source, no remote restart (lpar2 on src) ------------------
fl_simctl set-state src "Power Off" >/dev/null
mark=$(fl_log_mark)
fl_srr status lpar2
check "dead source: status OFF" '[ "$FL_RC" = 2 ]'
s=$(answer)
fl_lpar status lpar2 src
row "source Power Off, no restart" "status" "$(answer)" "$s"
mark=$(fl_log_mark)
fl_srr off lpar2
check "dead source: off succeeds" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Success: Already OFF" ]'
check "dead source: off sent no power command" '[ "$(fl_log_since $mark | grep -c "^chsysstate")" = 0 ]'
s=$(answer)
fl_lpar off lpar2 src
row "source Power Off, no restart" "off" "$(answer)" "$s"
fl_srr on lpar2
check "dead source: on fails (nothing can be started)" '[ "$FL_RC" = 1 ] && grep -q "can be started" "$dir/srr.err"'

# --- 4. the HMC lost the system (No Connection), lpar3 still runs --------
fl_simctl set-state lost "No Connection" >/dev/null
check "no connection: the model says lpar3 runs, the HMC shows Not Available" \
	'[ "$(fl_model lost lpar3 state)" = Running ] && [ "$(fl_model lost lpar3 shown)" = "Not Available" ]'
fl_srr status lpar3
check "no connection: status UNKNOWN, exit 1" '[ "$FL_RC" = 1 ] && [ "$FL_OUT" = "Status: UNKNOWN" ]'
s=$(answer)
fl_lpar status lpar3 lost
check "no connection: fence_lpar says OFF" '[ "$FL_RC" = 2 ]'
row "system No Connection, partition running" "status" "$(answer)" "$s"
mark=$(fl_log_mark)
fl_srr off lpar3
check "no connection: off fails, saying why" '[ "$FL_RC" = 1 ] && grep -q "No Connection" "$dir/srr.err"'
check "no connection: off sent no power command" '[ "$(fl_log_since $mark | grep -c "^chsysstate")" = 0 ]'
s=$(answer)
fl_lpar off lpar3 lost
row "system No Connection, partition running" "off" "$(answer); lpar3 really: $(fl_model lost lpar3 state)" "$s; lpar3 really: $(fl_model lost lpar3 state)"
check "no connection: fence_lpar off claims success while lpar3 runs" \
	'[ "$FL_RC" = 0 ] && [ "$(fl_model lost lpar3 state)" = Running ]'

echo "# error of fence_srr off, no connection:"
sed 's/^/#   /' "$dir/srr.err" | head -5
[ "$failed" = 0 ] && [ "$n" = 40 ]
