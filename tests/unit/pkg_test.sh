#!/bin/bash
# pkg_test.sh: what packaging promises and a machine can check without
# installing. The systemd unit as built (@sbindir@ replaced) passes
# `systemd-analyze verify`, keeps the hardening issue 14 asks for, and
# `systemd-analyze security` rates its exposure at most MAX_EXPOSURE
# (removing any of the sandboxing lines raises it above); every man page
# formats with no groff warning (-ww).
top=${SRCDIR:-.}/..
unit=${TOP_BUILDDIR:-$top/build}/packaging/srrd.service
MAX_EXPOSURE=3.8
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
men=$(ls "$top"/doc/*.[58])
echo "1..$((4 + $(echo "$men" | wc -l)))"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart exists: point it at the built srrd
sed "s|^ExecStart=[^ ]*|ExecStart=${TOP_BUILDDIR:-$top/build}/agent/srrd|" "$unit" >"$tmp/srrd.service"
if out=$(systemd-analyze verify --man=no "$tmp/srrd.service" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify: srrd.service is clean"
else
	nok "systemd-analyze verify: srrd.service"; echo "$out" | sed 's/^/# /'
fi
want="Type=notify Restart=on-failure Requires=corosync.service After=corosync.service
ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes
CapabilityBoundingSet= ReadWritePaths=/var/lib/srrha UMask=0077"
missing=
for w in $want; do
	grep -q "^${w%%=*}=${w#*=}\( \|$\)" "$unit" || missing="$missing $w"
done
if [ -z "$missing" ]; then ok "the unit has every directive issue 14 asks for"
else nok "the unit lacks:$missing"; fi
if grep -q '^CapabilityBoundingSet=$' "$unit"; then
	ok "no capability at all (CapabilityBoundingSet= empty)"
else
	nok "CapabilityBoundingSet is not empty"
fi
exp=$(systemd-analyze security --offline=yes --man=no "$tmp/srrd.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for srrd.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security: exposure $exp (at most $MAX_EXPOSURE)"
if [ -n "$exp" ] && awk -v e="$exp" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }'; then
	ok "systemd-analyze security: exposure $exp <= $MAX_EXPOSURE"
else
	nok "systemd-analyze security: exposure '$exp' above $MAX_EXPOSURE"
fi
for m in $men; do
	out=$(groff -ww -man -z "$m" 2>&1)
	if [ -z "$out" ]; then ok "groff -ww: $(basename "$m") has no warning"
	else nok "groff -ww: $(basename "$m")"; echo "$out" | sed 's/^/# /'; fi
done
exit 0
