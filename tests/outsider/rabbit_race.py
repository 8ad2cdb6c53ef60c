#!/usr/bin/env python3
"""An outsider's consumer: Python, grpcio and pika, written from the proto and the README only.

It reports N originals to Salvage (a DATA failure a rule repairs and requeues to RabbitMQ), then
consumes the queue like a production consumer: every copy fails at once, is reported with all
its headers, and is acknowledged only after Salvage answered OK. It prints one JSON line with
what it saw; tests/e2e/brokers/outsider.rs runs it and judges.

usage: rabbit_race.py SALVAGE_ADDR AMQP_URL QUEUE N
"""

import collections
import json
import os
import sys
import tempfile
import time

import grpc
import pika
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "..", "proto")


def stubs():
    """Generate the Python stubs from the proto, as a user of the contract would."""
    out = tempfile.mkdtemp(prefix="salvage-stubs-")
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    rc = protoc.main([
        "grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out}",
        f"--grpc_python_out={out}", os.path.join(PROTO_ROOT, "salvage", "v1", "salvage.proto"),
    ])
    if rc != 0:
        sys.exit(f"protoc failed with {rc}")
    sys.path.insert(0, out)
    from salvage.v1 import salvage_pb2, salvage_pb2_grpc  # noqa: E402
    return salvage_pb2, salvage_pb2_grpc


def main():
    addr, amqp_url, queue, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    pb, rpc = stubs()
    salvage = rpc.SalvageStub(grpc.insecure_channel(addr))

    for i in range(n):
        resp = salvage.Report(pb.ReportRequest(
            message=pb.FailedMessage(
                id=f"py-{i}", origin=pb.Origin(destination="broker", queue=queue,
                                              partition_key=f"k{i % 4}"),
                payload=json.dumps({"n": i, "amount": "12.30"}).encode(),
                content_type="application/json", event_type="Tick"),
            failure=pb.Failure(**{"class": pb.DATA}, code="FIX", message="needs a fix",
                               consumer="py-outsider", delivery_attempt=1)))
        if resp.outcome != pb.REQUEUED:
            sys.exit(f"original py-{i}: {resp}")

    outcomes = collections.Counter()
    copies = collections.Counter()
    parked = set()
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    ch = conn.channel()
    last = time.monotonic()
    deadline = time.monotonic() + 120
    while len(parked) < n and time.monotonic() < deadline and time.monotonic() - last < 20:
        method, props, body = ch.basic_get(queue=queue, auto_ack=False)
        if method is None:
            time.sleep(0.005)
            continue
        last = time.monotonic()
        headers = {k: (v.decode() if isinstance(v, bytes) else str(v))
                   for k, v in (props.headers or {}).items()}
        copies[props.message_id] += 1
        try:
            resp = salvage.Report(pb.ReportRequest(
                message=pb.FailedMessage(
                    id=props.message_id,
                    origin=pb.Origin(destination="broker", queue=queue,
                                     partition_key=headers.get("salvage-partition-key", "")),
                    payload=body, headers=headers, content_type=props.content_type or "",
                    event_type=props.type or ""),
                failure=pb.Failure(**{"class": pb.TRANSIENT}, code="DOWNSTREAM_TIMEOUT",
                                   message="downstream timed out", consumer="py-outsider",
                                   delivery_attempt=2 if method.redelivered else 1)))
        except grpc.RpcError as err:
            # Not acknowledged: the broker keeps it; report it again when it comes back.
            outcomes[f"error:{err.code().name}"] += 1
            ch.basic_nack(method.delivery_tag, requeue=True)
            continue
        outcomes[pb.Outcome.Name(resp.outcome)] += 1
        if resp.outcome == pb.PARKED:
            parked.add(props.message_id)
        ch.basic_ack(method.delivery_tag)
    conn.close()
    print(json.dumps({
        "outcomes": dict(outcomes),
        "messages": len(copies),
        "copies_per_message": dict(collections.Counter(copies.values())),
        "parked": len(parked),
    }))


if __name__ == "__main__":
    main()
