#!/bin/bash
# sim_transport.sh: srrha's own SSH transport (hmc/hmc_ssh.c, driven by
# bench/hmc_transport_bench) against hmcsim: one persistent session with a
# channel per command, then a fresh connection per command; the command
# log must show the first 200 commands on one session and the next 200 on
# 200 sessions, every one answered with exit 0.
. "$(dirname "$0")/sim_lib.sh"
BENCH=$TOP_BUILDDIR/bench/hmc_transport_bench
[ -x "$BENCH" ] || { echo "1..0 # SKIP bench/hmc_transport_bench not built"; exit 0; }
echo "1..3"
sim_start "$TOPOS/seed.ini"
out=$(timeout 120 "$BENCH" 127.0.0.1 "$SIM_PORT" hscroot "$SIM_TMP/id" "$SIM_TMP/known_hosts" 200 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "hmc_conn runs 400 commands against hmcsim" '[ "$rc" = 0 ]'
read -r first_sessions rest_sessions bad < <(python3 - "$SIM_TMP/log.json" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
print(len({r["session"] for r in log[:200]}), len({r["session"] for r in log[200:]}),
      sum(1 for r in log if r["exit_status"] != 0 or r["mode"] != "exec"))
PY
)
check "persistent: 200 commands on one SSH session (a channel each)" '[ "$first_sessions" = 1 ]'
check "fresh: 200 sessions, every command exit 0" '[ "$rest_sessions" = 200 ] && [ "$bad" = 0 ]'
finish
