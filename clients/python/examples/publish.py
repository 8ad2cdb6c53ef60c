#!/usr/bin/env python3
"""Publish the demo's two orders, as a producer would: one bad, one good.

    python3 publish.py redis     redis://127.0.0.1:6379/0               orders-demo
    python3 publish.py rabbitmq  amqp://guest:guest@127.0.0.1:5672/%2f  orders-demo
    python3 publish.py nats      nats://127.0.0.1:4222                  orders-demo
    python3 publish.py kafka     kafka://127.0.0.1:9092                 orders-demo

o-1 {"order_id":"o-1","total":"129.90"}: the total is a string; the consumer fails on it with
DATA/INVALID_TYPE and Salvage's rule `order-total-as-string` repairs and requeues it.
o-2 {"order_id":"o-2","total":42.5}: handled at once.

Each message carries its id the way that broker's consumer reads it (clients/README.md):
Redis Streams: an entry with fields `id`, `payload`, `content_type`, `event_type`, `headers` (a
JSON object of strings), the shape of the copies Salvage writes; RabbitMQ: the default exchange,
routing key = the queue (which must exist), `message_id`, and a typed AMQP header (an int) to show
header values becoming strings; NATS: a JetStream publish with the `Nats-Msg-Id` header (a stream
must capture the subject); Kafka: a record keyed by the order id (the partition key) with the
CloudEvents header `ce_id` (the topic must exist).
"""

import asyncio
import json
import sys

ORDERS = [
    ("o-1", {"order_id": "o-1", "total": "129.90"}),
    ("o-2", {"order_id": "o-2", "total": 42.5}),
]


def body(order: dict) -> bytes:
    return json.dumps(order, separators=(",", ":")).encode()


def redis_streams(url: str, stream: str) -> None:
    import redis
    r = redis.Redis.from_url(url)
    for msg_id, order in ORDERS:
        r.xadd(stream, {"id": msg_id, "payload": body(order), "content_type": "application/json",
                        "event_type": "OrderPlaced",
                        "headers": json.dumps({"source": "web-shop"})})


def rabbitmq(url: str, queue: str) -> None:
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    ch.confirm_delivery()
    for msg_id, order in ORDERS:
        ch.basic_publish("", queue, body(order), pika.BasicProperties(
            message_id=msg_id, content_type="application/json", type="OrderPlaced",
            delivery_mode=2, headers={"source": "web-shop", "shop-id": 42}), mandatory=True)
    conn.close()


async def nats(url: str, subject: str) -> None:
    import nats as natsio
    nc = await natsio.connect(url)
    js = nc.jetstream()
    for msg_id, order in ORDERS:
        await js.publish(subject, body(order), headers={
            "Nats-Msg-Id": msg_id, "Content-Type": "application/json", "source": "web-shop"})
    await nc.close()


def kafka(url: str, topic: str) -> None:
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": url.removeprefix("kafka://"), "acks": "all"})
    for msg_id, order in ORDERS:
        p.produce(topic, body(order), key=msg_id, headers=[
            ("ce_id", msg_id), ("content-type", "application/json"), ("source", "web-shop")])
    if p.flush(10) != 0:
        sys.exit("kafka: not every record was delivered")


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    broker, url, queue = sys.argv[1:]
    if broker == "redis":
        redis_streams(url, queue)
    elif broker == "rabbitmq":
        rabbitmq(url, queue)
    elif broker == "nats":
        asyncio.run(nats(url, queue))
    elif broker == "kafka":
        kafka(url, queue)
    else:
        sys.exit(f"unknown broker {broker!r}: redis, rabbitmq, nats or kafka")
    print(f"published o-1 (bad total) and o-2 (good) to {broker} {queue}", file=sys.stderr)


if __name__ == "__main__":
    main()
