// Original file: proto/salvage/v1/parking_lot.proto


export interface ListAuditRequest {
  /**
   * At most this many entries (default 50, at most 1000).
   */
  'page_size'?: (number);
  'page_token'?: (string);
  /**
   * Only this actor's actions.
   */
  'actor'?: (string);
  /**
   * Only actions touching this message.
   */
  'tracking_id'?: (string);
}

export interface ListAuditRequest__Output {
  /**
   * At most this many entries (default 50, at most 1000).
   */
  'page_size': (number);
  'page_token': (string);
  /**
   * Only this actor's actions.
   */
  'actor': (string);
  /**
   * Only actions touching this message.
   */
  'tracking_id': (string);
}
