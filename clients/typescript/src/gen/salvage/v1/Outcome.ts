// Original file: proto/salvage/v1/salvage.proto

/**
 * What Salvage did with the message.
 */
export const Outcome = {
  /**
   * Only in a ReportStream response whose `error` is set: the request failed.
   */
  OUTCOME_UNSPECIFIED: 'OUTCOME_UNSPECIFIED',
  /**
   * Repaired (or passed unchanged) and sent back to the origin queue.
   */
  REQUEUED: 'REQUEUED',
  /**
   * To be sent back unchanged to the origin queue at `retry_at`.
   */
  RETRY_SCHEDULED: 'RETRY_SCHEDULED',
  /**
   * Kept in the parking lot for an operator; `reason` says why.
   */
  PARKED: 'PARKED',
  /**
   * Already handled: the last outcome of this message is still pending, or this is not the copy
   * Salvage sent last (the original redelivered, an older copy, the same report sent twice).
   * Nothing changed; `tracking_id` is the last outcome's. Acknowledge the message.
   */
  DUPLICATE: 'DUPLICATE',
} as const;

/**
 * What Salvage did with the message.
 */
export type Outcome =
  /**
   * Only in a ReportStream response whose `error` is set: the request failed.
   */
  | 'OUTCOME_UNSPECIFIED'
  | 0
  /**
   * Repaired (or passed unchanged) and sent back to the origin queue.
   */
  | 'REQUEUED'
  | 1
  /**
   * To be sent back unchanged to the origin queue at `retry_at`.
   */
  | 'RETRY_SCHEDULED'
  | 2
  /**
   * Kept in the parking lot for an operator; `reason` says why.
   */
  | 'PARKED'
  | 3
  /**
   * Already handled: the last outcome of this message is still pending, or this is not the copy
   * Salvage sent last (the original redelivered, an older copy, the same report sent twice).
   * Nothing changed; `tracking_id` is the last outcome's. Acknowledge the message.
   */
  | 'DUPLICATE'
  | 4

/**
 * What Salvage did with the message.
 */
export type Outcome__Output = typeof Outcome[keyof typeof Outcome]
