// Original file: proto/salvage/v1/parking_lot.proto

import type { ParkedFilter as _salvage_v1_ParkedFilter, ParkedFilter__Output as _salvage_v1_ParkedFilter__Output } from '../../salvage/v1/ParkedFilter';

/**
 * Which messages a bulk operation touches: ids, or a filter (or a group, as a filter).
 */
export interface Selection {
  'tracking_ids'?: (string)[];
  'filter'?: (_salvage_v1_ParkedFilter | null);
}

/**
 * Which messages a bulk operation touches: ids, or a filter (or a group, as a filter).
 */
export interface Selection__Output {
  'tracking_ids': (string)[];
  'filter': (_salvage_v1_ParkedFilter__Output | null);
}
