#!/usr/bin/env bash
# check_systemd_unit.sh -- packaging/yuanfang.service is a unit systemd accepts
# (`systemd-analyze verify` prints nothing: an unknown key or a bad value is
# only a warning to systemd, a failure here) and keeps what docs/deployment.md
# promises: its own user, the data directory systemd makes, restart on failure,
# a SIGTERM stop the server answers with exit 0. The binary's path is pointed at
# the build's, since verify checks that it exists; then the options of ExecStart
# are run against that binary, which must understand them.
# Usage: check_systemd_unit.sh SOURCE_DIR YUANFANG_BIN. Exit 77 without
# systemd-analyze, except under CI=true (scripts/setup.sh installs systemd).
set -euo pipefail
src=${1:?usage: check_systemd_unit.sh SOURCE_DIR YUANFANG_BIN}
bin=${2:?usage: check_systemd_unit.sh SOURCE_DIR YUANFANG_BIN}
unit=$src/packaging/yuanfang.service

if ! command -v systemd-analyze >/dev/null; then
  if [[ ${CI:-} == true ]]; then echo "systemd-analyze is missing (scripts/setup.sh installs systemd)"; exit 1; fi
  echo "skipped: systemd-analyze is missing"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "FAIL - $*"; bad=1; }

sed "s|/usr/bin/yuanfang|$bin|g" "$unit" >"$tmp/yuanfang.service"
out=$(systemd-analyze verify --man=no "$tmp/yuanfang.service" 2>&1) || fail "systemd-analyze verify failed"
[[ -z $out ]] || fail "systemd-analyze verify says: $out"

# What the unit must keep (one line each, exactly).
for want in 'User=yuanfang' 'StateDirectory=yuanfang' 'StateDirectoryMode=0700' 'Restart=on-failure' \
            'KillSignal=SIGTERM' 'UMask=0077' 'NoNewPrivileges=true'; do
  grep -qxF "$want" "$unit" || fail "the unit lacks $want"
done
exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_line == /usr/bin/yuanfang\ * ]] || fail "ExecStart does not run /usr/bin/yuanfang: $exec_line"
[[ $exec_line == *'--data-dir /var/lib/yuanfang'* ]] || fail "ExecStart does not name the state directory"

# The options of ExecStart parse: run them with the built binary and --version,
# which exits after the options are read (an unknown option exits 2).
read -r -a argv <<<"${exec_line#/usr/bin/yuanfang }"
"$bin" "${argv[@]}" --version >/dev/null 2>"$tmp/err" || fail "yuanfang does not take the unit's options: $(cat "$tmp/err")"

# A unit with a mistake is caught (the check can fail).
printf '[Service]\nExecStart=%s\nRestart=sometimes\n' "$bin" >"$tmp/broken.service"
out=$(systemd-analyze verify --man=no "$tmp/broken.service" 2>&1 || true)
[[ -n $out ]] || fail "systemd-analyze verify took Restart=sometimes silently; this check would miss mistakes"

((bad == 0)) && echo "packaging/yuanfang.service: verified"
exit $bad
