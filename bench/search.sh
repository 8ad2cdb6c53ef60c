#!/usr/bin/env bash
# Isolation of the report path from operator work, for the README: Report p99 at an open-loop
# 2,000 reports/s with the parking lot idle, and while 3 viewers run text searches over 5,000
# parked 64 KiB messages (a text no payload contains, so every search scans them all). Also
# /healthz latency during the searches. Each run alternates $PAIRS idle and busy phases of
# $DURATION; a run's figure is the median over its phases, its ratio busy / idle.
#
#   bash bench/search.sh [runs]       (default 3; medians and ranges are printed)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
DURATION=${DURATION:-10s}   # one phase
PAIRS=${PAIRS:-3}           # idle and busy phases per run, alternating
PARKED=${PARKED:-5000}
SEARCHERS=${SEARCHERS:-3}   # SEARCHERS=0: the same run without searches (the bench's own noise)

# BIN=path: measure that build instead (an A/B of two builds on one machine).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin salvage
  BIN=target/release/salvage
fi
WORK=$(mktemp -d)
trap 'touch "$WORK/stop"; kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
TOKEN=bench-viewer-token

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not open" >&2; return 1; }

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $(redis-server --version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"
echo "runs: $RUNS, each $PAIRS x (idle, busy) phases of $DURATION at 2,000/s, $PARKED parked 64 KiB messages, $SEARCHERS searchers"

searcher() { # until $WORK/stop exists: one text search after another (the CLI pages to the end)
  while [ ! -f "$WORK/stop" ]; do
    $BIN parked --addr "http://127.0.0.1:$PPORT" --token "$TOKEN" list --text "no-such-text" >/dev/null 2>&1 || true
    echo >> "$WORK/searches"
  done
}
healthz() { # until $WORK/stop exists: /healthz latency in seconds, one a line. One long-lived
  # process on one connection: a curl per probe would fork 10 processes a second, whose cost
  # lands on the Report latency being measured.
  python3 - "http://127.0.0.1:$APORT/healthz" "$WORK/stop" >> "$WORK/healthz" <<'PY'
import http.client, os, sys, time, urllib.parse
url, stop = urllib.parse.urlparse(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
while not os.path.exists(stop):
    t = time.perf_counter()
    conn.request("GET", url.path)
    conn.getresponse().read()
    print(f"{time.perf_counter() - t:.6f}", flush=True)
    time.sleep(0.1)
PY
}

for i in $(seq "$RUNS"); do
  RPORT=$(free_port); GPORT=$(free_port); APORT=$(free_port); PPORT=$(free_port)
  rm -rf "$WORK/redis" "$WORK/stop" "$WORK/searches" "$WORK/healthz" && mkdir -p "$WORK/redis"
  redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no --logfile "$WORK/redis.log" &
  RPID=$!
  wait_port "$RPORT"
  cat > "$WORK/salvage.toml" <<TOML
[server]
grpc_addr = "127.0.0.1:$GPORT"
[admin]
addr = "127.0.0.1:$APORT"
[parking_lot]
addr = "127.0.0.1:$PPORT"
[[parking_lot.tokens]]
name = "viewer"
role = "viewer"
token = "$TOKEN"
[redis]
url = "redis://127.0.0.1:$RPORT"
[rules]
path = "$PWD/examples/rules.toml"
[telemetry]
log_level = "error"
TOML
  $BIN serve --config "$WORK/salvage.toml" 2>>"$WORK/salvage.log" &
  PID=$!
  wait_port "$GPORT"
  ADDR="http://127.0.0.1:$GPORT"
  while [ "$(redis-cli -p "$RPORT" zcard '{salvage}:idx:parked')" -lt "$PARKED" ]; do
    $BIN loadgen --addr "$ADDR" --mode stream --concurrency 4 --window 32 --duration 1s --warmup 0s \
      --mix park=100 --payload-bytes 65536 --json >/dev/null
  done
  parked=$(redis-cli -p "$RPORT" zcard '{salvage}:idx:parked')
  load=(--addr "$ADDR" --rate 2000 --concurrency 256 --duration "$DURATION" --warmup 2s --json)
  # Idle and busy phases alternate, so the machine's drift over a run weighs on both alike.
  : > "$WORK/idle.jsonl"; : > "$WORK/busy.jsonl"; : > "$WORK/searches"; : > "$WORK/healthz"
  for _ in $(seq "$PAIRS"); do
    $BIN loadgen "${load[@]}" >> "$WORK/idle.jsonl"
    rm -f "$WORK/stop"
    for _ in $(seq "$SEARCHERS"); do searcher & done
    healthz &
    $BIN loadgen "${load[@]}" >> "$WORK/busy.jsonl"
    # Searches under way finish before the next idle phase starts.
    touch "$WORK/stop"; wait $(jobs -p | grep -v "^$PID$" | grep -v "^$RPID$") 2>/dev/null || true
  done
  searches=$(wc -l < "$WORK/searches")
  kill "$PID"; wait "$PID" 2>/dev/null || true
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true; wait "$RPID" 2>/dev/null || true
  python3 - "$i" "$parked" "$searches" "$WORK/idle.jsonl" "$WORK/busy.jsonl" "$WORK/healthz" >> "$WORK/results" <<'PY'
import json, statistics, sys
i, parked, searches, idle, busy, hz = sys.argv[1:7]
idle = [json.loads(l) for l in open(idle) if l.strip()]
busy = [json.loads(l) for l in open(busy) if l.strip()]
med = lambda rows, k: statistics.median(r[k] for r in rows)
h = sorted(float(x) * 1000 for x in open(hz) if x.strip())
print(json.dumps(dict(run=int(i), parked=int(parked), searches=int(searches),
    idle_p99s=[r["p99_ms"] for r in idle], busy_p99s=[r["p99_ms"] for r in busy],
    idle_p50=med(idle, "p50_ms"), idle_p99=med(idle, "p99_ms"),
    busy_p50=med(busy, "p50_ms"), busy_p99=med(busy, "p99_ms"),
    ratio=med(busy, "p99_ms") / med(idle, "p99_ms"),
    idle_tput=min(r["throughput"] for r in idle), busy_tput=min(r["throughput"] for r in busy),
    errors=sum(r["errors"] for r in idle + busy), healthz_max=h[-1] if h else 0,
    healthz_p50=h[len(h) // 2] if h else 0)))
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
    return f"{statistics.median(v):.2f}{unit} [{min(v):.2f}-{max(v):.2f}]"
print("Report p99 idle (median of the run's idle phases)", f("idle_p99", " ms"))
print("Report p99, 3 searches     ", f("busy_p99", " ms"))
print("ratio                      ", f("ratio"))
print("Report p50 idle / searching", f("idle_p50", " ms"), "/", f("busy_p50", " ms"))
print("throughput idle / searching", f("idle_tput", "/s"), "/", f("busy_tput", "/s"))
print("searches completed (whole) ", [r["searches"] for r in rows])
print("/healthz p50 / max         ", f("healthz_p50", " ms"), "/", f("healthz_max", " ms"))
print("report errors              ", [r["errors"] for r in rows])
PY
