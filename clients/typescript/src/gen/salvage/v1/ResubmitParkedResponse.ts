// Original file: proto/salvage/v1/parking_lot.proto

import type { Run as _salvage_v1_Run, Run__Output as _salvage_v1_Run__Output } from '../../salvage/v1/Run';
import type { ParkedSummary as _salvage_v1_ParkedSummary, ParkedSummary__Output as _salvage_v1_ParkedSummary__Output } from '../../salvage/v1/ParkedSummary';
import type { Long } from '@grpc/proto-loader';

export interface ResubmitParkedResponse {
  /**
   * The run (absent for a dry run).
   */
  'run'?: (_salvage_v1_Run | null);
  /**
   * Messages the selection matched.
   */
  'matched'?: (number | string | Long);
  /**
   * Up to 10 of them.
   */
  'sample'?: (_salvage_v1_ParkedSummary)[];
}

export interface ResubmitParkedResponse__Output {
  /**
   * The run (absent for a dry run).
   */
  'run': (_salvage_v1_Run__Output | null);
  /**
   * Messages the selection matched.
   */
  'matched': (string);
  /**
   * Up to 10 of them.
   */
  'sample': (_salvage_v1_ParkedSummary__Output)[];
}
