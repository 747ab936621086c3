#!/bin/bash
# rrmonitor.sh: the baseline of the benchmarks, what the seed article's
# modified rrMonitor does (the hand-run script srrha replaces):
#   - every INTERVAL seconds, open a new ssh connection to the HMC and read
#     the source system's state;
#   - when it is not Operating (and not on its way down: "Power Off In
#     Progress" is waited out, as in the article's output), restart the
#     source's partitions that are simplified remote restart capable (listed
#     once at start), one after another, each with its own ssh connection
#     (rrstartlpar -o restart), and print the cleanup command for each.
# No confirmation, no priorities, no parallelism, no record of what it did.
#
#   rrmonitor.sh SRC DST INTERVAL HMC [SSH OPTION...]
#   e.g. rrmonitor.sh p814-1 p814-2 60 hscroot@myhmc -i key
# Exits after one failover (or 64 on bad arguments).
set -u
[ $# -ge 4 ] || { echo "usage: rrmonitor.sh SRC DST INTERVAL HMC [SSH OPTION...]" >&2; exit 64; }
src=$1 dst=$2 interval=$3 hmc=$4
shift 4
hmc_cmd() { ssh -o BatchMode=yes "$@" "$hmc" "$cmd"; }

echo "Getting remote restartable lpars"	# at start, as the article's does
cmd="lssyscfg -r lpar -m $src -F name,simplified_remote_restart_capable"
lpars=$(hmc_cmd "$@" </dev/null | awk -F, '$2 == "1" { print $1 }')
[ -n "$lpars" ] || { echo "no remote restartable lpar on $src" >&2; exit 1; }
echo "Checking for source server state...."
while :; do
	cmd="lssyscfg -r sys -m $src -F state"
	state=$(hmc_cmd "$@" </dev/null)
	echo "Source server state is $state"
	case "$state" in
	Operating|"Power Off In Progress"|"") sleep "$interval"; continue ;;
	esac
	break
done
echo "It's time to remote restart ($(date))"
for l in $lpars; do
	echo "Remote restarting $l"
	cmd="rrstartlpar -o restart -m $src -t $dst -p $l"
	hmc_cmd "$@" </dev/null || echo "rrstartlpar of $l failed"
done
for l in $lpars; do
	echo "when $src is back: rrstartlpar -o cleanup -m $src -p $l"
done
