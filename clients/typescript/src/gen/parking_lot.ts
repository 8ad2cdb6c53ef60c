import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { Archived as _salvage_v1_Archived, Archived__Output as _salvage_v1_Archived__Output } from './salvage/v1/Archived';
import type { Attempt as _salvage_v1_Attempt, Attempt__Output as _salvage_v1_Attempt__Output } from './salvage/v1/Attempt';
import type { AuditEntry as _salvage_v1_AuditEntry, AuditEntry__Output as _salvage_v1_AuditEntry__Output } from './salvage/v1/AuditEntry';
import type { DiscardParkedRequest as _salvage_v1_DiscardParkedRequest, DiscardParkedRequest__Output as _salvage_v1_DiscardParkedRequest__Output } from './salvage/v1/DiscardParkedRequest';
import type { DiscardParkedResponse as _salvage_v1_DiscardParkedResponse, DiscardParkedResponse__Output as _salvage_v1_DiscardParkedResponse__Output } from './salvage/v1/DiscardParkedResponse';
import type { Edit as _salvage_v1_Edit, Edit__Output as _salvage_v1_Edit__Output } from './salvage/v1/Edit';
import type { EditParkedRequest as _salvage_v1_EditParkedRequest, EditParkedRequest__Output as _salvage_v1_EditParkedRequest__Output } from './salvage/v1/EditParkedRequest';
import type { FailedMessage as _salvage_v1_FailedMessage, FailedMessage__Output as _salvage_v1_FailedMessage__Output } from './salvage/v1/FailedMessage';
import type { Failure as _salvage_v1_Failure, Failure__Output as _salvage_v1_Failure__Output } from './salvage/v1/Failure';
import type { FailureGroup as _salvage_v1_FailureGroup, FailureGroup__Output as _salvage_v1_FailureGroup__Output } from './salvage/v1/FailureGroup';
import type { GetParkedRequest as _salvage_v1_GetParkedRequest, GetParkedRequest__Output as _salvage_v1_GetParkedRequest__Output } from './salvage/v1/GetParkedRequest';
import type { GetRunRequest as _salvage_v1_GetRunRequest, GetRunRequest__Output as _salvage_v1_GetRunRequest__Output } from './salvage/v1/GetRunRequest';
import type { ListAuditRequest as _salvage_v1_ListAuditRequest, ListAuditRequest__Output as _salvage_v1_ListAuditRequest__Output } from './salvage/v1/ListAuditRequest';
import type { ListAuditResponse as _salvage_v1_ListAuditResponse, ListAuditResponse__Output as _salvage_v1_ListAuditResponse__Output } from './salvage/v1/ListAuditResponse';
import type { ListGroupsRequest as _salvage_v1_ListGroupsRequest, ListGroupsRequest__Output as _salvage_v1_ListGroupsRequest__Output } from './salvage/v1/ListGroupsRequest';
import type { ListGroupsResponse as _salvage_v1_ListGroupsResponse, ListGroupsResponse__Output as _salvage_v1_ListGroupsResponse__Output } from './salvage/v1/ListGroupsResponse';
import type { ListParkedRequest as _salvage_v1_ListParkedRequest, ListParkedRequest__Output as _salvage_v1_ListParkedRequest__Output } from './salvage/v1/ListParkedRequest';
import type { ListParkedResponse as _salvage_v1_ListParkedResponse, ListParkedResponse__Output as _salvage_v1_ListParkedResponse__Output } from './salvage/v1/ListParkedResponse';
import type { ListRunsRequest as _salvage_v1_ListRunsRequest, ListRunsRequest__Output as _salvage_v1_ListRunsRequest__Output } from './salvage/v1/ListRunsRequest';
import type { ListRunsResponse as _salvage_v1_ListRunsResponse, ListRunsResponse__Output as _salvage_v1_ListRunsResponse__Output } from './salvage/v1/ListRunsResponse';
import type { Origin as _salvage_v1_Origin, Origin__Output as _salvage_v1_Origin__Output } from './salvage/v1/Origin';
import type { ParkedFilter as _salvage_v1_ParkedFilter, ParkedFilter__Output as _salvage_v1_ParkedFilter__Output } from './salvage/v1/ParkedFilter';
import type { ParkedMessage as _salvage_v1_ParkedMessage, ParkedMessage__Output as _salvage_v1_ParkedMessage__Output } from './salvage/v1/ParkedMessage';
import type { ParkedSummary as _salvage_v1_ParkedSummary, ParkedSummary__Output as _salvage_v1_ParkedSummary__Output } from './salvage/v1/ParkedSummary';
import type { ParkingLotClient as _salvage_v1_ParkingLotClient, ParkingLotDefinition as _salvage_v1_ParkingLotDefinition } from './salvage/v1/ParkingLot';
import type { ParkingLotEvent as _salvage_v1_ParkingLotEvent, ParkingLotEvent__Output as _salvage_v1_ParkingLotEvent__Output } from './salvage/v1/ParkingLotEvent';
import type { RedriveOptions as _salvage_v1_RedriveOptions, RedriveOptions__Output as _salvage_v1_RedriveOptions__Output } from './salvage/v1/RedriveOptions';
import type { ReportRequest as _salvage_v1_ReportRequest, ReportRequest__Output as _salvage_v1_ReportRequest__Output } from './salvage/v1/ReportRequest';
import type { ReportResponse as _salvage_v1_ReportResponse, ReportResponse__Output as _salvage_v1_ReportResponse__Output } from './salvage/v1/ReportResponse';
import type { RestoreArchivedRequest as _salvage_v1_RestoreArchivedRequest, RestoreArchivedRequest__Output as _salvage_v1_RestoreArchivedRequest__Output } from './salvage/v1/RestoreArchivedRequest';
import type { RestoreArchivedResponse as _salvage_v1_RestoreArchivedResponse, RestoreArchivedResponse__Output as _salvage_v1_RestoreArchivedResponse__Output } from './salvage/v1/RestoreArchivedResponse';
import type { ResubmitParkedRequest as _salvage_v1_ResubmitParkedRequest, ResubmitParkedRequest__Output as _salvage_v1_ResubmitParkedRequest__Output } from './salvage/v1/ResubmitParkedRequest';
import type { ResubmitParkedResponse as _salvage_v1_ResubmitParkedResponse, ResubmitParkedResponse__Output as _salvage_v1_ResubmitParkedResponse__Output } from './salvage/v1/ResubmitParkedResponse';
import type { RetriageGroup as _salvage_v1_RetriageGroup, RetriageGroup__Output as _salvage_v1_RetriageGroup__Output } from './salvage/v1/RetriageGroup';
import type { RetriageParkedRequest as _salvage_v1_RetriageParkedRequest, RetriageParkedRequest__Output as _salvage_v1_RetriageParkedRequest__Output } from './salvage/v1/RetriageParkedRequest';
import type { RetriageParkedResponse as _salvage_v1_RetriageParkedResponse, RetriageParkedResponse__Output as _salvage_v1_RetriageParkedResponse__Output } from './salvage/v1/RetriageParkedResponse';
import type { RetriageSample as _salvage_v1_RetriageSample, RetriageSample__Output as _salvage_v1_RetriageSample__Output } from './salvage/v1/RetriageSample';
import type { Run as _salvage_v1_Run, Run__Output as _salvage_v1_Run__Output } from './salvage/v1/Run';
import type { SalvageClient as _salvage_v1_SalvageClient, SalvageDefinition as _salvage_v1_SalvageDefinition } from './salvage/v1/Salvage';
import type { Selection as _salvage_v1_Selection, Selection__Output as _salvage_v1_Selection__Output } from './salvage/v1/Selection';
import type { WatchParkedRequest as _salvage_v1_WatchParkedRequest, WatchParkedRequest__Output as _salvage_v1_WatchParkedRequest__Output } from './salvage/v1/WatchParkedRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  salvage: {
    v1: {
      Archived: MessageTypeDefinition<_salvage_v1_Archived, _salvage_v1_Archived__Output>
      Attempt: MessageTypeDefinition<_salvage_v1_Attempt, _salvage_v1_Attempt__Output>
      AuditEntry: MessageTypeDefinition<_salvage_v1_AuditEntry, _salvage_v1_AuditEntry__Output>
      DiscardParkedRequest: MessageTypeDefinition<_salvage_v1_DiscardParkedRequest, _salvage_v1_DiscardParkedRequest__Output>
      DiscardParkedResponse: MessageTypeDefinition<_salvage_v1_DiscardParkedResponse, _salvage_v1_DiscardParkedResponse__Output>
      Edit: MessageTypeDefinition<_salvage_v1_Edit, _salvage_v1_Edit__Output>
      EditParkedRequest: MessageTypeDefinition<_salvage_v1_EditParkedRequest, _salvage_v1_EditParkedRequest__Output>
      ErrorClass: EnumTypeDefinition
      FailedMessage: MessageTypeDefinition<_salvage_v1_FailedMessage, _salvage_v1_FailedMessage__Output>
      Failure: MessageTypeDefinition<_salvage_v1_Failure, _salvage_v1_Failure__Output>
      FailureGroup: MessageTypeDefinition<_salvage_v1_FailureGroup, _salvage_v1_FailureGroup__Output>
      GetParkedRequest: MessageTypeDefinition<_salvage_v1_GetParkedRequest, _salvage_v1_GetParkedRequest__Output>
      GetRunRequest: MessageTypeDefinition<_salvage_v1_GetRunRequest, _salvage_v1_GetRunRequest__Output>
      ListAuditRequest: MessageTypeDefinition<_salvage_v1_ListAuditRequest, _salvage_v1_ListAuditRequest__Output>
      ListAuditResponse: MessageTypeDefinition<_salvage_v1_ListAuditResponse, _salvage_v1_ListAuditResponse__Output>
      ListGroupsRequest: MessageTypeDefinition<_salvage_v1_ListGroupsRequest, _salvage_v1_ListGroupsRequest__Output>
      ListGroupsResponse: MessageTypeDefinition<_salvage_v1_ListGroupsResponse, _salvage_v1_ListGroupsResponse__Output>
      ListParkedRequest: MessageTypeDefinition<_salvage_v1_ListParkedRequest, _salvage_v1_ListParkedRequest__Output>
      ListParkedResponse: MessageTypeDefinition<_salvage_v1_ListParkedResponse, _salvage_v1_ListParkedResponse__Output>
      ListRunsRequest: MessageTypeDefinition<_salvage_v1_ListRunsRequest, _salvage_v1_ListRunsRequest__Output>
      ListRunsResponse: MessageTypeDefinition<_salvage_v1_ListRunsResponse, _salvage_v1_ListRunsResponse__Output>
      Origin: MessageTypeDefinition<_salvage_v1_Origin, _salvage_v1_Origin__Output>
      Outcome: EnumTypeDefinition
      ParkedFilter: MessageTypeDefinition<_salvage_v1_ParkedFilter, _salvage_v1_ParkedFilter__Output>
      ParkedMessage: MessageTypeDefinition<_salvage_v1_ParkedMessage, _salvage_v1_ParkedMessage__Output>
      ParkedSummary: MessageTypeDefinition<_salvage_v1_ParkedSummary, _salvage_v1_ParkedSummary__Output>
      ParkingLot: SubtypeConstructor<typeof grpc.Client, _salvage_v1_ParkingLotClient> & { service: _salvage_v1_ParkingLotDefinition }
      ParkingLotEvent: MessageTypeDefinition<_salvage_v1_ParkingLotEvent, _salvage_v1_ParkingLotEvent__Output>
      RedriveOptions: MessageTypeDefinition<_salvage_v1_RedriveOptions, _salvage_v1_RedriveOptions__Output>
      ReportRequest: MessageTypeDefinition<_salvage_v1_ReportRequest, _salvage_v1_ReportRequest__Output>
      ReportResponse: MessageTypeDefinition<_salvage_v1_ReportResponse, _salvage_v1_ReportResponse__Output>
      RestoreArchivedRequest: MessageTypeDefinition<_salvage_v1_RestoreArchivedRequest, _salvage_v1_RestoreArchivedRequest__Output>
      RestoreArchivedResponse: MessageTypeDefinition<_salvage_v1_RestoreArchivedResponse, _salvage_v1_RestoreArchivedResponse__Output>
      ResubmitParkedRequest: MessageTypeDefinition<_salvage_v1_ResubmitParkedRequest, _salvage_v1_ResubmitParkedRequest__Output>
      ResubmitParkedResponse: MessageTypeDefinition<_salvage_v1_ResubmitParkedResponse, _salvage_v1_ResubmitParkedResponse__Output>
      RetriageGroup: MessageTypeDefinition<_salvage_v1_RetriageGroup, _salvage_v1_RetriageGroup__Output>
      RetriageParkedRequest: MessageTypeDefinition<_salvage_v1_RetriageParkedRequest, _salvage_v1_RetriageParkedRequest__Output>
      RetriageParkedResponse: MessageTypeDefinition<_salvage_v1_RetriageParkedResponse, _salvage_v1_RetriageParkedResponse__Output>
      RetriageSample: MessageTypeDefinition<_salvage_v1_RetriageSample, _salvage_v1_RetriageSample__Output>
      Run: MessageTypeDefinition<_salvage_v1_Run, _salvage_v1_Run__Output>
      /**
       * Hand failed messages to Salvage.
       */
      Salvage: SubtypeConstructor<typeof grpc.Client, _salvage_v1_SalvageClient> & { service: _salvage_v1_SalvageDefinition }
      Selection: MessageTypeDefinition<_salvage_v1_Selection, _salvage_v1_Selection__Output>
      WatchParkedRequest: MessageTypeDefinition<_salvage_v1_WatchParkedRequest, _salvage_v1_WatchParkedRequest__Output>
    }
  }
}

