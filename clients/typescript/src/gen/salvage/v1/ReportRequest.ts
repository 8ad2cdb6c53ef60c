// Original file: proto/salvage/v1/salvage.proto

import type { FailedMessage as _salvage_v1_FailedMessage, FailedMessage__Output as _salvage_v1_FailedMessage__Output } from '../../salvage/v1/FailedMessage';
import type { Failure as _salvage_v1_Failure, Failure__Output as _salvage_v1_Failure__Output } from '../../salvage/v1/Failure';

export interface ReportRequest {
  /**
   * The message the consumer failed on. Required.
   */
  'message'?: (_salvage_v1_FailedMessage | null);
  /**
   * Why it failed. Required.
   */
  'failure'?: (_salvage_v1_Failure | null);
}

export interface ReportRequest__Output {
  /**
   * The message the consumer failed on. Required.
   */
  'message': (_salvage_v1_FailedMessage__Output | null);
  /**
   * Why it failed. Required.
   */
  'failure': (_salvage_v1_Failure__Output | null);
}
