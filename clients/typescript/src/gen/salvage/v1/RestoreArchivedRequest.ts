// Original file: proto/salvage/v1/parking_lot.proto

import type { Selection as _salvage_v1_Selection, Selection__Output as _salvage_v1_Selection__Output } from '../../salvage/v1/Selection';

export interface RestoreArchivedRequest {
  'selection'?: (_salvage_v1_Selection | null);
  'comment'?: (string);
  'dry_run'?: (boolean);
}

export interface RestoreArchivedRequest__Output {
  'selection': (_salvage_v1_Selection__Output | null);
  'comment': (string);
  'dry_run': (boolean);
}
