// Original file: proto/salvage/v1/salvage.proto


export interface Origin {
  /**
   * The name of a destination configured in Salvage (e.g. "redis"). Empty means the configured
   * default destination.
   */
  'destination'?: (string);
  /**
   * The stream/queue/topic the message was consumed from; repaired copies go back here. Required.
   */
  'queue'?: (string);
  /**
   * The message's partition or ordering key, if the broker has one. Kept on requeued copies.
   */
  'partition_key'?: (string);
}

export interface Origin__Output {
  /**
   * The name of a destination configured in Salvage (e.g. "redis"). Empty means the configured
   * default destination.
   */
  'destination': (string);
  /**
   * The stream/queue/topic the message was consumed from; repaired copies go back here. Required.
   */
  'queue': (string);
  /**
   * The message's partition or ordering key, if the broker has one. Kept on requeued copies.
   */
  'partition_key': (string);
}
