#!/bin/bash
# srrd_smoke.sh: three srrd on a real 3-node corosync against hmcsim over
# SSH. The source is powered off: every eligible partition (Running, SRR
# capable, not a VIOS) is restarted on the destination, once, and the
# debts are in all three stores; the others are not touched. The source
# comes back: the debts are cleaned up and closed in every store. SIGHUP
# reloads (a bad file refused, a good one restarts srrd in place).
# Everything is checked in hmcsim's command log and in the stores.
LIB=${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/lib
. "$LIB/tap.sh"
. "$LIB/cluster.sh"
. "$LIB/srrd.sh"

[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
command -v corosync >/dev/null || tap_skip_all "corosync not installed"
command -v sqlite3 >/dev/null || tap_skip_all "sqlite3 not installed"
[ -x "$SRRD_BIN" ] || tap_skip_all "srrd not built ($SRRD_BIN)"
[ -x "$SRRD_SIM" ] || tap_skip_all "hmcsim not built ($SRRD_SIM)"

tap_plan 14
cl_init
cl_build 3 || { echo "Bail out! namespaces"; exit 1; }
srrd_init || { echo "Bail out! keys"; exit 1; }
srrd_sim_start "${TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/srrd_topo.ini" ||
	{ echo "Bail out! hmcsim did not start"; exit 1; }
# two sessions for three restarts: hmcsim takes one channel per session,
# so the third command meets a refused channel and must wait for a free
# one, never be reported as unknown
SRRD_SESSIONS=2
CL_NODE_HOOKS=srrd_hook
cl_start_all || { echo "Bail out! nodes did not start"; exit 1; }

leaders_agree() {
	local l1 k
	l1=$(srrd_leader 1)
	[ -n "$l1" ] && [ "$l1" != 0 ] || return 1
	for k in 2 3; do [ "$(srrd_leader $k)" = "$l1" ] || return 1; done
}
inventoried() { local k; for k in 1 2 3; do srrd_log $k | grep -q 'inventory of src: 6 partitions' || return 1; done; }
tap_ok "the three srrd agree on one leader" cl_wait 60 leaders_agree
tap_ok "every agent took the inventory of src" cl_wait 60 inventoried
echo "# leader: node $(srrd_leader 1)"

mark=$(srrd_cmd_mark)
t0=$(cl_now_ms)
srrd_simctl set-state src 'Power Off'
restarted() { [ "$(srrd_restarts "$mark")" -ge 3 ]; }
tap_ok "three restarts sent after the source powered off" cl_wait 90 restarted
tap_ok "three debts 'restarted' in every store" cl_wait 60 srrd_all_debts 3 restarted 1 2 3
echo "# failover: $(( $(cl_now_ms) - t0 )) ms from power-off to the debts in all stores"
cmds=$(srrd_cmds "$mark" | grep '^rrstartlpar .*-o restart')
echo "$cmds" | sed 's/^/#   /'
tap_is "$(echo "$cmds" | grep -c -e "-p 'app1'" -e "-p 'app2'" -e "-p 'app3'")" 3 \
	"the restarts are app1, app2, app3 (one each)"
tap_is "$(echo "$cmds" | grep -c -e legacy -e idle -e vios1)" 0 \
	"nothing else was restarted (not capable, not running, VIOS)"
echo "# SSH sessions used since the power-off: $(srrd_sessions "$mark")"
tap_is "$(cat "$CL_DIR"/n*/srrd.err | grep -c 'outcome unknown')" 0 \
	"no command reported as unknown (a refused channel waits for a free one)"
tap_is "$(srrd_new_sessions "$mark")" 0 \
	"no SSH handshake during the failover (sessions opened at start)"

mark=$(srrd_cmd_mark)
srrd_simctl set-state src Operating
tap_ok "the source back: the debts are closed in every store" cl_wait 120 srrd_all_debts 3 cleaned 1 2 3
tap_is "$(srrd_cmds "$mark" | grep -c '^rrstartlpar .*-o cleanup')" 3 \
	"three cleanups sent"
tap_is "$(srrd_restarts "$mark")" 0 "no restart after the source came back"
for k in 1 2 3; do srrd_debts $k | tr '\n' ' ' | sed "s/^/# node $k: /"; echo; done

# SIGHUP: a bad file is refused and the agent keeps running; a good one
# restarts it in place (same pid) and it rejoins with its ledger.
conf3=$CL_DIR/n3/srrd/srrd.conf
pid3=$(cl_pid 3 srrd)
cp "$conf3" "$conf3.good"
printf '[policy]\nbogus = 1\n' >> "$conf3"
kill -HUP "$pid3"
tap_ok "SIGHUP with a bad file: refused, the agent keeps running" \
	cl_wait 10 eval "srrd_log 3 | grep -q 'reload refused' && kill -0 $pid3"
cp "$conf3.good" "$conf3"
kill -HUP "$pid3"
rejoined() { [ "$(srrd_log 3 | grep -c 'running (config')" = 2 ] && leaders_agree; }
tap_ok "SIGHUP with a good file: restarted in place (pid $pid3), rejoined" \
	cl_wait 30 eval "rejoined && kill -0 $pid3"
tap_is "$(srrd_debts 3 | grep -c ':cleaned$')" 3 "its ledger is intact after the reload"
tap_done
