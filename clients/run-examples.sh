#!/usr/bin/env bash
# Run one example consumer of the client kits against a running Salvage and broker.
#
#   clients/run-examples.sh BROKER LANG SALVAGE_ADDR BROKER_URL QUEUE [DESTINATION [COUNT [TIMEOUT]]]
#
#   BROKER        redis | rabbitmq | nats | kafka
#   LANG          python | typescript
#   SALVAGE_ADDR  Salvage's gRPC address, host:port (server.grpc_addr), e.g. 127.0.0.1:50051
#   BROKER_URL    redis://127.0.0.1:6379/0 (Salvage's own Redis: the stream lives there)
#                 amqp://guest:guest@127.0.0.1:5672/%2f
#                 nats://127.0.0.1:4222
#                 kafka://127.0.0.1:9092 (or host:port)
#   QUEUE         the stream / queue / subject; named orders* for examples/rules.toml to repair
#   DESTINATION   the name of the destination in Salvage's configuration that QUEUE belongs to
#                 (default: redis, rabbit, jet, kafka for the four brokers)
#   COUNT         exit once this many messages were handled successfully (default 2)
#   TIMEOUT       seconds; past them the example exits 3 (default 30)
#
# Before it runs:
#   - Salvage is serving with examples/rules.toml (rule order-total-as-string) and DESTINATION
#     configured (type redis_streams / rabbitmq / nats);
#   - the queue exists: RabbitMQ: a durable queue QUEUE; NATS: a JetStream stream capturing the
#     subject QUEUE; Kafka: the topic QUEUE (Salvage never creates one); Redis Streams: nothing (the example creates its consumer group at 0, so
#     entries added before it started are read);
#   - the messages are published (clients/python/examples/publish.py does exactly this):
#       o-1 {"order_id":"o-1","total":"129.90"}   (bad: the total is a string)
#       o-2 {"order_id":"o-2","total":42.5}       (good)
#     with their ids: Redis: XADD QUEUE * id o-1 payload <json> [headers <JSON object of
#     strings>]; RabbitMQ: default exchange, routing key QUEUE, message_id o-1; NATS: JetStream
#     publish to QUEUE with header Nats-Msg-Id: o-1; Kafka: a record to QUEUE with key o-1 and
#     header ce_id: o-1 (the example's consumer group reads from the earliest offset).
#
# What it prints: the example's log on stderr, and on stdout exactly one JSON line:
#   {"processed":["o-2","o-1"],"repaired":["o-1"],"reported":{"REQUEUED":1},
#    "actions":{"ack":1},"ok":true}
#   processed  ids handled successfully, in order (o-1 is the repaired copy Salvage requeued)
#   repaired   the processed ids that carried a salvage-tracking-id header (Salvage's copies)
#   reported   outcome name (REQUEUED, RETRY_SCHEDULED, PARKED, DUPLICATE) or "error:<CODE>"
#              -> count of reports
#   actions    what was done with reported messages: ack / nack_requeue / dead_letter -> count
#   ok         COUNT messages were processed before TIMEOUT
# Exit status: 0 when ok; 3 on timeout (the summary line is printed all the same); 2 on a usage
# or connection error; anything else is the example's own failure.
#
# The kits are installed first when they are not (clients/setup.sh LANG; fast when done).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $# -lt 5 || $# -gt 8 ]]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
BROKER="$1" LANG_="$2" SALVAGE_ADDR="$3" BROKER_URL="$4" QUEUE="$5"
case "$BROKER" in
  redis) default_dest=redis ;;
  rabbitmq) default_dest=rabbit ;;
  nats) default_dest=jet ;;
  kafka) default_dest=kafka ;;
  *) echo "run-examples.sh: unknown broker '$BROKER' (redis, rabbitmq, nats, kafka)" >&2; exit 2 ;;
esac
DESTINATION="${6:-$default_dest}" COUNT="${7:-2}" TIMEOUT="${8:-30}"
ARGS=(--salvage "$SALVAGE_ADDR" --broker "$BROKER_URL" --queue "$QUEUE"
      --destination "$DESTINATION" --count "$COUNT" --timeout "$TIMEOUT")

case "$LANG_" in
  python)
    bash "$HERE/setup.sh" python >&2
    exec "${PYTHON:-python3}" "$HERE/python/examples/${BROKER/redis/redis_streams}_consumer.py" "${ARGS[@]}"
    ;;
  typescript)
    bash "$HERE/setup.sh" typescript >&2
    exec node "$HERE/typescript/dist/examples/${BROKER/redis/redis_streams}_consumer.js" "${ARGS[@]}"
    ;;
  *) echo "run-examples.sh: unknown language '$LANG_' (python, typescript)" >&2; exit 2 ;;
esac
