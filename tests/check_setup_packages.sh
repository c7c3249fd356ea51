#!/usr/bin/env bash
# check_setup_packages.sh -- fails when scripts/setup.sh would not install a
# Debian package that media/post/post_elements.h (the GStreamer elements
# yf_post_init checks) says an element comes from, or when the table is empty
# or unreadable. Usage: check_setup_packages.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: check_setup_packages.sh SOURCE_DIR}

# setup's package list: the words of APT_PACKAGES=( ... ), comments dropped.
setup_pkgs=$(sed -n '/^APT_PACKAGES=(/,/^)/p' "$src/scripts/setup.sh" | sed 's/#.*//' |
  tr -s ' \t()' '\n' | grep -v '^APT_PACKAGES=$' | grep -v '^$' || true)
[[ -n $setup_pkgs ]] || { echo "no APT_PACKAGES list in scripts/setup.sh"; exit 1; }

table=$(sed -n 's/^YF_POST_ELEMENT("\([^"]*\)", "\([^"]*\)")$/\1 \2/p' "$src/media/post/post_elements.h")
entries=$(grep -c '^YF_POST_ELEMENT' "$src/media/post/post_elements.h" || true)
rows=$(printf '%s\n' "$table" | grep -c . || true)
[[ $rows -gt 0 && $rows == "$entries" ]] ||
  { echo "post_elements.h: $entries entries, $rows readable by setup's pattern"; exit 1; }

bad=0
while read -r element package; do
  # libgstreamer1.0-0 comes with every GStreamer package setup installs.
  [[ $package == libgstreamer1.0-0 ]] && continue
  if ! grep -qxF "$package" <<<"$setup_pkgs"; then
    echo "element $element comes from $package, which scripts/setup.sh does not install"
    bad=1
  fi
done <<<"$table"
# Packages the tests run programs of (tests/load/run_bench.sh runs janus).
for package in janus; do
  if ! grep -qxF "$package" <<<"$setup_pkgs"; then
    echo "the load benchmark runs $package, which scripts/setup.sh does not install"
    bad=1
  fi
done
((bad == 0)) && echo "all $rows elements' packages are in scripts/setup.sh"
exit $bad
