#!/usr/bin/env bash
# check_cli_help.sh -- every subcommand's --help (and -h) prints its own usage
# on stdout and exits 0; the top-level --help lists every subcommand; each
# group (admin, audit, evidence) lists its commands; a usage error still goes
# to stderr with exit 2; docs/config.md names every subcommand.
# Usage: check_cli_help.sh YUANFANG_BIN SOURCE_DIR
set -uo pipefail
bin=${1:?usage: check_cli_help.sh YUANFANG_BIN SOURCE_DIR}
src=${2:?usage: check_cli_help.sh YUANFANG_BIN SOURCE_DIR}
commands=("admin create-user" "audit verify" "token" "verify" "evidence pubkey" "evidence build")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

fail() { echo "FAIL - $*"; bad=1; }
ok() { echo "ok   - $*"; }

# run WORDS...: runs the binary with stdout/stderr to files; sets rc.
run() {
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}

run --help
if [[ $rc -eq 0 ]]; then ok "yuanfang --help exits 0"; else fail "yuanfang --help exits $rc"; fi
for c in "${commands[@]}"; do
  if grep -q "^  $c\b" "$tmp/out"; then ok "yuanfang --help lists '$c'"
  else fail "yuanfang --help does not list '$c'"; fi
done

for c in "${commands[@]}"; do
  read -ra words <<<"$c"
  for flag in --help -h; do
    run "${words[@]}" "$flag"
    if [[ $rc -ne 0 ]]; then fail "yuanfang $c $flag exits $rc: $(head -c 300 "$tmp/err")"; continue; fi
    if ! grep -q "^Usage:" "$tmp/out" || ! grep -q "yuanfang $c" "$tmp/out"; then
      fail "yuanfang $c $flag: no usage of '$c' on stdout"; continue
    fi
    if [[ -s $tmp/err ]]; then fail "yuanfang $c $flag writes to stderr: $(head -c 300 "$tmp/err")"; continue; fi
    ok "yuanfang $c $flag: its usage on stdout, exit 0"
  done
  # Every option the usage names is described there: at least --help and one more.
  run "${words[@]}" --help
  n=$(grep -c '^  -' "$tmp/out")
  if [[ $n -ge 2 ]]; then ok "yuanfang $c --help lists $n options"; else fail "yuanfang $c --help lists $n options"; fi
done

for g in admin audit evidence; do
  run "$g" --help
  if [[ $rc -ne 0 ]]; then fail "yuanfang $g --help exits $rc"; continue; fi
  for c in "${commands[@]}"; do
    [[ $c == "$g "* ]] || continue
    if grep -q "^  ${c#"$g "}\b" "$tmp/out"; then ok "yuanfang $g --help lists '${c#"$g "}'"
    else fail "yuanfang $g --help does not list '${c#"$g "}'"; fi
  done
  run "$g"
  if [[ $rc -eq 2 && ! -s $tmp/out && -s $tmp/err ]]; then ok "yuanfang $g alone: usage on stderr, exit 2"
  else fail "yuanfang $g alone: exit $rc, stdout $(wc -c <"$tmp/out") bytes"; fi
done

# Usage errors: stderr and exit 2, nothing on stdout.
for args in "admin create-user --bogus" "audit verify" "token --room r" "verify --pubkey k.pem" \
            "evidence pubkey --data-dir" "evidence build --data-dir d" "admin frobnicate"; do
  read -ra words <<<"$args"
  run "${words[@]}"
  if [[ $rc -eq 2 && ! -s $tmp/out ]] && grep -qi "usage" "$tmp/err"; then
    ok "yuanfang $args: a usage error on stderr, exit 2"
  else
    fail "yuanfang $args: exit $rc, stdout '$(head -c 200 "$tmp/out")', stderr '$(head -c 200 "$tmp/err")'"
  fi
done

for c in "${commands[@]}"; do
  if grep -q "\`yuanfang $c\b" "$src/docs/config.md"; then ok "docs/config.md names 'yuanfang $c'"
  else fail "docs/config.md does not name 'yuanfang $c'"; fi
done

exit $bad
