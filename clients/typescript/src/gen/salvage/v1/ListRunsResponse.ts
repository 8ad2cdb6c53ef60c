// Original file: proto/salvage/v1/parking_lot.proto

import type { Run as _salvage_v1_Run, Run__Output as _salvage_v1_Run__Output } from '../../salvage/v1/Run';

export interface ListRunsResponse {
  'runs'?: (_salvage_v1_Run)[];
}

export interface ListRunsResponse__Output {
  'runs': (_salvage_v1_Run__Output)[];
}
