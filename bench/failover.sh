#!/bin/bash
# failover.sh: srrd's failover on the real stack (3 srrd on corosync in
# network namespaces, hmcsim over SSH; tests/lib/srrd_stack.sh), measured
# in hmcsim's command log. Needs root; skipped otherwise. Prints:
#  - the makespan of a failover of N partitions (32; restart time scaled to
#    2 s, cap max_per_source = max_per_dest = N) from the power-off to the
#    last restart done, against the lower bound confirm window + ceil(N /
#    cap) x restart time, and the restarts that ran at once;
#  - the SSH handshakes (logins counted by hmcsim) per HMC during it;
#  - the time a kill -9 of the leader in the middle of the restarts adds
#    (the same failover on a second source, the leader killed when the
#    first restart has begun);
#  - srrd's RSS (VmRSS of each agent) while it watches the 2000-partition
#    estate of sim/topologies/gen-large (48 systems, all protected).
#   failover.sh [N]    BENCH_SESSIONS: executor sessions per HMC (16)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$here/.." && pwd)}
if [ -z "${TOP_BUILDDIR:-}" ]; then
	if [ -x "$PWD/../agent/srrd" ]; then TOP_BUILDDIR=$(cd .. && pwd); else TOP_BUILDDIR=$TOP_SRCDIR/build; fi
fi
export TOP_BUILDDIR
N=${1:-32}
SESSIONS=${BENCH_SESSIONS:-16}
if [ "$(id -u)" != 0 ] || [ ! -x "$TOP_BUILDDIR/agent/srrd" ]; then
	echo "failover: needs root and a built srrd; skipped"
	exit 0
fi
if [ -z "${SRR_TIMED:-}" ]; then	# bounded, whatever happens
	SRR_TIMED=1 exec timeout -k 10 600 bash "$0" "$@"
fi
. "$TOP_SRCDIR/tests/lib/srrd_stack.sh"

RESTART_S=2
CONFIRM_S=3
srr_init || exit 1
SRR_TIME_SCALE=$(awk -v r=$RESTART_S 'BEGIN { printf "%.6f", r / 150 }')
SRR_TOPO=$CL_DIR/bench.ini
{
	printf '[hmc]\nname = hmcsim\nrr_limit = %d\n' "$((N > 32 ? N : 32))"
	for s in src1 src2; do
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\nmem_mb = 1048576\nproc_units = 64.0\n' "$s"
		for i in $(seq 1 "$N"); do
			printf '\n[lpar %s/%s-%02d]\nid = %d\nstate = Running\nsrr_capable = 1\nmem_mb = 4096\nproc_units = 0.5\n' \
				"$s" "$s" "$i" "$i"
		done
	done
	for d in dst1 dst2; do
		printf '\n[system %s]\nstate = Operating\nsrr_capable = 1\nmem_mb = 4194304\nproc_units = 128.0\n' "$d"
	done
} >"$SRR_TOPO"
SRR_SYSTEMS_CONF="[system src1]
protect = yes
destinations = dst1, dst2

[system src2]
protect = yes
destinations = dst1, dst2

[system dst1]

[system dst2]"
SRR_POL[max_per_source]=$N
SRR_POL[max_per_dest]=$N
SRR_POL[confirm_window]=${CONFIRM_S}s
SRR_ALERTS=0
SRR_CONF_EXTRA=""
SRR_SESSIONS=$SESSIONS
srr_up 3 || { echo "failover: the stack did not come up"; srr_diag; exit 1; }

names() { local i; for i in $(seq 1 "$N"); do printf '%s-%02d ' "$1" "$i"; done; }
logins() { srr_simctl status | awk -v ep="$1" '$1 == "logins" && $2 == ep { n += $4 } END { print n + 0 }'; }
bound=$(( CONFIRM_S * 1000 + (N + N - 1) / N * RESTART_S * 1000 ))
sleep 3	# warm: every agent has its sessions

# ---- 1. the failover ----
l0=$(logins 0)
srr_failover src1 "$(names src1)" || { echo "failover: src1 not failed over"; srr_diag; exit 1; }
m1=$(( $(srr_log last-end restart --sys src1) - SRR_T_OFF ))
first=$(( $(srr_log first-start restart --sys src1) - SRR_T_OFF ))
ov=$(srr_log overlap restart --sys src1)
echo "failover of $N partitions (restart ${RESTART_S} s, cap $N, $SESSIONS executor sessions per HMC):"
echo "  makespan (power-off to last restart done): $m1 ms; lower bound $bound ms (confirm window ${CONFIRM_S} s + ceil($N/$N) x ${RESTART_S} s); ratio $(awk -v a="$m1" -v b="$bound" 'BEGIN { printf "%.2f", a / b }')"
echo "  first restart sent $first ms after the power-off; at most $ov restarts at once"
echo "  SSH handshakes during it (hmcsim's login count, all 3 agents): HMC hmc1 (10.77.0.200) $(( $(logins 0) - l0 ))"

# ---- 2. the same, the leader killed mid-failover ----
leader=$(srrd_wait_leader 30) || { echo "failover: no leader"; exit 1; }
restarting() { srr_simctl show src2 "src2-$1" | grep -qx "rr_status=Source Remote Restarting"; }
any_restarting() { local i; for i in $(seq -f '%02g' 1 "$N"); do restarting "$i" && return 0; done; return 1; }
T0=$(cl_now_ms)
srr_set_state src2 "Power Off"
cl_wait 30 any_restarting
tk=$(cl_now_ms)
srrd_kill "$leader"
rest=$(for k in 1 2 3; do [ "$k" = "$leader" ] || printf '%s ' "$k"; done)
if cl_wait 120 srr_failed_over src2 "$(names src2)" $rest; then
	m2=$(( $(srr_log last-end restart --sys src2) - T0 ))
	echo "leader (node $leader) killed $((tk - T0)) ms after the power-off, a restart running:"
	echo "  makespan $m2 ms, $((m2 - m1)) ms more than without the kill; restarted twice: $(srr_log twice --since "$T0" | wc -l)"
else
	echo "leader killed: src2 NOT failed over within 120 s"
	srr_diag
fi
srrd_start "$leader"

# ---- 3. RSS while watching 2000 partitions ----
for k in 1 2 3; do srrd_kill "$k" TERM; done
"$TOP_SRCDIR/sim/topologies/gen-large" 48 2000 >"$CL_DIR/large.ini"
SRR_TOPO=$CL_DIR/large.ini srr_sim_start big "$CL_NET.202" || { echo "failover: big hmcsim"; exit 1; }
SRR_SIMS=" big"
SRR_HMCS="big=$CL_NET.202"
SRR_SYSTEMS_CONF=$(for s in $(seq 1 48); do
	printf '[system sys%02d]\nprotect = yes\ndestinations = sys%02d\n\n' "$s" $((s % 48 + 1))
done)
for k in 1 2 3; do srr_conf_write "$k"; srrd_start "$k"; done
leader=$(srrd_wait_leader 60) || { echo "failover: no leader on the large estate"; srr_diag; exit 1; }
n_inv() { srr_log prefix 'lssyscfg -r lpar' --peer "$CL_NET.$leader"; }
cl_wait 60 eval '[ "$(n_inv)" -ge 48 ]'
sleep 10
echo "watching 48 systems, 2000 partitions ($(n_inv) inventories taken by the leader, node $leader):"
for k in 1 2 3; do
	p=$(cl_pid "$k" srrd)
	echo "  node $k srrd VmRSS $(awk '/^VmRSS/ { print $2, $3 }' "/proc/$p/status" 2>/dev/null), VmHWM $(awk '/^VmHWM/ { print $2, $3 }' "/proc/$p/status" 2>/dev/null)$([ "$k" = "$leader" ] && echo ' (leader)')"
done
