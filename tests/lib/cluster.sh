# tests/lib/cluster.sh: a real N-node corosync cluster in network namespaces,
# for integration tests (bash; source it; needs root). Every later
# integration test builds on it.
#
# Layout: one network namespace per node (NAME-nK), each with eth0 =
# 10.77.0.K/24, a veth into a bridge that lives in its own namespace
# (NAME-br). Optional qnetd namespace (NAME-q, 10.77.0.100) for the two-site
# layout. Nothing is created in the root namespace. Each node runs `corosync
# -f` (knet, crypto off, token CL_TOKEN ms) inside `unshare -m` with its own
# /run bind-mounted from the node's directory, and state_dir in it too.
#
# Names: CL_P = "$CL_PREFIX<pid of the test shell>" (CL_PREFIX: srt)
# prefixes every namespace, so two runs never collide; cl_init first
# removes the namespaces (and their processes) of earlier runs that are
# gone: their lock file ($CL_BASE/$CL_P.lock, held on fd 9 for the run's
# life) is free, or, without one, their shell is gone. cl_init installs a trap
# that kills every process inside this run's namespaces and deletes them
# on exit, failure or signal.
#
# Functions (k = node number 1..N; return 0 on success):
#   cl_init                 prefix, work dir CL_DIR, stale cleanup, trap
#   cl_build N              namespaces, bridge, veths, addresses for N nodes
#   cl_build_qnetd          the arbitrator namespace (10.77.0.100)
#   cl_conf k               write node k's corosync.conf (CL_QDEVICE=1 adds
#                           a qdevice net/ffsplit/tls off section; lines in
#                           CL_QUORUM_OPTS go into the quorum section)
#   cl_node_start k         corosync (+ qdevice when CL_QDEVICE=1), then every
#                           function named in CL_NODE_HOOKS with k (hooks:
#                           start srrd, pacemaker, a probe ... per node)
#   cl_start_all            cl_node_start for every node
#   cl_corosync_start k / cl_corosync_kill k [SIG]   (default SIGKILL)
#   cl_qnetd_start / cl_qdevice_start k
#   cl_exec k CMD...        run CMD in node k's namespace (foreground)
#   cl_spawn k NAME CMD...  run CMD in the background in node k's namespace;
#                           pid in $CL_DIR/nK/NAME.pid, stdout NAME.log,
#                           stderr NAME.err
#   cl_spawn_mnt k NAME CMD...  same, with node k's private /run
#   cl_kill k NAME [SIG]    signal a process started by cl_spawn (default KILL)
#   cl_pid k NAME / cl_alive k NAME
#   cl_link_down k / cl_link_up k       node k's link to the bridge
#   cl_partition "1 2" "3 4"  drop traffic between two groups of nodes
#                           (blackhole routes in each node; qnetd unaffected)
#   cl_heal                 undo every cl_partition
#   cl_loss k PCT           tc netem loss on node k's eth0 (0 removes it);
#                           fails where the kernel lacks sch_netem (as on
#                           the development machine): test it before use
#   cl_quorate k            corosync-quorumtool says node k is quorate
#   cl_wait SECS CMD...     poll CMD every 0.2 s until it succeeds or SECS pass
#   cl_now_ms               wall-clock milliseconds (to compare with logs)
#   cl_cleanup              what the trap runs
# Variables: CL_TOKEN (1000), CL_N, CL_QDEVICE (0), CL_NODE_HOOKS (""),
#   CL_QUORUM_OPTS ("": e.g. "two_node: 1", "auto_tie_breaker: 1"),
#   CL_DIR (work dir, one subdir nK per node, q for qnetd), CL_P (prefix),
#   CL_KEEP=1 keeps CL_DIR (logs) after the run. Node k is named nK in
#   corosync with nodeid K; two sites are just groups given to cl_partition.

CL_TOKEN=${CL_TOKEN:-1000}
CL_QDEVICE=${CL_QDEVICE:-0}
CL_QUORUM_OPTS=${CL_QUORUM_OPTS:-}
CL_NODE_HOOKS=${CL_NODE_HOOKS:-}
CL_NET=10.77.0
CL_BASE=${CL_BASE:-/tmp/srrha-cl}
CL_PREFIX=${CL_PREFIX:-srt}
CL_N=0
CL_QNETD=0

cl_ns() { echo "$CL_P-n$1"; }

cl_log() { echo "# $*" >&2; }

cl_now_ms() { date +%s%3N; }

. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"
cl_wait() { wait_until "$@"; }

# kill everything in a namespace, then delete it
cl_ns_remove() {
	local ns=$1 pids
	pids=$(ip netns pids "$ns" 2>/dev/null)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
		sleep 0.1
	done
	ip netns del "$ns" 2>/dev/null
}

# A run holds an flock on $CL_BASE/$CL_P.lock for its whole life (fd 9):
# that works whatever PID namespace the caller is in, where kill -0 of
# another run's shell can fail while it is alive. A namespace is stale
# when its run's lock is free (or, for a run without a lock file, when its
# shell is gone).
cl_run_dead() {
	local p=$1
	if [ -e "$CL_BASE/$p.lock" ]; then
		flock -n "$CL_BASE/$p.lock" true
	else
		! kill -0 "${p#"$CL_PREFIX"}" 2>/dev/null
	fi
}

# namespaces of earlier runs that are gone
cl_remove_stale() {
	local ns owner
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$CL_PREFIX[0-9]+-"); do
		owner=${ns%%-*}
		if cl_run_dead "$owner"; then
			cl_log "removing stale namespace $ns"
			cl_ns_remove "$ns"
			rm -rf "${CL_BASE:?}/$owner" "$CL_BASE/$owner.lock"
		fi
	done
}

# libqb leaves its IPC rings in /dev/shm when a process is killed, and
# corosync its blackbox even on exit: remove those of processes that are
# gone (directories qb-SERVERPID-CLIENTPID-..., files
# qb-corosync-PID-blackbox-...). Without this every run leaked RAM: 21 GB
# in 7,290 entries after a day of test runs, and the protocol model's 3 GB
# search was then killed for want of memory.
cl_shm_sweep() {
	local f n
	for f in /dev/shm/qb-*; do
		n=${f##*/}
		if [[ $n =~ ^qb-([0-9]+)-([0-9]+)- ]]; then
			kill -0 "${BASH_REMATCH[1]}" 2>/dev/null ||
				kill -0 "${BASH_REMATCH[2]}" 2>/dev/null || rm -rf "$f"
		elif [[ $n =~ ^qb-corosync-([0-9]+)-blackbox- ]]; then
			kill -0 "${BASH_REMATCH[1]}" 2>/dev/null || rm -f "$f"
		fi
	done
}

cl_cleanup() {
	local ns
	[ -n "${CL_P:-}" ] || return 0
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$CL_P-"); do
		cl_ns_remove "$ns"
	done
	cl_shm_sweep
	if [ -n "${CL_KEEP:-}" ]; then
		cl_log "logs kept in $CL_DIR"
	else
		rm -rf "${CL_DIR:?}"
	fi
	rm -f "$CL_BASE/$CL_P.lock"
}

cl_init() {
	CL_P="$CL_PREFIX$$"
	CL_DIR="$CL_BASE/$CL_P"
	mkdir -p "$CL_BASE"
	exec 9>"$CL_BASE/$CL_P.lock"
	flock -n 9
	cl_remove_stale
	mkdir -p "$CL_DIR"
	trap 'cl_cleanup' EXIT
	trap 'exit 130' INT TERM
}

# one namespace with eth0 in the bridge; $1 = ns, $2 = port name, $3 = addr
cl_attach() {
	local ns=$1 port=$2 addr=$3
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip -n "$ns" link add eth0 type veth peer name "$port" netns "$CL_P-br" || return 1
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$CL_P-br" link set "$port" master br0 up
}

cl_build() {
	local k
	CL_N=$1
	ip netns add "$CL_P-br" || return 1
	ip -n "$CL_P-br" link add br0 type bridge || return 1
	ip -n "$CL_P-br" link set br0 type bridge forward_delay 0 2>/dev/null
	ip -n "$CL_P-br" link set br0 up
	for k in $(seq 1 "$CL_N"); do
		mkdir -p "$CL_DIR/n$k/run" "$CL_DIR/n$k/lib"
		cl_attach "$(cl_ns "$k")" "n$k" "$CL_NET.$k" || return 1
	done
}

cl_build_qnetd() {
	CL_QNETD=1
	mkdir -p "$CL_DIR/q/run"
	cl_attach "$CL_P-q" q "$CL_NET.100"
}

# sched_rr: no. Here every node's corosync shares two cores with the
# others' and with the qdevices and qnetd. In a sync, votequorum
# busy-waits for its qdevice's poll (a loop job, up to 30 s); at real-time
# priority four such loops starve the very qdevices they wait for: the
# rehearsal's heal took 50.8 s, 3.3 s without (in one CI run the
# rehearsal's 420 s bound ran out while it waited). A real admin host runs
# one corosync (doc/deploy-two-sites.md: give it two vCPUs).
cl_conf() {
	local k=$1 j dev=""
	if [ "$CL_QDEVICE" = 1 ]; then
		dev="
	device {
		model: net
		votes: 1
		net {
			host: $CL_NET.100
			algorithm: ffsplit
			tie_breaker: lowest
			tls: off
		}
	}"
	fi
	{
		cat <<CONF
totem {
	version: 2
	cluster_name: $CL_P
	transport: knet
	crypto_cipher: none
	crypto_hash: none
	token: $CL_TOKEN
}
logging {
	to_stderr: yes
	to_logfile: no
	to_syslog: no
	timestamp: on
}
system {
	state_dir: $CL_DIR/n$k/lib
	sched_rr: no
}
quorum {
	provider: corosync_votequorum$dev
$(printf '%s\n' "$CL_QUORUM_OPTS" | sed 's/^/\t/')
}
nodelist {
CONF
		for j in $(seq 1 "$CL_N"); do
			printf '\tnode {\n\t\tring0_addr: %s\n\t\tnodeid: %s\n\t\tname: n%s\n\t}\n' \
				"$CL_NET.$j" "$j" "$j"
		done
		echo "}"
	} > "$CL_DIR/n$k/corosync.conf"
}

# background process in node k's namespace (dir nK) or "q"
cl_spawn_in() {
	local ns=$1 dir=$2 name=$3 mnt=$4
	shift 4
	if [ "$mnt" = 1 ]; then
		ip netns exec "$ns" unshare -m --propagation private \
			sh -c 'mount --bind "$0" /run && exec "$@"' "$dir/run" "$@" \
			>"$dir/$name.log" 2>"$dir/$name.err" </dev/null 9>&- &
	else
		ip netns exec "$ns" "$@" >"$dir/$name.log" 2>"$dir/$name.err" </dev/null 9>&- &
	fi
	echo $! > "$dir/$name.pid"
	disown $!	# no "Killed" noise when the cleanup kills it
}

cl_spawn() { local k=$1; shift; cl_spawn_in "$(cl_ns "$k")" "$CL_DIR/n$k" "$1" 0 "${@:2}"; }
cl_spawn_mnt() { local k=$1; shift; cl_spawn_in "$(cl_ns "$k")" "$CL_DIR/n$k" "$1" 1 "${@:2}"; }
cl_exec() { local k=$1; shift; ip netns exec "$(cl_ns "$k")" "$@" 9>&-; }
cl_pid() { cat "$CL_DIR/n$1/$2.pid" 2>/dev/null; }
cl_alive() { local p; p=$(cl_pid "$1" "$2") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

cl_kill() {
	local k=$1 name=$2 sig=${3:-KILL} p
	p=$(cl_pid "$k" "$name") || return 1
	kill -"$sig" "$p" 2>/dev/null
	cl_wait 10 eval "! kill -0 $p 2>/dev/null"
}

cl_corosync_start() {
	local k=$1
	[ -f "$CL_DIR/n$k/corosync.conf" ] || cl_conf "$k"
	cl_spawn_mnt "$k" corosync corosync -f -c "$CL_DIR/n$k/corosync.conf"
}

cl_corosync_kill() { cl_kill "$1" corosync "${2:-KILL}"; }

cl_qnetd_start() {
	cl_spawn_in "$CL_P-q" "$CL_DIR/q" qnetd 1 corosync-qnetd -f -s off -l "$CL_NET.100"
}

cl_qdevice_start() {
	cl_spawn_mnt "$1" qdevice corosync-qdevice -f
}

cl_node_start() {
	local k=$1 hook
	cl_corosync_start "$k" || return 1
	if [ "$CL_QDEVICE" = 1 ]; then
		# qdevice needs corosync's cmap: wait for its IPC
		cl_wait 20 cl_exec "$k" corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 ||
			return 1
		cl_qdevice_start "$k" || return 1
	fi
	for hook in $CL_NODE_HOOKS; do
		"$hook" "$k" || return 1
	done
}

cl_start_all() {
	local k
	for k in $(seq 1 "$CL_N"); do
		cl_node_start "$k" || return 1
	done
}

cl_link_down() { ip -n "$(cl_ns "$1")" link set eth0 down; }
cl_link_up() { ip -n "$(cl_ns "$1")" link set eth0 up; }

cl_partition() {
	local a b
	for a in $1; do
		for b in $2; do
			ip -n "$(cl_ns "$a")" route add blackhole "$CL_NET.$b/32" || return 1
			ip -n "$(cl_ns "$b")" route add blackhole "$CL_NET.$a/32" || return 1
		done
	done
}

cl_heal() {
	local k r
	for k in $(seq 1 "$CL_N"); do
		ip -n "$(cl_ns "$k")" route show type blackhole | while read -r _ r _; do
			ip -n "$(cl_ns "$k")" route del blackhole "$r"
		done
	done
}

cl_loss() {
	local k=$1 pct=$2
	if [ "$pct" = 0 ]; then
		ip netns exec "$(cl_ns "$k")" tc qdisc del dev eth0 root 2>/dev/null
		return 0
	fi
	ip netns exec "$(cl_ns "$k")" tc qdisc replace dev eth0 root netem loss "$pct%"
}

cl_quorate() {
	cl_exec "$1" corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *Yes'
}
