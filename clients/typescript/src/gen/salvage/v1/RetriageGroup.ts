// Original file: proto/salvage/v1/parking_lot.proto

import type { RetriageSample as _salvage_v1_RetriageSample, RetriageSample__Output as _salvage_v1_RetriageSample__Output } from '../../salvage/v1/RetriageSample';
import type { Long } from '@grpc/proto-loader';

export interface RetriageGroup {
  'group'?: (string);
  'matched'?: (number | string | Long);
  'would_repair'?: (number | string | Long);
  /**
   * What the rules decide for the rest: counts by decision ("park", "retry", "requeue" without
   * a change) and by rule.
   */
  'by_decision'?: ({[key: string]: number | string | Long});
  'by_rule'?: ({[key: string]: number | string | Long});
  'samples'?: (_salvage_v1_RetriageSample)[];
}

export interface RetriageGroup__Output {
  'group': (string);
  'matched': (string);
  'would_repair': (string);
  /**
   * What the rules decide for the rest: counts by decision ("park", "retry", "requeue" without
   * a change) and by rule.
   */
  'by_decision': ({[key: string]: string});
  'by_rule': ({[key: string]: string});
  'samples': (_salvage_v1_RetriageSample__Output)[];
}
