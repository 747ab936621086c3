#!/bin/bash
# sim_seed_replay.sh: every command of the seed transcripts
# (tests/fixtures/seed) replayed against hmcsim over SSH, in the articles'
# order, on the topologies that mirror them (seed.ini, seed-p7.ini).
# exact: output and exit status byte for byte; shape: the seed's rows are
# there with the same fields (the article elides rows or lists attributes
# hmcsim does not model); refused: reserved-storage commands of Power7
# remote restart, outside hmcsim's SRR subset, must be refused cleanly
# (exit non-zero, a message), never crash. Every fixture must be listed.
. "$(dirname "$0")/sim_lib.sh"
FIX=$TOP_SRCDIR/tests/fixtures/seed
[ -d "$FIX" ] || { echo "1..0 # SKIP no seed fixtures"; exit 0; }
echo "1..41"
covered=()

# The S814 article also writes p824-1/p824-2; the Power7 one names its
# source four ways. One system each in the topologies.
MAP_S814_LPARS='s/p824-[12]/p814-1/g'
MAP_S814_RR='s/p824-1/p814-1/g; s/p824-2/p814-2/g'
MAP_P7='s/source-server/source-machine/g; s/s00ka9927558-9117-MMD-658B2AD/source-machine/g; s/XXXX-9117-MMD-658B2AD/source-machine/g'

cmd_of() { sed "${2:-}" "$FIX/$1.cmd"; }

exact() {	# exact NAME [SED]
	local name=$1 out rc
	covered+=("$name")
	out=$(sim_ssh "$(cmd_of "$name" "${2:-}")" 2>/dev/null); rc=$?
	check "exact: $name" '[ "$rc" = "$(cat "$FIX/$name.rc")" ] && [ "$out" = "$(cat "$FIX/$name.out")" ]'
}

refused() {	# refused NAME [SED]
	local name=$1 out rc
	covered+=("$name")
	out=$(sim_ssh "$(cmd_of "$name" "${2:-}")" 2>&1); rc=$?
	check "refused cleanly (not modelled): $name" '[ "$rc" != 0 ] && [ "$rc" != 255 ] && [ -n "$out" ]'
}

wait_state() {	# wait_state SYS STATE
	local i
	for i in $(seq 1 100); do
		[ "$(sim_ssh "lssyscfg -r sys -m $1 -F state")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- S814
sim_start "$TOPOS/seed.ini" --time-scale 0.01
exact lslic_p814-1
exact lslic_p814-2
exact lssyscfg_sys_srr_capable
exact lssyscfg_lpar_srr_capable

# The loop ran in the HMC's bash; hmcsim's restricted shell takes one
# command per line, so the loop is unrolled here, exactly as bash runs it.
name=chsyscfg_srr_loop_hscla9f8; covered+=("$name"); out=
for i in lpar2 lpar3 lpar4 lpar5 lpar6 lpar7; do
	out+=$(sim_ssh "chsyscfg -r lpar -m p814-1 -i \"name=$i,simplified_remote_restart_capable=1\"")$'\n'; rc=$?
done
check "exact (loop unrolled): $name" '[ "$rc" = "$(cat "$FIX/$name.rc")" ] && [ "$(printf %s "$out" | sed "/^$/d")" = "$(cat "$FIX/$name.out")" ]'
exact chsyscfg_srr_hscla9f8 "$MAP_S814_LPARS"

name=lssyscfg_lpar_srr_env; covered+=("$name")
out=$(sim_ssh "$(cmd_of $name "$MAP_S814_LPARS" | sed 's/ | grep -v vioserver$//')" | grep -v vioserver)
check "exact (the pipe to grep run locally): $name" '[ "$out" = "$(cat "$FIX/$name.out")" ]'

exact migrlpar_validate_hsclb909
exact rrstartlpar_validate "$MAP_S814_RR"
exact rrstartlpar_restart_hscla9ce "$MAP_S814_RR"
sim_ssh 'chsysstate -m p814-1 -r sys -o off --immed'
check "p814-1 reaches Power Off" 'wait_state p814-1 "Power Off"'

name=lssyscfg_sys_state; covered+=("$name")
out=$(sim_ssh "$(cmd_of $name)")
check "shape: $name (name,state rows; the seed's rows, renamed, are there)" '
	! grep -qv "^[^,]*,[^,]*$" <<<"$out" &&
	while read -r row; do grep -qx "$row" <<<"$out" || exit 1; done < <(sed "$MAP_S814_RR" "$FIX/$name.out")'

exact rrstartlpar_restart "$MAP_S814_RR"
check "lpar1 runs on p814-2 with its id" \
	'[ "$(sim_ssh "lssyscfg -r lpar -m p814-2 --filter lpar_names=lpar1 -F lpar_id,state")" = "3,Running" ]'
sim_ssh 'chsysstate -m p814-1 -r sys -o on'
check "p814-1 back to Operating" 'wait_state p814-1 Operating'
exact rrstartlpar_cleanup
sim_stop

# ---------------------------------------------------------------- Power7
rm -f "$SIM_TMP/state.ini"
sim_start "$TOPOS/seed-p7.ini" --time-scale 0.01

name=lssyscfg_lpar_rr_capable; covered+=("$name")
out=$(sim_ssh "$(cmd_of $name)")
check "shape: $name (the article elides rows: each of its rows is there)" '
	while read -r row; do grep -qx "$row" <<<"$out" || exit 1; done < "$FIX/$name.out"'

name=lssyscfg_prof_filter; covered+=("$name")
sim_ssh "$(cmd_of $name "$MAP_P7")" > "$SIM_TMP/prof.out"
check "shape: $name (one attr=value row; hmcsim's attributes in the seed's order, identity equal)" '
	python3 - "$FIX/$name.out" "$SIM_TMP/prof.out" <<'"'"'PY'"'"'
import csv, sys
def row(line):
    return [f.split("=", 1) for f in next(csv.reader([line.rstrip("\n")]))]
seed = row(open(sys.argv[1]).read())
mine = row(open(sys.argv[2]).read())
names = [n for n, _ in seed]
pos = [names.index(n) for n, _ in mine]
same = dict(mine)
ok = pos == sorted(pos) and all(dict(seed)[k] == same[k] for k in ("name", "lpar_name", "lpar_id", "lpar_env"))
sys.exit(0 if ok else 1)
PY'

exact rrstartlpar_validate_redundantvios
exact rrstartlpar_restart_d5_hscla9ce
exact chsysstate_lpar_shutdown_immed "$MAP_P7"
exact chsysstate_sys_off_immed
check "source-machine reaches Power Off" 'wait_state source-machine "Power Off"'
exact rrstartlpar_restart_hscla32f
check "rrlpar runs on dest-machine under the next free id" \
	'[ "$(sim_ssh "lssyscfg -r lpar -m dest-machine --filter lpar_names=rrlpar -F lpar_id,state")" = "13,Running" ]'
exact chsysstate_sys_on
check "source-machine back to Operating" 'wait_state source-machine Operating'
exact chsysstate_lpar_on_profile
exact rrstartlpar_cleanup_retaindev_force

# Power7 remote restart with a reserved storage device: not modelled.
refused lssyscfg_lpar_filter_rs_vios "$MAP_P7"
refused chsyscfg_rs_device "$MAP_P7"
refused chsyscfg_p7_no_code "$MAP_P7"
refused chhwres_rspool_add
refused lshwres_rspool
refused lshwres_rspool_rsdev_active
refused lshwres_rspool_rsdev_inactive
refused lsmemdev_avail_dest
refused lsmemdev_avail_source
refused lsrsdevsize
check "hmcsim still answers after all of it" '[ "$(sim_ssh "lssyscfg -r sys -m dest-machine -F state")" = Operating ]'

missing=$(for f in "$FIX"/*.cmd; do n=$(basename "$f" .cmd); printf '%s\n' "${covered[@]}" | grep -qx "$n" || echo "$n"; done)
[ -n "$missing" ] && echo "# not replayed: $missing"
check "every seed fixture was replayed (${#covered[@]})" '[ -z "$missing" ]'
finish
