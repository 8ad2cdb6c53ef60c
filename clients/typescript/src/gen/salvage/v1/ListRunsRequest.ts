// Original file: proto/salvage/v1/parking_lot.proto


export interface ListRunsRequest {
  'limit'?: (number);
}

export interface ListRunsRequest__Output {
  'limit': (number);
}
