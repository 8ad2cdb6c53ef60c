#!/usr/bin/env python3
"""An example RabbitMQ consumer (pika) that hands the messages it fails on to Salvage.

    python3 rabbitmq_consumer.py --salvage 127.0.0.1:50051 \
        --broker amqp://guest:guest@127.0.0.1:5672/%2f --queue orders --destination rabbit \
        --count 2 --timeout 30

For each message: handle it; on success ack it. On failure report it (id = the AMQP
`message_id`, all headers as strings, delivery_attempt from `x-delivery-count` or `redelivered`)
and act on the answer: any outcome -> ack; UNAVAILABLE & co. (after the helper's re-reports) ->
nack with requeue; INVALID_ARGUMENT -> dead-letter. Prints one JSON summary line on stdout.
"""

from __future__ import annotations

import hashlib

import pika

from common import HandlingError, Run, fail, handle, log, parse_args
from salvage_client import Action, string_headers


def message_id(props: pika.BasicProperties, body: bytes) -> str:
    # Salvage sets message_id on its copies to the original's id. A producer that sets none:
    # a hash of the body is stable across redeliveries (but two equal bodies count as one).
    if props.message_id:
        return props.message_id
    return "sha256:" + hashlib.sha256(body).hexdigest()


def delivery_attempt(method, headers: dict) -> int:
    # Quorum queues count deliveries in x-delivery-count (absent on the first); classic queues
    # only say `redelivered`.
    if "x-delivery-count" in headers:
        try:
            return int(headers["x-delivery-count"]) + 1
        except ValueError:
            pass
    return 2 if method.redelivered else 1


def main() -> None:
    args = parse_args("RabbitMQ", "amqp://guest:guest@127.0.0.1:5672/%2f",
                      "the queue to consume (Salvage requeues repaired copies to it)")
    dead_letter_queue = f"{args.queue}.dead"
    run = Run(args)
    try:
        conn = pika.BlockingConnection(pika.URLParameters(args.broker))
    except pika.exceptions.AMQPError as err:
        fail(f"cannot connect to RabbitMQ at {args.broker}: {err!r}")
    ch = conn.channel()
    ch.basic_qos(prefetch_count=16)
    try:
        for method, props, body in ch.consume(args.queue, auto_ack=False, inactivity_timeout=0.2):
            if run.done() or run.expired():
                break
            if method is None:
                continue
            headers = string_headers(props.headers)
            msg_id = message_id(props, body)
            try:
                order = handle(body)
            except HandlingError as err:
                action = run.report(
                    err, id=msg_id, payload=body, headers=headers,
                    # RabbitMQ has no partition key; Salvage keeps one it was given as the
                    # salvage-partition-key header of its copies, so pass that one back.
                    partition_key=headers.get("salvage-partition-key", ""),
                    content_type=props.content_type or "", event_type=props.type or "",
                    delivery_attempt=delivery_attempt(method, headers))
                if action is Action.ACK:
                    ch.basic_ack(method.delivery_tag)
                elif action is Action.DEAD_LETTER:
                    # Poison: Salvage refused the report itself. Park it on the broker, then ack.
                    log(f"dead-lettering {msg_id} to {dead_letter_queue}")
                    ch.queue_declare(dead_letter_queue, durable=True)
                    ch.basic_publish("", dead_letter_queue, body, props)
                    ch.basic_ack(method.delivery_tag)
                else:
                    ch.basic_nack(method.delivery_tag, requeue=True)
                continue
            run.handled(msg_id, headers, order)
            ch.basic_ack(method.delivery_tag)
        ch.cancel()
    except pika.exceptions.ChannelClosedByBroker as err:
        fail(f"RabbitMQ closed the channel (does the queue {args.queue!r} exist?): {err}")
    finally:
        if conn.is_open:
            conn.close()
    run.finish()


if __name__ == "__main__":
    main()
