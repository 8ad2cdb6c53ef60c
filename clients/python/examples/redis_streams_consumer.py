#!/usr/bin/env python3
"""An example Redis Streams consumer (redis-py) that hands the messages it fails on to Salvage.

    python3 redis_streams_consumer.py --salvage 127.0.0.1:50051 \
        --broker redis://127.0.0.1:6379/0 --queue orders --destination redis --count 2

It reads the stream in a consumer group (created at 0 if missing, so entries added before it
started are read too). An entry has the fields Salvage writes on its copies: `id`, `payload`,
`headers` (a JSON object of strings), `content_type`, `event_type`, `partition_key`. The id
reported is the `id` field (Salvage's copies keep the original's there), else the entry id,
which is stable across redeliveries of that entry.

On failure it reports and acts on the answer: any outcome -> XACK; UNAVAILABLE & co. -> leave
the entry pending (it is claimed again after --reclaim-idle seconds and reported again);
INVALID_ARGUMENT -> copy the entry to `<stream>:dead` and XACK. Prints one JSON summary line.
"""

from __future__ import annotations

import json
import socket

import redis

from common import HandlingError, Run, fail, handle, log, parse_args
from salvage_client import Action

GROUP = "salvage-example"


def text(v) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def main() -> None:
    args = parse_args("Redis Streams", "redis://127.0.0.1:6379/0",
                      "the stream to consume (Salvage adds repaired copies to it)")
    stream = args.queue
    dead = f"{stream}:dead"
    consumer_name = f"{socket.gethostname()}-{args.consumer}"
    reclaim_idle_ms = 5000
    run = Run(args)
    r = redis.Redis.from_url(args.broker)
    try:
        r.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except redis.exceptions.ResponseError as err:
        if "BUSYGROUP" not in str(err):
            fail(f"XGROUP CREATE {stream}: {err}")
    except redis.exceptions.ConnectionError as err:
        fail(f"cannot connect to Redis at {args.broker}: {err}")

    def one(entry_id: bytes, fields: dict, attempt: int) -> None:
        f = {text(k): v for k, v in fields.items()}
        msg_id = text(f["id"]) if "id" in f else text(entry_id)
        payload = f.get("payload", b"")
        try:
            headers = json.loads(f["headers"]) if "headers" in f else {}
        except ValueError:
            headers = {"headers": text(f["headers"])}  # not JSON: pass it on as it came
        try:
            order = handle(payload)
        except HandlingError as err:
            action = run.report(
                err, id=msg_id, payload=payload, headers=headers,
                partition_key=text(f.get("partition_key", b"")),
                content_type=text(f.get("content_type", b"")),
                event_type=text(f.get("event_type", b"")), delivery_attempt=attempt)
            if action is Action.ACK:
                r.xack(stream, GROUP, entry_id)
            elif action is Action.DEAD_LETTER:
                log(f"dead-lettering {msg_id} (entry {text(entry_id)}) to {dead}")
                r.xadd(dead, fields)
                r.xack(stream, GROUP, entry_id)
            # NACK_REQUEUE: leave it pending; it is claimed again once idle.
            return
        run.handled(msg_id, headers, order)
        r.xack(stream, GROUP, entry_id)

    while not run.done() and not run.expired():
        # Entries this group delivered before and nobody acknowledged (a consumer died, or a
        # report failed): claim them once idle long enough, and count their deliveries.
        _, claimed, _ = r.xautoclaim(stream, GROUP, consumer_name, reclaim_idle_ms, "0-0", 16)
        for entry_id, fields in claimed:
            if fields is None:
                continue  # trimmed away meanwhile
            pending = r.xpending_range(stream, GROUP, entry_id, entry_id, 1)
            one(entry_id, fields, pending[0]["times_delivered"] if pending else 2)
        for _, entries in r.xreadgroup(GROUP, consumer_name, {stream: ">"}, count=16,
                                       block=200) or []:
            for entry_id, fields in entries:
                one(entry_id, fields, 1)
                if run.done():
                    break
    run.finish()


if __name__ == "__main__":
    main()
