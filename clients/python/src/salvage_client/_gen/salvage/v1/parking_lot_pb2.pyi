import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from salvage_client._gen.salvage.v1 import salvage_pb2 as _salvage_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ParkedFilter(_message.Message):
    __slots__ = ("queue", "group", "error_code", "event_type", "parked_after", "parked_before", "text", "json_pointer", "json_value", "destination")
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PARKED_AFTER_FIELD_NUMBER: _ClassVar[int]
    PARKED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    JSON_POINTER_FIELD_NUMBER: _ClassVar[int]
    JSON_VALUE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    queue: str
    group: str
    error_code: str
    event_type: str
    parked_after: _timestamp_pb2.Timestamp
    parked_before: _timestamp_pb2.Timestamp
    text: str
    json_pointer: str
    json_value: str
    destination: str
    def __init__(self, queue: _Optional[str] = ..., group: _Optional[str] = ..., error_code: _Optional[str] = ..., event_type: _Optional[str] = ..., parked_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., parked_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ..., json_pointer: _Optional[str] = ..., json_value: _Optional[str] = ..., destination: _Optional[str] = ...) -> None: ...

class ListParkedRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: ParkedFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[ParkedFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListParkedResponse(_message.Message):
    __slots__ = ("messages", "next_page_token", "scanned", "total_in_index")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SCANNED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_IN_INDEX_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ParkedSummary]
    next_page_token: str
    scanned: int
    total_in_index: int
    def __init__(self, messages: _Optional[_Iterable[_Union[ParkedSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., scanned: _Optional[int] = ..., total_in_index: _Optional[int] = ...) -> None: ...

class ParkedSummary(_message.Message):
    __slots__ = ("tracking_id", "id", "origin", "event_type", "error_code", "error_message", "reason", "rule", "group", "parked_at", "last_seen", "reports", "version", "payload_bytes", "payload_preview", "archived")
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PARKED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_BYTES_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_PREVIEW_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    tracking_id: str
    id: str
    origin: _salvage_pb2.Origin
    event_type: str
    error_code: str
    error_message: str
    reason: str
    rule: str
    group: str
    parked_at: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    reports: int
    version: int
    payload_bytes: int
    payload_preview: str
    archived: Archived
    def __init__(self, tracking_id: _Optional[str] = ..., id: _Optional[str] = ..., origin: _Optional[_Union[_salvage_pb2.Origin, _Mapping]] = ..., event_type: _Optional[str] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., reason: _Optional[str] = ..., rule: _Optional[str] = ..., group: _Optional[str] = ..., parked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reports: _Optional[int] = ..., version: _Optional[int] = ..., payload_bytes: _Optional[int] = ..., payload_preview: _Optional[str] = ..., archived: _Optional[_Union[Archived, _Mapping]] = ...) -> None: ...

class Archived(_message.Message):
    __slots__ = ("discarded_at", "discarded_by", "reason", "expires_at")
    DISCARDED_AT_FIELD_NUMBER: _ClassVar[int]
    DISCARDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    discarded_at: _timestamp_pb2.Timestamp
    discarded_by: str
    reason: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, discarded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., discarded_by: _Optional[str] = ..., reason: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetParkedRequest(_message.Message):
    __slots__ = ("tracking_id", "reveal")
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    REVEAL_FIELD_NUMBER: _ClassVar[int]
    tracking_id: str
    reveal: bool
    def __init__(self, tracking_id: _Optional[str] = ..., reveal: _Optional[bool] = ...) -> None: ...

class ParkedMessage(_message.Message):
    __slots__ = ("summary", "payload", "content_type", "headers", "failure", "attempts", "edits", "rules_version")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    EDITS_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    summary: ParkedSummary
    payload: bytes
    content_type: str
    headers: _containers.ScalarMap[str, str]
    failure: _salvage_pb2.Failure
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    edits: _containers.RepeatedCompositeFieldContainer[Edit]
    rules_version: str
    def __init__(self, summary: _Optional[_Union[ParkedSummary, _Mapping]] = ..., payload: _Optional[bytes] = ..., content_type: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., failure: _Optional[_Union[_salvage_pb2.Failure, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., edits: _Optional[_Iterable[_Union[Edit, _Mapping]]] = ..., rules_version: _Optional[str] = ...) -> None: ...

class Attempt(_message.Message):
    __slots__ = ("attempt", "outcome", "reason", "at", "tracking_id", "rule", "error_code", "error_message", "payload", "has_payload", "actor", "rules_version")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    HAS_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    outcome: str
    reason: str
    at: _timestamp_pb2.Timestamp
    tracking_id: str
    rule: str
    error_code: str
    error_message: str
    payload: bytes
    has_payload: bool
    actor: str
    rules_version: str
    def __init__(self, attempt: _Optional[int] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tracking_id: _Optional[str] = ..., rule: _Optional[str] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., payload: _Optional[bytes] = ..., has_payload: _Optional[bool] = ..., actor: _Optional[str] = ..., rules_version: _Optional[str] = ...) -> None: ...

class Edit(_message.Message):
    __slots__ = ("version", "at", "actor", "previous_payload", "previous_headers")
    class PreviousHeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HEADERS_FIELD_NUMBER: _ClassVar[int]
    version: int
    at: _timestamp_pb2.Timestamp
    actor: str
    previous_payload: bytes
    previous_headers: _containers.ScalarMap[str, str]
    def __init__(self, version: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., previous_payload: _Optional[bytes] = ..., previous_headers: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListGroupsRequest(_message.Message):
    __slots__ = ("sort", "queue", "limit")
    class Sort(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        COUNT: _ClassVar[ListGroupsRequest.Sort]
        RECENT: _ClassVar[ListGroupsRequest.Sort]
    COUNT: ListGroupsRequest.Sort
    RECENT: ListGroupsRequest.Sort
    SORT_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    sort: ListGroupsRequest.Sort
    queue: str
    limit: int
    def __init__(self, sort: _Optional[_Union[ListGroupsRequest.Sort, str]] = ..., queue: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListGroupsResponse(_message.Message):
    __slots__ = ("groups", "total_groups")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[FailureGroup]
    total_groups: int
    def __init__(self, groups: _Optional[_Iterable[_Union[FailureGroup, _Mapping]]] = ..., total_groups: _Optional[int] = ...) -> None: ...

class FailureGroup(_message.Message):
    __slots__ = ("group", "count", "first_seen", "last_seen", "origins", "error_code", "sample_error")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    ORIGINS_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_ERROR_FIELD_NUMBER: _ClassVar[int]
    group: str
    count: int
    first_seen: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    origins: _containers.RepeatedScalarFieldContainer[str]
    error_code: str
    sample_error: str
    def __init__(self, group: _Optional[str] = ..., count: _Optional[int] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., origins: _Optional[_Iterable[str]] = ..., error_code: _Optional[str] = ..., sample_error: _Optional[str] = ...) -> None: ...

class EditParkedRequest(_message.Message):
    __slots__ = ("tracking_id", "expected_version", "payload", "headers", "replace_headers", "comment")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    REPLACE_HEADERS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    tracking_id: str
    expected_version: int
    payload: bytes
    headers: _containers.ScalarMap[str, str]
    replace_headers: bool
    comment: str
    def __init__(self, tracking_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., payload: _Optional[bytes] = ..., headers: _Optional[_Mapping[str, str]] = ..., replace_headers: _Optional[bool] = ..., comment: _Optional[str] = ...) -> None: ...

class Selection(_message.Message):
    __slots__ = ("tracking_ids", "filter")
    TRACKING_IDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    tracking_ids: _containers.RepeatedScalarFieldContainer[str]
    filter: ParkedFilter
    def __init__(self, tracking_ids: _Optional[_Iterable[str]] = ..., filter: _Optional[_Union[ParkedFilter, _Mapping]] = ...) -> None: ...

class RedriveOptions(_message.Message):
    __slots__ = ("rate_per_second", "canary", "canary_wait", "stop_failure_ratio", "stop_min_failures", "disable_auto_stop")
    RATE_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    CANARY_FIELD_NUMBER: _ClassVar[int]
    CANARY_WAIT_FIELD_NUMBER: _ClassVar[int]
    STOP_FAILURE_RATIO_FIELD_NUMBER: _ClassVar[int]
    STOP_MIN_FAILURES_FIELD_NUMBER: _ClassVar[int]
    DISABLE_AUTO_STOP_FIELD_NUMBER: _ClassVar[int]
    rate_per_second: float
    canary: int
    canary_wait: _duration_pb2.Duration
    stop_failure_ratio: float
    stop_min_failures: int
    disable_auto_stop: bool
    def __init__(self, rate_per_second: _Optional[float] = ..., canary: _Optional[int] = ..., canary_wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., stop_failure_ratio: _Optional[float] = ..., stop_min_failures: _Optional[int] = ..., disable_auto_stop: _Optional[bool] = ...) -> None: ...

class ResubmitParkedRequest(_message.Message):
    __slots__ = ("selection", "options", "dry_run", "comment")
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    selection: Selection
    options: RedriveOptions
    dry_run: bool
    comment: str
    def __init__(self, selection: _Optional[_Union[Selection, _Mapping]] = ..., options: _Optional[_Union[RedriveOptions, _Mapping]] = ..., dry_run: _Optional[bool] = ..., comment: _Optional[str] = ...) -> None: ...

class ResubmitParkedResponse(_message.Message):
    __slots__ = ("run", "matched", "sample")
    RUN_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    run: Run
    matched: int
    sample: _containers.RepeatedCompositeFieldContainer[ParkedSummary]
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ..., matched: _Optional[int] = ..., sample: _Optional[_Iterable[_Union[ParkedSummary, _Mapping]]] = ...) -> None: ...

class RetriageParkedRequest(_message.Message):
    __slots__ = ("selection", "dry_run", "options", "samples_per_group", "comment")
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_PER_GROUP_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    selection: Selection
    dry_run: bool
    options: RedriveOptions
    samples_per_group: int
    comment: str
    def __init__(self, selection: _Optional[_Union[Selection, _Mapping]] = ..., dry_run: _Optional[bool] = ..., options: _Optional[_Union[RedriveOptions, _Mapping]] = ..., samples_per_group: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class RetriageParkedResponse(_message.Message):
    __slots__ = ("matched", "would_repair", "groups", "run", "rules_version")
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    WOULD_REPAIR_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    matched: int
    would_repair: int
    groups: _containers.RepeatedCompositeFieldContainer[RetriageGroup]
    run: Run
    rules_version: str
    def __init__(self, matched: _Optional[int] = ..., would_repair: _Optional[int] = ..., groups: _Optional[_Iterable[_Union[RetriageGroup, _Mapping]]] = ..., run: _Optional[_Union[Run, _Mapping]] = ..., rules_version: _Optional[str] = ...) -> None: ...

class RetriageGroup(_message.Message):
    __slots__ = ("group", "matched", "would_repair", "by_decision", "by_rule", "samples")
    class ByDecisionEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ByRuleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    WOULD_REPAIR_FIELD_NUMBER: _ClassVar[int]
    BY_DECISION_FIELD_NUMBER: _ClassVar[int]
    BY_RULE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    group: str
    matched: int
    would_repair: int
    by_decision: _containers.ScalarMap[str, int]
    by_rule: _containers.ScalarMap[str, int]
    samples: _containers.RepeatedCompositeFieldContainer[RetriageSample]
    def __init__(self, group: _Optional[str] = ..., matched: _Optional[int] = ..., would_repair: _Optional[int] = ..., by_decision: _Optional[_Mapping[str, int]] = ..., by_rule: _Optional[_Mapping[str, int]] = ..., samples: _Optional[_Iterable[_Union[RetriageSample, _Mapping]]] = ...) -> None: ...

class RetriageSample(_message.Message):
    __slots__ = ("tracking_id", "rule", "before", "after")
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    tracking_id: str
    rule: str
    before: bytes
    after: bytes
    def __init__(self, tracking_id: _Optional[str] = ..., rule: _Optional[str] = ..., before: _Optional[bytes] = ..., after: _Optional[bytes] = ...) -> None: ...

class DiscardParkedRequest(_message.Message):
    __slots__ = ("selection", "reason", "dry_run")
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    selection: Selection
    reason: str
    dry_run: bool
    def __init__(self, selection: _Optional[_Union[Selection, _Mapping]] = ..., reason: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class DiscardParkedResponse(_message.Message):
    __slots__ = ("matched", "discarded", "sample")
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    DISCARDED_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    matched: int
    discarded: int
    sample: _containers.RepeatedCompositeFieldContainer[ParkedSummary]
    def __init__(self, matched: _Optional[int] = ..., discarded: _Optional[int] = ..., sample: _Optional[_Iterable[_Union[ParkedSummary, _Mapping]]] = ...) -> None: ...

class RestoreArchivedRequest(_message.Message):
    __slots__ = ("selection", "comment", "dry_run")
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    selection: Selection
    comment: str
    dry_run: bool
    def __init__(self, selection: _Optional[_Union[Selection, _Mapping]] = ..., comment: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RestoreArchivedResponse(_message.Message):
    __slots__ = ("matched", "restored", "not_restored")
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    NOT_RESTORED_FIELD_NUMBER: _ClassVar[int]
    matched: int
    restored: int
    not_restored: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, matched: _Optional[int] = ..., restored: _Optional[int] = ..., not_restored: _Optional[_Iterable[str]] = ...) -> None: ...

class GetRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ListRunsResponse(_message.Message):
    __slots__ = ("runs",)
    RUNS_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[Run]
    def __init__(self, runs: _Optional[_Iterable[_Union[Run, _Mapping]]] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ("run_id", "kind", "state", "total", "done", "resubmitted", "skipped", "failed_again", "stop_reason", "created_by", "created_at", "updated_at", "options", "comment", "delivered", "delivery_failed")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Run.State]
        RUNNING: _ClassVar[Run.State]
        CANARY_WAIT: _ClassVar[Run.State]
        COMPLETED: _ClassVar[Run.State]
        CANCELLED: _ClassVar[Run.State]
        STOPPED: _ClassVar[Run.State]
        DELIVERING: _ClassVar[Run.State]
        COMPLETED_WITH_FAILURES: _ClassVar[Run.State]
    STATE_UNSPECIFIED: Run.State
    RUNNING: Run.State
    CANARY_WAIT: Run.State
    COMPLETED: Run.State
    CANCELLED: Run.State
    STOPPED: Run.State
    DELIVERING: Run.State
    COMPLETED_WITH_FAILURES: Run.State
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Run.Kind]
        RESUBMIT: _ClassVar[Run.Kind]
        RETRIAGE: _ClassVar[Run.Kind]
    KIND_UNSPECIFIED: Run.Kind
    RESUBMIT: Run.Kind
    RETRIAGE: Run.Kind
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    RESUBMITTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_AGAIN_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FAILED_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    kind: Run.Kind
    state: Run.State
    total: int
    done: int
    resubmitted: int
    skipped: int
    failed_again: int
    stop_reason: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    options: RedriveOptions
    comment: str
    delivered: int
    delivery_failed: int
    def __init__(self, run_id: _Optional[str] = ..., kind: _Optional[_Union[Run.Kind, str]] = ..., state: _Optional[_Union[Run.State, str]] = ..., total: _Optional[int] = ..., done: _Optional[int] = ..., resubmitted: _Optional[int] = ..., skipped: _Optional[int] = ..., failed_again: _Optional[int] = ..., stop_reason: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., options: _Optional[_Union[RedriveOptions, _Mapping]] = ..., comment: _Optional[str] = ..., delivered: _Optional[int] = ..., delivery_failed: _Optional[int] = ...) -> None: ...

class WatchParkedRequest(_message.Message):
    __slots__ = ("queue",)
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    queue: str
    def __init__(self, queue: _Optional[str] = ...) -> None: ...

class ParkingLotEvent(_message.Message):
    __slots__ = ("kind", "tracking_ids", "queue", "group", "actor", "at", "event_id")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[ParkingLotEvent.Kind]
        PARKED: _ClassVar[ParkingLotEvent.Kind]
        EDITED: _ClassVar[ParkingLotEvent.Kind]
        RESUBMITTED: _ClassVar[ParkingLotEvent.Kind]
        DISCARDED: _ClassVar[ParkingLotEvent.Kind]
        RESTORED: _ClassVar[ParkingLotEvent.Kind]
        EXPIRED: _ClassVar[ParkingLotEvent.Kind]
    KIND_UNSPECIFIED: ParkingLotEvent.Kind
    PARKED: ParkingLotEvent.Kind
    EDITED: ParkingLotEvent.Kind
    RESUBMITTED: ParkingLotEvent.Kind
    DISCARDED: ParkingLotEvent.Kind
    RESTORED: ParkingLotEvent.Kind
    EXPIRED: ParkingLotEvent.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    TRACKING_IDS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    kind: ParkingLotEvent.Kind
    tracking_ids: _containers.RepeatedScalarFieldContainer[str]
    queue: str
    group: str
    actor: str
    at: _timestamp_pb2.Timestamp
    event_id: str
    def __init__(self, kind: _Optional[_Union[ParkingLotEvent.Kind, str]] = ..., tracking_ids: _Optional[_Iterable[str]] = ..., queue: _Optional[str] = ..., group: _Optional[str] = ..., actor: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ...) -> None: ...

class ListAuditRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "actor", "tracking_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    actor: str
    tracking_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., actor: _Optional[str] = ..., tracking_id: _Optional[str] = ...) -> None: ...

class ListAuditResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("id", "at", "actor", "role", "action", "tracking_ids", "message_count", "filter", "run_id", "comment", "payload_before", "payload_after", "headers_before", "headers_after")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TRACKING_IDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_AFTER_FIELD_NUMBER: _ClassVar[int]
    HEADERS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    HEADERS_AFTER_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: _timestamp_pb2.Timestamp
    actor: str
    role: str
    action: str
    tracking_ids: _containers.RepeatedScalarFieldContainer[str]
    message_count: int
    filter: str
    run_id: str
    comment: str
    payload_before: bytes
    payload_after: bytes
    headers_before: str
    headers_after: str
    def __init__(self, id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., role: _Optional[str] = ..., action: _Optional[str] = ..., tracking_ids: _Optional[_Iterable[str]] = ..., message_count: _Optional[int] = ..., filter: _Optional[str] = ..., run_id: _Optional[str] = ..., comment: _Optional[str] = ..., payload_before: _Optional[bytes] = ..., payload_after: _Optional[bytes] = ..., headers_before: _Optional[str] = ..., headers_after: _Optional[str] = ...) -> None: ...
