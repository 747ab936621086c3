#!/bin/bash
# fence_blackbox.sh: what a black-box run of fence_srr against an
# independent HMC emulator found (issue 11), each over SSH to hmcsim:
# a partition in state Error, a call in the middle of a remote restart on
# an HMC that shows the destination copy only at the end, password= as an
# encrypted identity's passphrase, transport failures named for what they
# are, a very long partition name, and the systems= warning.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fence_lib.sh"

fl_skip_unless_built

dir=$(mktemp -d /tmp/fence_bb.XXXXXX)
rrpid=
trap '[ -n "$rrpid" ] && kill "$rrpid" 2>/dev/null; fl_sim_stop; [ -n "${FENCE_KEEP:-}" ] || rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

echo "1..18"
fl_init "$dir" || { echo "Bail out! ssh-keygen failed"; exit 1; }
# an encrypted identity, authorized beside the plain one
ssh-keygen -q -t ed25519 -N 'key-passphrase' -f "$dir/enc" || { echo "Bail out! ssh-keygen"; exit 1; }
cat "$dir/enc.pub" >>"$dir/id.pub"
fl_sim_up "$here/fence_bb_topo.ini"
port=$FL_PORT

# --- 1. partition state Error: running, needs attention ------------------
fl_srr status lpar4
check "Error: status ON" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'
mark=$(fl_log_mark)
fl_srr off lpar4
check "Error: off powers it off (not 'Already OFF')" \
	'[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Success: Powered OFF" ]'
check "Error: off sent the shutdown to dst" \
	'fl_log_since $mark | grep -q "^chsysstate.*-m .dst. .*-o shutdown --immed"'
check "Error: the model shows lpar4 Not Activated" '[ "$(fl_model dst lpar4 state)" = "Not Activated" ]'

# --- 2. a call in the middle of a remote restart -------------------------
fl_simctl set-state src "Power Off" >/dev/null
fl_simctl time-scale 0.1 >/dev/null		# the restart takes 15 s
fl_hmc "rrstartlpar -o restart -m src -t dst -p lpar1" >"$dir/rr.out" 2>&1 &
rrpid=$!
fl_wait 10 eval '[ "$(fl_model src lpar1 rr_status)" = "Source Remote Restarting" ]'
check "mid restart: the HMC does not list lpar1 on dst yet" \
	'! fl_hmc "lssyscfg -r lpar -m dst -F name" | grep -qx lpar1'
mark=$(fl_log_mark)
fl_srr status lpar1
check "mid restart: status UNKNOWN (exit 1), not OFF" '[ "$FL_RC" = 1 ] && [ "$FL_OUT" = "Status: UNKNOWN" ]'
check "mid restart: the reason names the restart" 'grep -q "Source Remote Restarting" "$dir/srr.err"'
fl_srr off lpar1
check "mid restart: off fails, not 'Already OFF'" '[ "$FL_RC" = 1 ] && [ -z "$FL_OUT" ]'
check "mid restart: no power command sent" '[ "$(fl_log_since $mark | grep -c "^chsysstate")" = 0 ]'
wait "$rrpid"
rrpid=
fl_simctl time-scale 0.01 >/dev/null
fl_srr status lpar1
check "after the restart: status ON (the copy on dst)" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'

# --- 3. password= as the identity file's passphrase ----------------------
FL_NO_KEY=1 fl_srr status lpar1 "identity_file=$dir/enc" "password=key-passphrase"
check "encrypted key: password= opens it (status ON)" '[ "$FL_RC" = 0 ] && [ "$FL_OUT" = "Status: ON" ]'
FL_NO_KEY=1 fl_srr status lpar1 "identity_file=$dir/enc" "password=wrong"
check "encrypted key, wrong passphrase: UNKNOWN, saying so" \
	'[ "$FL_RC" = 1 ] && grep -q "passphrase" "$dir/srr.err"'

# --- 4. failures named for what they are ---------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$dir/stranger"
FL_NO_KEY=1 fl_srr status lpar1 "identity_file=$dir/stranger"
check "a refused key: 'authentication failed', not 'unreachable'" \
	'[ "$FL_RC" = 1 ] && grep -q "authentication failed" "$dir/srr.err" && ! grep -q "unreachable" "$dir/srr.err"'
echo "[127.0.0.1]:$port $(cat "$dir/stranger.pub")" >"$dir/bad_known_hosts"
fl_srr status lpar1 "known_hosts=$dir/bad_known_hosts"
check "a changed host key: 'host key refused', not 'unreachable'" \
	'[ "$FL_RC" = 1 ] && grep -q "host key refused" "$dir/srr.err" && ! grep -q "unreachable" "$dir/srr.err"'
fl_srr status lpar1 "ipport=$(fl_free_port)"
check "nothing listening: 'unreachable'" '[ "$FL_RC" = 1 ] && grep -q "unreachable" "$dir/srr.err"'
long=$(head -c 1000 /dev/zero | tr '\0' p)
fl_srr off "$long"
check "a 1000-byte name is cut in the error, the reason is whole" \
	'[ "$FL_RC" = 1 ] && grep -q "(1000 bytes): the partition is not defined on any of the 2 candidate systems$" "$dir/srr.err"'
fl_srr validate-all lpar1 systems=src
check "validate-all warns that systems=src holds no restart destination" \
	'[ "$FL_RC" = 0 ] && grep -qi "warning.*systems=" "$dir/srr.err"'
fl_srr monitor "" systems=src
check "monitor warns that dst, managed by the HMC, is not in systems=" \
	'[ "$FL_RC" = 0 ] && grep -qi "warning.*systems=.*dst" "$dir/srr.err"'

echo "# errors seen:"
sed 's/^/#   /' "$dir/srr.err" | head -5
[ "$failed" = 0 ] && [ "$n" = 18 ]
