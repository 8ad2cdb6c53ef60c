// Original file: proto/salvage/v1/parking_lot.proto

import type { ParkedFilter as _salvage_v1_ParkedFilter, ParkedFilter__Output as _salvage_v1_ParkedFilter__Output } from '../../salvage/v1/ParkedFilter';

export interface ListParkedRequest {
  'filter'?: (_salvage_v1_ParkedFilter | null);
  /**
   * At most this many messages (default 50, at most 1000).
   */
  'page_size'?: (number);
  /**
   * `next_page_token` of the previous page; empty for the first page.
   */
  'page_token'?: (string);
}

export interface ListParkedRequest__Output {
  'filter': (_salvage_v1_ParkedFilter__Output | null);
  /**
   * At most this many messages (default 50, at most 1000).
   */
  'page_size': (number);
  /**
   * `next_page_token` of the previous page; empty for the first page.
   */
  'page_token': (string);
}
