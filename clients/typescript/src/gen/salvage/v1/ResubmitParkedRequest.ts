// Original file: proto/salvage/v1/parking_lot.proto

import type { Selection as _salvage_v1_Selection, Selection__Output as _salvage_v1_Selection__Output } from '../../salvage/v1/Selection';
import type { RedriveOptions as _salvage_v1_RedriveOptions, RedriveOptions__Output as _salvage_v1_RedriveOptions__Output } from '../../salvage/v1/RedriveOptions';

export interface ResubmitParkedRequest {
  'selection'?: (_salvage_v1_Selection | null);
  'options'?: (_salvage_v1_RedriveOptions | null);
  /**
   * Only count what the selection matches (and show a sample); change nothing.
   */
  'dry_run'?: (boolean);
  /**
   * Why (kept in the audit log).
   */
  'comment'?: (string);
}

export interface ResubmitParkedRequest__Output {
  'selection': (_salvage_v1_Selection__Output | null);
  'options': (_salvage_v1_RedriveOptions__Output | null);
  /**
   * Only count what the selection matches (and show a sample); change nothing.
   */
  'dry_run': (boolean);
  /**
   * Why (kept in the audit log).
   */
  'comment': (string);
}
