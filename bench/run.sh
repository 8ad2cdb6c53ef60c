#!/usr/bin/env bash
# Throughput, latency and memory figures for the README, on this machine.
#
#   bash bench/run.sh [runs]        (default 3 runs per scenario; medians are printed)
#   ONLY="salvage-unary salvage-stream" bash bench/run.sh   (just those scenarios)
#   SALVAGE_BIN=/tmp/salvage-old bash bench/run.sh           (another build of Salvage)
#
# Starts a private redis-server (appendonly yes, appendfsync everysec) on a free port, then for
# each scenario a fresh process under test, and drives it with `salvage loadgen` on the same
# machine. Scenarios:
#   baseline-unary / baseline-stream   the bare handler (examples/baseline.rs): one minimal Lua
#                                      commit per report, no rules; the yardstick
#   salvage-unary / salvage-stream     Salvage with the example rules, 70/10/20 repair/retry/park
#   salvage-open-5000                  Salvage at a steady open-loop 5,000 reports/s (p99 from
#                                      the intended send time)
# Only when named in ONLY: one outcome each (sizing: Redis CPU per report by outcome), and what
# replication costs (a replica on the same machine):
#   salvage-unary-requeue / -retry / -park   salvage-unary with only that outcome
#   salvage-unary-replica              salvage-unary with a replica attached to its Redis
#   salvage-unary-wait1                the same with redis.wait_replicas = 1 (WAIT per report)
#   salvage-unary-cluster              salvage-unary on a 3-primary + 3-replica Redis Cluster (the
#                                      Redis CPU is that of all six nodes; each node's is printed
#                                      too, with its role: how evenly the buckets spread the work)
#   salvage-unary-cluster-requeue / -retry / -park   the same with only that outcome
#   salvage-unary-cluster-wait1        salvage-unary-cluster with redis.wait_replicas = 1
# SET=sidecar runs instead the sidecar workload of the README's Performance section (issue 14):
# ~1 KiB orders missing `customer.email` (MISSING_FIELD, a ~150-byte detail, four headers, the
# customer id as partition key), repaired by one `default` rule and requeued inline, the bare
# handler and Salvage side by side:
#   bare-/salvage-unary-64x1     unary, 64 callers over 1 connection
#   bare-/salvage-unary-256x4    unary, 256 callers over 4 connections
#   bare-/salvage-stream-4x64    ReportStream, 4 streams x 64 in flight
#   bare-/salvage-open-5000      open loop at 5,000 reports/s (p99 from the intended send)
#   salvage-park-unary-64x1      the same orders parked (the heavier write), against bare-unary-64x1
# Salvage's peak RSS (VmHWM) is read from /proc after each Salvage run, and every process's CPU
# (user + system, /proc/<pid>/stat) per report over warm-up and run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
DURATION=${DURATION:-10s}
UNARY_CONCURRENCY=${UNARY_CONCURRENCY:-64}
STREAMS=${STREAMS:-4}
WINDOW=${WINDOW:-128}

# SALVAGE_BIN=<path> measures that binary instead of this checkout's (an A/B of two builds).
cargo build --release --quiet --bin salvage --example baseline
BIN=${SALVAGE_BIN:-target/release/salvage}
LOADGEN=target/release/salvage   # the same load generator whichever Salvage is measured
BASE=target/release/examples/baseline
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not open" >&2; return 1; }

# A fresh Redis for every run, so one run's AOF (and its rewrites) does not weigh on the next.
start_redis() {
  RPORT=$(free_port)
  rm -rf "$WORK/redis" && mkdir -p "$WORK/redis"
  redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no --logfile "$WORK/redis.log" &
  RPID=$!
  wait_port "$RPORT"
  REDIS="redis://127.0.0.1:$RPORT"
  RPORTS=("$RPORT"); RPIDS=("$RPID")
  LANDED=(--redis-url "$REDIS")
}

# A Redis Cluster of 3 primaries and 3 replicas (same persistence), each node with an explicit
# cluster bus port (the default, port + 10000, does not exist above 55535).
start_cluster() {
  RPORTS=(); RPIDS=()
  local urls=() addrs=() port bus
  for n in 0 1 2 3 4 5; do
    port=$(free_port); bus=$(free_port)
    rm -rf "$WORK/node$n" && mkdir -p "$WORK/node$n"
    redis-server --port "$port" --cluster-port "$bus" --cluster-enabled yes \
      --cluster-config-file "$WORK/node$n/nodes.conf" --bind 127.0.0.1 --dir "$WORK/node$n" \
      --save '' --appendonly yes --appendfsync everysec --daemonize no \
      --logfile "$WORK/node$n.log" &
    RPIDS+=("$!"); RPORTS+=("$port")
    urls+=("redis://127.0.0.1:$port"); addrs+=("127.0.0.1:$port")
  done
  for port in "${RPORTS[@]}"; do wait_port "$port"; done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  for _ in $(seq 200); do
    local ok=0
    for port in "${RPORTS[@]}"; do
      redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' && ok=$((ok + 1))
    done
    [ "$ok" = 6 ] && break
    sleep 0.05
  done
  RPORT=${RPORTS[0]}
  REDIS="redis://127.0.0.1:$RPORT"   # unused by Salvage with [redis.cluster], but written
  CLUSTER_URLS=$(IFS=,; echo "${urls[*]}")
  LANDED=(--redis-cluster "$CLUSTER_URLS")
}
start_salvage_cluster() {
  local list
  list=$(echo "$CLUSTER_URLS" | sed 's/[^,]*/"&"/g')
  REDIS_EXTRA="${CLUSTER_EXTRA:-}"$'\n'"[redis.cluster]"$'\n'"urls = [$list]"
  start_salvage
  REDIS_EXTRA=""
}
start_salvage_cluster_wait1() {
  CLUSTER_EXTRA=$'wait_replicas = 1\nwait_timeout = "500ms"'
  start_salvage_cluster
  CLUSTER_EXTRA=""
}

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $(redis-server --version | cut -d' ' -f3)"
echo "runs per scenario: $RUNS, duration $DURATION"

start_salvage() {
  GPORT=$(free_port); APORT=$(free_port)
  cat > "$WORK/salvage.toml" <<EOF
[server]
grpc_addr = "127.0.0.1:$GPORT"
[admin]
addr = "127.0.0.1:$APORT"
[redis]
url = "$REDIS"
$REDIS_EXTRA
[rules]
path = "$PWD/examples/rules.toml"
[telemetry]
log_level = "warn"
EOF
  $BIN serve --config "$WORK/salvage.toml" 2>>"$WORK/salvage.log" &
  PID=$!
  wait_port "$GPORT"
}

REDIS_EXTRA=""
REPPID=""
# A replica of the run's Redis (same persistence), online before the run starts.
start_replica() {
  local rport
  rport=$(free_port)
  rm -rf "$WORK/replica" && mkdir -p "$WORK/replica"
  redis-cli -p "$RPORT" config set repl-diskless-sync-delay 0 >/dev/null
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$WORK/replica" --save '' --appendonly yes \
    --appendfsync everysec --replicaof 127.0.0.1 "$RPORT" --daemonize no \
    --logfile "$WORK/replica.log" &
  REPPID=$!
  wait_port "$rport"
  REPLICA_PORT=$rport
  for _ in $(seq 200); do
    redis-cli -p "$RPORT" info replication | grep -q 'state=online' && return 0
    sleep 0.05
  done
  echo "the replica did not come online" >&2; return 1
}
start_salvage_replica() { start_replica; start_salvage; }
start_salvage_wait1() {
  start_replica
  REDIS_EXTRA=$'wait_replicas = 1\nwait_timeout = "500ms"'
  start_salvage
  REDIS_EXTRA=""
}

start_baseline() {
  GPORT=$(free_port)
  $BASE "127.0.0.1:$GPORT" "$REDIS" >/dev/null 2>&1 &
  PID=$!
  wait_port "$GPORT"
}

stop() {
  kill "$PID"; wait "$PID" 2>/dev/null || true
  AOF_REWRITES=$(redis-cli -p "$RPORT" info persistence | tr -d '\r' | awk -F: '/^aof_rewrites:/{print $2}')
  for port in "${RPORTS[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
  for pid in "${RPIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$REPPID" ]; then
    redis-cli -p "$REPLICA_PORT" shutdown nosave >/dev/null 2>&1 || true
    wait "$REPPID" 2>/dev/null || true
    REPPID=""
  fi
}

node_cpu() { # one line per node: port, role, user + system CPU seconds
  for port in "${RPORTS[@]}"; do
    redis-cli -p "$port" info | tr -d '\r' \
      | awk -F: -v p="$port" '/^role:/{r=$2} /^used_cpu_(sys|user):/{s+=$2} END{printf "%s %s %.6f\n", p, r, s}'
  done
}

proc_cpu() { # a process's user + system CPU seconds
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.6f", ($14 + $15) / hz }' "/proc/$1/stat"
}

redis_cpu() { # every node of the run's Redis (one, or a cluster's six)
  for port in "${RPORTS[@]}"; do redis-cli -p "$port" info cpu; done \
    | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/{s+=$2} END{printf "%.6f", s}'
}

run() { # name, start fn, mix, loadgen args...
  local name=$1 starter=$2 mix=$3; shift 3
  # ONLY="salvage-unary salvage-stream" runs just those scenarios (for an A/B of one change).
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  for i in $(seq "$RUNS"); do
    if [[ "$starter" = *cluster* ]]; then start_cluster; else start_redis; fi
    $starter
    local out cpu0 cpu1 nodes0 nodes1 pcpu0 pcpu1
    cpu0=$(redis_cpu)
    nodes0=$(node_cpu)
    pcpu0=$(proc_cpu "$PID")
    out=$($LOADGEN loadgen --addr "http://127.0.0.1:$GPORT" --duration "$DURATION" --warmup 2s \
      --mix "$mix" "${LANDED[@]}" --json "$@")
    cpu1=$(redis_cpu)
    nodes1=$(node_cpu)
    pcpu1=$(proc_cpu "$PID")
    # Redis CPU (its main process, user + system) per report over warm-up and run, at the run's
    # throughput: what one report costs Redis, for sizing. The same for the process under test.
    out=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); c0,c1,dur,p0,p1=float(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3].rstrip("s")),float(sys.argv[4]),float(sys.argv[5]); n=d["throughput"]*(dur+2); d["redis_cpu_us"]=round((c1-c0)*1e6/n) if n else 0; d["proc_cpu_us"]=round((p1-p0)*1e6/n) if n else 0; print(json.dumps(d))' "$cpu0" "$cpu1" "$DURATION" "$pcpu0" "$pcpu1")
    if [[ "$starter" = *cluster* ]]; then
      # Each node's share: CPU µs per report of the whole run, by role.
      echo "$name run $i per node: $(paste -d' ' <(echo "$nodes0") <(echo "$nodes1") \
        | python3 -c 'import json,sys; t=json.loads(sys.argv[1])["throughput"]*(float(sys.argv[2].rstrip("s"))+2); print(", ".join("%s %s %.0f us" % (r[0], r[1], (float(r[5])-float(r[2]))*1e6/t) for r in (l.split() for l in sys.stdin)))' "$out" "$DURATION")"
    fi
    local rss=0
    [[ "$starter" = start_salvage* ]] && rss=$(awk '/VmHWM/{print $2}' "/proc/$PID/status")
    stop
    echo "$name $i $rss $out" >> "$WORK/results"
    echo "$name run $i: $(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f/s p50 %.2f ms p99 %.2f ms p999 %.2f ms errors %d landed %s of %d requeued, CPU per report: process %d us, redis %d us" % (d["throughput"], d["p50_ms"], d["p99_ms"], d["p999_ms"], d["errors"], d["landed"], d["outcomes"].get("REQUEUED", 0), d["proc_cpu_us"], d["redis_cpu_us"]))') rss ${rss} kB, AOF rewrites during the run: ${AOF_REWRITES}"
  done
}

if [ "${SET:-}" = sidecar ]; then
  # The sidecar workload (issue 14): bare and Salvage side by side in the same run.
  W=(--payload-bytes 1024 --detail-bytes 150)
  run bare-unary-64x1 start_baseline missing=100 "${W[@]}" --mode unary --concurrency 64 --connections 1
  run salvage-unary-64x1 start_salvage missing=100 "${W[@]}" --mode unary --concurrency 64 --connections 1
  run bare-unary-256x4 start_baseline missing=100 "${W[@]}" --mode unary --concurrency 256 --connections 4
  run salvage-unary-256x4 start_salvage missing=100 "${W[@]}" --mode unary --concurrency 256 --connections 4
  run bare-stream-4x64 start_baseline missing=100 "${W[@]}" --mode stream --concurrency 4 --window 64
  run salvage-stream-4x64 start_salvage missing=100 "${W[@]}" --mode stream --concurrency 4 --window 64
  run bare-open-5000 start_baseline missing=100 "${W[@]}" --mode unary --concurrency 256 --rate 5000
  run salvage-open-5000 start_salvage missing=100 "${W[@]}" --mode unary --concurrency 256 --rate 5000
  run salvage-park-unary-64x1 start_salvage park=100 "${W[@]}" --mode unary --concurrency 64 --connections 1
  SCENARIOS_DONE=1
fi
if [ -z "${SCENARIOS_DONE:-}" ]; then
run baseline-unary start_baseline requeue=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
run baseline-stream start_baseline requeue=100 --mode stream --concurrency "$STREAMS" --window "$WINDOW"
run salvage-unary start_salvage requeue=70,retry=10,park=20 --mode unary --concurrency "$UNARY_CONCURRENCY"
run salvage-stream start_salvage requeue=70,retry=10,park=20 --mode stream --concurrency "$STREAMS" --window "$WINDOW"
run salvage-open-5000 start_salvage requeue=70,retry=10,park=20 --mode unary --concurrency 256 --rate 5000
if [ -n "${ONLY:-}" ]; then
  # One outcome each, for sizing (Redis CPU per report by outcome).
  run salvage-unary-requeue start_salvage requeue=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-retry start_salvage retry=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-park start_salvage park=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-replica start_salvage_replica requeue=70,retry=10,park=20 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-wait1 start_salvage_wait1 requeue=70,retry=10,park=20 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-cluster start_salvage_cluster requeue=70,retry=10,park=20 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-cluster-requeue start_salvage_cluster requeue=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-cluster-retry start_salvage_cluster retry=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-cluster-park start_salvage_cluster park=100 --mode unary --concurrency "$UNARY_CONCURRENCY"
  run salvage-unary-cluster-wait1 start_salvage_cluster_wait1 requeue=70,retry=10,park=20 --mode unary --concurrency "$UNARY_CONCURRENCY"
fi
fi

echo
echo "medians:"
python3 - "$WORK/results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, _, rss, js = line.split(" ", 3)
    rows.setdefault(name, []).append((int(rss), json.loads(js)))
for name, rs in rows.items():
    med = lambda k: statistics.median(r[1][k] for r in rs)
    rss = statistics.median(r[0] for r in rs)
    print(f"{name:18} {med('throughput'):8.0f}/s  p50 {med('p50_ms'):6.2f} ms  p99 {med('p99_ms'):6.2f} ms"
          f"  p999 {med('p999_ms'):6.2f} ms  redis CPU {med('redis_cpu_us'):4.0f} us/report"
          + f"  process CPU {med('proc_cpu_us'):4.0f} us/report"
          + (f"  peak RSS {rss/1024:.1f} MiB" if rss else ""))
    rng = lambda k: f"{min(r[1][k] for r in rs):.0f}-{max(r[1][k] for r in rs):.0f}"
    print(f"{'':18} ranges: {rng('throughput')}/s, p99 {min(r[1]['p99_ms'] for r in rs):.2f}-{max(r[1]['p99_ms'] for r in rs):.2f} ms,"
          f" process CPU {rng('proc_cpu_us')} us, redis CPU {rng('redis_cpu_us')} us")
PY
