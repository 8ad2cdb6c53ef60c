// Original file: proto/salvage/v1/salvage.proto

import type { Origin as _salvage_v1_Origin, Origin__Output as _salvage_v1_Origin__Output } from '../../salvage/v1/Origin';

/**
 * The message as the consumer received it.
 */
export interface FailedMessage {
  /**
   * The message's own id, stable across redeliveries (e.g. a CloudEvents `id`). Required, at most
   * 512 bytes. Salvage counts attempts per (origin destination, origin queue, id).
   */
  'id'?: (string);
  /**
   * Where the message came from, and where a repaired copy goes back to. Required.
   */
  'origin'?: (_salvage_v1_Origin | null);
  /**
   * The message body, unchanged. Repair rules parse it as JSON. At most `limits.max_payload_bytes`
   * (1 MiB by default).
   */
  'payload'?: (Buffer | Uint8Array | string);
  /**
   * e.g. "application/json". Informational; kept on requeued copies.
   */
  'content_type'?: (string);
  /**
   * The message's headers as received. Kept on requeued copies, with Salvage's own headers
   * (`salvage-tracking-id`, `salvage-attempt`, `salvage-rule`, `salvage-error-code`) added.
   */
  'headers'?: ({[key: string]: string});
  /**
   * The event type, e.g. "OrderPlaced" (rules can match on it).
   */
  'event_type'?: (string);
}

/**
 * The message as the consumer received it.
 */
export interface FailedMessage__Output {
  /**
   * The message's own id, stable across redeliveries (e.g. a CloudEvents `id`). Required, at most
   * 512 bytes. Salvage counts attempts per (origin destination, origin queue, id).
   */
  'id': (string);
  /**
   * Where the message came from, and where a repaired copy goes back to. Required.
   */
  'origin': (_salvage_v1_Origin__Output | null);
  /**
   * The message body, unchanged. Repair rules parse it as JSON. At most `limits.max_payload_bytes`
   * (1 MiB by default).
   */
  'payload': (Buffer);
  /**
   * e.g. "application/json". Informational; kept on requeued copies.
   */
  'content_type': (string);
  /**
   * The message's headers as received. Kept on requeued copies, with Salvage's own headers
   * (`salvage-tracking-id`, `salvage-attempt`, `salvage-rule`, `salvage-error-code`) added.
   */
  'headers': ({[key: string]: string});
  /**
   * The event type, e.g. "OrderPlaced" (rules can match on it).
   */
  'event_type': (string);
}
