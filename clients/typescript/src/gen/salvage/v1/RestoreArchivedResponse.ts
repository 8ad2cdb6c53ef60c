// Original file: proto/salvage/v1/parking_lot.proto

import type { Long } from '@grpc/proto-loader';

export interface RestoreArchivedResponse {
  'matched'?: (number | string | Long);
  'restored'?: (number | string | Long);
  /**
   * Archived messages not restored, with why (e.g. the message was parked again since).
   */
  'not_restored'?: (string)[];
}

export interface RestoreArchivedResponse__Output {
  'matched': (string);
  'restored': (string);
  /**
   * Archived messages not restored, with why (e.g. the message was parked again since).
   */
  'not_restored': (string)[];
}
