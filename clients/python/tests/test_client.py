"""Unit tests of salvage_client's helpers; with SALVAGE_ADDR set (a running Salvage with the
example rules, destination "redis" on its own Redis), also against it:

    python3 -m unittest discover -s clients/python/tests -v
    SALVAGE_ADDR=127.0.0.1:50051 python3 -m unittest discover -s clients/python/tests -v
"""

import os
import socket
import time
import unittest
import uuid

import grpc

from salvage_client import (Action, ReportError, Salvage, action_for, build_request, pb,
                            string_headers)


class ActionFor(unittest.TestCase):
    def test_every_outcome_is_ack(self):
        for outcome in ("REQUEUED", "RETRY_SCHEDULED", "PARKED", "DUPLICATE"):
            self.assertIs(action_for(pb.ReportResponse(outcome=pb.Outcome.Value(outcome))),
                          Action.ACK, outcome)
            self.assertIs(action_for(outcome), Action.ACK)

    def test_codes(self):
        for code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                     grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL,
                     grpc.StatusCode.UNKNOWN):
            self.assertIs(action_for(code), Action.NACK_REQUEUE, code)
        for code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
            self.assertIs(action_for(code), Action.DEAD_LETTER, code)
        self.assertIs(action_for(ReportError(grpc.StatusCode.INVALID_ARGUMENT, "x")),
                      Action.DEAD_LETTER)

    def test_stream_response_with_error_code(self):
        self.assertIs(action_for(pb.ReportResponse(error_code=3, error="bad")), Action.DEAD_LETTER)
        self.assertIs(action_for(pb.ReportResponse(error_code=14, error="down")),
                      Action.NACK_REQUEUE)
        self.assertIs(action_for(pb.ReportResponse(error_code=8, error="full")),
                      Action.NACK_REQUEUE)


class Headers(unittest.TestCase):
    def test_values_become_strings(self):
        self.assertEqual(
            string_headers({"n": 42, "b": True, "s": b"text", "none": None, "l": [1, "a"]}),
            {"n": "42", "b": "true", "s": "text", "none": "", "l": '[1,"a"]'})

    def test_request(self):
        req = build_request(id="o-1", queue="orders", payload=b"{}", code="INVALID_TYPE",
                            headers={"shop-id": 42}, retry_after=1.5)
        self.assertEqual(req.message.headers["shop-id"], "42")
        self.assertEqual(getattr(req.failure, "class"), pb.DATA)
        self.assertEqual((req.failure.retry_after.seconds, req.failure.retry_after.nanos),
                         (1, 500_000_000))


class Unavailable(unittest.TestCase):
    def test_reports_again_then_raises_unavailable(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        salvage = Salvage(f"127.0.0.1:{port}", timeout=2, retries=2, backoff=0.05)
        started = time.monotonic()
        with self.assertRaises(ReportError) as cm:
            salvage.report_failure(id="o-1", queue="orders", payload=b"{}", code="X")
        self.assertEqual(cm.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(cm.exception.attempts, 3)
        self.assertGreaterEqual(time.monotonic() - started, 0.15)
        self.assertIs(action_for(cm.exception), Action.NACK_REQUEUE)


@unittest.skipUnless(os.environ.get("SALVAGE_ADDR"), "SALVAGE_ADDR not set")
class Live(unittest.TestCase):
    def setUp(self):
        self.salvage = Salvage(os.environ["SALVAGE_ADDR"])
        self.queue = f"orders-test-{uuid.uuid4().hex[:8]}"

    def tearDown(self):
        self.salvage.close()

    def report(self, msg_id, **kw):
        return self.salvage.report_failure(
            id=msg_id, destination="redis", queue=self.queue,
            payload=b'{"order_id":"o-1","total":"129.90"}', code="INVALID_TYPE",
            message="total: expected a number", **kw)

    def test_requeued_then_duplicate(self):
        first = self.report("o-1")
        self.assertEqual(first.outcome, pb.REQUEUED)
        self.assertEqual(first.rule, "order-total-as-string")
        again = self.report("o-1")  # the original redelivered: already handled
        self.assertEqual(again.outcome, pb.DUPLICATE)
        self.assertEqual(again.tracking_id, first.tracking_id)
        self.assertIs(action_for(again), Action.ACK)

    def test_invalid_argument_is_poison(self):
        with self.assertRaises(ReportError) as cm:
            self.report("")  # no id
        self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.attempts, 1)  # never re-reported
        self.assertIs(action_for(cm.exception), Action.DEAD_LETTER)

    def test_stream(self):
        with self.salvage.stream() as s:
            ok = s.submit(build_request(id="s-1", destination="redis", queue=self.queue,
                                        payload=b'{"total":"1.5"}', code="INVALID_TYPE"))
            bad = s.submit(build_request(id="", destination="redis", queue=self.queue,
                                         payload=b"{}", code="X"))
            dup = s.submit(build_request(id="s-1", destination="redis", queue=self.queue,
                                         payload=b'{"total":"1.5"}', code="INVALID_TYPE"))
            self.assertEqual(ok.result(5).outcome, pb.REQUEUED)
            with self.assertRaises(ReportError) as cm:
                bad.result(5)
            self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
            self.assertEqual(dup.result(5).outcome, pb.DUPLICATE)


if __name__ == "__main__":
    unittest.main()
