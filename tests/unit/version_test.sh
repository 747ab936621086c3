#!/bin/sh
# The version is set once, in configure.ac's AC_INIT; the Debian changelog
# must agree with it (the RPM spec is generated from it).
top=${SRCDIR:-.}/..
v=$(sed -n 's/^AC_INIT(\[srrha\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
d=$(sed -n '1s/^srrha (\([^)]*\)).*/\1/p' "$top/packaging/debian/changelog")
c=$(grep -c "^## \[$v\]" "$top/CHANGELOG.md")
echo "1..2"
if [ -n "$v" ] && [ "$v" = "$d" ]; then echo "ok 1 - debian/changelog is $v"
else echo "not ok 1 - configure.ac says '$v', debian/changelog '$d'"; fi
if [ "$c" = 1 ]; then echo "ok 2 - CHANGELOG.md has a section for $v"
else echo "not ok 2 - CHANGELOG.md has no section '## [$v]'"; fi
