// Original file: proto/salvage/v1/parking_lot.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';

/**
 * Safe redrive: how fast, and when to stop by itself.
 */
export interface RedriveOptions {
  /**
   * At most this many messages per second; 0 means as fast as Salvage can.
   */
  'rate_per_second'?: (number | string);
  /**
   * Resubmit this many first, wait `canary_wait` for their fate, then the rest (0: no canary).
   */
  'canary'?: (number);
  /**
   * How long to wait after the canary (default 30s).
   */
  'canary_wait'?: (_google_protobuf_Duration | null);
  /**
   * Auto-stop: the run stops by itself once at least `stop_min_failures` of the messages it
   * resubmitted were reported failing again and they make up at least this share of those it
   * resubmitted (0 < ratio <= 1; 0 means the default, 0.2).
   */
  'stop_failure_ratio'?: (number | string);
  /**
   * See `stop_failure_ratio`; 0 means the default, 3.
   */
  'stop_min_failures'?: (number);
  /**
   * Never stop by itself.
   */
  'disable_auto_stop'?: (boolean);
}

/**
 * Safe redrive: how fast, and when to stop by itself.
 */
export interface RedriveOptions__Output {
  /**
   * At most this many messages per second; 0 means as fast as Salvage can.
   */
  'rate_per_second': (number);
  /**
   * Resubmit this many first, wait `canary_wait` for their fate, then the rest (0: no canary).
   */
  'canary': (number);
  /**
   * How long to wait after the canary (default 30s).
   */
  'canary_wait': (_google_protobuf_Duration__Output | null);
  /**
   * Auto-stop: the run stops by itself once at least `stop_min_failures` of the messages it
   * resubmitted were reported failing again and they make up at least this share of those it
   * resubmitted (0 < ratio <= 1; 0 means the default, 0.2).
   */
  'stop_failure_ratio': (number);
  /**
   * See `stop_failure_ratio`; 0 means the default, 3.
   */
  'stop_min_failures': (number);
  /**
   * Never stop by itself.
   */
  'disable_auto_stop': (boolean);
}
