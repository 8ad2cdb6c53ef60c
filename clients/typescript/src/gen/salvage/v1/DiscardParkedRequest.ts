// Original file: proto/salvage/v1/parking_lot.proto

import type { Selection as _salvage_v1_Selection, Selection__Output as _salvage_v1_Selection__Output } from '../../salvage/v1/Selection';

export interface DiscardParkedRequest {
  'selection'?: (_salvage_v1_Selection | null);
  /**
   * Why. Required.
   */
  'reason'?: (string);
  'dry_run'?: (boolean);
}

export interface DiscardParkedRequest__Output {
  'selection': (_salvage_v1_Selection__Output | null);
  /**
   * Why. Required.
   */
  'reason': (string);
  'dry_run': (boolean);
}
