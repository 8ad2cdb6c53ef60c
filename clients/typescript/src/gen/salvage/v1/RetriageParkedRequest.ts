// Original file: proto/salvage/v1/parking_lot.proto

import type { Selection as _salvage_v1_Selection, Selection__Output as _salvage_v1_Selection__Output } from '../../salvage/v1/Selection';
import type { RedriveOptions as _salvage_v1_RedriveOptions, RedriveOptions__Output as _salvage_v1_RedriveOptions__Output } from '../../salvage/v1/RedriveOptions';

export interface RetriageParkedRequest {
  'selection'?: (_salvage_v1_Selection | null);
  /**
   * Report what the current rules would do; change nothing.
   */
  'dry_run'?: (boolean);
  'options'?: (_salvage_v1_RedriveOptions | null);
  /**
   * Before/after samples per group in a dry run (default 1, at most 10).
   */
  'samples_per_group'?: (number);
  'comment'?: (string);
}

export interface RetriageParkedRequest__Output {
  'selection': (_salvage_v1_Selection__Output | null);
  /**
   * Report what the current rules would do; change nothing.
   */
  'dry_run': (boolean);
  'options': (_salvage_v1_RedriveOptions__Output | null);
  /**
   * Before/after samples per group in a dry run (default 1, at most 10).
   */
  'samples_per_group': (number);
  'comment': (string);
}
