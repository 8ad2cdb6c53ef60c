// Original file: proto/salvage/v1/parking_lot.proto

import type { Long } from '@grpc/proto-loader';

export interface EditParkedRequest {
  'tracking_id'?: (string);
  /**
   * The `version` you read. Required.
   */
  'expected_version'?: (number | string | Long);
  /**
   * The new payload; unset keeps the current one.
   */
  'payload'?: (Buffer | Uint8Array | string);
  /**
   * With `replace_headers`: the new headers (all of them); otherwise headers are unchanged.
   */
  'headers'?: ({[key: string]: string});
  'replace_headers'?: (boolean);
  /**
   * Why (kept in the audit log).
   */
  'comment'?: (string);
  '_payload'?: "payload";
}

export interface EditParkedRequest__Output {
  'tracking_id': (string);
  /**
   * The `version` you read. Required.
   */
  'expected_version': (string);
  /**
   * The new payload; unset keeps the current one.
   */
  'payload'?: (Buffer);
  /**
   * With `replace_headers`: the new headers (all of them); otherwise headers are unchanged.
   */
  'headers': ({[key: string]: string});
  'replace_headers': (boolean);
  /**
   * Why (kept in the audit log).
   */
  'comment': (string);
  '_payload'?: "payload";
}
