// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface FailureGroup {
  'group'?: (string);
  /**
   * Parked messages in the group now.
   */
  'count'?: (number | string | Long);
  'first_seen'?: (_google_protobuf_Timestamp | null);
  'last_seen'?: (_google_protobuf_Timestamp | null);
  /**
   * Origin queues of the group's messages.
   */
  'origins'?: (string)[];
  'error_code'?: (string);
  /**
   * The error message of the group's first message.
   */
  'sample_error'?: (string);
}

export interface FailureGroup__Output {
  'group': (string);
  /**
   * Parked messages in the group now.
   */
  'count': (string);
  'first_seen': (_google_protobuf_Timestamp__Output | null);
  'last_seen': (_google_protobuf_Timestamp__Output | null);
  /**
   * Origin queues of the group's messages.
   */
  'origins': (string)[];
  'error_code': (string);
  /**
   * The error message of the group's first message.
   */
  'sample_error': (string);
}
