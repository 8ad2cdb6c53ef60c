// Original file: proto/salvage/v1/parking_lot.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { RedriveOptions as _salvage_v1_RedriveOptions, RedriveOptions__Output as _salvage_v1_RedriveOptions__Output } from '../../salvage/v1/RedriveOptions';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/salvage/v1/parking_lot.proto

export const _salvage_v1_Run_Kind = {
  KIND_UNSPECIFIED: 'KIND_UNSPECIFIED',
  RESUBMIT: 'RESUBMIT',
  RETRIAGE: 'RETRIAGE',
} as const;

export type _salvage_v1_Run_Kind =
  | 'KIND_UNSPECIFIED'
  | 0
  | 'RESUBMIT'
  | 1
  | 'RETRIAGE'
  | 2

export type _salvage_v1_Run_Kind__Output = typeof _salvage_v1_Run_Kind[keyof typeof _salvage_v1_Run_Kind]

// Original file: proto/salvage/v1/parking_lot.proto

export const _salvage_v1_Run_State = {
  STATE_UNSPECIFIED: 'STATE_UNSPECIFIED',
  RUNNING: 'RUNNING',
  /**
   * The canary was resubmitted; waiting for its fate.
   */
  CANARY_WAIT: 'CANARY_WAIT',
  /**
   * Every message handled, and every resubmitted copy delivered to its destination.
   */
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  /**
   * Stopped by itself: too many resubmitted messages failed again (see `stop_reason`).
   */
  STOPPED: 'STOPPED',
  /**
   * Every message handled; some resubmitted copies are still in a broker outbox, waiting for
   * the broker to confirm them (`delivered` + `delivery_failed` < `resubmitted`).
   */
  DELIVERING: 'DELIVERING',
  /**
   * Every message handled, but `delivery_failed` resubmitted copies were refused by their
   * broker until they were parked again.
   */
  COMPLETED_WITH_FAILURES: 'COMPLETED_WITH_FAILURES',
} as const;

export type _salvage_v1_Run_State =
  | 'STATE_UNSPECIFIED'
  | 0
  | 'RUNNING'
  | 1
  /**
   * The canary was resubmitted; waiting for its fate.
   */
  | 'CANARY_WAIT'
  | 2
  /**
   * Every message handled, and every resubmitted copy delivered to its destination.
   */
  | 'COMPLETED'
  | 3
  | 'CANCELLED'
  | 4
  /**
   * Stopped by itself: too many resubmitted messages failed again (see `stop_reason`).
   */
  | 'STOPPED'
  | 5
  /**
   * Every message handled; some resubmitted copies are still in a broker outbox, waiting for
   * the broker to confirm them (`delivered` + `delivery_failed` < `resubmitted`).
   */
  | 'DELIVERING'
  | 6
  /**
   * Every message handled, but `delivery_failed` resubmitted copies were refused by their
   * broker until they were parked again.
   */
  | 'COMPLETED_WITH_FAILURES'
  | 7

export type _salvage_v1_Run_State__Output = typeof _salvage_v1_Run_State[keyof typeof _salvage_v1_Run_State]

/**
 * A bulk resubmit or re-triage.
 */
export interface Run {
  'run_id'?: (string);
  'kind'?: (_salvage_v1_Run_Kind);
  'state'?: (_salvage_v1_Run_State);
  /**
   * Messages selected when the run started.
   */
  'total'?: (number | string | Long);
  /**
   * Messages handled so far (resubmitted or skipped).
   */
  'done'?: (number | string | Long);
  'resubmitted'?: (number | string | Long);
  /**
   * No longer parked when their turn came (resolved by someone else), or, for a re-triage, not
   * repaired by any rule.
   */
  'skipped'?: (number | string | Long);
  /**
   * Resubmitted messages that were reported failing again.
   */
  'failed_again'?: (number | string | Long);
  'stop_reason'?: (string);
  'created_by'?: (string);
  'created_at'?: (_google_protobuf_Timestamp | null);
  'updated_at'?: (_google_protobuf_Timestamp | null);
  'options'?: (_salvage_v1_RedriveOptions | null);
  'comment'?: (string);
  /**
   * Resubmitted copies their destination took (a Redis stream at once; a broker once it
   * confirmed them).
   */
  'delivered'?: (number | string | Long);
  /**
   * Resubmitted copies a broker refused until they were parked again (see the parking lot).
   */
  'delivery_failed'?: (number | string | Long);
}

/**
 * A bulk resubmit or re-triage.
 */
export interface Run__Output {
  'run_id': (string);
  'kind': (_salvage_v1_Run_Kind__Output);
  'state': (_salvage_v1_Run_State__Output);
  /**
   * Messages selected when the run started.
   */
  'total': (string);
  /**
   * Messages handled so far (resubmitted or skipped).
   */
  'done': (string);
  'resubmitted': (string);
  /**
   * No longer parked when their turn came (resolved by someone else), or, for a re-triage, not
   * repaired by any rule.
   */
  'skipped': (string);
  /**
   * Resubmitted messages that were reported failing again.
   */
  'failed_again': (string);
  'stop_reason': (string);
  'created_by': (string);
  'created_at': (_google_protobuf_Timestamp__Output | null);
  'updated_at': (_google_protobuf_Timestamp__Output | null);
  'options': (_salvage_v1_RedriveOptions__Output | null);
  'comment': (string);
  /**
   * Resubmitted copies their destination took (a Redis stream at once; a broker once it
   * confirmed them).
   */
  'delivered': (string);
  /**
   * Resubmitted copies a broker refused until they were parked again (see the parking lot).
   */
  'delivery_failed': (string);
}
