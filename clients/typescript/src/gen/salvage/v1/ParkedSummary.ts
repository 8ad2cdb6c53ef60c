// Original file: proto/salvage/v1/parking_lot.proto

import type { Origin as _salvage_v1_Origin, Origin__Output as _salvage_v1_Origin__Output } from '../../salvage/v1/Origin';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Archived as _salvage_v1_Archived, Archived__Output as _salvage_v1_Archived__Output } from '../../salvage/v1/Archived';
import type { Long } from '@grpc/proto-loader';

/**
 * A parked message in a list.
 */
export interface ParkedSummary {
  /**
   * Salvage's id for the parked message (the tracking id of the report that parked it).
   */
  'tracking_id'?: (string);
  /**
   * The message's own id.
   */
  'id'?: (string);
  'origin'?: (_salvage_v1_Origin | null);
  'event_type'?: (string);
  'error_code'?: (string);
  'error_message'?: (string);
  /**
   * Why it was parked, e.g. "no rule matched".
   */
  'reason'?: (string);
  /**
   * The rule that parked it, if any.
   */
  'rule'?: (string);
  /**
   * Failure group id.
   */
  'group'?: (string);
  'parked_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Last time the message was reported (it may be reported again while parked).
   */
  'last_seen'?: (_google_protobuf_Timestamp | null);
  /**
   * How many reports arrived for it while parked, the first included.
   */
  'reports'?: (number);
  /**
   * Changes with every edit; pass it to EditParked.
   */
  'version'?: (number | string | Long);
  'payload_bytes'?: (number);
  /**
   * The payload's first 120 characters (lossy UTF-8).
   */
  'payload_preview'?: (string);
  /**
   * Set for archived messages.
   */
  'archived'?: (_salvage_v1_Archived | null);
}

/**
 * A parked message in a list.
 */
export interface ParkedSummary__Output {
  /**
   * Salvage's id for the parked message (the tracking id of the report that parked it).
   */
  'tracking_id': (string);
  /**
   * The message's own id.
   */
  'id': (string);
  'origin': (_salvage_v1_Origin__Output | null);
  'event_type': (string);
  'error_code': (string);
  'error_message': (string);
  /**
   * Why it was parked, e.g. "no rule matched".
   */
  'reason': (string);
  /**
   * The rule that parked it, if any.
   */
  'rule': (string);
  /**
   * Failure group id.
   */
  'group': (string);
  'parked_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Last time the message was reported (it may be reported again while parked).
   */
  'last_seen': (_google_protobuf_Timestamp__Output | null);
  /**
   * How many reports arrived for it while parked, the first included.
   */
  'reports': (number);
  /**
   * Changes with every edit; pass it to EditParked.
   */
  'version': (string);
  'payload_bytes': (number);
  /**
   * The payload's first 120 characters (lossy UTF-8).
   */
  'payload_preview': (string);
  /**
   * Set for archived messages.
   */
  'archived': (_salvage_v1_Archived__Output | null);
}
