#!/bin/bash
# srrd_hostile_peer.sh: a hostile process joins srrd's CPG group
# (tests/cluster/cluster_junk on node 2) and multicasts 240 bad messages:
# random bytes, truncated headers, lying lengths, spoofed senders, unknown
# types, another version, 1 MB messages, well-formed ones of a stale epoch,
# and current-epoch ones that break the protocol (a RECORD above the cap, a
# chunked RECORD, a DIGEST without a HELLO); then it stays, silent. Every
# srrd keeps running and counts the drops (srrctl status, the metrics),
# its peak memory grows by a bounded amount (printed), the silent peer is
# excluded from the epoch's sync (it stays a CPG member), and srcA still
# fails over with its debts in all three stores.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 240 "$@"
JUNK_BIN=$TOP_BUILDDIR/tests/cluster/cluster_junk
[ -x "$JUNK_BIN" ] || tap_skip_all "cluster_junk not built"

tap_plan 9
srr_init
ALL="1 2 3"
COUNT=240
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "3 agents up, quorate; node $SRR_LEADER leads" test -n "$SRR_LEADER"

hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$(cl_pid "$1" srrd)/status"; }
status_json() { cl_exec "$1" "$SRRCTL_BIN" -c "$CL_DIR/n$1/srrha.conf" status --json 2>/dev/null; }
dropped() {	# K FIELD: the count in srrctl status --json
	status_json "$1" | python3 -c "import json, sys
print(json.load(sys.stdin)['data']['cluster']['dropped']['$2'])" 2>/dev/null
}
declare -A H0
for k in $ALL; do H0[$k]=$(hwm "$k"); done

cl_spawn 2 junk "$JUNK_BIN" --group "srrha-$CL_P" --count "$COUNT"
tap_ok "a hostile peer joined srrd's group and sent $COUNT bad messages" \
	cl_wait 60 grep -q "^sent $COUNT\$" "$CL_DIR/n2/junk.log"
counted() {
	local k
	for k in $ALL; do
		srrd_alive "$k" || return 1
		[ "$(dropped "$k" malformed)" -gt 0 ] && [ "$(dropped "$k" stale_epoch)" -gt 0 ] || return 1
	done
}
tap_ok "every srrd is running and counted malformed and stale-epoch drops" cl_wait 20 counted
for k in $ALL; do
	echo "# node $k dropped: $(status_json "$k" | python3 -c "import json, sys
print(json.load(sys.stdin)['data']['cluster']['dropped'])"), VmHWM ${H0[$k]} -> $(hwm "$k") kB"
done
tap_ok "srrctl status says so" eval \
	"cl_exec 1 '$SRRCTL_BIN' -c '$CL_DIR/n1/srrha.conf' status | grep -q '^Dropped: .* messages from peers dropped'"
tap_ok "the metrics count them" eval \
	"cl_exec 1 '$SRRCTL_BIN' -c '$CL_DIR/n1/srrha.conf' metrics 2>/dev/null | grep -q '^srrha_peer_messages_dropped_total{reason=\"malformed\"} [1-9]'"
# what the peer made each agent allocate: its peak RSS growth, against the
# largest message it sent (1 MB) times the agents' own need
grown() {
	local k g max=0
	for k in $ALL; do
		g=$(( $(hwm "$k") - ${H0[$k]} ))
		[ "$g" -gt "$max" ] && max=$g
	done
	echo "$max"
}
G=$(grown)
echo "# largest VmHWM growth: $G kB over $COUNT messages (the largest 1000000 bytes)"
tap_ok "peak memory grew by at most 8 MB on every agent ($G kB)" test "$G" -le 8192

# the silent peer (no HELLO) stays a CPG member but is excluded from the
# epoch's sync: every agent synced, configurations agreed, one leader
excluded() {
	local k l
	for k in $ALL; do
		l=$(status_json "$k" | python3 -c "import json, sys
c = json.load(sys.stdin)['data']['cluster']
print(len(c['members']), c['synced'], c['config_agree'], c['leader'])" 2>/dev/null)
		[ "${l% *}" = "4 True True" ] || return 1
		echo "${l##* }"
	done | sort -u | [ "$(wc -l)" = 1 ]
}
tap_ok "the silent peer is excluded: every agent synced and agreed, one leader" cl_wait 30 excluded
tap_ok "srcA fails over, the peer still in the group: debts in all three stores" \
	srr_failover srcA "$SRR_ELIGIBLE"
tap_ok "every srrd still running, ledgers equal" eval 'srrd_alive 1 && srrd_alive 2 && srrd_alive 3 && srr_ledgers_equal 1 2 3'
cl_kill 2 junk
[ "$TAP_FAIL" = 0 ] || srr_diag
tap_done
