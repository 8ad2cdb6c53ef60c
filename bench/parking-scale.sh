#!/usr/bin/env bash
# Issue 14's "parking lot at scale": fill the parking lot through Salvage with N parked ~1 KiB
# messages in GROUPS failure groups, then measure
#   - how long the console reads take (the first page of the parked list, a group's first page,
#     the groups page and the overview; client wall time over HTTP/1.1 keep-alive), and the
#     gRPC equivalents through `salvage parked` (a process per call: its start is included,
#     so a trivial call, `runs --limit 1`, is timed too as the floor);
#   - Redis memory per parked message: INFO used_memory before and after the fill, over the
#     number parked, and a breakdown by key kind (MEMORY USAGE: a sample of the records and
#     message states, every index, group and stream whole), with the record's and the state's
#     fields and what a compact hash encoding would weigh;
#   - a bulk resubmit of ~100,000 messages (a filter: everything parked since the score of the
#     100,000th newest) without a rate limit or canary: its rate from the POST to the run's
#     completion as the run API reports it, while a light Report load (1,000/s unary, requeue
#     only) runs in back-to-back segments; its p99 then, against the same load's p99 idle
#     just before. And why: how long Redis makes a PING wait (every 5 ms, idle and during the
#     run), the commands of 1 ms or more (SLOWLOG: the run's batch scripts), Redis' latency
#     monitor, and the CPU of Redis, Salvage and the rest of the machine in each phase (on 2
#     shared cores, a build running meanwhile shows there).
#
#   env N=20000 GROUPS=100 bash bench/parking-scale.sh          a quick check
#   flock /tmp/salvage-bench.lock env BIN=/path/to/salvage bash bench/parking-scale.sh
#
# GROUPS is a variable of bash's own (the user's group ids): typed as `GROUPS=100 bash ...` in
# bash it never reaches the script. Give it through `env`, as above, or as PARK_GROUPS.
# Other knobs: RESUBMIT (default 100000, at most N), REPEATS (timed calls per read, default 20),
# SEGMENT (one Report-load segment, default 3s), IDLE_SEGMENTS (default 5), SAMPLE (records
# whose memory is measured, default 500), BATCH (parking_lot.batch_size: messages per resubmit
# script; default Salvage's, 100), BIN (a built salvage; default: build the release one).
#
# Starts its own redis-server (appendonly yes, appendfsync everysec) on a free loopback port in
# a temp dir, and its own Salvage; stops only those, by PID, and removes the temp dir on exit.
# Writes nothing into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
env_groups=$(tr '\0' '\n' < /proc/$$/environ | sed -n 's/^GROUPS=//p')
NGROUPS=${PARK_GROUPS:-${env_groups:-1000}}
RESUBMIT=${RESUBMIT:-100000}
[ "$RESUBMIT" -gt "$N" ] && RESUBMIT=$N
REPEATS=${REPEATS:-20}
SEGMENT=${SEGMENT:-3s}
IDLE_SEGMENTS=${IDLE_SEGMENTS:-5}
SAMPLE=${SAMPLE:-500}
BATCH=${BATCH:-}
PAYLOAD=1024
PREFIX='{salvage}'

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin salvage
  BIN=${CARGO_TARGET_DIR:-target}/release/salvage
fi
WORK=$(mktemp -d)
RPID=""; SPID=""; LPID=""; PPID_PROBE=""
cleanup() {
  touch "$WORK/stop"
  # The light load's loop ends after its segment under way (a kill would orphan that loadgen).
  [ -n "$LPID" ] && { wait "$LPID" 2>/dev/null || true; }
  [ -n "$PPID_PROBE" ] && { kill "$PPID_PROBE" 2>/dev/null || true; wait "$PPID_PROBE" 2>/dev/null || true; }
  [ -n "$SPID" ] && { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }
  if [ -n "$RPID" ]; then
    redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || kill "$RPID" 2>/dev/null || true
    wait "$RPID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
TOKEN=bench-operator-token

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not open" >&2; return 1; }
rcli() { redis-cli -p "$RPORT" "$@"; }
info_field() { rcli info "$1" | tr -d '\r' | awk -F: -v k="$2" '$1 == k {print $2}'; }
now_ms() { date +%s%3N; }
# CPU time (user + system, in clock ticks) of a process so far; the machine's busy time (all
# cores, everything but idle and iowait) with "machine".
cpu_ticks() {
  if [ "$1" = machine ]; then awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
  else awk '{print $14 + $15}' "/proc/$1/stat"; fi
}
cpu_mark() { echo "$(now_ms) $(cpu_ticks "$RPID") $(cpu_ticks "$SPID") $(cpu_ticks machine)"; }
# What Redis, Salvage and everything else on the machine (the load generators, the probes and
# whatever else runs here: a build would show) used since a cpu_mark, in % of one core.
cpu_share() {
  python3 -c 'import sys, os
a, b = [list(map(int, x.split())) for x in sys.argv[1:3]]
t = os.sysconf("SC_CLK_TCK") * (b[0] - a[0]) / 1000
r, s, m = ((b[i] - a[i]) * 100 / t for i in (1, 2, 3))
print(f"Redis {r:.0f} %, Salvage {s:.0f} %, the rest of the machine {m - r - s:.0f} % of one core")' "$1" "$(cpu_mark)"
}

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $(redis-server --version | cut -d' ' -f3), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)'); binary: $BIN"
echo "N=$N parked ~$PAYLOAD B messages in $NGROUPS groups; resubmit ~$RESUBMIT (batch size ${BATCH:-default}); $REPEATS timed calls per read"

RPORT=$(free_port); GPORT=$(free_port); APORT=$(free_port); PPORT=$(free_port)
mkdir -p "$WORK/redis"
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
${BATCH:+batch_size = $BATCH}
[[parking_lot.tokens]]
name = "bench"
role = "operator"
token = "$TOKEN"
# Keep every parked message (the default max_count, 250,000, would archive the oldest).
[parking_lot.retention]
max_age = "3650d"
[redis]
url = "redis://127.0.0.1:$RPORT"
[rules]
path = "$PWD/examples/rules.toml"
[telemetry]
log_level = "warn"
TOML
"$BIN" serve --config "$WORK/salvage.toml" 2>>"$WORK/salvage.log" &
SPID=$!
for port in "$GPORT" "$APORT" "$PPORT"; do
  wait_port "$port" || { echo "Salvage did not start:" >&2; cat "$WORK/salvage.log" >&2; exit 1; }
done
GADDR="http://127.0.0.1:$GPORT"
MEM0=$(info_field memory used_memory)

# ── Fill ──────────────────────────────────────────────────────────────────────────────────────
# Parks go through Salvage: ReportStream, 4 streams x 128 in flight, every report a fraud
# decline (the example rules park it), spread over the groups by --park-groups. One queue
# suffix for every step, so the steps share their groups. Each step is sized to park 90 % of
# what is left at the rate so far (at most 30 s), so the fill ends close to N (over it by what
# the last step had in flight, up to 512).
echo
echo "fill:"
parked=0
fill_start=$(now_ms)
rate=10000   # a first guess; each step measures it
while [ "$parked" -lt "$N" ]; do
  step=$(( (N - parked) * 900 / rate ))
  [ "$step" -lt 200 ] && step=200
  [ "$step" -gt 30000 ] && step=30000
  t0=$(now_ms)
  "$BIN" loadgen --addr "$GADDR" --mode stream --concurrency 4 --window 128 \
    --duration "${step}ms" --warmup 0s --mix park=100 --payload-bytes "$PAYLOAD" \
    --park-groups "$NGROUPS" --queue-suffix -scale --json > "$WORK/fill.json"
  t1=$(now_ms)
  before=$parked
  parked=$(rcli zcard "$PREFIX:idx:parked")
  errors=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors"])' "$WORK/fill.json")
  rate=$(( (parked - before) * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
  [ "$rate" -lt 100 ] && rate=100
  echo "  $parked parked ($(( parked * 100 / N ))%), $(( (t1 - fill_start) / 1000 )) s, this step $rate/s, errors $errors, used_memory $(info_field memory used_memory_human)"
done
fill_ms=$(( $(now_ms) - fill_start ))
groups=$(rcli zcard "$PREFIX:groups")
echo "filled: $parked parked in $groups groups in $(( fill_ms / 1000 )) s: $(( parked * 1000 / fill_ms ))/s"
echo "fill: $parked parked in $groups groups at $(( parked * 1000 / fill_ms ))/s through Salvage (ReportStream)" >> "$WORK/summary"
echo "payload bytes of a record: $(rcli hstrlen "$PREFIX:parked:$(rcli zrandmember "$PREFIX:idx:parked")" payload)"
# Let an AOF rewrite under way finish, so it does not weigh on what follows.
while [ "$(info_field persistence aof_rewrite_in_progress)" != 0 ] \
  || [ "$(info_field persistence aof_rewrite_scheduled)" != 0 ]; do sleep 1; done
echo "AOF rewrites during the fill: $(info_field persistence aof_rewrites)"

# ── Memory ────────────────────────────────────────────────────────────────────────────────────
echo
echo "memory:"
python3 - "$RPORT" "$PREFIX" "$MEM0" "$SAMPLE" "$WORK/summary" <<'PY'
import socket, statistics, sys
port, prefix, mem0, sample = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
summary = open(sys.argv[5], "a")

class Redis:
    """A minimal RESP client: pipelined commands over one connection."""
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.f = self.sock.makefile("rb")
    def pipe(self, cmds):
        out = bytearray()
        for c in cmds:
            out += b"*%d\r\n" % len(c)
            for a in c:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return [self.read() for _ in cmds]
    def __call__(self, *c):
        return self.pipe([c])[0]
    def read(self):
        line = self.f.readline()[:-2]
        t, rest = line[:1], line[1:]
        if t == b"+": return rest.decode()
        if t == b"-": raise RuntimeError(rest.decode())
        if t == b":": return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(f"unexpected reply {line!r}")

r = Redis(port)
def info(section):
    return dict(l.split(":", 1) for l in r("INFO", section).decode().splitlines() if ":" in l)
mem = info("memory")
used = int(mem["used_memory"])
parked = r("ZCARD", f"{prefix}:idx:parked")
delta = used - mem0
print(f"  used_memory {mem0} -> {used} bytes (rss {mem['used_memory_rss_human']}, "
      f"fragmentation {mem['mem_fragmentation_ratio']}): {delta / parked:.0f} bytes "
      f"({delta / parked / 1024:.2f} KiB) per parked message over {parked}")
print(f"  keys: {r('DBSIZE')}")
stats = r("MEMORY", "STATS")
stats = {k.decode(): v for k, v in zip(stats[::2], stats[1::2])}
db0 = {k.decode(): v for k, v in zip(stats["db.0"][::2], stats["db.0"][1::2])}
main = db0.get("overhead.hashtable.main", 0)
print(f"  MEMORY STATS: db.0 overhead.hashtable.main {main} B ({main / parked:.1f} per parked message; "
      f"the keyspace dict, its entries also in MEMORY USAGE), "
      f"overhead.total {stats['overhead.total']}, dataset.bytes {stats['dataset.bytes']}, "
      f"aof.buffer {stats['aof.buffer']}, clients.normal {stats['clients.normal']}, "
      f"lua.caches {stats['lua.caches']}")

# Every key by kind; records and message states are sampled, the rest measured whole.
def kind(key):
    k = key[len(prefix) + 1:] if key.startswith(prefix + ":") else key
    for p in ("parked:", "msg:", "idx:group:", "idx:queue:", "group:", "stats:", "archive:",
              "console:", "run:"):
        if k.startswith(p):
            return p.rstrip(":")
    return k
# Records and message states are only counted (a million of each), the other keys kept.
kinds, counted, cursor = {}, {"parked": 0, "msg": 0}, b"0"
while True:
    cursor, keys = r("SCAN", cursor, "COUNT", 10000)
    for key in keys:
        k = kind(key.decode())
        if k in counted:
            counted[k] += 1
        else:
            kinds.setdefault(k, []).append(key)
    if cursor == b"0":
        break
usage = lambda keys: r.pipe([("MEMORY", "USAGE", k, "SAMPLES", 0) for k in keys])
tids = [t.decode() for t in r("ZRANDMEMBER", f"{prefix}:idx:parked", sample)]
rec_keys = [f"{prefix}:parked:{t}" for t in tids]
mkeys = [m.decode() for m in r.pipe([("HGET", k, "message_key") for k in rec_keys])]
state_keys = [f"{prefix}:msg:{m}" for m in mkeys]
rows = []
def add(name, total, count, note=""):
    rows.append((name, total, count, note))
rec = usage(rec_keys)
add("record  parked:<tid> (hash)", statistics.mean(rec) * counted["parked"], counted["parked"],
    f"sampled {len(rec)}: mean {statistics.mean(rec):.0f} B, {r('OBJECT', 'ENCODING', rec_keys[0]).decode()}")
st = usage(state_keys)
add("state   msg:<mk> (hash)", statistics.mean(st) * counted["msg"], counted["msg"],
    f"sampled {len(st)}: mean {statistics.mean(st):.0f} B, {r('OBJECT', 'ENCODING', state_keys[0]).decode()}")
for name, keys in sorted(kinds.items(), key=lambda kv: kv[0]):
    total = sum(sum(usage(keys[i:i + 1000])) for i in range(0, len(keys), 1000))
    enc = r("OBJECT", "ENCODING", keys[0]).decode()
    add(f"{name} ({enc})", total, len(keys))
accounted = sum(t for _, t, _, _ in rows)
print(f"  {'per parked message, by key kind':44} {'bytes':>8} {'keys':>9}")
for name, total, count, note in sorted(rows, key=lambda row: -row[1]):
    print(f"  {name:44} {total / parked:8.1f} {count:9d}  {note}")
print(f"  {'sum of MEMORY USAGE':44} {accounted / parked:8.1f}")
print(f"  {'the rest (keyspace table, allocator, buffers)':44} {(delta - accounted) / parked:8.1f}")
top = sorted(rows, key=lambda row: -row[1])[:4]
print(f"memory: {delta / parked:.0f} B ({delta / parked / 1024:.2f} KiB) per parked message "
      f"(target <= 3 KiB: {'met' if delta / parked <= 3072 else 'missed'}); "
      + ", ".join(f"{name.split(' (')[0].split('  ')[0]} {total / parked:.0f} B" for name, total, _, _ in top)
      + f", the rest {(delta - accounted) / parked:.0f} B", file=summary)

# The fields: what each weighs (value bytes, mean over the sample).
same = 0
for h, hist in zip(r.pipe([("HGET", k, "attempts") for k in rec_keys]),
                   r.pipe([("HGET", k, "history") for k in state_keys])):
    same += h == b"[" + (hist or b"") + b"]"
print(f"  the record's attempts are the state's history in {same} of {len(rec_keys)} sampled")
def fields(keys):
    sums = {}
    for h in r.pipe([("HGETALL", k) for k in keys]):
        for f, v in zip(h[::2], h[1::2]):
            sums.setdefault(f.decode(), []).append(len(v))
    return {f: statistics.mean(v) for f, v in sums.items()}
for title, keys, sizes in (("record", rec_keys, rec), ("state", state_keys, st)):
    fl = fields(keys)
    raw = sum(fl.values()) + sum(len(f) for f in fl)
    print(f"  {title} fields (mean value bytes): " + ", ".join(
        f"{f} {v:.0f}" for f, v in sorted(fl.items(), key=lambda kv: -kv[1])))
    print(f"  {title}: names + values {raw:.0f} B, MEMORY USAGE {statistics.mean(sizes):.0f} B: "
          f"{statistics.mean(sizes) - raw:.0f} B of encoding overhead ({len(fl)} fields)")

# The same record and state as a listpack hash (the encoding Redis gives a small hash; it holds
# values up to hash-max-listpack-value, 64 B by default, so a 1 KiB payload makes it a hash
# table). Measured on copies under a key outside Salvage's prefix, deleted at once; the setting
# is put back.
old = r("CONFIG", "GET", "hash-max-listpack-value")[1]
r("CONFIG", "SET", "hash-max-listpack-value", 1 << 20)
try:
    # Also without the fields that repeat what is elsewhere: the record's tracking_id (its key),
    # code (in failure), message_key (a digest of destination, queue and id) and attempts (the
    # state's history); the state's history.
    for title, keys, drop in (
        ("record", rec_keys[:50], ()),
        ("record without tracking_id, code, message_key, attempts", rec_keys[:50],
         (b"tracking_id", b"code", b"message_key", b"attempts")),
        ("state", state_keys[:50], ()),
        ("state without history", state_keys[:50], (b"history",)),
    ):
        sizes = []
        for k in keys:
            h = r("HGETALL", k)
            h = [x for f, v in zip(h[::2], h[1::2]) if f not in drop for x in (f, v)]
            r("DEL", "bench:copy")
            r("HSET", "bench:copy", *h)
            sizes.append(r("MEMORY", "USAGE", "bench:copy", "SAMPLES", 0))
        enc = r("OBJECT", "ENCODING", "bench:copy").decode()
        r("DEL", "bench:copy")
        print(f"  copy: {title} as {enc}: {statistics.mean(sizes):.0f} B")
finally:
    r("CONFIG", "SET", "hash-max-listpack-value", old)
    r("DEL", "bench:copy")
PY

# ── Reads ─────────────────────────────────────────────────────────────────────────────────────
echo
echo "reads ($REPEATS calls each, client wall time; median / max / first):"
GROUP=$(rcli zrevrange "$PREFIX:groups:count" 0 0)
mark=$(cpu_mark)
python3 - "http://127.0.0.1:$APORT/console/api" "$TOKEN" "$REPEATS" "$GROUP" "$WORK/summary" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
base, token, repeats, group = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
summary = open(sys.argv[5], "a")
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
conn.request("POST", url.path + "/session", json.dumps({"token": token}),
             {"Content-Type": "application/json"})
answer = conn.getresponse()
cookie = answer.getheader("Set-Cookie").split(";")[0]
answer.read()
def timed(path):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        conn.request("GET", url.path + path, headers={"Cookie": cookie})
        answer = conn.getresponse()
        body = answer.read()
        times.append((time.perf_counter() - t) * 1000)
        if answer.status != 200:
            raise SystemExit(f"GET {path}: {answer.status} {body[:200]!r}")
    return times, json.loads(body)
for name, path, what in (
    ("console first page of the parked list", "/messages?limit=50", lambda b: f"{len(b['messages'])} of {b['total_in_index']}"),
    ("console a group's first page", f"/messages?group={group}&limit=50", lambda b: f"{len(b['messages'])} of {b['total_in_index']}"),
    ("console groups page", "/groups?limit=50", lambda b: f"{len(b['groups'])} of {b['total']} groups"),
    ("console overview", "/overview", lambda b: f"{b['parked']} parked, {len(b['top_groups'])} top groups"),
):
    times, body = timed(path)
    print(f"  {name:40} {statistics.median(times):8.2f} ms  max {max(times):8.2f} ms  "
          f"first {times[0]:8.2f} ms  ({what(body)})")
    verdict = "met" if statistics.median(times) <= 50 else "missed"
    print(f"{name}: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
          f"(target <= 50 ms: {verdict})", file=summary)
PY
python3 - "$BIN" "http://127.0.0.1:$PPORT" "$TOKEN" "$REPEATS" "$GROUP" "$WORK/summary" <<'PY'
import statistics, subprocess, sys, time
bin, addr, token, repeats, group = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
summary = open(sys.argv[6], "a")
base = [bin, "parked", "--addr", addr, "--token", token, "--json"]
for name, args in (
    ("CLI floor: runs --limit 1", ["runs", "--limit", "1"]),
    ("CLI list (first page, 50)", ["list"]),
    ("CLI list --group (first page, 50)", ["list", "--group", group]),
    ("CLI groups", ["groups"]),
):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(base + args, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
    print(f"  {name:40} {statistics.median(times):8.2f} ms  max {max(times):8.2f} ms  "
          f"first {times[0]:8.2f} ms  (a process per call)")
    print(f"{name}: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
          f"(a process per call)", file=summary)
PY
echo "  CPU meanwhile: $(cpu_share "$mark")"

# ── Bulk resubmit under a light Report load ───────────────────────────────────────────────────
LIGHT=(--addr "$GADDR" --mode unary --rate 1000 --concurrency 64 --mix requeue=100
       --duration "$SEGMENT" --warmup 1s --queue-suffix -light --json)
segment() { # one segment of the light load: "start_ms end_ms <json>" appended to $1
  local t0 out
  t0=$(now_ms)
  out=$("$BIN" loadgen "${LIGHT[@]}")
  echo "$t0 $(now_ms) $out" >> "$1"
}
# How long Redis makes a command wait: a PING every 5 ms on a connection of its own, until $2
# exists; round trips in ms, one a line, into $1.
probe() {
  python3 - "$RPORT" "$2" > "$1" <<'PY'
import os, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while not os.path.exists(stop):
    t = time.perf_counter()
    s.sendall(b"PING\r\n")
    s.recv(64)
    print(f"{(time.perf_counter() - t) * 1000:.3f}")
    time.sleep(0.005)
PY
}
pings() { # p50 / p99 / max of a probe's file
  python3 -c 'import statistics, sys; v = sorted(float(l) for l in open(sys.argv[1]) if l.strip())
print(f"p50 {v[len(v) // 2]:.2f} ms, p99 {v[int(len(v) * 0.99)]:.2f} ms, max {v[-1]:.2f} ms over {len(v)} pings" if v else "no pings")' "$1"
}
echo
echo "Report p99 idle: $IDLE_SEGMENTS segments of $SEGMENT at 1,000/s (unary, requeue only):"
: > "$WORK/idle"
rm -f "$WORK/probe-stop"
probe "$WORK/pings-idle" "$WORK/probe-stop" &
PPID_PROBE=$!
mark=$(cpu_mark)
for _ in $(seq "$IDLE_SEGMENTS"); do segment "$WORK/idle"; done
cpu_idle=$(cpu_share "$mark")
echo "  CPU meanwhile: $cpu_idle"
touch "$WORK/probe-stop"; wait "$PPID_PROBE" || true; PPID_PROBE=""
echo "  Redis PING meanwhile: $(pings "$WORK/pings-idle")"
awk '{print $3}' "$WORK/idle" | python3 -c 'import json,sys; print("  p99 per segment (ms):", [round(json.loads(l)["p99_ms"], 2) for l in sys.stdin])'

# The ~RESUBMIT newest: everything parked since the score of the RESUBMIT-th newest entry.
SINCE=$(rcli zrevrange "$PREFIX:idx:parked" $(( RESUBMIT - 1 )) $(( RESUBMIT - 1 )) withscores | tail -1)
echo
echo "bulk resubmit: everything parked since $SINCE (ms), no rate limit, no canary; the light load meanwhile:"
aof0=$(info_field persistence aof_rewrites)
# What holds Redis meanwhile: every command of 1 ms or more.
rcli config set slowlog-log-slower-than 1000 >/dev/null
rcli config set slowlog-max-len 100000 >/dev/null
rcli slowlog reset >/dev/null
# ... and what Redis' latency monitor sees (AOF writes and fsyncs, commands, forks) past 2 ms.
rcli config set latency-monitor-threshold 2 >/dev/null
rcli latency reset >/dev/null
: > "$WORK/busy"
rm -f "$WORK/stop" "$WORK/probe-stop"
probe "$WORK/pings-busy" "$WORK/probe-stop" &
PPID_PROBE=$!
( while [ ! -f "$WORK/stop" ]; do segment "$WORK/busy"; done ) &
LPID=$!
sleep 1   # the first segment's warm-up
mark=$(cpu_mark)
python3 - "http://127.0.0.1:$APORT/console/api" "$TOKEN" "$SINCE" > "$WORK/run.json" <<'PY'
import http.client, json, sys, time, urllib.parse
base, token, since = sys.argv[1], sys.argv[2], int(float(sys.argv[3]))
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
def call(method, path, body=None, headers=None):
    conn.request(method, url.path + path, json.dumps(body) if body is not None else None,
                 {"Content-Type": "application/json", **(headers or {})})
    answer = conn.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise SystemExit(f"{method} {path}: {answer.status} {data[:300]!r}")
    return answer, json.loads(data)
answer, session = call("POST", "/session", {"token": token})
auth = {"Cookie": answer.getheader("Set-Cookie").split(";")[0], "X-Salvage-CSRF": session["csrf"]}
t0 = time.time()
_, started = call("POST", "/resubmit", {"filter": {"since": since}, "dry_run": False,
    "rate_per_second": 0, "canary": 0, "comment": "bench/parking-scale.sh"}, auth)
posted = time.time()
while True:
    _, run = call("GET", f"/runs/{started['run_id']}", headers=auth)
    if run["state"] not in ("running", "canary_wait", "delivering"):
        break
    time.sleep(0.2)
seen = time.time()
print(json.dumps({"count": started["count"], "redrive": started["redrive"], "run": run,
                  "t0_ms": int(t0 * 1000), "posted_ms": int(posted * 1000),
                  "seen_ms": int(seen * 1000)}))
PY
cpu=$(cpu_share "$mark")
touch "$WORK/stop" "$WORK/probe-stop"
wait "$PPID_PROBE" || true; PPID_PROBE=""
echo "  CPU from the POST to the run's completion: $cpu"
echo "  Redis PING meanwhile: $(pings "$WORK/pings-busy")"
echo "Redis PING (a connection of its own, every 5 ms): idle $(pings "$WORK/pings-idle"); during the resubmit $(pings "$WORK/pings-busy")" >> "$WORK/summary"
echo "  Redis latency monitor (events of 2 ms or more: name, latest, max ms):"
rcli latency latest | paste - - - - | awk '{printf "    %-28s latest %4d  max %4d\n", $1, $3, $4}'
echo "CPU ($(nproc) cores): idle phase $cpu_idle; during the resubmit $cpu" >> "$WORK/summary"
wait "$LPID" || true
LPID=""
echo "  AOF rewrites during it: $(( $(info_field persistence aof_rewrites) - aof0 ))"
python3 - "$RPORT" "$PREFIX" "$WORK/summary" <<'PY'
import socket, statistics, sys
port, prefix = int(sys.argv[1]), sys.argv[2]
summary = open(sys.argv[3], "a")
sock = socket.create_connection(("127.0.0.1", port))
f = sock.makefile("rb")
def read():
    line = f.readline()[:-2]
    t, rest = line[:1], line[1:]
    if t in (b"+", b"-"): return rest.decode()
    if t == b":": return int(rest)
    if t == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    n = int(rest)
    return None if n < 0 else [read() for _ in range(n)]
sock.sendall(b"*3\r\n$7\r\nSLOWLOG\r\n$3\r\nGET\r\n$6\r\n100000\r\n")
kinds = {}
for entry in read():
    us, args = entry[2], entry[3]
    name = args[0].decode().upper()
    if name in ("EVALSHA", "EVAL") and len(args) > 3:
        key = args[3].decode(errors="replace")
        rest = key[len(prefix) + 1:] if key.startswith(prefix + ":") else key
        kind, _, more = rest.partition(":")
        what = f"{name} on {kind}" + (":..." if more else "")
    else:
        what = name
    kinds.setdefault(what, []).append(us / 1000)
print("  Redis commands of 1 ms or more during the run (SLOWLOG):")
for what, ms in sorted(kinds.items(), key=lambda kv: -sum(kv[1])):
    print(f"    {what:32} {len(ms):6d} calls, median {statistics.median(ms):6.2f} ms, "
          f"max {max(ms):6.2f} ms, total {sum(ms) / 1000:6.2f} s")
for what, ms in kinds.items():
    if what.startswith("EVALSHA on run:"):
        print(f"Redis held by the resubmit's batch scripts: {len(ms)} of 1 ms or more, median "
              f"{statistics.median(ms):.1f} ms, max {max(ms):.1f} ms, {sum(ms) / 1000:.1f} s in all",
              file=summary)
PY
python3 - "$WORK/run.json" "$WORK/idle" "$WORK/busy" "$WORK/summary" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))
summary = open(sys.argv[4], "a")
run = res["run"]
n = run["resubmitted"]
wall = (run["updated_at"] - res["t0_ms"]) / 1000
inrun = (run["updated_at"] - run["created_at"]) / 1000
print(f"  selected {res['count']}, run {run['id']} {run['state']}: resubmitted {n}, skipped {run['skipped']}, "
      f"failed again {run['failed_again']}")
print(f"  POST answered in {(res['posted_ms'] - res['t0_ms']) / 1000:.2f} s (selection + run created)")
print(f"  rate: {n / wall:.0f}/s from the POST to the run's completion ({wall:.2f} s), "
      f"{n / inrun:.0f}/s from the run's creation ({inrun:.2f} s)")
print(f"bulk resubmit: {n} at {n / wall:.0f}/s from the POST to completion, {n / inrun:.0f}/s "
      f"from the run's creation (target >= 5,000/s: {'met' if n / wall >= 5000 else 'missed'})",
      file=summary)
def rows(path):
    out = []
    for line in open(path):
        a, b, js = line.split(" ", 2)
        out.append((int(a), int(b), json.loads(js)))
    return out
idle = [j["p99_ms"] for _, _, j in rows(sys.argv[2])]
start, end = res["t0_ms"], run["updated_at"]
busy = []
for a, b, j in rows(sys.argv[3]):
    measured = (a + 1000, b)   # after the segment's 1 s warm-up
    overlap = max(0, min(measured[1], end) - max(measured[0], start))
    share = overlap / max(1, measured[1] - measured[0])
    busy.append((share, j))
print("  p99 per segment during the run (ms, share of the segment inside the run):",
      [(round(j["p99_ms"], 2), round(s, 2)) for s, j in busy])
inside = [j["p99_ms"] for s, j in busy if s >= 0.5] or [j["p99_ms"] for _, j in busy]
i, b = statistics.median(idle), statistics.median(inside)
print(f"  Report p99 idle {i:.2f} ms (median of {len(idle)}), during the run {b:.2f} ms "
      f"(median of {len(inside)} segments at least half inside it; worst {max(inside):.2f} ms): "
      f"ratio {b / i:.2f}")
print(f"Report p99 at 1,000/s: idle {i:.2f} ms, during the resubmit {b:.2f} ms (worst segment "
      f"{max(inside):.2f} ms): ratio {b / i:.2f} (target <= 2: {'met' if b / i <= 2 else 'missed'})",
      file=summary)
print(f"  report errors idle / during: {sum(j['errors'] for _, _, j in rows(sys.argv[2]))} / "
      f"{sum(j['errors'] for _, j in busy)}")
PY
echo
echo "Salvage peak RSS: $(awk '/VmHWM/{print $2}' "/proc/$SPID/status") kB; Redis used_memory at the end: $(info_field memory used_memory_human)"
echo
echo "summary (N=$N, GROUPS=$NGROUPS):"
sed 's/^/  /' "$WORK/summary"
