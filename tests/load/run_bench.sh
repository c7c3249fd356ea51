#!/bin/bash
# run_bench.sh -- the side-by-side benchmark (docs/performance.md): makes two
# network namespaces joined by a veth pair (libnice skips loopback, and so
# does Janus, so both ends need real addresses), runs each server in turn in
# the server's namespace on its address, runs yfload in the other against it
# for each step of the load, and prints yfload's lines (the server's CPU and
# memory from its /proc). It removes the namespaces and stops every process
# it started, by PID, also on failure or Ctrl-C.
#
#   tests/load/run_bench.sh [--build DIR] [--yfload BIN] [--yf-workers N] [--keep] [--servers "yuanfang janus"]
#                           [--rooms "1 2 4 8"] [--observers "10 50"] [--burst "100"] [--host-admits] [--grow]
#                           [--duration S] [--smoke]
#
# --grow: steps of 1, 2, 4, ... rooms (or 10, 20, 40, ... observers) until loss
# passes 1 %, the server uses every core or the generator a whole one.
# The last lines compare the servers step by step (yuanfang : Janus) and give
# each server's highest load with < 1 % loss, per core of server CPU.
#
# --observers: scenario (b) instead of (a), one room of a publisher and N
# receive-only observers per step.
#
# --burst: scenario (c), N people opening a public hearing's link at the same
# instant: one publisher and N receive-only observers joining at once, 3 s of
# media (unless --duration says otherwise); read the join columns (websocket
# open to first media packet, p50 and p99) and the ratio line's join_p50.
#
# --host-admits: in (b) and (c), yuanfang's host admits whoever waits (one
# room.admit every 20 ms at most, as a quick person would) instead of
# opening the gallery when it joins.
#
# --smoke: one room of 4 for 3 s against each server (the CTest test
# load_smoke): fails when the generator receives no media. A server whose
# binary is missing (Janus not installed) is skipped, unless CI is set; so is
# the whole run without root, ip or nsenter (exit 77).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/build"
servers="yuanfang janus"
smoke_servers="yuanfang janus"
rooms="1 2 4 8"
duration=10
smoke=0
yfload_bin=""
yf_workers=0
keep=0
observers=""
burst=""
grow=0
host_admits=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --yfload) yfload_bin=$2; shift 2 ;;
    --yf-workers) yf_workers=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --observers) observers=$2; shift 2 ;;
    --burst) burst=$2; shift 2 ;;
    --host-admits) host_admits=(--host-admits); shift ;;
    --grow) grow=1; shift ;;
    --servers) servers=$2; shift 2 ;;
    --rooms) rooms=$2; shift 2 ;;
    --duration) duration=$2; duration_set=1; shift 2 ;;
    --smoke) smoke=1; rooms=1; duration=3; servers=$smoke_servers; shift ;;
    *) echo "run_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -n "$burst" ]; then observers=$burst; [ -n "${duration_set:-}" ] || duration=3; fi
build=$(cd "$build" && pwd)
yfload=${yfload_bin:-$build/tests/load/yfload}
yuanfang="$build/server/yuanfang"
janus=$(command -v janus || true)

skip() {
  if [ "${CI:-}" = true ]; then echo "run_bench.sh: $1 (CI: failing)" >&2; exit 1; fi
  echo "run_bench.sh: skipped: $1" >&2; exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
for cmd in ip nsenter curl; do command -v $cmd >/dev/null || skip "$cmd is missing"; done
[ -x "$yfload" ] && [ -x "$yuanfang" ] || { echo "run_bench.sh: build first ($yfload)" >&2; exit 2; }

net="10.232.$(( $$ % 250 ))"
srv_ip="$net.1"
cli_ip="$net.2"
ns_srv="yfl-s-$$"
ns_cli="yfl-c-$$"
tmp=$(mktemp -d /tmp/yfload-bench.XXXXXX)
pids=()
made_ns=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  pids=()
  for ns in "${made_ns[@]}"; do ip netns del "$ns" 2>/dev/null; done
  made_ns=()
  if [ $keep = 1 ]; then echo "run_bench.sh: logs and data kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Into a namespace with nsenter --net, not `ip netns exec` (which remounts /
# and /sys and fails in CI's chroot). nsenter execs: a PID is the command's.
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }

make_namespaces() {
  for ns in "$ns_srv" "$ns_cli"; do
    ip netns add "$ns" || return 1
    made_ns+=("$ns")
    in_ns "$ns" ip link set lo up
  done
  in_ns "$ns_srv" ip link add yfl-s type veth peer name yfl-c &&
  in_ns "$ns_srv" ip link set yfl-c netns "$ns_cli" &&
  in_ns "$ns_srv" ip addr add "$srv_ip/24" dev yfl-s &&
  in_ns "$ns_cli" ip addr add "$cli_ip/24" dev yfl-c &&
  in_ns "$ns_srv" ip link set yfl-s addrgenmode none &&
  in_ns "$ns_cli" ip link set yfl-c addrgenmode none &&
  in_ns "$ns_srv" ip link set yfl-s up &&
  in_ns "$ns_cli" ip link set yfl-c up
}

wait_http() { # URL: up to 20 s for the server to answer, while it lives
  for _ in $(seq 100); do
    in_ns "$ns_cli" curl -sk --max-time 1 -o /dev/null "$1" && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

start_yuanfang() {
  local data="$tmp/yf-data" conf="$tmp/yuanfang.conf"
  mkdir -p "$data"
  cat >"$conf" <<EOF
[server]
listen = $srv_ip
port = 8443
data_dir = $data
web_dir = $top/web
max_connections_per_address = 100000
max_websockets_per_address = 100000
ws_messages_per_address = 1000000
[media]
workers = $yf_workers
addresses = $srv_ip
max_sessions = 10000
[room]
grace_s = 0
[metrics]
listen = $srv_ip:9464
[log]
level = warning
EOF
  # nsenter itself (not a shell function) in the background: $! becomes the
  # server's PID once nsenter execs it.
  nsenter --net="/run/netns/$ns_srv" "$yuanfang" --config "$conf" >"$tmp/yuanfang.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  server_args=(--yuanfang "$yuanfang" --data-dir "$data" --port 8443 "${host_admits[@]}")
  wait_http "https://$srv_ip:8443/healthz"
}

start_janus() {
  local conf="$tmp/janus"
  mkdir -p "$conf"
  for f in "$here"/janus/*.jcfg; do
    sed -e "s/@ADDR@/$srv_ip/g" "$f" >"$conf/$(basename "$f")"
  done
  nsenter --net="/run/netns/$ns_srv" "$janus" -F "$conf" -o >"$tmp/janus.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  server_args=(--janus --port 8188 --plain)
  for _ in $(seq 100); do
    in_ns "$ns_cli" curl -s --max-time 1 -o /dev/null "http://$srv_ip:8188/" && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# UDP datagrams the kernel dropped in a namespace because a socket's receive
# buffer was full (/proc/net/snmp, Udp RcvbufErrors): loss that happened
# before the server (or the generator) read the packet.
rcvbuf_errors() {
  in_ns "$1" cat /proc/net/snmp | awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }'
}

# The server's user and system CPU time in clock ticks, from its /proc.
proc_ticks() {
  awk '{ print $14 + $15 }' "/proc/$server_pid/stat" 2>/dev/null
}

# Whether /metrics tells an operator what the benchmark saw over one step
# (the counters read before the generator starts and after it ends): its
# process_cpu_seconds_total against the server's /proc, its RTP packets
# received against what the publishers sent (less the kernel's receive
# buffer drops), its packets forwarded against what the subscribers got
# (never fewer; more only by the generator's receive buffer drops and what
# was in flight at the end). Within 5 % (and 0.05 s or 100 packets): prints
# the comparison and returns 1 when they do not agree.
metrics_agree() {
  local cpu_m=$1 cpu_p=$2 in_m=$3 sent=$4 out_m=$5 got=$6 drops=$7 gen_drops=$8
  awk -v cm="$cpu_m" -v cp="$cpu_p" -v im="$in_m" -v s="$sent" -v om="$out_m" -v g="$got" -v d="$drops" -v gd="$gen_drops" 'BEGIN {
    ok = 1
    dc = cm - cp; if (dc < 0) dc = -dc
    if (dc > 0.05 + 0.05 * cp) { ok = 0; why = why " cpu" }
    di = im - (s - d); if (di < 0) di = -di
    if (di > 100 + 0.05 * s) { ok = 0; why = why " received" }
    if (om + 100 < g || om > (g + gd) * 1.05 + 100) { ok = 0; why = why " forwarded" }
    printf "yfload metrics_cpu_s=%.2f proc_cpu_s=%.2f metrics_rtp_received=%d publishers_sent=%d metrics_rtp_forwarded=%d subscribers_received=%d metrics_agree=%s%s\n", cm, cp, im, s, om, g, ok ? "yes" : "no:", why
    exit !ok
  }'
}

# One scrape of yuanfang's /metrics (docs/config.md) into a file; empty for
# Janus. Everything a step compares is read from the same scrape.
scrape_metrics() {
  : >"$1"
  [ "$server" = yuanfang ] || return 0
  in_ns "$ns_cli" curl -s --max-time 2 "http://$srv_ip:9464/metrics" >"$1"
}

# A sample of a scrape (file, name), or nothing.
metric() {
  awk -v m="$2" '$1 == m { print $2 }' "$1"
}

# The forwarding time histogram of a scrape (yuanfang_forward_seconds: a
# publisher's packet from reaching its room's worker to its last copy
# sent), as "le count" lines, cumulative.
forward_hist() {
  sed -n 's/^yuanfang_forward_seconds_bucket{le="\([^"]*\)"} \([0-9]*\)$/\1 \2/p' "$1"
}

# The p50 and p99 in µs of the packets counted between two forward_hist
# readings (files), linear within a bucket; "-" when none; a quantile in the
# last bucket prints as ">" its lower bound.
forward_pcts() {
  paste -d ' ' "$1" "$2" | awk '
    { le[NR] = $1; d[NR] = $4 - $2; n = NR }
    END {
      total = d[n]
      if (total <= 0) { print "server_forward_p50_us=- server_forward_p99_us=-"; exit }
      split("0.5 0.99", qs, " "); split("p50 p99", names, " ")
      out = ""
      for (k = 1; k <= 2; k++) {
        want = qs[k] * total; prev = 0; lo = 0; v = ""
        for (i = 1; i <= n; i++) {
          if (d[i] >= want) {
            if (le[i] == "+Inf") { v = ">" lo * 1e6; break }
            hi = le[i] * 1e6; span = d[i] - prev
            v = sprintf("%.0f", lo * 1e6 + (span > 0 ? (want - prev) / span : 1) * (hi - lo * 1e6)); break
          }
          prev = d[i]; if (le[i] != "+Inf") lo = le[i]
        }
        out = out (k > 1 ? " " : "") "server_forward_" names[k] "_us=" v
      }
      print out
    }'
}

forget_pid() {
  local keep=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  pids=("${keep[@]}")
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  forget_pid "$server_pid"
}

field() { grep -o " $1=[^ ]*" "$2" | head -1 | cut -d= -f2; }
declare -A res

# Stops growing: loss over 1 %, the server on every core, the generator on
# one or behind its schedule (it offered less than the step), or someone
# who never received media.
saturated() { # step-output-file
  local j; j=$(field joined "$1")
  [ "${j%/*}" = "${j#*/}" ] || return 0
  awk -v l="$(field loss_pct "$1")" -v s="$(field server_cpu_pct "$1")" -v g="$(field generator_cpu_pct "$1")" \
      -v p="$(field schedule_pct "$1")" -v n="$(nproc)" 'BEGIN { exit !(l >= 1 || s >= 95 * n || g >= 90 || p < 95) }'
}

summary() {
  local k y j
  for k in $steps_all; do
    y=${res[yuanfang,$k]:-}; j=${res[janus,$k]:-}
    [ -n "$y" ] && [ -n "$j" ] || continue
    awk -v k="$k" -v what="${what#--}" -v y="$y" -v j="$j" 'BEGIN {
      split(y, a, " "); split(j, b, " ")
      printf "yfload ratio %s=%s yuanfang:janus server_cpu_us_per_pkt=%.2f rss_kib_per_peer=%.2f forwarded_pps=%.2f join_p50=%.2f loss_pct=%s:%s\n",
        what, k, (b[1] > 0 ? a[1] / b[1] : 0), (b[5] > 0 ? a[5] / b[5] : 0), (b[3] > 0 ? a[3] / b[3] : 0),
        (b[7] > 0 ? a[7] / b[7] : 0), a[2], b[2] }'
  done
  for srv in $servers; do
    local best=""
    for k in $steps_all; do
      y=${res[$srv,$k]:-}
      [ -n "$y" ] && awk -v y="$y" 'BEGIN { split(y, a, " "); exit !(a[6] == 1) }' && best=$k
    done
    [ -n "$best" ] || continue
    awk -v s="$srv" -v k="$best" -v what="${what#--}" -v y="${res[$srv,$best]}" 'BEGIN {
      split(y, a, " ")
      printf "yfload best server=%s %s=%s loss_pct=%s forwarded_pps=%s server_cpu_pct=%s forwarded_pps_per_core=%.0f\n",
        s, what, k, a[2], a[3], a[4], (a[4] > 0 ? a[3] * 100 / a[4] : 0) }'
  done
}

make_namespaces || { echo "run_bench.sh: cannot make the namespaces" >&2; exit 1; }
status=0
ran=0
for server in $servers; do
  case "$server" in
    yuanfang) start=start_yuanfang ;;
    janus)
      if [ -z "$janus" ]; then
        [ "${CI:-}" = true ] && { echo "run_bench.sh: janus is not installed (CI)" >&2; status=1; continue; }
        echo "run_bench.sh: janus is not installed: skipped" >&2; continue
      fi
      start=start_janus ;;
    *) echo "run_bench.sh: unknown server $server" >&2; exit 2 ;;
  esac
  if ! $start; then
    echo "run_bench.sh: $server did not start; its log:" >&2
    tail -20 "$tmp/$server.log" >&2
    status=1
    stop_server
    continue
  fi
  if [ -n "$observers" ]; then what=--observers; steps=$observers; else what=--rooms; steps=$rooms; fi
  if [ $grow = 1 ]; then
    if [ -n "$observers" ]; then steps="10 20 40 80 160 320 640"; else steps="1 2 4 8 16 32 64"; fi
  fi
  steps_all=$steps
  for k in $steps; do
    s0=$(rcvbuf_errors "$ns_srv"); c0=$(rcvbuf_errors "$ns_cli")
    scrape_metrics "$tmp/m0"; p_cpu0=$(proc_ticks)
    m_in0=$(metric "$tmp/m0" yuanfang_rtp_packets_received_total)
    m_out0=$(metric "$tmp/m0" yuanfang_rtp_packets_forwarded_total)
    m_qd0=$(metric "$tmp/m0" yuanfang_router_queue_drops_total)
    m_cpu0=$(metric "$tmp/m0" process_cpu_seconds_total)
    forward_hist "$tmp/m0" >"$tmp/fwd0"
    # In the background and waited for, so a signal to this script is handled
    # at once (bash runs traps only between foreground commands) and the
    # generator is stopped with the rest.
    nsenter --net="/run/netns/$ns_cli" "$yfload" --server "$srv_ip" "${server_args[@]}" --local-address "$cli_ip" \
      "$what" "$k" --duration "$duration" --server-pid "$server_pid" --label "$server" >"$tmp/step.out" &
    gen_pid=$!
    pids+=("$gen_pid")
    wait "$gen_pid"
    rc=$?
    forget_pid "$gen_pid"
    cat "$tmp/step.out"
    # Not everyone received media: a failure of the smoke run and of a first
    # step; past that, the load is too much, which --grow is there to find.
    if [ $rc != 0 ] && { [ $smoke = 1 ] || [ "$k" = "${steps%% *}" ] || [ $rc = 2 ]; }; then status=1; fi
    # A step counts as carried (for "best") when its loss is under 1 %, the
    # generator kept its schedule and everyone received media: field 6.
    carried=0
    saturated "$tmp/step.out" || carried=1
    awk -v l="$(field loss_pct "$tmp/step.out")" 'BEGIN { exit !(l < 1) }' || carried=0
    res[$server,$k]="$(field server_cpu_us_per_pkt "$tmp/step.out") $(field loss_pct "$tmp/step.out") $(field forwarded_pps "$tmp/step.out") $(field server_cpu_pct "$tmp/step.out") $(field server_rss_kib_per_peer "$tmp/step.out") $carried $(field join_p50_ms "$tmp/step.out")"
    s1=$(rcvbuf_errors "$ns_srv"); c1=$(rcvbuf_errors "$ns_cli")
    # The room counters reach /metrics up to 250 ms late: wait that long.
    [ "$server" = yuanfang ] && sleep 0.5
    scrape_metrics "$tmp/m1"; p_cpu1=$(proc_ticks)
    m_in1=$(metric "$tmp/m1" yuanfang_rtp_packets_received_total)
    m_out1=$(metric "$tmp/m1" yuanfang_rtp_packets_forwarded_total)
    m_qd1=$(metric "$tmp/m1" yuanfang_router_queue_drops_total)
    m_cpu1=$(metric "$tmp/m1" process_cpu_seconds_total)
    forward_hist "$tmp/m1" >"$tmp/fwd1"
    extra=""
    if [ -n "$m_in0" ] && [ -n "$m_in1" ]; then
      extra=" metrics_router_queue_drops=$((m_qd1 - m_qd0))"
    fi
    if [ -s "$tmp/fwd0" ] && [ -s "$tmp/fwd1" ]; then
      extra="$extra $(forward_pcts "$tmp/fwd0" "$tmp/fwd1")"
    fi
    echo "yfload server=$server ${what#--}=$k server_udp_rcvbuf_drops=$((s1 - s0)) generator_udp_rcvbuf_drops=$((c1 - c0))$extra"
    if [ -n "$m_in0" ] && [ -n "$m_in1" ] && [ -n "$m_cpu0" ] && [ -n "$m_cpu1" ] && [ -n "$p_cpu0" ] && [ -n "$p_cpu1" ]; then
      tck=$(getconf CLK_TCK)
      if ! metrics_agree "$(awk -v a="$m_cpu0" -v b="$m_cpu1" 'BEGIN { print b - a }')" \
          "$(awk -v a="$p_cpu0" -v b="$p_cpu1" -v t="$tck" 'BEGIN { print (b - a) / t }')" \
          $((m_in1 - m_in0)) "$(field sent_total "$tmp/step.out")" $((m_out1 - m_out0)) \
          "$(field received_total "$tmp/step.out")" $((s1 - s0)) $((c1 - c0)); then
        echo "run_bench.sh: yuanfang's /metrics does not agree with /proc and the generator at $k" >&2
        status=1
      fi
    fi
    ran=1
    if [ $grow = 1 ] && saturated "$tmp/step.out"; then
      echo "run_bench.sh: $server: stopped growing at $k (loss >= 1 %, the server on every core, the generator on one or behind its schedule, or someone without media)" >&2
      break
    fi
  done
  stop_server
done
summary
[ $ran = 1 ] || { [ $status = 0 ] && exit 77; }
exit $status
