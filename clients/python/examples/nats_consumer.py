#!/usr/bin/env python3
"""An example NATS JetStream consumer (nats-py) that hands the messages it fails on to Salvage.

    python3 nats_consumer.py --salvage 127.0.0.1:50051 --broker nats://127.0.0.1:4222 \
        --queue orders --destination jet --count 2

It pulls from a durable consumer on the stream that captures the subject (--queue). The id
reported is the `salvage-message-id` header (on Salvage's copies: the original's id), else the
producer's `Nats-Msg-Id`, else `<stream>/<stream sequence>` (stable across redeliveries of that
message). delivery_attempt is JetStream's delivery count.

On failure it reports and acts on the answer: any outcome -> ack; UNAVAILABLE & co. -> nak (the
server redelivers it, after a delay); INVALID_ARGUMENT -> term (JetStream never redelivers it and
publishes a MSG_TERMINATED advisory; log it). Prints one JSON summary line.
"""

from __future__ import annotations

import asyncio

import nats
from nats.errors import TimeoutError as NatsTimeout

from common import HandlingError, Run, fail, handle, log, parse_args
from salvage_client import Action, string_headers

DURABLE = "salvage-example"


def message_id(msg, headers: dict[str, str]) -> str:
    if headers.get("salvage-message-id"):
        return headers["salvage-message-id"]
    if headers.get("Nats-Msg-Id"):
        return headers["Nats-Msg-Id"]
    return f"{msg.metadata.stream}/{msg.metadata.sequence.stream}"


async def main() -> None:
    args = parse_args("NATS JetStream", "nats://127.0.0.1:4222",
                      "the subject to consume (a JetStream stream must capture it)")
    run = Run(args)
    try:
        nc = await nats.connect(args.broker, connect_timeout=5, max_reconnect_attempts=3)
    except Exception as err:  # nats-py raises several kinds here
        fail(f"cannot connect to NATS at {args.broker}: {err!r}")
    js = nc.jetstream()
    try:
        sub = await js.pull_subscribe(args.queue, durable=DURABLE)
    except Exception as err:
        fail(f"no JetStream consumer on {args.queue!r} (does a stream capture it?): {err!r}")

    while not run.done() and not run.expired():
        try:
            msgs = await sub.fetch(16, timeout=0.5)
        except NatsTimeout:
            continue
        for msg in msgs:
            headers = string_headers(msg.headers)
            msg_id = message_id(msg, headers)
            try:
                order = handle(msg.data)
            except HandlingError as err:
                # The gRPC call blocks: keep the event loop free while it runs.
                action = await asyncio.to_thread(
                    run.report, err, id=msg_id, payload=msg.data, headers=headers,
                    # JetStream has no partition key; Salvage keeps one it was given as the
                    # salvage-partition-key header of its copies, so pass that one back.
                    partition_key=headers.get("salvage-partition-key", ""),
                    content_type=headers.get("Content-Type", ""),
                    event_type=headers.get("salvage-event-type", ""),
                    delivery_attempt=msg.metadata.num_delivered)
                if action is Action.ACK:
                    await msg.ack_sync()
                elif action is Action.DEAD_LETTER:
                    log(f"dead-lettering {msg_id}: term (no redelivery), advisory "
                        f"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED")
                    await msg.term()
                else:
                    await msg.nak(delay=1)
                continue
            run.handled(msg_id, headers, order)
            await msg.ack_sync()
    await nc.close()
    run.finish()


if __name__ == "__main__":
    asyncio.run(main())
