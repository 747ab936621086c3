#!/bin/bash
# steady.sh: what watching an estate costs the HMC and the admin host, on
# the real stack (3 srrd on corosync in network namespaces, hmcsim over SSH;
# tests/lib/srrd_stack.sh), with sim/topologies/gen-large's estate of 48
# systems and 2000 partitions, all protected. Over the same window W (60 s)
# and the same poll interval (5 s; inventories every 60 s, followers
# polling every 30 s: srrha.conf's defaults), measured in
# hmcsim's login count and command log:
#  - srrha: SSH handshakes and commands per hour, all 3 agents;
#  - the baseline, the hand-run script: one bench/rrmonitor.sh per system
#    (each watches one source), a new ssh connection per poll;
#  - their ratio; srrd's CPU per poll (the leader's user + system time over
#    the window, divided by the polls it sent), and each agent's memory:
#    VmRSS, VmHWM (peak RSS), and of the RSS what is its own (anonymous,
#    from smaps_rollup) rather than shared library pages.
#   steady.sh [W]     (root; needs a built tree)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/.." && pwd)}
export TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR/build}
W=${1:-60}
POLL_S=5
if [ "$(id -u)" != 0 ] || [ ! -x "$TOP_BUILDDIR/agent/srrd" ]; then
	echo "steady: needs root and a built srrd; skipped"
	exit 0
fi
if [ -z "${SRR_TIMED:-}" ]; then	# bounded, whatever happens
	SRR_TIMED=1 exec timeout -k 10 $((300 + 3 * W)) bash "$0" "$@"
fi
. "$TOP_SRCDIR/tests/lib/srrd_stack.sh"

srr_init || exit 1
"$TOP_SRCDIR/sim/topologies/gen-large" 48 2000 >"$CL_DIR/large.ini"
SRR_TOPO=$CL_DIR/large.ini
SRR_SYSTEMS_CONF=$(for s in $(seq 1 48); do
	printf '[system sys%02d]\nprotect = yes\ndestinations = sys%02d\n\n' "$s" $((s % 48 + 1))
done)
SRR_POL[poll_interval]=${POLL_S}s
SRR_POL[confirm_window]=$((3 * POLL_S))s
SRR_POL[inventory_interval]=60s		# srrha.conf's defaults (the test
SRR_POL[follower_poll_interval]=30s	# stack's are shorter)
SRR_ALERTS=0
SRR_CONF_EXTRA=""
# the leader is the one agent polling at the full rate: over two intervals
srr_leader() { local a; a=$(srr_log leader $((2 * POLL_S + 1))) || return 1; [ -n "$a" ] && echo "${a##*.}"; }
srr_up 3 || { echo "steady: the stack did not come up"; srr_diag; exit 1; }
leader=$SRR_LEADER
logins() { srr_simctl status | awk '$1 == "logins" { n += $4 } END { print n + 0 }'; }
ncmd() { srr_log prefix '' --since "$1"; }
per_h() { awk -v n="$1" -v w="$W" 'BEGIN { printf "%.0f", n * 3600 / w }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
n_inv() { srr_log prefix 'lssyscfg -r lpar' --peer "$CL_NET.$leader"; }
cl_wait 120 eval '[ "$(n_inv)" -ge 48 ]' || echo "steady: the leader took $(n_inv) inventories of 48"
sleep "$POLL_S"	# past the start: every agent has its sessions

# ---- srrha ----
p=$(cl_pid "$leader" srrd)
l0=$(logins) t0=$(cl_now_ms) c0=$(cpu_ticks "$p")
polls0=$(srr_log prefix 'lssyscfg -r sys' --peer "$CL_NET.$leader")
sleep "$W"
l1=$(logins) c1=$(cpu_ticks "$p")
polls=$(( $(srr_log prefix 'lssyscfg -r sys' --peer "$CL_NET.$leader") - polls0 ))
s_login=$((l1 - l0)) s_cmd=$(ncmd "$t0")
hz=$(getconf CLK_TCK)
echo "watching 48 systems, 2000 partitions, polls every ${POLL_S} s, over ${W} s (leader node $leader):"
echo "  srrha (3 agents): SSH handshakes $s_login ($(per_h $s_login) per hour), commands $s_cmd ($(per_h "$s_cmd") per hour)"
echo "  srrd CPU per poll (leader): $(awk -v c=$((c1 - c0)) -v hz="$hz" -v n="$polls" 'BEGIN { if (n) printf "%.2f ms over %d polls", c * 1000 / hz / n, n; else print "no poll" }')"
for k in 1 2 3; do
	pk=$(cl_pid "$k" srrd)
	echo "  node $k srrd VmRSS $(awk '/^VmRSS/ { print $2 }' "/proc/$pk/status") kB, VmHWM (peak) $(awk '/^VmHWM/ { print $2 }' "/proc/$pk/status") kB, Pss $(awk '/^Pss:/ { print $2 }' "/proc/$pk/smaps_rollup") kB, of which anonymous $(awk '/^Anonymous/ { print $2 }' "/proc/$pk/smaps_rollup") kB, threads $(awk '/^Threads/ { print $2 }' "/proc/$pk/status")$([ "$k" = "$leader" ] && echo ' (leader)')"
	# STEADY_SMAPS=DIR keeps each agent's mappings for a per-mapping read
	if [ -n "${STEADY_SMAPS:-}" ]; then
		mkdir -p "$STEADY_SMAPS"
		for f in status smaps smaps_rollup; do
			cp "/proc/$pk/$f" "$STEADY_SMAPS/n$k.$f"
		done
	fi
done
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  srrha's commands in the window, by agent and kind:"
python3 - "$SRR_DIR"/*/cmd.json "$t0" <<'PY' | sed 's/^/    /'
import collections, json, sys
n = collections.Counter()
for p in sys.argv[1:-1]:
    for line in open(p):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r["start_wall_us"] // 1000 >= int(sys.argv[-1]):
            n[(r.get("peer", "?"), " ".join(r["command"].split()[:3]))] += 1
for (peer, kind), c in sorted(n.items()):
    print(peer, kind, c)
PY
for k in 1 2 3; do srrd_kill "$k" TERM; done
sleep 2

# ---- the baseline: one rrmonitor.sh per system, each a new ssh per poll ----
l0=$(logins) t0=$(cl_now_ms)
pids=()
for s in $(seq 1 48); do
	cl_exec 1 "$here/rrmonitor.sh" "$(printf 'sys%02d' "$s")" "$(printf 'sys%02d' $((s % 48 + 1)))" "$POLL_S" \
		"hscroot@$CL_NET.200" -i "$SRR_DIR/id" -o "UserKnownHostsFile=$SRR_DIR/known_hosts" \
		>/dev/null 2>&1 &
	pids+=($!)
done
sleep "$W"
kill "${pids[@]}" 2>/dev/null
pkill -f "$here/rrmonitor.sh" 2>/dev/null
b_login=$(( $(logins) - l0 )) b_cmd=$(ncmd "$t0")
echo "  baseline (48 x rrmonitor.sh): SSH handshakes $b_login ($(per_h $b_login) per hour), commands $b_cmd ($(per_h "$b_cmd") per hour)"
echo "  srrha / baseline: handshakes $(awk -v a="$s_login" -v b="$b_login" 'BEGIN { printf "%.3f", b ? a / b : 0 }'), commands $(awk -v a="$s_cmd" -v b="$b_cmd" 'BEGIN { printf "%.3f", b ? a / b : 0 }')"
