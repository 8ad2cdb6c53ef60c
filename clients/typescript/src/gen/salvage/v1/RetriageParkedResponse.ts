// Original file: proto/salvage/v1/parking_lot.proto

import type { RetriageGroup as _salvage_v1_RetriageGroup, RetriageGroup__Output as _salvage_v1_RetriageGroup__Output } from '../../salvage/v1/RetriageGroup';
import type { Run as _salvage_v1_Run, Run__Output as _salvage_v1_Run__Output } from '../../salvage/v1/Run';
import type { Long } from '@grpc/proto-loader';

export interface RetriageParkedResponse {
  /**
   * Messages the selection matched.
   */
  'matched'?: (number | string | Long);
  /**
   * Of those, how many a rule would repair (and apply would resubmit).
   */
  'would_repair'?: (number | string | Long);
  'groups'?: (_salvage_v1_RetriageGroup)[];
  /**
   * The apply run (absent for a dry run).
   */
  'run'?: (_salvage_v1_Run | null);
  /**
   * The version of the rules this answer's counts and samples come from (`salvage check` and
   * salvage_rules_info show the version in force). An apply run decides each message again with
   * the rules in force at its turn; each message's history names the version that repaired it.
   */
  'rules_version'?: (string);
}

export interface RetriageParkedResponse__Output {
  /**
   * Messages the selection matched.
   */
  'matched': (string);
  /**
   * Of those, how many a rule would repair (and apply would resubmit).
   */
  'would_repair': (string);
  'groups': (_salvage_v1_RetriageGroup__Output)[];
  /**
   * The apply run (absent for a dry run).
   */
  'run': (_salvage_v1_Run__Output | null);
  /**
   * The version of the rules this answer's counts and samples come from (`salvage check` and
   * salvage_rules_info show the version in force). An apply run decides each message again with
   * the rules in force at its turn; each message's history names the version that repaired it.
   */
  'rules_version': (string);
}
