// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Archived {
  'discarded_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Token name of the operator, or "retention" when the parking lot's retention expired it.
   */
  'discarded_by'?: (string);
  'reason'?: (string);
  /**
   * When retention deletes it for good, if a maximum age is configured.
   */
  'expires_at'?: (_google_protobuf_Timestamp | null);
}

export interface Archived__Output {
  'discarded_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Token name of the operator, or "retention" when the parking lot's retention expired it.
   */
  'discarded_by': (string);
  'reason': (string);
  /**
   * When retention deletes it for good, if a maximum age is configured.
   */
  'expires_at': (_google_protobuf_Timestamp__Output | null);
}
