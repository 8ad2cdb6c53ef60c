// Original file: proto/salvage/v1/parking_lot.proto


// Original file: proto/salvage/v1/parking_lot.proto

export const _salvage_v1_ListGroupsRequest_Sort = {
  /**
   * Most messages first.
   */
  COUNT: 'COUNT',
  /**
   * Most recently parked first.
   */
  RECENT: 'RECENT',
} as const;

export type _salvage_v1_ListGroupsRequest_Sort =
  /**
   * Most messages first.
   */
  | 'COUNT'
  | 0
  /**
   * Most recently parked first.
   */
  | 'RECENT'
  | 1

export type _salvage_v1_ListGroupsRequest_Sort__Output = typeof _salvage_v1_ListGroupsRequest_Sort[keyof typeof _salvage_v1_ListGroupsRequest_Sort]

export interface ListGroupsRequest {
  'sort'?: (_salvage_v1_ListGroupsRequest_Sort);
  /**
   * Only groups of this origin queue.
   */
  'queue'?: (string);
  /**
   * At most this many groups (default 100, at most 1000).
   */
  'limit'?: (number);
}

export interface ListGroupsRequest__Output {
  'sort': (_salvage_v1_ListGroupsRequest_Sort__Output);
  /**
   * Only groups of this origin queue.
   */
  'queue': (string);
  /**
   * At most this many groups (default 100, at most 1000).
   */
  'limit': (number);
}
