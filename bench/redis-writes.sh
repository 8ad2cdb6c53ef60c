#!/usr/bin/env bash
# What one report costs Redis, without Salvage in the way: redis-benchmark sends the report
# script (lua/park.lua + lua/report.lua, exactly as the store loads it) with the arguments Salvage
# sends for issue 14's workload (a first report of a 1 KiB order, repaired and requeued inline),
# next to the bare handler's commit (examples/baseline.rs), and variants that show what each part
# of the report's writes costs. A fresh redis-server per run (AOF everysec, no rewrites), on a free
# loopback port; Redis CPU per call from /proc, script time from INFO commandstats, AOF bytes.
#
#   bash bench/redis-writes.sh [runs] [calls]      (defaults 3 and 200000)
#   VARIANTS="report park" SCRIPTS=/tmp/old-lua bash bench/redis-writes.sh   (some variants; the
#       scripts of another commit: git show <commit>:crates/salvage-store/src/lua/<f> > /tmp/old-lua/<f>)
#
# Variants:
#   baseline                 examples/baseline.rs's COMMIT (SET NX, HINCRBY, XADD id + payload)
#   baseline-args-only       a script that returns at once, given the baseline's arguments
#   report                   the report script, as Salvage calls it
#   report-args-only         a script that returns at once, given the report's arguments: what
#                            handing them to Lua costs (Redis's Lua hashes every byte of every
#                            string that enters a script: deps/lua/src/lstring.c, step 1)
#   report-no-produced       the same, with the history entry's produced payload left out
#                            ("payload":null): what storing it costs
#   report-lean-args         the report script, without the arguments only a park stores (the
#                            payload as reported, the headers as reported, the failure), sent
#                            empty: what sending them only when a report may park would save
#   park                     the report script parking the order (decision park): a first report
#                            written as a parked record, its indexes, group, event and state
#   report-history-own-key   the report script with the history in a string key of its own, so
#                            the state hash holds small fields only (a listpack)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
CALLS=${2:-200000}
CLIENTS=${CLIENTS:-32}
here=bench/redis-writes

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

payload=$(python3 "$here/args.py" payload)
produced=$(python3 "$here/args.py" produced)
headers=$(python3 "$here/args.py" headers)
headers_out=$(python3 "$here/args.py" headers_out)
failure=$(python3 "$here/args.py" failure)
tail_full=$(python3 "$here/args.py" tail)
tail_null=$(python3 "$here/args.py" tail_null)
tail_park=$(python3 "$here/args.py" tail_park)

SCRIPTS=${SCRIPTS:-crates/salvage-store/src/lua}
report_script=$(cat "$SCRIPTS/park.lua" "$SCRIPTS/report.lua")
# The history in a key of its own: the state's HSET without it, then SET <state>:h ... EX.
own_key_script=$(printf '%s' "$report_script" | python3 "$here/own_key.py")
baseline_script=$(sed -n '/^const COMMIT/,/^";/p' examples/baseline.rs | sed '1d;$d')

# Arguments of one report (ARGV as lua/report.lua's header names them).
report_args() { # $1: attempt tail, $2: "lean" to send payload_in, headers_in and failure empty,
                 # or "park" for a report the rules park
  local p_in=$payload h_in=$headers fail=$failure decision=requeue
  if [ "${2:-}" = lean ]; then p_in='' h_in='' fail=''; fi
  if [ "${2:-}" = park ]; then decision=park; fi
  printf '%s\0' 2 '{salvage}:msg:__rand_int__' orders \
    '{salvage}' 1796634828479 '01a24fc8-7525-75ef-8f7e-__rand_int__' '' "$decision" order-missing-email '' \
    5 inline 604800 1000 2 60000 1 'o-__rand_int__' redis orders c-17 application/json OrderPlaced \
    "$p_in" "$produced" 1 "$h_in" "$headers_out" "$fail" "$1" 0123456789abcdef \
    MISSING_FIELD "required field 'customer.email' is missing" 00000000000000000000__rand_int__ \
    id payload headers content_type event_type partition_key \
    00112233445566778899aabbccddeeff ffeeddccbbaa99887766554433221100 10000
}

one_run() { # $1 variant
  local port dir rp sha t0 t1 args=()
  port=$(free_port)
  dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
    --appendfsync everysec --auto-aof-rewrite-percentage 0 --save '' >"$dir/log" 2>&1 &
  rp=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  case $1 in
    baseline)
      sha=$(redis-cli -p "$port" SCRIPT LOAD "$baseline_script")
      args=(3 'dedupe:__rand_int__' 'attempts:__rand_int__' orders 01a24fc8-7525-75ef-8f7e-a1cdd72ac327 'o-__rand_int__' "$payload") ;;
    baseline-args-only)
      sha=$(redis-cli -p "$port" SCRIPT LOAD 'return 1')
      args=(3 'dedupe:__rand_int__' 'attempts:__rand_int__' orders 01a24fc8-7525-75ef-8f7e-a1cdd72ac327 'o-__rand_int__' "$payload") ;;
    report-args-only)
      sha=$(redis-cli -p "$port" SCRIPT LOAD 'return 1')
      mapfile -d '' args < <(report_args "$tail_full") ;;
    report)
      sha=$(redis-cli -p "$port" SCRIPT LOAD "$report_script")
      mapfile -d '' args < <(report_args "$tail_full") ;;
    report-no-produced)
      sha=$(redis-cli -p "$port" SCRIPT LOAD "$report_script")
      mapfile -d '' args < <(report_args "$tail_null") ;;
    report-lean-args)
      sha=$(redis-cli -p "$port" SCRIPT LOAD "$report_script")
      mapfile -d '' args < <(report_args "$tail_full" lean) ;;
    park)
      sha=$(redis-cli -p "$port" SCRIPT LOAD "$report_script")
      mapfile -d '' args < <(report_args "$tail_park" park) ;;
    report-history-own-key)
      sha=$(redis-cli -p "$port" SCRIPT LOAD "$own_key_script")
      mapfile -d '' args < <(report_args "$tail_full") ;;
  esac
  local aof0 aof1
  aof0=$(du -sb "$dir" | cut -f1)
  t0=$(awk '{print $14+$15}' "/proc/$rp/stat")
  local rate
  rate=$(redis-benchmark -p "$port" -n "$CALLS" -c "$CLIENTS" -r 100000000 -q \
    EVALSHA "$sha" "${args[@]}" 2>&1 | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -n 1 | cut -d' ' -f1)
  t1=$(awk '{print $14+$15}' "/proc/$rp/stat")
  local ticks; ticks=$(getconf CLK_TCK)
  local script_us failed used
  script_us=$(redis-cli -p "$port" INFO commandstats | grep '^cmdstat_evalsha:' | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/')
  failed=$(redis-cli -p "$port" INFO commandstats | grep '^cmdstat_evalsha:' | sed 's/.*failed_calls=\([0-9]*\).*/\1/')
  used=$(redis-cli -p "$port" INFO memory | grep '^used_memory:' | cut -d: -f2 | tr -d '\r')
  redis-cli -p "$port" BGREWRITEAOF >/dev/null 2>&1 || true
  aof1=$(redis-cli -p "$port" INFO persistence | grep '^aof_base_size:' | cut -d: -f2 | tr -d '\r')
  local aofcur; aofcur=$(du -sb "$dir" | cut -f1)
  kill "$rp"; wait "$rp" 2>/dev/null || true; rm -rf "$dir"
  # CPU per call (us), script time per call (us), calls/s, memory per call (B), AOF bytes per call.
  python3 -c "import sys; t=float(sys.argv[1]); n=int(sys.argv[2]); print('%s cpu_us %.1f script_us %s rate %s mem_B %d aof_B %d failed %s' % (sys.argv[3], t*1e6/int(sys.argv[4])/n, sys.argv[5], sys.argv[6], int(sys.argv[7])/n, (int(sys.argv[8])-int(sys.argv[9]))/n, sys.argv[10]))" \
    "$((t1 - t0))" "$CALLS" "$1" "$ticks" "$script_us" "$rate" "$used" "$aofcur" "$aof0" "$failed"
}

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(redis-server --version | grep -o 'v=[0-9.]*'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "runs: $RUNS of $CALLS calls, $CLIENTS connections (redis-benchmark, no pipelining)"
read -r -a variants <<<"${VARIANTS:-baseline baseline-args-only report report-args-only report-no-produced report-lean-args report-history-own-key park}"
out=$(mktemp)
for r in $(seq "$RUNS"); do
  for v in "${variants[@]}"; do
    line=$(one_run "$v")
    echo "run $r: $line"
    echo "$line" >>"$out"
  done
done
echo
echo "medians (ranges):"
python3 - "$out" "${variants[@]}" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
for v in sys.argv[2:]:
    rs = [dict(zip(r[1::2], r[2::2])) for r in rows if r[0] == v]
    def f(k):
        xs = sorted(float(r[k]) for r in rs)
        return statistics.median(xs), xs[0], xs[-1]
    c, s, q, m, a = f('cpu_us'), f('script_us'), f('rate'), f('mem_B'), f('aof_B')
    print(f"{v:24} Redis CPU {c[0]:5.1f} us/call ({c[1]:.1f}-{c[2]:.1f})  script {s[0]:5.1f} us ({s[1]:.1f}-{s[2]:.1f})  "
          f"{q[0]:7.0f}/s  memory {m[0]:5.0f} B/call  AOF {a[0]:5.0f} B/call")
PY
rm -f "$out"
