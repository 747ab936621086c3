#!/bin/sh
# golden.sh: the engine's golden transcripts (tests/engine/README).
#
#   golden.sh            TAP: one test point per tests/engine/*.in, ok when
#                        engine_replay's transcript equals its .ok; the
#                        diff (expected -> got) on failure
#   golden.sh --update   rewrite every .ok from the driver and print what
#                        changed: read it before committing
#
# The driver: $ENGINE_REPLAY, else $BUILDDIR/engine_replay (make check sets
# BUILDDIR), else ./engine_replay. `make -C tests golden-update` builds it
# and runs --update.
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
update=0
case "${1-}" in
--update) update=1 ;;
"") ;;
*) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac
drv=${ENGINE_REPLAY:-${BUILDDIR:+$BUILDDIR/engine_replay}}
drv=${drv:-./engine_replay}
if [ ! -x "$drv" ]; then
	echo "Bail out! no driver at $drv (build engine_replay, or set ENGINE_REPLAY)"
	exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

n=0
status=0

comment() {
	sed 's/^/# /' "$1"
}

# One script: the transcript in $tmp/out, or the driver's error.
replay() {
	"$drv" "$1" >"$tmp/out" 2>"$tmp/err"
}

check_one() {
	name=$(basename "$1" .in)
	ok="$here/$name.ok"
	n=$((n + 1))
	if ! replay "$1"; then
		echo "not ok $n - $name: the driver failed"
		comment "$tmp/err"
	elif [ ! -f "$ok" ]; then
		echo "not ok $n - $name: no $name.ok (golden.sh --update, then read it)"
	elif diff -u --label "$name.ok" --label "$name (now)" "$ok" "$tmp/out" \
		>"$tmp/diff"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: the transcript differs from $name.ok"
		comment "$tmp/diff"
	fi
}

update_one() {
	name=$(basename "$1" .in)
	ok="$here/$name.ok"
	if ! replay "$1"; then
		echo "$name: the driver failed; $name.ok left as it was" >&2
		cat "$tmp/err" >&2
		status=1
	elif [ -f "$ok" ] && cmp -s "$ok" "$tmp/out"; then
		echo "$name.ok unchanged"
	else
		[ -f "$ok" ] && diff -u --label "$name.ok" --label "$name.ok (new)" \
			"$ok" "$tmp/out"
		cp "$tmp/out" "$ok" && echo "$name.ok written: read it" || status=1
	fi
}

# Every case must ship: golden.am's GOLDEN_CASES names each .in and .ok.
check_dist() {
	am="$here/../golden.am"
	n=$((n + 1))
	[ -f "$am" ] || { echo "ok $n # SKIP no golden.am here"; return; }
	missing=
	for f in "$here"/*.in "$here"/*.ok; do
		[ -f "$f" ] || continue
		grep -qE "engine/$(basename "$f")( |\$)" "$am" ||
			missing="$missing $(basename "$f")"
	done
	if [ -z "$missing" ]; then
		echo "ok $n - golden.am lists every .in and .ok"
	else
		echo "not ok $n - not in golden.am's GOLDEN_CASES:$missing"
	fi
}

for f in "$here"/*.in; do
	[ -f "$f" ] || continue
	if [ "$update" = 1 ]; then update_one "$f"; else check_one "$f"; fi
done
[ "$update" = 1 ] && exit $status
for f in "$here"/*.ok; do
	[ -f "$f" ] || continue
	[ -f "${f%.ok}.in" ] && continue
	n=$((n + 1))
	echo "not ok $n - $(basename "$f"): no .in beside it"
done
check_dist
echo "1..$n"
