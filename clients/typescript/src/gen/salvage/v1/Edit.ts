// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface Edit {
  'version'?: (number | string | Long);
  'at'?: (_google_protobuf_Timestamp | null);
  'actor'?: (string);
  'previous_payload'?: (Buffer | Uint8Array | string);
  'previous_headers'?: ({[key: string]: string});
}

export interface Edit__Output {
  'version': (string);
  'at': (_google_protobuf_Timestamp__Output | null);
  'actor': (string);
  'previous_payload': (Buffer);
  'previous_headers': ({[key: string]: string});
}
