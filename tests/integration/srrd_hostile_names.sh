#!/bin/bash
# srrd_hostile_names.sh: names an HMC may hold are data, never shell. The
# source system's name and its 13 partitions' names hold quotes, spaces,
# ; | & * \, `...` and $(...) (each would power off the system "canary"
# if a shell ran it), a comma (the -F delimiter), non-ASCII text, and 255
# bytes (HMC_NAME_MAX); tests/integration/srrd_hostile.py lists them. The
# source powered off: every one is restarted on dst1, its debt in all
# three stores byte for byte, and hmcsim's command log shows each restart
# naming the source and the partition as one word each; canary stays
# Operating. `srrctl debts` prints, per debt, a manual cleanup that, pasted
# into bash, reaches hmcsim naming that debt's partition. The source back:
# every debt is cleaned up, each partition named whole.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 240 "$@"

tap_plan 10
srr_init
HOSTILE="python3 $TOP_SRCDIR/tests/integration/srrd_hostile.py"
SRC=$($HOSTILE source)
N=$($HOSTILE names | wc -l)
$HOSTILE topo "$SRR_DIR/hostile.ini"
SRR_TOPO=$SRR_DIR/hostile.ini
SRR_SYSTEMS_CONF="[system $SRC]
protect = yes
destinations = dst1

[system dst1]"
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "3 agents up on a source named $(printf %q "$SRC")" test -n "$SRR_LEADER"

# the open debts' partition names in store K, as hex (exact bytes), sorted
debts_hex() { srr_sql "$1" "SELECT hex(lpar) FROM ops WHERE status IN (3, 4) ORDER BY hex(lpar)" | tr 'A-F' 'a-f'; }
cleaned_hex() { srr_sql "$1" "SELECT hex(lpar) FROM ops WHERE status = 6 ORDER BY hex(lpar)" | tr 'A-F' 'a-f'; }
WANT=$($HOSTILE names)
all_on_dst1() {
	local n
	while IFS= read -r n; do
		[ "$(srr_simctl show dst1 "$n" 2>/dev/null | sed -n 's/^state=//p')" = Running ] || return 1
	done < <($HOSTILE names | python3 -c 'import sys; [print(bytes.fromhex(l.strip()).decode()) for l in sys.stdin]')
}
stores_hold() { local k; for k in 1 2 3; do [ "$("$1" "$k")" = "$WANT" ] || return 1; done; }
logs() { local s; for s in $SRR_SIMS; do echo "$SRR_DIR/$s/cmd.json"; done; }

srr_set_state "$SRC" "Power Off"
tap_ok "source off: all $N partitions run on dst1" cl_wait 90 all_on_dst1
tap_ok "their $N debts are in all three stores, byte for byte" cl_wait 30 stores_hold debts_hex
restarted=$($HOSTILE log restart $(logs))
echo "$restarted" | sed 's/^/# restarted (hex, count): /' | cut -c1-100
tap_is "$(awk '{ print $1 }' <<<"$restarted")" "$WANT" \
	"hmcsim's log: each restart names the source and one partition, whole"
tap_is "$(awk '$2 != 1' <<<"$restarted")" "" "each partition restarted once"
tap_is "$(srr_sys_state canary)" Operating \
	"canary still Operating: no \`...\` or \$(...) in a name was run"

# srrctl debts: the manual cleanup of each debt, pasted into bash on node 1
# (ssh with the test's key; the source is still off, so hmcsim refuses the
# cleanup, but its log shows what arrived)
mkdir -p "$SRR_DIR/bin"
cat >"$SRR_DIR/bin/ssh" <<SSH
#!/bin/sh
exec /usr/bin/ssh -i "$SRR_DIR/id" -o UserKnownHostsFile="$SRR_DIR/known_hosts" \
	-o BatchMode=yes -o ConnectTimeout=10 "\$@"
SSH
chmod +x "$SRR_DIR/bin/ssh"
cl_exec 1 "$SRRCTL_BIN" -c "$CL_DIR/n1/srrha.conf" debts >"$SRR_DIR/debts.out" 2>&1
# exit 1: debts pending (srrctl(8))
tap_is "$?/$(grep -c '^    over SSH:' "$SRR_DIR/debts.out")" "1/$N" "srrctl debts: $N manual cleanups"
sed -n 's/^    over SSH:   //p' "$SRR_DIR/debts.out" >"$SRR_DIR/manual.sh"
head -c 300 "$SRR_DIR/manual.sh" | sed 's/^/# /'; echo
cl_exec 1 env PATH="$SRR_DIR/bin:$PATH" timeout 120 bash "$SRR_DIR/manual.sh" >/dev/null 2>&1
tap_ok "each pasted into bash reached hmcsim naming its debt's partition" \
	$HOSTILE manual "$SRR_DIR/debts.out" $(logs)

srr_set_state "$SRC" Operating
tap_ok "source back: all $N debts cleaned in all three stores" cl_wait 90 stores_hold cleaned_hex
cleaned=$($HOSTILE log cleanup $(logs))
tap_is "$(awk '{ print $1 }' <<<"$cleaned")" "$WANT" \
	"hmcsim's log: each cleanup names the source and one partition, whole"
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
