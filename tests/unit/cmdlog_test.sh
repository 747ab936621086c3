#!/bin/sh
# srr_cmdlog.py's "twice", the integration tests' check that no partition
# was restarted twice, on a made-up hmcsim command log: it must report a
# restart from a system the partition has left and one sent while another
# ran, and must not report a retry after a failure or a partition restarted
# again from the system a first failover put it on.
top=${SRCDIR:-.}/..
t=$(mktemp) || exit 1
trap 'rm -f "$t"' EXIT
rec() {
	printf '{"command": "rrstartlpar -o restart -m %s -t %s -p %s", "start_mono": %s, "end_mono": %s, "start_wall_us": %s, "end_wall_us": %s, "exit_status": %s, "endpoint": "h:22"}\n' \
		"$1" "$2" "$3" "$4" "$5" "$4" "$5" "$6" >> "$t"
}
rec A B lp1 0 10 0	# lp1: A -> B
rec A C lp1 20 30 1	# again from A: it runs on B now
rec A B lp2 0 10 1	# lp2: failed, retried: fine
rec A B lp2 20 30 0
rec B A lp2 40 50 0	# B fails later: restarted from B: fine
rec A B lp3 0 10 0	# lp3: a second restart while the first ran
rec A C lp3 5 30 1
out=$(python3 "$top/tests/lib/srr_cmdlog.py" -l "$t" twice | awk '{ print $1 }' | sort | tr '\n' ' ')
echo "1..1"
if [ "$out" = "lp1 lp3 " ]; then echo "ok 1 - twice names lp1 and lp3 only"
else echo "not ok 1 - twice named '$out', not 'lp1 lp3 '"; fi
