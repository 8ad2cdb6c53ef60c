#!/usr/bin/env python3
"""An example Kafka consumer (confluent-kafka) that hands the messages it fails on to Salvage.

    python3 kafka_consumer.py --salvage 127.0.0.1:50051 --broker kafka://127.0.0.1:9092 \
        --queue orders --destination kafka --count 2

It reads the topic in a consumer group (from the earliest offset when the group is new), one
record at a time, committing each record's offset only once it is settled. The id reported is
the `salvage-message-id` header (on Salvage's copies: the original's id), else the producer's
CloudEvents `ce_id` header, else `<topic>/<partition>/<offset>` (stable across redeliveries of that
record). partition_key is the record key. Kafka does not count deliveries: delivery_attempt is
this process's own count for the record.

On failure it reports and acts on the answer: any outcome -> commit; UNAVAILABLE & co. -> seek
back to the record and read it again after a pause (Kafka has no per-record nack);
INVALID_ARGUMENT -> produce it to `<topic>.dead` (which must exist) and commit. Prints one JSON
summary line.
"""

from __future__ import annotations

import collections
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from common import HandlingError, Run, fail, handle, log, parse_args
from salvage_client import Action, string_headers

GROUP = "salvage-example"


def main() -> None:
    args = parse_args("Kafka", "kafka://127.0.0.1:9092 (or host:port,host:port)",
                      "the topic to consume (Salvage produces repaired copies to it)")
    brokers = args.broker.removeprefix("kafka://")
    run = Run(args)
    consumer = Consumer({
        "bootstrap.servers": brokers, "group.id": GROUP, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "enable.partition.eof": False,
    })
    producer: Producer | None = None
    deliveries: collections.Counter = collections.Counter()
    consumer.subscribe([args.queue])
    try:
        while not run.done() and not run.expired():
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                log(f"kafka: {msg.error()}")
                continue
            headers = string_headers(dict(msg.headers() or []))
            where = f"{msg.topic()}/{msg.partition()}/{msg.offset()}"
            msg_id = headers.get("salvage-message-id") or headers.get("ce_id") or where
            deliveries[where] += 1
            payload = msg.value() or b""
            try:
                order = handle(payload)
            except HandlingError as err:
                key = msg.key()
                action = run.report(
                    err, id=msg_id, payload=payload, headers=headers,
                    partition_key=key.decode("utf-8", "replace") if key else "",
                    content_type=headers.get("content-type", ""),
                    event_type=headers.get("salvage-event-type", ""),
                    delivery_attempt=deliveries[where])
                if action is Action.DEAD_LETTER:
                    log(f"dead-lettering {msg_id} ({where}) to {args.queue}.dead")
                    if producer is None:
                        producer = Producer({"bootstrap.servers": brokers, "acks": "all"})
                    producer.produce(f"{args.queue}.dead", payload, key=msg.key(),
                                     headers=msg.headers())
                    if producer.flush(10) != 0:
                        fail(f"could not dead-letter {msg_id} to {args.queue}.dead", 1)
                elif action is Action.NACK_REQUEUE:
                    time.sleep(1)  # the helper re-reported already; read it again later
                    consumer.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
                    continue
                consumer.commit(message=msg, asynchronous=False)
                continue
            run.handled(msg_id, headers, order)
            consumer.commit(message=msg, asynchronous=False)
    except KafkaException as err:
        fail(f"Kafka at {brokers}: {err}")
    finally:
        consumer.close()
    run.finish()


if __name__ == "__main__":
    main()
