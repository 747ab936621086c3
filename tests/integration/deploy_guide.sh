#!/bin/bash
# deploy_guide.sh: doc/deploy-two-sites.md, run. Every block the guide
# marks as tested (tests/integration/guide_blocks.py) is used, in the
# guide's order, on the namespace estate: four admin hosts running the
# guide's corosync.conf with a qdevice and a qnetd arbitrator, Pacemaker
# (the guide's pcs commands on a CIB file, pushed into the running
# cluster), srrd with the guide's srrha.conf, and hmcsim serving the
# rehearsal's estate on both HMC addresses. Then the guide's failure drill:
# p950-a1 loses power, its partitions are restarted, it returns, the debts
# are cleaned, with the guide's commands run at each step.
#
# What the test changes, and only that:
#   - addresses and host names (the table below);
#   - /etc/srrha -> one shared directory, the store -> one per host, the
#     alert log -> one shared file, /root -> the work directory;
#   - corosync.conf: the authkey's path, logs to stderr, a state_dir per
#     host and sched_rr: no (four hosts share this machine: see
#     tests/lib/cluster.sh), and the arbitrator without TLS (the NSS
#     databases the TLS setup writes live under /etc/corosync, which the
#     namespaces share);
#   - the Pacemaker cluster of the partitions dbnode-a and dbnode-b is
#     played by admin-a1 and admin-b1's namespaces (one corosync here);
#   - the key srrd logs in with is the test's (hmcsim authorizes it),
#     in place of the guide's mkauthkeys step on a real HMC.
LIB=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib
. "$LIB/srrd_stack.sh"
srr_begin 420 "$@"
. "$LIB/pcmk.sh"
for f in pacemakerd corosync-qnetd corosync-qdevice pcs curl fence_redfish; do
	command -v "$f" >/dev/null || tap_skip_all "$f missing"
done
GUIDE=${GUIDE:-$TOP_SRCDIR/doc/deploy-two-sites.md}	# another copy: to see the test fail
BLOCKS=$TOP_SRCDIR/tests/integration/guide_blocks.py
FENCE_SRR=${FENCE_SRR:-$TOP_BUILDDIR/fence/fence_srr}
[ -x "$FENCE_SRR" ] || tap_skip_all "fence_srr not built"

bail() { echo "Bail out! $*"; srr_diag; exit 1; }
tap_plan 21
SRR_TOPO=$TOP_SRCDIR/sim/topologies/rehearsal.ini
CL_QDEVICE=1
CL_TOKEN=3000
srr_init || bail "srr_init"
ETC=$CL_DIR/etc
mkdir -p "$ETC" "$CL_DIR/bin"
chmod 0700 "$ETC"
ln -s "$SRRD_BIN" "$CL_DIR/bin/srrd"
ln -s "$SRRCTL_BIN" "$CL_DIR/bin/srrctl"
export PATH=$CL_DIR/bin:$PATH

# fence_srr where pacemaker-fenced and pcs look for it, put back after
INSTALLED=/usr/sbin/fence_srr
backup=
restore_agent() {
	rm -f "$INSTALLED"
	[ -n "$backup" ] && mv -f "$backup" "$INSTALLED"
}
trap 'restore_agent; cl_cleanup' EXIT
if [ -e "$INSTALLED" ]; then
	backup=$(mktemp /usr/sbin/.fence_srr.XXXXXX)
	mv -f "$INSTALLED" "$backup"
fi
install -m 0755 "$FENCE_SRR" "$INSTALLED"

# ------------------------------------------------------------ the guide
used=" "
use() { used="$used$1 "; }	# in this shell, not in a pipeline
block() { python3 "$BLOCKS" "$GUIDE" get "$1"; }
# N such that block N is of KIND with ARG and, if given, TAG
find_block() {
	python3 "$BLOCKS" "$GUIDE" list | awk -v k="$1" -v a="$2" -v t="${3:-}" -v after="${4:-0}" '
		$1 > after && $2 == k && $3 == a && (t == "" || index($0, " " t)) { print $1; exit }'
}
# the guide's names and places -> the estate's, for node K
adapt() {
	local k=${1:-1}
	sed -e "s|/etc/srrha/srrha\.conf|$CL_DIR/n$k/srrha.conf|g" \
	    -e "s|/etc/srrha/|$ETC/|g" \
	    -e "s|/var/lib/srrha|$CL_DIR/n$k/state|g" \
	    -e "s|/var/log/srrha-alerts\.log|$CL_DIR/alerts.log|g" \
	    -e "s|/root/|$CL_DIR/|g" \
	    -e 's|192\.0\.2\.11\b|10.77.0.1|g; s|192\.0\.2\.12\b|10.77.0.2|g' \
	    -e 's|198\.51\.100\.11\b|10.77.0.3|g; s|198\.51\.100\.12\b|10.77.0.4|g' \
	    -e 's|203\.0\.113\.10\b|10.77.0.100|g' \
	    -e 's|192\.0\.2\.50\b|10.77.0.200|g; s|198\.51\.100\.50\b|10.77.0.201|g' \
	    -e 's|192\.0\.2\.31\b|10.77.0.231|g' \
	    -e 's|\badmin-a1\b|n1|g; s|\badmin-a2\b|n2|g' \
	    -e 's|\badmin-b1\b|n3|g; s|\badmin-b2\b|n4|g' \
	    -e 's|\bdbnode-a\b|n1|g; s|\bdbnode-b\b|n3|g'
}
host_node() {
	case "$1" in
	admin-a1|pcmk-node) echo 1 ;; admin-a2) echo 2 ;;
	admin-b1) echo 3 ;; admin-b2) echo 4 ;; every-admin) echo "1 2 3 4" ;;
	esac
}
# run block N on its host(s); its exit status must be its expect= (0)
run_block() {
	local n=$1 host expect k out rc ok=0
	use "$n"
	host=$(python3 "$BLOCKS" "$GUIDE" list | awk -v n="$n" '$1 == n { print $3 }')
	expect=$(python3 "$BLOCKS" "$GUIDE" list | awk -v n="$n" '$1 == n' |
		sed -n 's/.*expect=\([0-9]*\).*/\1/p')
	[ -n "$(host_node "$host")" ] || { echo "# block $n: unknown host '$host'"; return 1; }
	for k in $(host_node "$host"); do
		out=$(block "$n" | adapt "$k" | cl_exec "$k" env PATH="$PATH" \
			SRRHA_CONF="$CL_DIR/n$k/srrha.conf" bash -e -o pipefail 2>&1)
		rc=$?
		echo "$out" | sed "s/^/#   $host (n$k): /" | head -40
		[ "$rc" = "${expect:-0}" ] || { echo "# block $n on n$k: exit $rc, want ${expect:-0}"; ok=1; }
	done
	return $ok
}

# corosync.conf, as a namespace needs it
COROSYNC_CONF=$(find_block file corosync.conf)
use "$COROSYNC_CONF"
corosync-keygen -l -k "$CL_DIR/authkey" >/dev/null 2>&1 || bail "corosync-keygen"
conf_for() {
	block "$COROSYNC_CONF" | adapt "$1" | sed \
		-e "s|^\(\tcluster_name: \).*|\1$CL_P|" \
		-e "s|^\(\ttoken: .*\)|\1\n\tkeyfile: $CL_DIR/authkey|" \
		-e "s|^\(\tto_syslog: yes\)|\tto_syslog: no\n\tto_stderr: yes|" \
		-e 's|tls: on|tls: off|' \
		-e "s|^\(logging {\)|system {\n\tstate_dir: $CL_DIR/n$1/lib\n\tsched_rr: no\n}\n\n\1|"
}

cl_build 4 || bail "namespaces"
cl_build_qnetd && cl_qnetd_start || bail "qnetd"
for k in 1 2 3 4; do conf_for "$k" >"$CL_DIR/n$k/corosync.conf"; done
srr_sim_start h "$CL_NET.200,$CL_NET.201" || bail "hmcsim"
cp "$SRR_DIR/id" "$ETC/id_ed25519" && cp "$SRR_DIR/id.pub" "$ETC/id_ed25519.pub"
CL_NODE_HOOKS=pcmk_start
cl_start_all || bail "corosync"
all_quorate() { cl_quorate 1 && cl_quorate 2 && cl_quorate 3 && cl_quorate 4; }
tap_ok "the guide's corosync.conf: four admin hosts quorate with the arbitrator" \
	cl_wait 90 all_quorate

n=$(find_block run every-admin)
tap_ok "guide: corosync-quorumtool on every admin host" run_block "$n"
tap_ok "... each says Quorate and Qdevice" eval \
	'[ "$(block "$n" | adapt 1 | cl_exec 1 bash | grep -c "Qdevice")" = 1 ]'

n=$(find_block run admin-a1)
tap_ok "guide: the HMCs' host keys collected with ssh-keyscan" run_block "$n"
tap_ok "... both HMC addresses, and hmcsim's key among them" eval \
	'grep -q "^10.77.0.200 " "$ETC/known_hosts" && grep -q "^10.77.0.201 " "$ETC/known_hosts" &&
	 grep -qF "$(cut -d" " -f2- "$SRR_DIR/known_hosts" | head -1)" "$ETC/known_hosts"'

SRRHA_CONF_BLOCK=$(find_block file srrha.conf)
use "$SRRHA_CONF_BLOCK"
for k in 1 2 3 4; do
	mkdir -p "$CL_DIR/n$k/state"
	block "$SRRHA_CONF_BLOCK" | adapt "$k" >"$CL_DIR/n$k/srrha.conf"
	chmod 0600 "$CL_DIR/n$k/srrha.conf"
done
n=$(find_block run every-admin "" "$n")
tap_ok "guide: srrd --config-test passes on every admin host" run_block "$n"

for k in 1 2 3 4; do srrd_start "$k"; done
L=$(srrd_wait_leader 90) || L=
tap_ok "srrd with the guide's srrha.conf: a leader polls the HMCs" test -n "$L"
echo "# leader: n$L"
# what the guide says status shows, once the followers have polled
status_as_told() {
	local o
	o=$(cl_exec 3 "$SRRCTL_BIN" -c "$CL_DIR/n3/srrha.conf" status 2>/dev/null) || return 1
	grep -q "leader $L," <<<"$o" && grep -q "restarts active" <<<"$o" &&
		[ "$(grep -cE '^hmc-[ab] .* reachable ' <<<"$o")" = 2 ] &&
		[ "$(grep -cE '^p950-[ab][12] +Operating ' <<<"$o")" = 4 ] &&
		grep -q "18 partitions protected, 18 ready" <<<"$o"
}
cl_wait 90 status_as_told
n=$(find_block run admin-b1)
tap_ok "guide: srrctl status: the leader, both HMCs reachable, four servers Operating, 18 protected, restarts active" \
	eval 'run_block "$n" && status_as_told'

# Pacemaker: the guide's pcs commands on a CIB file, pushed
cl_wait 120 pcmk_has_dc
cl_exec 1 crm_attribute -t crm_config -n stonith-enabled -v true >/dev/null 2>&1
n=$(find_block run pcmk-node)
tap_ok "guide: pcs -f builds the fencing devices and levels, cib-push loads them" run_block "$n"
devices_started() { [ "$(pcmk_mon | grep -cE 'fence-srr-[ab].*Started')" = 2 ]; }
tap_ok "... both fence_srr devices started (their monitor reached the HMCs)" cl_wait 90 devices_started
levels=$(cl_exec 1 cibadmin -Q -o fencing-topology 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
for l in sorted(ET.fromstring(sys.stdin.read()).iter("fencing-level"),
                key=lambda l: (l.get("target"), l.get("index"))):
    print(l.get("target"), l.get("index"), l.get("devices"))' | tr '\n' ';')
tap_is "$levels" "n1 1 fence-srr-b;n1 2 fence-srr-a;n3 1 fence-srr-a;n3 2 fence-srr-b;" \
	"... the fencing topology: two levels per node, the other site's HMC first"
n=$(find_block run pcmk-node "" "$n")
tap_ok "guide: pcs stonith status and level config" run_block "$n"

n=$(find_block run admin-a2)
tap_ok "guide: srrctl debts --check (no debt: exit 0)" run_block "$n"
n=$(find_block run admin-b2)
tap_ok "guide: srrctl metrics and the scrape endpoint" run_block "$n"

n=$(find_block run admin-a1 "" "$n")
tap_ok "guide: srrctl pause" run_block "$n"
paused_everywhere() {
	local k
	for k in 1 2 3 4; do
		[ "$(srr_sql "$k" "SELECT count(*) FROM ops WHERE lpar='' AND code='pause'" 2>/dev/null)" -ge 1 ] || return 1
		cl_exec "$k" "$SRRCTL_BIN" -c "$CL_DIR/n$k/srrha.conf" status 2>/dev/null | grep -qi paused || return 1
	done
}
n=$(find_block run admin-a1 "" "$n")
tap_ok "guide: srrctl resume, after every agent showed the pause" eval \
	'cl_wait 20 paused_everywhere && run_block "$n"'

# the failure drill
eligible="app01 app02 app03 app04 app05 batch01 db01 db02 db03 mq01 web01 web02"
t_off=$(cl_now_ms)
running_elsewhere() {
	local l d
	for l in $eligible; do
		for d in p950-a2 p950-b1 p950-b2 none; do
			[ "$(srr_model "$d" "$l" state)" = Running ] && break
		done
		[ "$d" != none ] || return 1
	done
}
failed_over() { running_elsewhere && SRR_DEBT_SRC=p950-a1 srr_all_debts "$eligible" 1 2 3 4; }
srr_set_state p950-a1 "Power Off"
tap_ok "drill: p950-a1 powered off: its 12 eligible partitions restarted, a debt each on all four" \
	cl_wait 180 failed_over
echo "# restarted within $(( ($(cl_now_ms) - t_off) / 1000 )) s of the power-off"
n=$(find_block run admin-b1 "expect=1")
tap_ok "guide: srrctl debts lists them (exit 1)" run_block "$n"
srr_set_state p950-a1 "Operating"
cleaned() { local k; for k in 1 2 3 4; do [ -z "$(srr_debts "$k" p950-a1)" ] || return 1; done; }
cl_wait 180 cleaned
n=$(find_block run admin-b1 after-return)
tap_ok "drill: p950-a1 back: every debt cleaned; guide: srrctl debts and history" eval \
	'cleaned && run_block "$n"'

alerted() {
	local l
	for l in $eligible; do
		grep -w "$l" "$CL_DIR/alerts.log" | grep -qi restart &&
			grep -w "$l" "$CL_DIR/alerts.log" | grep -qi clean || return 1
	done
}
tap_ok "the guide's [alert logfile]: Pacemaker's alert_file sample logged each restart and cleanup" \
	cl_wait 10 alerted
tap_is "$(python3 "$BLOCKS" "$GUIDE" list | awk '{ print $1 }' |
	while read -r b; do case "$used" in *" $b "*) ;; *) printf '%s ' "$b" ;; esac; done)" "" \
	"every tested block of the guide was used (file blocks 1 and 4 included)"
[ "$TAP_FAIL" = 0 ] || { srr_diag; pcmk_mon | sed 's/^/# /'; }
tap_done
