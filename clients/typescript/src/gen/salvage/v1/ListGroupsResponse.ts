// Original file: proto/salvage/v1/parking_lot.proto

import type { FailureGroup as _salvage_v1_FailureGroup, FailureGroup__Output as _salvage_v1_FailureGroup__Output } from '../../salvage/v1/FailureGroup';
import type { Long } from '@grpc/proto-loader';

export interface ListGroupsResponse {
  'groups'?: (_salvage_v1_FailureGroup)[];
  /**
   * Groups with parked messages, in all.
   */
  'total_groups'?: (number | string | Long);
}

export interface ListGroupsResponse__Output {
  'groups': (_salvage_v1_FailureGroup__Output)[];
  /**
   * Groups with parked messages, in all.
   */
  'total_groups': (string);
}
