#!/usr/bin/env python3
"""Send Salvage one report, as a consumer would, and check that the repair was requeued.

usage: report-once.py SALVAGE_ADDR QUEUE

The report: an order without customer.email, failed with MISSING_FIELD, which the example rule
`order-missing-email` repairs and requeues (to the default destination, a Redis stream named
QUEUE). Prints the answer as one JSON line; exits 1 unless it is REQUEUED by that rule.
Needs grpcio and grpcio-tools; the stubs are generated from the repository's proto at run time.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile
import uuid

import grpc
from grpc_tools import protoc

PROTO_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proto")


def stubs():
    out = tempfile.mkdtemp(prefix="salvage-check-image-stubs-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
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
    addr, queue = sys.argv[1], sys.argv[2]
    pb, rpc = stubs()
    salvage = rpc.SalvageStub(grpc.insecure_channel(addr))
    order = {"id": "o-1002", "customer": {"id": "cus-7", "name": "Ada"}, "total": 12.50}
    resp = salvage.Report(pb.ReportRequest(
        message=pb.FailedMessage(
            id=f"check-image-{uuid.uuid4()}", origin=pb.Origin(queue=queue),
            payload=json.dumps(order).encode(), content_type="application/json",
            event_type="OrderPlaced"),
        failure=pb.Failure(**{"class": pb.DATA}, code="MISSING_FIELD",
                           message="required field 'customer.email' is missing",
                           consumer="check-image", delivery_attempt=1)), timeout=10)
    answer = {"outcome": pb.Outcome.Name(resp.outcome), "rule": resp.rule,
              "tracking_id": resp.tracking_id, "attempt": resp.attempt, "reason": resp.reason}
    print(json.dumps(answer))
    if resp.outcome != pb.REQUEUED or resp.rule != "order-missing-email":
        sys.exit(1)


if __name__ == "__main__":
    main()
