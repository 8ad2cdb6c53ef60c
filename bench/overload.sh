#!/usr/bin/env bash
# Memory under overload, for the README: Salvage's peak RSS while far more reports arrive than
# its in-flight budget admits, whether every report answered OK is in Redis, and latency after.
#
#   bash bench/overload.sh [runs]     (default 3; medians and ranges are printed)
#
# Each run: a private redis-server (appendonly everysec) and a release Salvage with the default
# budget (server.max_in_flight 4096, server.max_in_flight_bytes 8 MiB, server.max_message_bytes
# 2 MiB, server.max_concurrent_streams 16); then, on the same machine, for $DURATION (default 60s) at once:
#   - 4,000 unary callers with 64 KiB payloads,
#   - 200 ReportStreams (window 64) with 64 KiB payloads,
#   - 200 unary callers whose failure.detail is 3.9 MB (over max_message_bytes: OUT_OF_RANGE).
# Every report parks (mix park=100, unique ids), so "nothing acknowledged is lost" is checked as:
# PARKED answers summed over the load generators = parked records in Redis (ZCARD idx:parked).
# Latency: 16 closed-loop callers for 5 s before the overload and right after it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
DURATION=${DURATION:-60s}

cargo build --release --quiet --bin salvage
BIN=target/release/salvage
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not open" >&2; return 1; }

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $(redis-server --version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS, overload $DURATION"

for i in $(seq "$RUNS"); do
  RPORT=$(free_port); GPORT=$(free_port); APORT=$(free_port); PPORT=$(free_port)
  rm -rf "$WORK/redis" && mkdir -p "$WORK/redis"
  redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no --logfile "$WORK/redis.log" &
  RPID=$!
  wait_port "$RPORT"
  REDIS="redis://127.0.0.1:$RPORT"
  cat > "$WORK/salvage.toml" <<TOML
[server]
grpc_addr = "127.0.0.1:$GPORT"
[admin]
addr = "127.0.0.1:$APORT"
[parking_lot]
addr = "127.0.0.1:$PPORT"
[redis]
url = "$REDIS"
[rules]
path = "$PWD/examples/rules.toml"
[telemetry]
log_level = "error"
TOML
  $BIN serve --config "$WORK/salvage.toml" 2>>"$WORK/salvage.log" &
  PID=$!
  wait_port "$GPORT"
  ADDR="http://127.0.0.1:$GPORT"
  before=$($BIN loadgen --addr "$ADDR" --duration 5s --warmup 1s --concurrency 16 --mix park=100 --json)
  rss_before=$(awk '/VmHWM/{print $2}' "/proc/$PID/status")
  parked_before=$(redis-cli -p "$RPORT" zcard '{salvage}:idx:parked')
  common=(--addr "$ADDR" --duration "$DURATION" --warmup 0s --mix park=100 --json)
  $BIN loadgen "${common[@]}" --mode unary --concurrency 4000 --payload-bytes 65536 > "$WORK/unary.json" &
  L1=$!
  $BIN loadgen "${common[@]}" --mode stream --concurrency 200 --window 64 --payload-bytes 65536 > "$WORK/stream.json" &
  L2=$!
  $BIN loadgen "${common[@]}" --mode unary --concurrency 200 --detail-bytes 3900000 > "$WORK/detail.json" &
  L3=$!
  wait $L1 $L2 $L3
  rss_peak=$(awk '/VmHWM/{print $2}' "/proc/$PID/status")
  after=$($BIN loadgen --addr "$ADDR" --duration 5s --warmup 0s --concurrency 16 --mix park=100 --json)
  parked=$(( $(redis-cli -p "$RPORT" zcard '{salvage}:idx:parked') - parked_before ))
  kill "$PID"; wait "$PID" 2>/dev/null || true
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true; wait "$RPID" 2>/dev/null || true
  python3 - "$i" "$rss_before" "$rss_peak" "$parked" "$before" "$after" "$WORK"/unary.json "$WORK"/stream.json "$WORK"/detail.json >> "$WORK/results" <<'PY'
import json, sys
i, rss0, rss, parked, before, after = sys.argv[1:7]
loads = [json.load(open(p)) for p in sys.argv[7:]]
before, after = json.loads(before), json.loads(after)
# The "after" run parks too: its PARKED answers are in `parked` as well.
acked = sum(l["outcomes"].get("PARKED", 0) for l in loads) + after["outcomes"].get("PARKED", 0)
row = dict(run=int(i), rss_before_mib=int(rss0)/1024, rss_peak_mib=int(rss)/1024,
           acked=acked, parked=int(parked), lost=acked - int(parked),
           ok=[l["ok"] for l in loads], codes=[l["error_codes"] for l in loads],
           p50_before=before["p50_ms"], p99_before=before["p99_ms"],
           p50_after=after["p50_ms"], p99_after=after["p99_ms"], errors_after=after["errors"])
print(json.dumps(row))
PY
  tail -1 "$WORK/results"
done

echo
echo "medians [min-max] of $RUNS runs:"
python3 - "$WORK/results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def f(k, unit=""):
    v = [r[k] for r in rows]
    return f"{statistics.median(v):.1f}{unit} [{min(v):.1f}-{max(v):.1f}]"
print("peak RSS under overload   ", f("rss_peak_mib", " MiB"))
print("RSS before overload       ", f("rss_before_mib", " MiB"))
print("acknowledged (PARKED) lost", [r["lost"] for r in rows], "of", [r["acked"] for r in rows])
print("p50 before / after        ", f("p50_before", " ms"), "/", f("p50_after", " ms"))
print("p99 before / after        ", f("p99_before", " ms"), "/", f("p99_after", " ms"))
print("errors in the 5 s after   ", [r["errors_after"] for r in rows])
print("answers by load generator (unary 64 KiB, stream 64 KiB, unary 3.9 MB detail):")
for r in rows:
    print("  ok", r["ok"], "errors", r["codes"])
PY
