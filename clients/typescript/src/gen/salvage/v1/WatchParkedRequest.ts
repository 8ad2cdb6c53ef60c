// Original file: proto/salvage/v1/parking_lot.proto


export interface WatchParkedRequest {
  /**
   * Only events of this origin queue.
   */
  'queue'?: (string);
}

export interface WatchParkedRequest__Output {
  /**
   * Only events of this origin queue.
   */
  'queue': (string);
}
