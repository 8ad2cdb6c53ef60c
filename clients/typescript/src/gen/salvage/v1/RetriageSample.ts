// Original file: proto/salvage/v1/parking_lot.proto


export interface RetriageSample {
  'tracking_id'?: (string);
  'rule'?: (string);
  'before'?: (Buffer | Uint8Array | string);
  'after'?: (Buffer | Uint8Array | string);
}

export interface RetriageSample__Output {
  'tracking_id': (string);
  'rule': (string);
  'before': (Buffer);
  'after': (Buffer);
}
