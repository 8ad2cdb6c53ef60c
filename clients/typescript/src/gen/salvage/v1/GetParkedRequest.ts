// Original file: proto/salvage/v1/parking_lot.proto


export interface GetParkedRequest {
  'tracking_id'?: (string);
  /**
   * Show the values at `parking_lot.sensitive` JSON Pointers in the clear (masked as
   * "[redacted]" otherwise). Needs the operator role; recorded in the audit log as "reveal".
   */
  'reveal'?: (boolean);
}

export interface GetParkedRequest__Output {
  'tracking_id': (string);
  /**
   * Show the values at `parking_lot.sensitive` JSON Pointers in the clear (masked as
   * "[redacted]" otherwise). Needs the operator role; recorded in the audit log as "reveal".
   */
  'reveal': (boolean);
}
