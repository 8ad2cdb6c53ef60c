"""A thin client for Salvage's `salvage.v1.Salvage` service, and the ack rules a consumer follows.

The contract is proto/salvage/v1/salvage.proto; this module adds only what every consumer would
otherwise write itself: building the request, header values as strings, re-reporting after a
passing error with a bounded backoff, and `action_for`, which says what to do with the message
on its broker once Salvage answered (or did not).
"""

from __future__ import annotations

import base64
import datetime as _dt
import enum
import json
import queue as _queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any, Optional, Union

import grpc
from google.protobuf import duration_pb2

from salvage_client._gen.salvage.v1 import salvage_pb2 as pb
from salvage_client._gen.salvage.v1 import salvage_pb2_grpc as pb_grpc


class Action(enum.Enum):
    """What a consumer does with the message on its broker after reporting it."""

    #: Salvage answered with an outcome: it owns the message now. Acknowledge (delete) it.
    ACK = "ack"
    #: Salvage did not record it (or may not have): keep it. Negatively acknowledge it with
    #: requeue (or leave it unacknowledged) so the broker redelivers it; report it again then.
    NACK_REQUEUE = "nack_requeue"
    #: Salvage refused the request itself (INVALID_ARGUMENT, OUT_OF_RANGE): reporting it again
    #: unchanged can never succeed. Log it and dead-letter it on the broker (a dead-letter
    #: exchange or queue, `nack(requeue=False)`); never redeliver it in a loop.
    DEAD_LETTER = "dead_letter"


#: Status codes after which the same report is sent again after a pause (nothing was recorded,
#: or if it was, the next answer is DUPLICATE).
RETRYABLE_CODES = frozenset({
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
})

#: Status codes that say the request is wrong: the message is poison for this consumer.
POISON_CODES = frozenset({
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.OUT_OF_RANGE,
})

_CODE_BY_NUMBER = {c.value[0]: c for c in grpc.StatusCode}


class ReportError(Exception):
    """A report Salvage did not answer with an outcome: a gRPC status code and its message.

    Raised by `Salvage.report_failure` (after its bounded re-reports) and set on the future of a
    `ReportStream` request answered in line with `error`. `action_for(err)` says what to do.
    """

    def __init__(self, code: grpc.StatusCode, details: str, attempts: int = 1):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details
        self.attempts = attempts


OutcomeOrError = Union[pb.ReportResponse, int, str, grpc.StatusCode, grpc.RpcError, ReportError]


def action_for(outcome_or_error: OutcomeOrError) -> Action:
    """Say what to do with the message on the broker, given Salvage's answer.

    Accepts a `ReportResponse`, an `Outcome` (its number or name), a `grpc.StatusCode`, a
    `grpc.RpcError` or a `ReportError`.

    - Any outcome (REQUEUED, RETRY_SCHEDULED, PARKED, DUPLICATE, and any added later):
      `ACK`. Salvage committed it in Redis before answering; it owns the message now. DUPLICATE
      means it was handled already (the original redelivered, a report sent twice): acknowledge.
    - UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED: `NACK_REQUEUE`. Nothing was recorded,
      or if it was, reporting again is answered DUPLICATE. `report_failure` already re-reported
      a few times with a backoff before raising; now keep the message (nack with requeue, or
      leave it for redelivery) and report it again when it comes back.
    - INVALID_ARGUMENT (the request is malformed: an empty id or queue, a payload over the
      limit, too many headers...) and OUT_OF_RANGE (the request is over
      `server.max_message_bytes`): `DEAD_LETTER`. Nothing was recorded and the same message
      will be refused again: it is poison for this consumer. Log it and dead-letter it on the
      broker; never retry it unchanged.
    - Any other code (INTERNAL, UNKNOWN, CANCELLED, ...): `NACK_REQUEUE`, the broker redelivers
      it and it is reported again (if the first report was recorded, the answer is DUPLICATE).
    - A `ReportStream` response with `error_code` set is judged by that code.
    """
    if isinstance(outcome_or_error, pb.ReportResponse):
        if outcome_or_error.error_code:
            return _action_for_code(_CODE_BY_NUMBER.get(outcome_or_error.error_code,
                                                        grpc.StatusCode.UNKNOWN))
        return _action_for_outcome(outcome_or_error.outcome)
    if isinstance(outcome_or_error, ReportError):
        return _action_for_code(outcome_or_error.code)
    if isinstance(outcome_or_error, grpc.RpcError):
        code = outcome_or_error.code() if callable(getattr(outcome_or_error, "code", None)) \
            else grpc.StatusCode.UNKNOWN
        return _action_for_code(code)
    if isinstance(outcome_or_error, grpc.StatusCode):
        return _action_for_code(outcome_or_error)
    if isinstance(outcome_or_error, str):
        return _action_for_outcome(pb.Outcome.Value(outcome_or_error))
    if isinstance(outcome_or_error, int):
        return _action_for_outcome(outcome_or_error)
    raise TypeError(f"action_for: not an outcome or an error: {outcome_or_error!r}")


def _action_for_outcome(outcome: int) -> Action:
    if outcome == pb.OUTCOME_UNSPECIFIED:
        # Only a ReportStream response whose request failed has it, and that one has error_code.
        return Action.NACK_REQUEUE
    return Action.ACK


def _action_for_code(code: grpc.StatusCode) -> Action:
    if code == grpc.StatusCode.OK:
        return Action.ACK
    if code in POISON_CODES:
        return Action.DEAD_LETTER
    return Action.NACK_REQUEUE


def outcome_name(resp: pb.ReportResponse) -> str:
    """"REQUEUED", "RETRY_SCHEDULED", "PARKED", "DUPLICATE" (or the error code's name)."""
    if resp.error_code:
        return _CODE_BY_NUMBER.get(resp.error_code, grpc.StatusCode.UNKNOWN).name
    return pb.Outcome.Name(resp.outcome)


def header_value(value: Any) -> str:
    """A header value as the string Salvage wants (`map<string, string>`).

    Brokers carry typed headers (AMQP ints, booleans, byte strings, tables): bytes are decoded
    as UTF-8 (base64 if they are not text), numbers written in decimal (42 -> "42"), booleans
    as "true"/"false", None as "", timestamps in ISO 8601, lists and tables as JSON.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=header_value, separators=(",", ":"))
    return str(value)


def string_headers(headers: Optional[Mapping[Any, Any]]) -> dict[str, str]:
    """Every header of a consumed message, names and values as strings (see `header_value`)."""
    return {header_value(k): header_value(v) for k, v in (headers or {}).items()}


_CLASSES = {"TRANSIENT": pb.TRANSIENT, "DATA": pb.DATA, "UNKNOWN": pb.UNKNOWN}


def build_request(
    *,
    id: str,
    queue: str,
    payload: bytes,
    code: str,
    error_class: Union[str, int] = "DATA",
    message: str = "",
    destination: str = "",
    headers: Optional[Mapping[Any, Any]] = None,
    partition_key: str = "",
    content_type: str = "",
    event_type: str = "",
    consumer: str = "",
    delivery_attempt: int = 0,
    detail: str = "",
    retry_after: Optional[float] = None,
) -> pb.ReportRequest:
    """A `ReportRequest` from the consumed message and why handling it failed.

    id: the message's own id, stable across redeliveries (at most 512 bytes); on a copy Salvage
    requeued to a broker, its `salvage-message-id` header when present. queue: the queue, stream
    or subject it was consumed from (repaired copies go back there). destination: the name of a
    destination in Salvage's configuration ("" = its default_destination). headers: all the
    message's headers as received (Salvage's `salvage-*` ones included); values become strings.
    error_class: "TRANSIENT", "DATA" or "UNKNOWN". code: short and stable ("INVALID_TYPE"), rules
    match on it. retry_after: seconds the failing dependency asked to wait, if it said.
    """
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    cls = _CLASSES[error_class.upper()] if isinstance(error_class, str) else error_class
    failure = pb.Failure(code=code, message=message, consumer=consumer,
                         delivery_attempt=max(0, int(delivery_attempt)), detail=detail,
                         **{"class": cls})
    if retry_after is not None:
        secs = max(0.0, float(retry_after))
        failure.retry_after.CopyFrom(duration_pb2.Duration(
            seconds=int(secs), nanos=int(round((secs - int(secs)) * 1e9))))
    return pb.ReportRequest(
        message=pb.FailedMessage(
            id=id, payload=bytes(payload), content_type=content_type,
            headers=string_headers(headers), event_type=event_type,
            origin=pb.Origin(destination=destination, queue=queue, partition_key=partition_key)),
        failure=failure)


class Salvage:
    """A client of the Salvage sidecar.

    >>> salvage = Salvage("127.0.0.1:50051")
    >>> try:
    ...     resp = salvage.report_failure(id=msg_id, destination="rabbit", queue="orders",
    ...                                   payload=body, headers=headers, code="INVALID_TYPE",
    ...                                   message=str(err), consumer="billing")
    ...     action = action_for(resp)          # ACK
    ... except ReportError as err:
    ...     action = action_for(err)           # NACK_REQUEUE or DEAD_LETTER
    """

    def __init__(self, address: str, *, channel: Optional[grpc.Channel] = None,
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.2,
                 backoff_max: float = 5.0):
        """address: "host:port" of Salvage's gRPC listener (`server.grpc_addr`), plaintext; pass
        `channel` (e.g. `grpc.secure_channel(...)`) for TLS. timeout: the deadline of one call,
        in seconds. retries: how many times `report_failure` reports again after UNAVAILABLE,
        DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED, waiting backoff, 2*backoff, ... (at most
        backoff_max) seconds in between."""
        self.channel = channel if channel is not None else grpc.insecure_channel(address)
        self.stub = pb_grpc.SalvageStub(self.channel)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "Salvage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def report(self, request: pb.ReportRequest, *, retries: Optional[int] = None
               ) -> pb.ReportResponse:
        """Send one `ReportRequest`; re-send it after a passing error (see `RETRYABLE_CODES`) up to
        `retries` times with an exponential backoff. Returns the response (an outcome); raises
        `ReportError` otherwise."""
        retries = self.retries if retries is None else retries
        pause = self.backoff
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.stub.Report(request, timeout=self.timeout)
            except grpc.RpcError as err:
                code = err.code()
                if code in RETRYABLE_CODES and attempt <= retries:
                    time.sleep(pause)
                    pause = min(pause * 2, self.backoff_max)
                    continue
                raise ReportError(code, err.details() or "", attempt) from err

    def report_failure(self, *, retries: Optional[int] = None, **fields: Any
                       ) -> pb.ReportResponse:
        """Report a message the consumer failed on; the fields are those of `build_request`.

        Returns the `ReportResponse` (its `outcome`: REQUEUED, RETRY_SCHEDULED, PARKED or
        DUPLICATE; `tracking_id`, `rule`, `reason`, `attempt`, `retry_at`). Raises `ReportError`
        when Salvage did not answer with an outcome (after the re-reports). Either way,
        `action_for(...)` says what to do with the message on the broker."""
        return self.report(build_request(**fields), retries=retries)

    def stream(self) -> "ReportStream":
        """Open a `ReportStream`: many reports over one call, answered in order."""
        return ReportStream(self.stub)


_CLOSE = object()


class ReportStream:
    """Reports over one `ReportStream` call. `submit(request)` returns a `Future` of the
    `ReportResponse`; a request answered in line with `error` sets `ReportError` on its future;
    if the stream ends (OUT_OF_RANGE, Salvage shutting down, a broken connection) the requests
    not answered get `ReportError` with the stream's status (they were not recorded, or are
    answered DUPLICATE when reported again). Use it as a context manager, or call `close()`.

    >>> with salvage.stream() as s:
    ...     futures = [s.submit(build_request(...)) for msg in batch]
    ...     for msg, fut in zip(batch, futures):
    ...         try:
    ...             action = action_for(fut.result())
    ...         except ReportError as err:
    ...             action = action_for(err)
    """

    def __init__(self, stub: pb_grpc.SalvageStub):
        self._requests: _queue.Queue = _queue.Queue()
        self._pending: "_queue.Queue[Future]" = _queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._call = stub.ReportStream(self._iter())
        self._reader = threading.Thread(target=self._read, name="salvage-report-stream",
                                        daemon=True)
        self._reader.start()

    def _iter(self):
        while True:
            item = self._requests.get()
            if item is _CLOSE:
                return
            yield item

    def _read(self) -> None:
        end: Optional[ReportError] = None
        try:
            for resp in self._call:
                fut = self._pending.get()
                if resp.error_code:
                    code = _CODE_BY_NUMBER.get(resp.error_code, grpc.StatusCode.UNKNOWN)
                    fut.set_exception(ReportError(code, resp.error))
                else:
                    fut.set_result(resp)
            end = ReportError(grpc.StatusCode.UNAVAILABLE, "the stream ended before answering")
        except grpc.RpcError as err:
            end = ReportError(err.code(), err.details() or "")
        with self._lock:
            self._closed = True
            while not self._pending.empty():
                self._pending.get().set_exception(end)

    def submit(self, request: pb.ReportRequest) -> Future:
        fut: Future = Future()
        with self._lock:
            if self._closed:
                fut.set_exception(ReportError(grpc.StatusCode.UNAVAILABLE, "the stream is closed"))
                return fut
            self._pending.put(fut)
            self._requests.put(request)
        return fut

    def close(self) -> None:
        """Stop sending; wait until every request sent was answered."""
        self._requests.put(_CLOSE)
        self._reader.join()

    def __enter__(self) -> "ReportStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
