// Original file: proto/salvage/v1/salvage.proto

/**
 * The kind of failure, which decides the default handling when no rule matches.
 */
export const ErrorClass = {
  /**
   * Treated as UNKNOWN.
   */
  ERROR_CLASS_UNSPECIFIED: 'ERROR_CLASS_UNSPECIFIED',
  /**
   * A passing failure (timeout, downstream unavailable): by default retried after a backoff.
   */
  TRANSIENT: 'TRANSIENT',
  /**
   * The message's data is wrong (missing field, bad format): repaired by a rule, or parked.
   */
  DATA: 'DATA',
  /**
   * Anything else: repaired by a rule, or parked.
   */
  UNKNOWN: 'UNKNOWN',
} as const;

/**
 * The kind of failure, which decides the default handling when no rule matches.
 */
export type ErrorClass =
  /**
   * Treated as UNKNOWN.
   */
  | 'ERROR_CLASS_UNSPECIFIED'
  | 0
  /**
   * A passing failure (timeout, downstream unavailable): by default retried after a backoff.
   */
  | 'TRANSIENT'
  | 1
  /**
   * The message's data is wrong (missing field, bad format): repaired by a rule, or parked.
   */
  | 'DATA'
  | 2
  /**
   * Anything else: repaired by a rule, or parked.
   */
  | 'UNKNOWN'
  | 3

/**
 * The kind of failure, which decides the default handling when no rule matches.
 */
export type ErrorClass__Output = typeof ErrorClass[keyof typeof ErrorClass]
