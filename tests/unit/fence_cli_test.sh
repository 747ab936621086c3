#!/bin/bash
# fence_cli_test.sh: the fence_srr binary as pacemaker-fenced and an
# operator call it: stdin and options, refusals of bad input, exit codes,
# metadata against fence-agents' schema, --delay. No HMC needed: the
# actions that reach one are pointed at a closed loopback port.
set -u
agent=${TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}/fence/fence_srr
RNG=/usr/share/cluster/relaxng/metadata.rng
tmp=$(mktemp -d /tmp/fence_cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# check DESC 'CONDITION': CONDITION is evaluated as shell code.
check() { if eval "$2"; then ok "$1"; else nok "$1"; echo "# rc=$rc out=${out:0:200} err=${err:0:300}"; fi; }

# run STDIN-FILE [ARGS]: sets rc, out, err
run() {
	local in=$1
	shift
	"$agent" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

echo "1..18"
[ -x "$agent" ] || { echo "Bail out! no $agent"; exit 1; }
: >"$tmp/known_hosts"
: >"$tmp/id"
base="ip=127.0.0.1
ipport=1
username=hscroot
identity_file=$tmp/id
known_hosts=$tmp/known_hosts
plug=lpar1
login_timeout=2"

printf 'action=metadata\n' >"$tmp/in"
run "$tmp/in"
if [ -r "$RNG" ] && command -v xmllint >/dev/null; then
	printf '%s\n' "$out" >"$tmp/meta.xml"
	check "metadata from stdin is valid against metadata.rng" \
		'xmllint --noout --relaxng "$RNG" "$tmp/meta.xml" 2>/dev/null'
else
	echo "ok $((n = n + 1)) # SKIP no metadata.rng or xmllint"
fi
run /dev/null -o meta-data
check "-o meta-data is the OCF spelling of metadata" '[ "$rc" = 0 ] && [ "$out" = "$(cat "$tmp/meta.xml")" ]'

head -c 3000 /bin/sh >"$tmp/junk"
run "$tmp/junk"
check "binary junk on stdin: exit 1 with a clear error" \
	'[ "$rc" = 1 ] && grep -q "control byte" "$tmp/err"'

{ printf 'plug='; head -c 1048576 /dev/zero | tr '\0' a; printf '\n'; } >"$tmp/big"
run "$tmp/big"
check "a 1 MiB line on stdin: exit 1 with a clear error" \
	'[ "$rc" = 1 ] && grep -q "more than" "$tmp/err"'

printf 'action=status\nplug lpar1\n' >"$tmp/in"
run "$tmp/in"
check "a line without '=': exit 1 naming the line" \
	'[ "$rc" = 1 ] && grep -q "line 2 has no .=." "$tmp/err"'

printf '%s\n# comment\naction=validate-all\nnodename=n1\nfrobnicate=yes\n' "$base" >"$tmp/in"
run "$tmp/in"
check "validate-all: unknown key warned about and ignored, exit 0" \
	'[ "$rc" = 0 ] && grep -q "ignoring unknown option .frobnicate." "$tmp/err"'

printf 'ipaddr=127.0.0.1\nlogin=hscroot\npasswd=x\nport=lpar1\nsecure=1\nknown_hosts=%s\naction=validate-all\n' \
	"$tmp/known_hosts" >"$tmp/in"
run "$tmp/in"
check "validate-all: fence-agents' deprecated names accepted" '[ "$rc" = 0 ]'

printf '%s\naction=validate-all\nplug=\n' "$base" >"$tmp/in"
run "$tmp/in"
check "validate-all: no plug, exit 1" '[ "$rc" = 1 ] && grep -q "plug" "$tmp/err"'

printf '%s\naction=validate-all\nhmc_version=3\n' "$base" >"$tmp/in"
run "$tmp/in"
check "hmc_version 3 refused" '[ "$rc" = 1 ] && grep -q "only 4" "$tmp/err"'

printf '%s\naction=validate-all\nknown_hosts=%s/none\n' "$base" "$tmp" >"$tmp/in"
run "$tmp/in"
check "a missing known_hosts file refused" '[ "$rc" = 1 ] && grep -q "known_hosts" "$tmp/err"'

run /dev/null -h
check "-h prints the options" '[ "$rc" = 0 ] && grep -q -- "--plug=\[id\]" "$tmp/out"'
run /dev/null --frobnicate
check "an unknown option: exit 1" '[ "$rc" = 1 ] && grep -q -- "--frobnicate" "$tmp/err"'
run /dev/null -o dance -a h -l u -p p -n x
check "an unknown action: exit 1" '[ "$rc" = 1 ] && grep -q "Unrecognised action .dance." "$tmp/err"'

# Against a closed port: the HMC cannot be reached.
printf '%s\naction=status\n' "$base" >"$tmp/in"
run "$tmp/in"
check "status with the HMC unreachable: UNKNOWN, exit 1" \
	'[ "$rc" = 1 ] && [ "$out" = "Status: UNKNOWN" ]'
printf '%s\naction=off\n' "$base" >"$tmp/in"
run "$tmp/in"
check "off with the HMC unreachable: exit 1" '[ "$rc" = 1 ]'

# timed ACTION: run ACTION with delay=2, set ms to how long it took
timed() {
	local start=$(date +%s%N)
	printf '%s\naction=%s\ndelay=2\n' "$base" "$1" >"$tmp/in"
	run "$tmp/in"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "# $1 with delay=2 took $ms ms"
}
timed off
check "delay applies to off" '[ "$ms" -ge 2000 ]'
timed status
check "delay does not apply to status" '[ "$ms" -lt 2000 ]'

man=${SRCDIR:-$(dirname "$0")/..}/../doc/fence_srr.8
run /dev/null -o manpage
check "doc/fence_srr.8 is what -o manpage prints (regenerate it if not)" \
	'[ "$rc" = 0 ] && [ -r "$man" ] && printf "%s\n" "$out" | cmp -s - "$man"'

[ "$failed" = 0 ]
