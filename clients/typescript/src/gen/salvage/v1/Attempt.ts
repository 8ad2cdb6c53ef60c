// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Attempt {
  'attempt'?: (number);
  /**
   * REQUEUED, RETRY_SCHEDULED, PARKED or RESUBMITTED.
   */
  'outcome'?: (string);
  'reason'?: (string);
  'at'?: (_google_protobuf_Timestamp | null);
  'tracking_id'?: (string);
  'rule'?: (string);
  'error_code'?: (string);
  'error_message'?: (string);
  /**
   * The payload this attempt sent back (a repair, or an operator's resubmit), if it changed.
   */
  'payload'?: (Buffer | Uint8Array | string);
  'has_payload'?: (boolean);
  /**
   * For RESUBMITTED: who.
   */
  'actor'?: (string);
  /**
   * The version of the rules that decided this report (or repaired it in a re-triage run).
   */
  'rules_version'?: (string);
}

export interface Attempt__Output {
  'attempt': (number);
  /**
   * REQUEUED, RETRY_SCHEDULED, PARKED or RESUBMITTED.
   */
  'outcome': (string);
  'reason': (string);
  'at': (_google_protobuf_Timestamp__Output | null);
  'tracking_id': (string);
  'rule': (string);
  'error_code': (string);
  'error_message': (string);
  /**
   * The payload this attempt sent back (a repair, or an operator's resubmit), if it changed.
   */
  'payload': (Buffer);
  'has_payload': (boolean);
  /**
   * For RESUBMITTED: who.
   */
  'actor': (string);
  /**
   * The version of the rules that decided this report (or repaired it in a re-triage run).
   */
  'rules_version': (string);
}
