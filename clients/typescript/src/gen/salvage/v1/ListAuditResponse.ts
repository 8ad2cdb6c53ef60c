// Original file: proto/salvage/v1/parking_lot.proto

import type { AuditEntry as _salvage_v1_AuditEntry, AuditEntry__Output as _salvage_v1_AuditEntry__Output } from '../../salvage/v1/AuditEntry';

export interface ListAuditResponse {
  'entries'?: (_salvage_v1_AuditEntry)[];
  'next_page_token'?: (string);
}

export interface ListAuditResponse__Output {
  'entries': (_salvage_v1_AuditEntry__Output)[];
  'next_page_token': (string);
}
