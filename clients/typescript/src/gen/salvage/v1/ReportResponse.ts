// Original file: proto/salvage/v1/salvage.proto

import type { Outcome as _salvage_v1_Outcome, Outcome__Output as _salvage_v1_Outcome__Output } from '../../salvage/v1/Outcome';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ReportResponse {
  /**
   * Salvage's id for this outcome; requeued copies carry it in the `salvage-tracking-id` header.
   */
  'tracking_id'?: (string);
  'outcome'?: (_salvage_v1_Outcome);
  /**
   * The rule that decided, empty when no rule matched (the default applied).
   */
  'rule'?: (string);
  /**
   * For RETRY_SCHEDULED: when the message will be requeued.
   */
  'retry_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Why this outcome, in words, e.g. "no rule matched" or "attempt limit (5) reached".
   */
  'reason'?: (string);
  /**
   * How many times this message has been reported to Salvage, this report included.
   */
  'attempt'?: (number);
  /**
   * Only in ReportStream responses: why this request failed (what the status message of a unary
   * `Report` would have said). Empty otherwise.
   */
  'error'?: (string);
  /**
   * Only in ReportStream responses, with `error`: the gRPC status code a unary `Report` would
   * have returned (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 13 INTERNAL).
   * 0 otherwise.
   */
  'error_code'?: (number);
}

export interface ReportResponse__Output {
  /**
   * Salvage's id for this outcome; requeued copies carry it in the `salvage-tracking-id` header.
   */
  'tracking_id': (string);
  'outcome': (_salvage_v1_Outcome__Output);
  /**
   * The rule that decided, empty when no rule matched (the default applied).
   */
  'rule': (string);
  /**
   * For RETRY_SCHEDULED: when the message will be requeued.
   */
  'retry_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Why this outcome, in words, e.g. "no rule matched" or "attempt limit (5) reached".
   */
  'reason': (string);
  /**
   * How many times this message has been reported to Salvage, this report included.
   */
  'attempt': (number);
  /**
   * Only in ReportStream responses: why this request failed (what the status message of a unary
   * `Report` would have said). Empty otherwise.
   */
  'error': (string);
  /**
   * Only in ReportStream responses, with `error`: the gRPC status code a unary `Report` would
   * have returned (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 13 INTERNAL).
   * 0 otherwise.
   */
  'error_code': (number);
}
