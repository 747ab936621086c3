#!/bin/bash
# srrd_bad_input.sh: bad input gets a clear error and no action, and
# nothing already in the ledger is lost. After a failover (8 debts in
# every store), node 3's srrd is stopped and started on: a configuration
# with an unknown key, an identity file readable by others, a corrupt
# store (srrd must refuse it and leave the file as it was, never start on
# an empty ledger); each time it exits at once naming the problem, and its
# store still holds the 8 debts once restored; and a configuration others
# can read (it holds fence passwords) is refused, naming the fix. Then
# every agent runs with a known_hosts that does not list hmcsim (unknown),
# then one that lists another key for it (changed): no agent logs in, no
# command reaches hmcsim, srrd names the reason, an alert is raised, and
# srcB powered off meanwhile is not acted on; with the right known_hosts
# back, srcB fails over and srcA's debts are all there.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 300 "$@"

tap_plan 18
srr_init
ALL="1 2 3"
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "srcA failed over: 8 debts in all three stores" srr_failover srcA "$SRR_ELIGIBLE"
L3=$(srr_ledger 3)
srrd_kill 3 TERM
D3=$CL_DIR/n3
# srrd_try FILE: run node 3's srrd in the foreground on FILE; RC, ERR
srrd_try() {
	cl_exec 3 timeout 20 "$SRRD_BIN" -f -c "$1" >"$D3/try.out" 2>"$D3/try.err"
	RC=$?
	ERR=$(head -n 5 "$D3/try.err")
	echo "# exit $RC: $(tail -n 2 <<<"$ERR" | cut -c1-250 | tr '\n' ' ')"
}
refused() { [ "$RC" != 0 ] && [ "$RC" != 124 ] && grep -qiE "$1" <<<"$ERR"; }

# ---- a configuration with an unknown key ----
sed 's/^\[policy\]$/[policy]\nbogus_knob = 1/' "$D3/srrha.conf" >"$D3/bad.conf"
chmod 0600 "$D3/bad.conf"
line=$(grep -n '^bogus_knob' "$D3/bad.conf" | cut -d: -f1)
srrd_try "$D3/bad.conf"
tap_ok "unknown key: srrd exits at once, naming file, line $line and key" \
	refused "bad.conf:$line.*bogus_knob"
tap_is "$(srr_ledger 3)" "$L3" "unknown key: the store is untouched"

# ---- an identity file readable by others ----
install -m 0644 "$SRR_DIR/id" "$D3/id_open"
SRR_IDENTITY=$D3/id_open srr_conf_write 3
mv "$D3/srrha.conf" "$D3/open_id.conf"
srr_conf_write 3
srrd_try "$D3/open_id.conf"
tap_ok "identity file mode 0644: srrd exits at once, naming it" refused "id_open"

# ---- a configuration others can read (it holds fence passwords) ----
install -m 0644 "$D3/srrha.conf" "$D3/open.conf"
srrd_try "$D3/open.conf"
tap_ok "configuration mode 0644: srrd exits at once, naming it and the fix" \
	refused "open.conf: mode 0644 .*chmod 600"
cl_exec 3 timeout 20 "$SRRD_BIN" --config-test "$D3/open.conf" >/dev/null 2>"$D3/try.err"
tap_ok "configuration mode 0644: --config-test refuses it too" \
	grep -q "open.conf: mode 0644" "$D3/try.err"

# ---- a corrupt store ----
db=$(srr_db 3)
cp "$db" "$D3/ledger.good"
rm -f "$db-wal" "$db-shm"
printf 'this is not an SQLite store at all, it is corrupt on purpose' |
	dd of="$db" bs=1 seek=0 conv=notrunc 2>/dev/null
sum=$(md5sum <"$db")
srrd_try "$D3/srrha.conf"
tap_ok "corrupt store: srrd exits at once with a clear message" refused "store|database|ledger"
tap_is "$(md5sum <"$db")" "$sum" "corrupt store: left as it was (not replaced by an empty ledger)"
tap_is "$(ls "$D3/state" | grep -c 'ledger.db$')" 1 "corrupt store: no new store beside it"
cp "$D3/ledger.good" "$db"
srrd_start 3
tap_ok "the good store back: node 3 rejoins, its ledger equal to the others'" cl_wait 60 eval \
	'srrd_alive 3 && [ "$(srr_ledger 3)" = "$L3" ] && srr_ledgers_equal 1 2 3'
tap_is "$(srr_log changes --peer "$CL_NET.3")" "" "command log: node 3 never sent a change"

# ---- HMC host keys, on every agent: unknown, then changed ----
# hostkey_round FILE WHAT PATTERN [SYS]: every agent on known_hosts FILE.
# No agent may log in, srrd's stderr must match PATTERN and a new alert
# must be raised. With SYS: SYS powered off meanwhile is not acted on, and
# once the right file is back SYS fails over.
logins() { srr_simctl status | awk '$1 == "logins" { n += $4 } END { print n + 0 }'; }
hostkey_round() {
	local file=$1 what=$2 pat=$3 sys=${4:-} t n0 a0
	for k in $ALL; do srrd_kill "$k" TERM; done
	for k in $ALL; do : >"$CL_DIR/n$k/srrd.err"; done
	a0=$(srr_alerts | wc -l)
	for k in $ALL; do SRR_KNOWN_HOSTS=$file srr_conf_write "$k"; srrd_start "$k"; done
	t=$(cl_now_ms)
	n0=$(logins)
	sleep 4
	[ -n "$sys" ] && srr_set_state "$sys" "Power Off"
	sleep 8
	[ -n "$sys" ] && tap_is "$(srr_log count restart --sys "$sys")" 0 \
		"$what host key: $sys powered off, no restart"
	tap_is "$(logins)/$(srr_log sent-by "$CL_NET.1" --since "$t")" "$n0/0" \
		"$what host key: no agent logged in, nothing reached hmcsim"
	tap_ok "$what host key: srrd says so ('$pat') and a new alert is raised" eval \
		'grep -q "$pat" "$CL_DIR"/n*/srrd.err && [ "$(srr_alerts | tail -n +$((a0 + 1)) | grep -ci "unreachable\|host key")" -gt 0 ]'
	for k in $ALL; do srrd_kill "$k" TERM; done
	for k in $ALL; do srr_conf_write "$k"; srrd_start "$k"; done
	[ -n "$sys" ] && tap_ok "the right host key back: $sys failed over" \
		cl_wait 60 srr_failed_over "$sys" "$SRR_ELIGIBLE_B" $ALL
}
ssh-keygen -q -t ed25519 -N '' -f "$SRR_DIR/other_key"
other=$(cut -d' ' -f1,2 "$SRR_DIR/other_key.pub")
# unknown: only another host is listed
echo "$CL_NET.201 $other" >"$SRR_DIR/known_hosts.unknown"
hostkey_round "$SRR_DIR/known_hosts.unknown" unknown "is unknown: not listed in"
# changed: the HMC's address is listed with another key of the same type
echo "$CL_NET.200 $other" >"$SRR_DIR/known_hosts.changed"
hostkey_round "$SRR_DIR/known_hosts.changed" changed "is CHANGED" srcB
tap_ok "nothing lost: srcA's 8 debts in all three stores, ledgers equal" eval \
	'SRR_DEBT_SRC=srcA srr_all_debts "$SRR_ELIGIBLE" 1 2 3 && srr_ledgers_equal 1 2 3'
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
