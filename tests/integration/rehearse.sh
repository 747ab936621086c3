#!/bin/bash
# rehearse.sh: the README's first command, scripts/rehearse --fast, runs to
# its end, and what its summary says is what hmcsim's command log shows
# (the HMC's own record, not srrd's): the partitions restarted and when,
# none twice, none of the never-eligible ones, the cleanups, and no
# restart from the No Connection source before the operator confirmed.
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP_SRCDIR/tests/lib/tap.sh"
[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
[ -x "${TOP_BUILDDIR:-$TOP_SRCDIR/build}/agent/srrd" ] || tap_skip_all "srrd not built"
command -v gnuplot >/dev/null || tap_skip_all "gnuplot not installed"
out=$(mktemp -d /tmp/srrha-rehearse-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
log() { python3 "$TOP_SRCDIR/tests/lib/srr_cmdlog.py" -l "$out/cmd.json" "$@"; }
sum() { sed -n "s/^$1: //p" "$out/summary.txt"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", (a - b) / 1000 }'; }

tap_plan 11
timeout -k 10 420 "$TOP_SRCDIR/scripts/rehearse" --fast --out "$out" >"$out/run.txt" 2>&1
rc=$?
tap_is "$rc" 0 "scripts/rehearse --fast ran to its end"
[ "$rc" = 0 ] || tail -30 "$out/run.txt" | sed 's/^/# /'
[ -f "$out/times.env" ] && . "$out/times.env"
eligible="app01 app02 app03 app04 app05 batch01 db01 db02 db03 mq01 web01 web02"
restarted=$(log rr restart --sys p950-a1 --ok --until "${T_BACK:-0}" | awk '{ print $1 }' | sort | tr '\n' ' ')
tap_is "$restarted" "$eligible " "the HMC restarted exactly p950-a1's 12 eligible partitions (no VIOS, lab01, spare01, test01)"
tap_is "$(log twice)" "" "no partition restarted twice"
tap_is "$(sed -n 's/.*partitions restarted: //p' "$out/summary.txt")" "12" \
	"the summary counts 12 restarts"
tap_is "$(sum 'detection (power-off to first restart sent)')" \
	"$(secs "$(log first-start restart --sys p950-a1)" "${T_OFF:-0}")" \
	"the summary's detection time is the HMC's first restart"
tap_is "$(sum 'last restart done')" "$(secs "$(log last-end restart --sys p950-a1 --until "${T_BACK:-0}")" "${T_OFF:-0}")" \
	"the summary's last restart is the HMC's"
tap_is "$(sum 'most restarts at once')" "$(log overlap restart --sys p950-a1)" \
	"the summary's parallelism is the HMC's"
cleaned=$(log rr cleanup --sys p950-a1 --ok | awk '{ print $1 }' | sort | tr '\n' ' ')
tap_is "$cleaned" "$eligible " "every debt of p950-a1 was cleaned on the HMC"
tap_is "$(log count restart --sys p950-a2 --until "${T_CONFIRM:-0}")" 0 \
	"act 2: no restart from the No Connection source before the operator's confirm"
tap_ok "act 2: after the confirm, restarts from site B with --noconnection" eval \
	'[ "$(log rr restart --sys p950-a2 --ok --since "${T_CONFIRM:-0}" | awk "\$8 != 1" | wc -l)" = 0 ] &&
	 [ "$(log count restart --sys p950-a2 --ok --since "${T_CONFIRM:-0}")" -gt 0 ]'
tap_ok "the timeline picture was drawn" test -s "$out/timeline.png"
tap_done
