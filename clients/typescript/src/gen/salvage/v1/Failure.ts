// Original file: proto/salvage/v1/salvage.proto

import type { ErrorClass as _salvage_v1_ErrorClass, ErrorClass__Output as _salvage_v1_ErrorClass__Output } from '../../salvage/v1/ErrorClass';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';

export interface Failure {
  'class'?: (_salvage_v1_ErrorClass);
  /**
   * A short, stable error code from the consumer, e.g. "MISSING_FIELD". Rules match on it; it is
   * part of the failure group. At most 256 bytes.
   */
  'code'?: (string);
  /**
   * The error message. Rules can match it with a regex; with numbers and ids masked it is part of
   * the failure group. At most 4096 bytes.
   */
  'message'?: (string);
  /**
   * The name of the consumer that failed (informational, kept in the parked record).
   */
  'consumer'?: (string);
  /**
   * How many times the broker delivered the message (informational).
   */
  'delivery_attempt'?: (number);
  /**
   * Longer detail such as a stack trace. Kept in the parked record, cut to
   * `limits.max_detail_bytes`; never copied into the headers of requeued copies. The whole
   * request, detail included, must fit in `server.max_message_bytes` (else OUT_OF_RANGE).
   */
  'detail'?: (string);
  /**
   * How long the failing dependency asked the consumer to wait, when it said (an HTTP 429 or 503
   * with `Retry-After`, a rate limiter's reset). A retry is then scheduled no earlier than this,
   * up to the rule's `backoff.retry_after_max` (default 1h), unless the rule says
   * `backoff.use_retry_after = false`. Unset: the backoff alone decides. Must not be negative
   * (else INVALID_ARGUMENT). Kept in the parked record's failure.
   */
  'retry_after'?: (_google_protobuf_Duration | null);
}

export interface Failure__Output {
  'class': (_salvage_v1_ErrorClass__Output);
  /**
   * A short, stable error code from the consumer, e.g. "MISSING_FIELD". Rules match on it; it is
   * part of the failure group. At most 256 bytes.
   */
  'code': (string);
  /**
   * The error message. Rules can match it with a regex; with numbers and ids masked it is part of
   * the failure group. At most 4096 bytes.
   */
  'message': (string);
  /**
   * The name of the consumer that failed (informational, kept in the parked record).
   */
  'consumer': (string);
  /**
   * How many times the broker delivered the message (informational).
   */
  'delivery_attempt': (number);
  /**
   * Longer detail such as a stack trace. Kept in the parked record, cut to
   * `limits.max_detail_bytes`; never copied into the headers of requeued copies. The whole
   * request, detail included, must fit in `server.max_message_bytes` (else OUT_OF_RANGE).
   */
  'detail': (string);
  /**
   * How long the failing dependency asked the consumer to wait, when it said (an HTTP 429 or 503
   * with `Retry-After`, a rate limiter's reset). A retry is then scheduled no earlier than this,
   * up to the rule's `backoff.retry_after_max` (default 1h), unless the rule says
   * `backoff.use_retry_after = false`. Unset: the backoff alone decides. Must not be negative
   * (else INVALID_ARGUMENT). Kept in the parked record's failure.
   */
  'retry_after': (_google_protobuf_Duration__Output | null);
}
