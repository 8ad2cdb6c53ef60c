// Original file: proto/salvage/v1/parking_lot.proto

import type { ParkedSummary as _salvage_v1_ParkedSummary, ParkedSummary__Output as _salvage_v1_ParkedSummary__Output } from '../../salvage/v1/ParkedSummary';
import type { Long } from '@grpc/proto-loader';

export interface ListParkedResponse {
  'messages'?: (_salvage_v1_ParkedSummary)[];
  /**
   * Pass as `page_token` for the next page; empty when there is no more.
   */
  'next_page_token'?: (string);
  /**
   * How many messages were examined for this page. Filters on the payload, error code or event
   * type are applied while scanning; a page may come back short (even empty) with a
   * `next_page_token` when the scan budget of one call ran out: ask for the next page.
   */
  'scanned'?: (number);
  /**
   * Messages in the index the page was read from (all parked, or the queue's or the group's),
   * before the other filters.
   */
  'total_in_index'?: (number | string | Long);
}

export interface ListParkedResponse__Output {
  'messages': (_salvage_v1_ParkedSummary__Output)[];
  /**
   * Pass as `page_token` for the next page; empty when there is no more.
   */
  'next_page_token': (string);
  /**
   * How many messages were examined for this page. Filters on the payload, error code or event
   * type are applied while scanning; a page may come back short (even empty) with a
   * `next_page_token` when the scan budget of one call ran out: ask for the next page.
   */
  'scanned': (number);
  /**
   * Messages in the index the page was read from (all parked, or the queue's or the group's),
   * before the other filters.
   */
  'total_in_index': (string);
}
