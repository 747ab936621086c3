# tests/lib/tap.sh: TAP output for integration scripts (bash; source it).
#   tap_plan N          print the plan
#   tap_ok DESC CMD...  "ok"/"not ok" as CMD succeeds
#   tap_is GOT WANT DESC  ok if the two strings are equal; says both if not
#   tap_skip_all WHY    "1..0 # SKIP WHY" and exit 0 (TAP counts it skipped)
#   tap_skip DESC WHY   one test skipped ("ok N - DESC # SKIP WHY")
#   tap_done            exit 0 if every test passed and the plan was met
TAP_N=0
TAP_FAIL=0
TAP_PLAN=0

tap_plan() { TAP_PLAN=$1; echo "1..$1"; }

tap_result() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		TAP_FAIL=$((TAP_FAIL + 1))
		echo "not ok $TAP_N - $2"
	fi
}

tap_ok() {
	local desc=$1
	shift
	"$@"
	tap_result $? "$desc"
}

tap_is() {
	[ "$1" = "$2" ]
	local rc=$?
	[ $rc = 0 ] || echo "# got '$1', want '$2'"
	tap_result $rc "$3"
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_skip_all() { echo "1..0 # SKIP $1"; exit 0; }

tap_done() {
	while [ "$TAP_N" -lt "$TAP_PLAN" ]; do
		tap_result 1 "not reached"
	done
	[ "$TAP_FAIL" = 0 ] && [ "$TAP_N" = "$TAP_PLAN" ]
	exit $?
}
