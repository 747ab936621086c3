# tests/integration/srrctl_lib.sh: srrctl on the nodes of srrd's 3-agent
# stack (bash; source after tests/lib/srrd.sh).
#
#   ctl k ARGS...            srrctl in node k's namespace (its srrd); the
#                            exit code is srrctl's, stdout/stderr as is
#   ctl_as USER k ARGS...    the same, run as USER (and USER's group only)
#   ctl_rc k ARGS...         only the exit code, printed
#   json_get FIELD.PATH      read a field of the JSON on stdin ("" absent)
#   ctl_leader / ctl_follower  node numbers, from node 1's srrctl status
SRRCTL=${SRRCTL:-${TOP_BUILDDIR:-.}/agent/srrctl}

# The [ipc] section every node gets: the group the tests allow (it exists
# on Debian) and the scrape endpoint.
SRRCTL_GROUP=daemon
SRRCTL_PORT=9477
SRRD_EXTRA="[ipc]
group = $SRRCTL_GROUP
metrics_port = $SRRCTL_PORT"

ctl() {
	local k=$1
	shift
	cl_exec "$k" "$SRRCTL" -c "$CL_DIR/n$k/srrd/srrd.conf" "$@"
}

ctl_as() {
	local user=$1 k=$2
	shift 2
	cl_exec "$k" setpriv --reuid="$user" --regid="$(id -g "$user")" \
		--clear-groups "$SRRCTL" -c "$CL_DIR/n$k/srrd/srrd.conf" "$@"
}

ctl_rc() { ctl "$@" >/dev/null 2>&1; echo $?; }

json_get() {
	python3 -c 'import sys, json
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    if isinstance(v, list): v = v[int(k)]
    elif isinstance(v, dict): v = v.get(k, "")
    else: v = ""
print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)' "$1"
}

ctl_leader() { ctl 1 --json status | json_get data.cluster.leader; }

ctl_follower() {
	local l k
	l=$(ctl_leader)
	for k in 1 2 3; do [ "$k" != "$l" ] && { echo "$k"; return; }; done
}
