# tests/lib/pcmk.sh: Pacemaker on the nodes of tests/lib/cluster.sh (bash;
# source after cluster.sh; needs root).
#   pcmk_start k     pacemakerd in node k's namespace, with its own
#                    hostname (the corosync node name nK), /run,
#                    /var/lib/pacemaker and /var/log/pacemaker (usable in
#                    CL_NODE_HOOKS)
#   pcmk_mon         crm_mon -1 on node 1
#   pcmk_has_dc / pcmk_all_online "n1 n2 n3"
#   pcmk_log         every node's pacemaker.log
pcmk_start() {
	local k=$1 d=$CL_DIR/n$1 sub
	for sub in cib pengine blackbox cores; do mkdir -p "$d/pcmk-lib/$sub"; done
	mkdir -p "$d/pcmk-log"
	chown -R hacluster:haclient "$d/pcmk-lib" "$d/pcmk-log"
	ip netns exec "$(cl_ns "$k")" unshare -m -u --propagation private sh -c '
		hostname "$1" && mount --bind "$2/run" /run &&
		mount --bind "$2/pcmk-lib" /var/lib/pacemaker &&
		mount --bind "$2/pcmk-log" /var/log/pacemaker && exec pacemakerd' \
		sh "n$k" "$d" >"$d/pcmk.log" 2>"$d/pcmk.err" </dev/null &
	echo $! >"$d/pcmk.pid"
	disown $!
}
pcmk_mon() { cl_exec 1 crm_mon -1 2>/dev/null; }
pcmk_has_dc() { pcmk_mon | grep -q "Current DC: n[0-9]"; }
pcmk_all_online() { pcmk_mon | grep -q "Online: \[ $1 \]"; }
pcmk_log() { cat "$CL_DIR"/n*/pcmk-log/pacemaker.log 2>/dev/null; }
