#!/usr/bin/env bash
# The whole example, end to end, on this machine: start a private redis-server and Salvage (the
# example rules), create a unique queue on the broker, publish one bad and one good order, run
# the example consumer (clients/run-examples.sh), then stop what it started and delete the queue.
#
#   clients/demo.sh BROKER LANG        BROKER: redis | rabbitmq | nats | kafka; LANG: python | typescript
#
# Needs redis-server on PATH, a Salvage binary (SALVAGE_BIN, default: `salvage` on PATH), the
# Python kit (the publisher uses it: clients/setup.sh python) and, for rabbitmq and nats, the
# brokers running locally: RabbitMQ on 5672 (guest/guest; RABBIT_URL), NATS with JetStream on
# 4222 (NATS_URL); for kafka, `tansu` on PATH (a Kafka-compatible broker, started here on a free
# port with memory storage). Prints the example's JSON summary; exits with the example's status.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BROKER="${1:?usage: demo.sh BROKER LANG}" LANG_="${2:?usage: demo.sh BROKER LANG}"
SALVAGE_BIN="${SALVAGE_BIN:-salvage}"
RABBIT_URL="${RABBIT_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
PYTHON="${PYTHON:-python3}"

tmp="$(mktemp -d)"
pids=()
queue="orders-demo-$RANDOM$RANDOM"
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  case "$BROKER" in
    rabbitmq) "$PYTHON" -c 'import pika,sys; c=pika.BlockingConnection(pika.URLParameters(sys.argv[1])); ch=c.channel(); ch.queue_delete(sys.argv[2]); ch.queue_delete(sys.argv[2]+".dead"); c.close()' "$RABBIT_URL" "$queue" 2>/dev/null || true ;;
    nats) "$PYTHON" -c '
import asyncio, sys, nats
async def main():
    nc = await nats.connect(sys.argv[1]); await nc.jetstream().delete_stream(sys.argv[2]); await nc.close()
asyncio.run(main())' "$NATS_URL" "${queue//-/_}" 2>/dev/null || true ;;
  esac
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # host port what
  local i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "demo.sh: $3 did not listen on $1:$2 (log: $tmp)" >&2
  cat "$tmp"/*.log >&2 || true
  exit 1
}

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
  --maxmemory-policy noeviction >"$tmp/redis.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$redis_port" redis-server

grpc_port="$(free_port)"
case "$BROKER" in redis) dest=redis ;; rabbitmq) dest=rabbit ;; nats) dest=jet ;; kafka) dest=kafka ;; esac
kafka_dest=""
if [[ "$BROKER" == kafka ]]; then
  kafka_port="$(free_port)"
  (cd "$tmp" && RUST_LOG=warn exec tansu broker --listener-url "tcp://127.0.0.1:$kafka_port" \
    --advertised-listener-url "tcp://127.0.0.1:$kafka_port" --storage-engine memory://tansu/ \
    >"$tmp/tansu.log" 2>&1) &
  pids+=($!)
  wait_port 127.0.0.1 "$kafka_port" tansu
  kafka_dest=$'[destinations.kafka]\ntype = "kafka"\nbrokers = "127.0.0.1:'"$kafka_port"'"'
fi
cat >"$tmp/salvage.toml" <<EOF
default_destination = "$dest"
[server]
grpc_addr = "127.0.0.1:$grpc_port"
[admin]
addr = "127.0.0.1:0"
[parking_lot]
addr = "127.0.0.1:0"
[redis]
url = "redis://127.0.0.1:$redis_port"
[rules]
path = "$ROOT/examples/rules.toml"
[destinations.redis]
type = "redis_streams"
[destinations.rabbit]
type = "rabbitmq"
url = "$RABBIT_URL"
[destinations.jet]
type = "nats"
url = "$NATS_URL"
$kafka_dest
EOF
"$SALVAGE_BIN" serve --config "$tmp/salvage.toml" >"$tmp/salvage.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$grpc_port" Salvage

case "$BROKER" in
  redis) url="redis://127.0.0.1:$redis_port/0" ;;
  rabbitmq)
    url="$RABBIT_URL"
    "$PYTHON" -c 'import pika,sys; c=pika.BlockingConnection(pika.URLParameters(sys.argv[1])); c.channel().queue_declare(sys.argv[2], durable=True); c.close()' "$url" "$queue" ;;
  nats)
    url="$NATS_URL"
    "$PYTHON" -c '
import asyncio, sys, nats
async def main():
    nc = await nats.connect(sys.argv[1])
    await nc.jetstream().add_stream(name=sys.argv[2], subjects=[sys.argv[3]])
    await nc.close()
asyncio.run(main())' "$url" "${queue//-/_}" "$queue" ;;
  kafka)
    url="kafka://127.0.0.1:$kafka_port"
    "$PYTHON" -c '
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
for t in (sys.argv[2], sys.argv[2] + ".dead"):
    admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=1)])[t].result(10)' \
      "127.0.0.1:$kafka_port" "$queue" ;;
  *) echo "demo.sh: unknown broker $BROKER" >&2; exit 2 ;;
esac
"$PYTHON" "$HERE/python/examples/publish.py" "$BROKER" "$url" "$queue"

echo "+ clients/run-examples.sh $BROKER $LANG_ 127.0.0.1:$grpc_port $url $queue $dest 2 30" >&2
status=0
bash "$HERE/run-examples.sh" "$BROKER" "$LANG_" "127.0.0.1:$grpc_port" "$url" "$queue" "$dest" 2 30 || status=$?
if [[ $status -ne 0 ]]; then
  echo "demo.sh: the example exited $status; Salvage's log:" >&2
  tail -n 30 "$tmp/salvage.log" >&2
fi
exit "$status"
