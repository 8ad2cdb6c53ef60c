// Original file: proto/salvage/v1/parking_lot.proto

import type { ParkedSummary as _salvage_v1_ParkedSummary, ParkedSummary__Output as _salvage_v1_ParkedSummary__Output } from '../../salvage/v1/ParkedSummary';
import type { Failure as _salvage_v1_Failure, Failure__Output as _salvage_v1_Failure__Output } from '../../salvage/v1/Failure';
import type { Attempt as _salvage_v1_Attempt, Attempt__Output as _salvage_v1_Attempt__Output } from '../../salvage/v1/Attempt';
import type { Edit as _salvage_v1_Edit, Edit__Output as _salvage_v1_Edit__Output } from '../../salvage/v1/Edit';

/**
 * A parked (or archived) message, whole.
 */
export interface ParkedMessage {
  'summary'?: (_salvage_v1_ParkedSummary | null);
  'payload'?: (Buffer | Uint8Array | string);
  'content_type'?: (string);
  'headers'?: ({[key: string]: string});
  /**
   * The failure as last reported (detail cut to `limits.max_detail_bytes`).
   */
  'failure'?: (_salvage_v1_Failure | null);
  /**
   * Every report of this message to Salvage, oldest first, with the payload each repair produced.
   */
  'attempts'?: (_salvage_v1_Attempt)[];
  /**
   * Every edit, oldest first, with what it replaced.
   */
  'edits'?: (_salvage_v1_Edit)[];
  /**
   * The version of the rules that decided its last report (a content hash of the rules file and
   * the schema files it names, as `salvage check` prints it and `salvage_rules_info` shows it);
   * empty for messages parked before versions were recorded.
   */
  'rules_version'?: (string);
}

/**
 * A parked (or archived) message, whole.
 */
export interface ParkedMessage__Output {
  'summary': (_salvage_v1_ParkedSummary__Output | null);
  'payload': (Buffer);
  'content_type': (string);
  'headers': ({[key: string]: string});
  /**
   * The failure as last reported (detail cut to `limits.max_detail_bytes`).
   */
  'failure': (_salvage_v1_Failure__Output | null);
  /**
   * Every report of this message to Salvage, oldest first, with the payload each repair produced.
   */
  'attempts': (_salvage_v1_Attempt__Output)[];
  /**
   * Every edit, oldest first, with what it replaced.
   */
  'edits': (_salvage_v1_Edit__Output)[];
  /**
   * The version of the rules that decided its last report (a content hash of the rules file and
   * the schema files it names, as `salvage check` prints it and `salvage_rules_info` shows it);
   * empty for messages parked before versions were recorded.
   */
  'rules_version': (string);
}
