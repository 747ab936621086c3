#!/bin/bash
# srrd_pacemaker.sh: srrd beside Pacemaker on one corosync (the two-site
# deployment has both). Three nodes run corosync, pacemakerd and srrd;
# Pacemaker runs two Dummy resources. srrd joins its own CPG group beside
# Pacemaker's; srcA powers off and srrd fails it over (command log, every
# store), while Pacemaker's nodes stay online and its resources stay
# started where they were, with no failed action.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 360 "$@"
. "$LIB/pcmk.sh"
for f in /usr/sbin/pacemakerd /usr/sbin/crm_mon /usr/sbin/cibadmin \
	/usr/lib/ocf/resource.d/pacemaker/Dummy; do
	[ -e "$f" ] || tap_skip_all "$f missing"
done

tap_plan 9
srr_init
CL_NODE_HOOKS=pcmk_start
t0=$(date +%s)
srr_up 3 || { echo "# the stack did not come up"; srr_diag; tap_done; }
tap_ok "pacemaker: a DC and three nodes online" eval \
	'cl_wait 120 pcmk_has_dc && cl_wait 60 pcmk_all_online "n1 n2 n3"'
echo "# corosync + pacemaker + srrd up in $(( $(date +%s) - t0 )) s; srrd leader: node $SRR_LEADER"
cl_exec 1 crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null 2>&1
for r in dummy1 dummy2; do
	cl_exec 1 cibadmin --create -o resources --xml-text "
<primitive id='$r' class='ocf' provider='pacemaker' type='Dummy'>
 <operations><op id='$r-mon' name='monitor' interval='5s'/></operations>
</primitive>" >/dev/null 2>&1
done
started() { [ "$(pcmk_mon | grep -cE "dummy[12].*Started")" = 2 ]; }
tap_ok "pacemaker: dummy1 and dummy2 started" cl_wait 60 started
where() { pcmk_mon | grep -E "dummy[12]" | sed 's/^[ *]*//' | sort; }
before=$(where)
echo "# $(echo "$before" | tr '\n' ';')"
groups=$(cl_exec 1 corosync-cpgtool -e 2>/dev/null)
tap_ok "one corosync: srrd's CPG group beside Pacemaker's" eval \
	'grep -q "srrha-$CL_P" <<<"$groups" && grep -qE "pacemakerd|crmd|cib" <<<"$groups"'

tap_ok "srcA powered off: srrd failed it over, debts in all three stores" \
	srr_failover srcA "$SRR_ELIGIBLE"
tap_is "$(srr_log per-lpar restart --ok | awk '$2 == 1 { print $1 }' | sort | tr '\n' ' ')" \
	"$(printf '%s ' $SRR_ELIGIBLE)" "command log: each eligible partition restarted once"
sleep 6	# a monitor interval more
tap_ok "pacemaker: three nodes still online" pcmk_all_online "n1 n2 n3"
tap_is "$(where)" "$before" "pacemaker: the resources are started where they were"
tap_ok "pacemaker: no failed action" eval '! pcmk_mon | grep -qi "failed"'
tap_ok "the three ledgers are equal" srr_ledgers_equal 1 2 3
[ "$TAP_FAIL" = 0 ] || { srr_diag; pcmk_mon | sed 's/^/# /'; }
tap_done
