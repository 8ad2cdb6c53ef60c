// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

// Original file: proto/salvage/v1/parking_lot.proto

export const _salvage_v1_ParkingLotEvent_Kind = {
  KIND_UNSPECIFIED: 'KIND_UNSPECIFIED',
  PARKED: 'PARKED',
  EDITED: 'EDITED',
  RESUBMITTED: 'RESUBMITTED',
  DISCARDED: 'DISCARDED',
  RESTORED: 'RESTORED',
  /**
   * Moved to the archive (or deleted from it) by retention.
   */
  EXPIRED: 'EXPIRED',
} as const;

export type _salvage_v1_ParkingLotEvent_Kind =
  | 'KIND_UNSPECIFIED'
  | 0
  | 'PARKED'
  | 1
  | 'EDITED'
  | 2
  | 'RESUBMITTED'
  | 3
  | 'DISCARDED'
  | 4
  | 'RESTORED'
  | 5
  /**
   * Moved to the archive (or deleted from it) by retention.
   */
  | 'EXPIRED'
  | 6

export type _salvage_v1_ParkingLotEvent_Kind__Output = typeof _salvage_v1_ParkingLotEvent_Kind[keyof typeof _salvage_v1_ParkingLotEvent_Kind]

export interface ParkingLotEvent {
  'kind'?: (_salvage_v1_ParkingLotEvent_Kind);
  /**
   * The messages concerned (bulk operations send one event per batch).
   */
  'tracking_ids'?: (string)[];
  'queue'?: (string);
  'group'?: (string);
  /**
   * Token name, "salvage" for parking by the workflow, "retention" for expiry.
   */
  'actor'?: (string);
  'at'?: (_google_protobuf_Timestamp | null);
  'event_id'?: (string);
}

export interface ParkingLotEvent__Output {
  'kind': (_salvage_v1_ParkingLotEvent_Kind__Output);
  /**
   * The messages concerned (bulk operations send one event per batch).
   */
  'tracking_ids': (string)[];
  'queue': (string);
  'group': (string);
  /**
   * Token name, "salvage" for parking by the workflow, "retention" for expiry.
   */
  'actor': (string);
  'at': (_google_protobuf_Timestamp__Output | null);
  'event_id': (string);
}
