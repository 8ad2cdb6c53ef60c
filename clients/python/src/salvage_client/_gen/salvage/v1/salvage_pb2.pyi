import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_CLASS_UNSPECIFIED: _ClassVar[ErrorClass]
    TRANSIENT: _ClassVar[ErrorClass]
    DATA: _ClassVar[ErrorClass]
    UNKNOWN: _ClassVar[ErrorClass]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    REQUEUED: _ClassVar[Outcome]
    RETRY_SCHEDULED: _ClassVar[Outcome]
    PARKED: _ClassVar[Outcome]
    DUPLICATE: _ClassVar[Outcome]
ERROR_CLASS_UNSPECIFIED: ErrorClass
TRANSIENT: ErrorClass
DATA: ErrorClass
UNKNOWN: ErrorClass
OUTCOME_UNSPECIFIED: Outcome
REQUEUED: Outcome
RETRY_SCHEDULED: Outcome
PARKED: Outcome
DUPLICATE: Outcome

class ReportRequest(_message.Message):
    __slots__ = ("message", "failure")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    message: FailedMessage
    failure: Failure
    def __init__(self, message: _Optional[_Union[FailedMessage, _Mapping]] = ..., failure: _Optional[_Union[Failure, _Mapping]] = ...) -> None: ...

class FailedMessage(_message.Message):
    __slots__ = ("id", "origin", "payload", "content_type", "headers", "event_type")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    origin: Origin
    payload: bytes
    content_type: str
    headers: _containers.ScalarMap[str, str]
    event_type: str
    def __init__(self, id: _Optional[str] = ..., origin: _Optional[_Union[Origin, _Mapping]] = ..., payload: _Optional[bytes] = ..., content_type: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., event_type: _Optional[str] = ...) -> None: ...

class Origin(_message.Message):
    __slots__ = ("destination", "queue", "partition_key")
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    PARTITION_KEY_FIELD_NUMBER: _ClassVar[int]
    destination: str
    queue: str
    partition_key: str
    def __init__(self, destination: _Optional[str] = ..., queue: _Optional[str] = ..., partition_key: _Optional[str] = ...) -> None: ...

class Failure(_message.Message):
    __slots__ = ("code", "message", "consumer", "delivery_attempt", "detail", "retry_after")
    CLASS_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    consumer: str
    delivery_attempt: int
    detail: str
    retry_after: _duration_pb2.Duration
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., consumer: _Optional[str] = ..., delivery_attempt: _Optional[int] = ..., detail: _Optional[str] = ..., retry_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., **kwargs) -> None: ...

class ReportResponse(_message.Message):
    __slots__ = ("tracking_id", "outcome", "rule", "retry_at", "reason", "attempt", "error", "error_code")
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_id: str
    outcome: Outcome
    rule: str
    retry_at: _timestamp_pb2.Timestamp
    reason: str
    attempt: int
    error: str
    error_code: int
    def __init__(self, tracking_id: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., rule: _Optional[str] = ..., retry_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., attempt: _Optional[int] = ..., error: _Optional[str] = ..., error_code: _Optional[int] = ...) -> None: ...
