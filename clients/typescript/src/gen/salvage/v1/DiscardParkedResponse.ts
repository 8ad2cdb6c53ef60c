// Original file: proto/salvage/v1/parking_lot.proto

import type { ParkedSummary as _salvage_v1_ParkedSummary, ParkedSummary__Output as _salvage_v1_ParkedSummary__Output } from '../../salvage/v1/ParkedSummary';
import type { Long } from '@grpc/proto-loader';

export interface DiscardParkedResponse {
  'matched'?: (number | string | Long);
  /**
   * Moved to the archive (0 for a dry run).
   */
  'discarded'?: (number | string | Long);
  'sample'?: (_salvage_v1_ParkedSummary)[];
}

export interface DiscardParkedResponse__Output {
  'matched': (string);
  /**
   * Moved to the archive (0 for a dry run).
   */
  'discarded': (string);
  'sample': (_salvage_v1_ParkedSummary__Output)[];
}
