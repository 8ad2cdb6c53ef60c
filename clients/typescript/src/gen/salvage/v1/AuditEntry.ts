// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface AuditEntry {
  'id'?: (string);
  'at'?: (_google_protobuf_Timestamp | null);
  'actor'?: (string);
  'role'?: (string);
  /**
   * edit, resubmit, retriage, discard, restore, cancel_run, resume_run, reveal.
   */
  'action'?: (string);
  /**
   * The messages touched (at most 100 listed; `message_count` has them all).
   */
  'tracking_ids'?: (string)[];
  'message_count'?: (number | string | Long);
  /**
   * The filter, for bulk actions, as JSON.
   */
  'filter'?: (string);
  'run_id'?: (string);
  'comment'?: (string);
  /**
   * For edits: the payload and headers (JSON) before and after.
   */
  'payload_before'?: (Buffer | Uint8Array | string);
  'payload_after'?: (Buffer | Uint8Array | string);
  'headers_before'?: (string);
  'headers_after'?: (string);
}

export interface AuditEntry__Output {
  'id': (string);
  'at': (_google_protobuf_Timestamp__Output | null);
  'actor': (string);
  'role': (string);
  /**
   * edit, resubmit, retriage, discard, restore, cancel_run, resume_run, reveal.
   */
  'action': (string);
  /**
   * The messages touched (at most 100 listed; `message_count` has them all).
   */
  'tracking_ids': (string)[];
  'message_count': (string);
  /**
   * The filter, for bulk actions, as JSON.
   */
  'filter': (string);
  'run_id': (string);
  'comment': (string);
  /**
   * For edits: the payload and headers (JSON) before and after.
   */
  'payload_before': (Buffer);
  'payload_after': (Buffer);
  'headers_before': (string);
  'headers_after': (string);
}
