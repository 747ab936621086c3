#!/bin/bash
# fence_pcmk.sh: a real Pacemaker fences through fence_srr.
#
# Three Pacemaker nodes on corosync, each in its own network namespace
# (tests/lib/cluster.sh), and hmcsim in a fourth namespace on the same
# bridge. fence_srr is installed where pacemaker-fenced looks for agents
# (/usr/sbin/fence_srr; removed afterwards) and registered as a stonith
# device mapping n1..n3 to partitions. `stonith_admin --fence` makes
# pacemaker-fenced run fence_srr, which fences the partition in hmcsim;
# a partition on a system the HMC lost is reported as failed fencing.
set -u
if [ -z "${FENCE_PCMK_TIMED:-}" ]; then	# bounded in time, whatever happens
	FENCE_PCMK_TIMED=1 exec timeout -k 10 330 bash "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
lib=${TOP_SRCDIR:-$here/../..}/tests/lib
. "$here/fence_lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
for f in "$FL_AGENT" "$FL_SIM" "$FL_SIMCTL" "$lib/cluster.sh" /usr/sbin/pacemakerd \
	/usr/sbin/stonith_admin /usr/sbin/corosync; do
	[ -e "$f" ] || { echo "1..0 # SKIP $f missing"; exit 0; }
done
. "$lib/cluster.sh"

INSTALLED=/usr/sbin/fence_srr
backup=
cleanup() {
	fl_sim_stop
	cl_cleanup
	rm -f "$INSTALLED"
	[ -n "$backup" ] && mv -f "$backup" "$INSTALLED"
}
cl_init
trap cleanup EXIT

. "$lib/pcmk.sh"
mon() { pcmk_mon; }
has_dc() { pcmk_has_dc; }
all_online() { pcmk_all_online "n1 n2 n3"; }
device_started() { mon | grep -q "srr.*Started"; }
fenced_log() { pcmk_log; }

echo "1..13"
FL_DIR=$CL_DIR/fence
fl_init "$FL_DIR" || { echo "Bail out! ssh-keygen failed"; exit 1; }
cl_build 3 || { echo "Bail out! namespaces"; exit 1; }
cl_attach "$CL_P-h" hsim "$CL_NET.200" || { echo "Bail out! hmcsim namespace"; exit 1; }
fl_sim_start "$here/fence_topo.ini" "$CL_NET.200" 22 "$CL_P-h"
sim_rc=$?
check "hmcsim serves SSH in its own namespace" '[ $sim_rc = 0 ] && [ -s "$FL_DIR/known_hosts" ]'

if [ -e "$INSTALLED" ]; then
	backup=$(mktemp /usr/sbin/.fence_srr.XXXXXX)
	mv -f "$INSTALLED" "$backup"
fi
install -m 0755 "$FL_AGENT" "$INSTALLED"

t0=$(date +%s)
CL_NODE_HOOKS=pcmk_start
cl_start_all
fl_wait 90 has_dc && fl_wait 60 all_online
check "pacemaker: a DC and three nodes online" 'all_online'
echo "# cluster up after $(( $(date +%s) - t0 )) s"

# fence_lpar's parameters plus fence_srr's own; n2's partition will sit on
# the system the HMC loses.
cl_exec 1 cibadmin --create -o resources --xml-text "
<primitive id='srr' class='stonith' type='fence_srr'>
 <instance_attributes id='srr-ia'>
  <nvpair id='srr-map' name='pcmk_host_map' value='n1:lpar1;n2:lpar3;n3:lpar2'/>
  <nvpair id='srr-ip' name='ip' value='$CL_NET.200'/>
  <nvpair id='srr-user' name='username' value='hscroot'/>
  <nvpair id='srr-key' name='identity_file' value='$FL_DIR/id'/>
  <nvpair id='srr-kh' name='known_hosts' value='$FL_DIR/known_hosts'/>
  <nvpair id='srr-managed' name='managed' value='src'/>
 </instance_attributes>
 <operations><op id='srr-mon' name='monitor' interval='60s'/></operations>
</primitive>"
fl_wait 60 device_started
check "the fence_srr device is started (monitor answered 0)" 'device_started'

mark=$(fl_log_mark)
t1=$(date +%s%N)
cl_exec 1 stonith_admin --fence n3 --timeout 60 >"$FL_DIR/fence_n3.out" 2>&1
FL_RC=$? FL_OUT=$(cat "$FL_DIR/fence_n3.out") FL_ERR=
echo "# stonith_admin --fence n3: exit $FL_RC after $(( ($(date +%s%N) - t1) / 1000000 )) ms"
check "stonith_admin --fence n3 succeeds" '[ "$FL_RC" = 0 ]'
check "the partition of n3 (lpar2) is off in hmcsim" '[ "$(fl_model src lpar2 state)" = "Not Activated" ]'
check "fence_srr sent the shutdown to src" \
	'fl_log_since $mark | grep -q "^chsysstate.*-m .src. .*-n .lpar2. .*shutdown --immed"'
check "pacemaker's history records the fencing of n3" \
	'cl_exec 1 stonith_admin --history n3 2>&1 | grep -q "off of n3 successful"'
check "the other partitions were left alone" \
	'[ "$(fl_model src lpar1 state)" = Running ] && [ "$(fl_model lost lpar3 state)" = Running ]'

fl_simctl set-state lost "No Connection" >/dev/null
mark=$(fl_log_mark)
cl_exec 1 stonith_admin --fence n2 --timeout 40 >"$FL_DIR/fence_n2.out" 2>&1
FL_RC=$? FL_OUT=$(cat "$FL_DIR/fence_n2.out") FL_ERR=
echo "# stonith_admin --fence n2 (No Connection): exit $FL_RC: $FL_OUT"
check "fencing n2 (its system in No Connection) fails in pacemaker" '[ "$FL_RC" != 0 ]'
check "no power command was sent for it" '! fl_log_since $mark | grep -q "^chsysstate"'
check "pacemaker's history records the fencing of n2 as failed" \
	'cl_exec 1 stonith_admin --history n2 --verbose 2>&1 | grep -q "off of n2 failed"'
check "pacemaker logged fence_srr's reason" 'fenced_log | grep -q "No Connection.*cannot be proven off"'

t1=$(date +%s%N)
cl_exec 2 stonith_admin --reboot n1 --timeout 60 >"$FL_DIR/reboot_n1.out" 2>&1
FL_RC=$? FL_OUT=$(cat "$FL_DIR/reboot_n1.out") FL_ERR=
echo "# stonith_admin --reboot n1: exit $FL_RC after $(( ($(date +%s%N) - t1) / 1000000 )) ms"
check "stonith_admin --reboot n1: lpar1 shut down and started again" \
	'[ "$FL_RC" = 0 ] && fl_log_since $mark | grep -q "^chsysstate.*-n .lpar1. -o on" && fl_wait 10 eval "[ \"\$(fl_model src lpar1 state)\" = Running ]"'

echo "# total $(( $(date +%s) - t0 )) s"
[ "$failed" = 0 ] && [ "$n" = 13 ]
