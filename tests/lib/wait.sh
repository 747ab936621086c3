# tests/lib/wait.sh: the one polling loop of the integration scripts (bash;
# source it).
#   wait_until SECS CMD...  run CMD every 0.2 s until it succeeds (0) or
#                           SECS pass (1)
wait_until() {
	local secs=$1 end
	shift
	end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while ! "$@"; do
		[ "$(( $(date +%s%N) / 1000000 ))" -ge "$end" ] && return 1
		sleep 0.2
	done
	return 0
}
