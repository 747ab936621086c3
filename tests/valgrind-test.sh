#!/bin/sh
# tests/valgrind-test.sh PROGRAM: one unit test program under valgrind
# memcheck. scripts/valgrind-unit gives it to automake's test harness as
# LOG_COMPILER. Any memcheck error or definitely lost block fails the test
# (exit 99); valgrind's report is in the test's .log, beside its TAP lines.
# Programs the test starts with exec (srrctl, sshd) are not traced.
here=$(cd "$(dirname "$0")" && pwd)
prog=$1
shift
case $prog in
# 100 schedules, not 10,000: about 40 s under valgrind, not an hour. The
# regression seeds and the gate-off runs still run in full.
*engine_dsim) set -- --schedules 100 "$@" ;;
esac
# hmc_ssh_test's channel tests stretch their time bounds by this factor
export SRR_TEST_TIME_FACTOR=5
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --num-callers=30 \
	--suppressions="$here/valgrind.supp" "$prog" "$@"
