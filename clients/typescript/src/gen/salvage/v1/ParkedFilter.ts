// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * Which parked messages. Every field set must match (AND); an empty filter matches all.
 */
export interface ParkedFilter {
  /**
   * Origin queue, exactly.
   */
  'queue'?: (string);
  /**
   * Failure group id (from ListGroups or a message's `group`).
   */
  'group'?: (string);
  /**
   * The consumer's error code, exactly.
   */
  'error_code'?: (string);
  /**
   * The event type, exactly.
   */
  'event_type'?: (string);
  /**
   * Parked at or after this time.
   */
  'parked_after'?: (_google_protobuf_Timestamp | null);
  /**
   * Parked before this time.
   */
  'parked_before'?: (_google_protobuf_Timestamp | null);
  /**
   * The payload contains this text (case-sensitive substring of the raw bytes).
   */
  'text'?: (string);
  /**
   * A JSON Pointer into the payload, e.g. "/customer/id". Alone: the payload (JSON) has a value
   * there. With `json_value`: that value, as JSON text or as a plain string, equals it.
   */
  'json_pointer'?: (string);
  /**
   * See `json_pointer`. "42" matches the number 42 and the string "42".
   */
  'json_value'?: (string);
  /**
   * Origin destination name, exactly.
   */
  'destination'?: (string);
}

/**
 * Which parked messages. Every field set must match (AND); an empty filter matches all.
 */
export interface ParkedFilter__Output {
  /**
   * Origin queue, exactly.
   */
  'queue': (string);
  /**
   * Failure group id (from ListGroups or a message's `group`).
   */
  'group': (string);
  /**
   * The consumer's error code, exactly.
   */
  'error_code': (string);
  /**
   * The event type, exactly.
   */
  'event_type': (string);
  /**
   * Parked at or after this time.
   */
  'parked_after': (_google_protobuf_Timestamp__Output | null);
  /**
   * Parked before this time.
   */
  'parked_before': (_google_protobuf_Timestamp__Output | null);
  /**
   * The payload contains this text (case-sensitive substring of the raw bytes).
   */
  'text': (string);
  /**
   * A JSON Pointer into the payload, e.g. "/customer/id". Alone: the payload (JSON) has a value
   * there. With `json_value`: that value, as JSON text or as a plain string, equals it.
   */
  'json_pointer': (string);
  /**
   * See `json_pointer`. "42" matches the number 42 and the string "42".
   */
  'json_value': (string);
  /**
   * Origin destination name, exactly.
   */
  'destination': (string);
}
