# tests/lib/probe.sh: drive cluster_probe (tests/cluster/cluster_probe.c)
# on the nodes of tests/lib/cluster.sh (bash; source after cluster.sh).
#   probe_start k [DIGEST]  start a probe on node k (group srrha-test);
#                           PROBE_NAME (default probe) names a second one
#                           on the same node (its log: NAME.log)
#   probe_hook k            the same, usable in CL_NODE_HOOKS
#   probe_cmd k LINE        write a command (add ITEM, dump) to its fifo
#   probe_leader k          "KIND NODE" from its last leader line (none 0 ...)
#   probe_epoch k           epoch of its last membership line
#   probe_synced k          epoch of its last synced line
#   probe_state k           dump, then print its items (a,b,c) once printed
#   probe_summary k         "count=N hash=H" of its state (big states)
#   probe_first_leader_after k MS [OLD]  "TIME NODE" of its first leader
#                           line after time MS naming a leader (other than
#                           OLD); empty if none
#   probe_agree K...        every listed probe names the same leader (not
#                           none) and its last synced epoch is its current
#                           membership epoch, the same on all
#   probe_agree_leader K... the same, printing the leader's nodeid
#   probe_gate k            its last gate line (cluster_may_lead): 1, 0 or ""
#   probe_gate_after k MS V time of its first "gate V" line after MS
#   probe_preflight         skip the whole test (TAP) without root, corosync
#                           or a built probe
# Every function takes k as N (the probe) or N:NAME (PROBE_NAME=NAME).
PROBE_BIN=${PROBE_BIN:-${TOP_BUILDDIR:-.}/tests/cluster/cluster_probe}
PROBE_DIGEST=${PROBE_DIGEST:-cfg-default}
# probes exclude a member silent this long (cluster_config.hello_timeout_ms)
PROBE_HELLO_TIMEOUT=${PROBE_HELLO_TIMEOUT:-10000}
# and one that holds up any other sync phase this long (0: the layer's 20 s)
PROBE_SYNC_TIMEOUT=${PROBE_SYNC_TIMEOUT:-0}

probe_preflight() {
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
	command -v corosync >/dev/null || tap_skip_all "corosync not installed"
	[ -x "$PROBE_BIN" ] || tap_skip_all "cluster_probe not built ($PROBE_BIN)"
}

# node and probe name of k (N or N:NAME)
probe_node() { echo "${1%%:*}"; }
probe_name() { case "$1" in *:*) echo "${1#*:}" ;; *) echo "${PROBE_NAME:-probe}" ;; esac; }

probe_start() {
	local n name digest=${2:-$PROBE_DIGEST} f
	n=$(probe_node "$1")
	name=$(probe_name "$1")
	f="$CL_DIR/n$n/$name.fifo"
	[ -p "$f" ] || mkfifo "$f"
	# a restart appends, so earlier lines stay for the checks
	[ -f "$CL_DIR/n$n/$name.log" ] && cat "$CL_DIR/n$n/$name.log" >> "$CL_DIR/n$n/$name.old"
	cl_spawn "$n" "$name" "$PROBE_BIN" --group srrha-test --digest "$digest" --fifo "$f" \
		--hello-timeout "$PROBE_HELLO_TIMEOUT" --sync-timeout "$PROBE_SYNC_TIMEOUT"
}

probe_hook() { probe_start "$1"; }

# A fifo with no reader (the probe died) would block the writer forever:
# bound it, and say so.
probe_cmd() {
	local f
	f="$CL_DIR/n$(probe_node "$1")/$(probe_name "$1").fifo"
	timeout 5 bash -c 'echo "$1" > "$2"' _ "$2" "$f" ||
		{ echo "# probe_cmd $1 '$2': no probe read its fifo within 5 s" >&2; return 1; }
}

probe_log() { cat "$CL_DIR/n$(probe_node "$1")/$(probe_name "$1").log" 2>/dev/null; }

probe_gate() { probe_log "$1" | awk '$2 == "gate" { g = $3 } END { print g }'; }

probe_gate_after() {
	probe_log "$1" | awk -v t="$2" -v v="$3" '$1 > t && $2 == "gate" && $3 == v { print $1; exit }'
}

probe_leader() {
	probe_log "$1" | awk '$2 == "leader" { k = $3; n = $4 } END { sub("node=", "", n); if (k == "") k = "none"; print k, (n == "" ? 0 : n) }'
}

probe_epoch() {
	probe_log "$1" | awk '$2 == "membership" { e = $3 } END { sub("epoch=", "", e); print e }'
}

probe_synced() {
	probe_log "$1" | awk '$2 == "synced" { e = $3 } END { sub("epoch=", "", e); print e }'
}

probe_state() {
	local k=$1 n
	n=$(probe_log "$k" | grep -c ' state ')
	probe_cmd "$k" dump
	cl_wait 5 eval "[ \$(probe_log $k | grep -c ' state ') -gt $n ]" || return 1
	probe_log "$k" | awk '$2 == "state" { s = $NF } END { sub("items=", "", s); print s }'
}

probe_summary() {
	local k=$1 n
	n=$(probe_log "$k" | grep -c ' summary ')
	probe_cmd "$k" summary
	cl_wait 10 eval "[ \$(probe_log $k | grep -c ' summary ') -gt $n ]" || return 1
	probe_log "$k" | awk '$2 == "summary" { s = $3 " " $4 } END { print s }'
}

probe_first_leader_after() {
	probe_log "$1" | awk -v t="$2" -v old="${3:-}" '$1 > t && $2 == "leader" && $3 != "none" { sub("node=", "", $4); if ($4 != old) { print $1, $4; exit } }'
}

probe_agree() { probe_agree_leader "$@" >/dev/null; }

probe_agree_leader() {
	local k first="" l e s e0=""
	for k in "$@"; do
		l=$(probe_leader "$k")
		e=$(probe_epoch "$k")
		s=$(probe_synced "$k")
		case "$l" in none*) return 1 ;; esac
		[ -n "$e" ] && [ "$e" = "$s" ] || return 1
		[ -z "$e0" ] && e0=$e
		[ "$e" = "$e0" ] || return 1
		[ -z "$first" ] && first=${l#* }
		[ "${l#* }" = "$first" ] || return 1
	done
	echo "$first"
}
