// Original file: proto/salvage/v1/parking_lot.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DiscardParkedRequest as _salvage_v1_DiscardParkedRequest, DiscardParkedRequest__Output as _salvage_v1_DiscardParkedRequest__Output } from '../../salvage/v1/DiscardParkedRequest';
import type { DiscardParkedResponse as _salvage_v1_DiscardParkedResponse, DiscardParkedResponse__Output as _salvage_v1_DiscardParkedResponse__Output } from '../../salvage/v1/DiscardParkedResponse';
import type { EditParkedRequest as _salvage_v1_EditParkedRequest, EditParkedRequest__Output as _salvage_v1_EditParkedRequest__Output } from '../../salvage/v1/EditParkedRequest';
import type { GetParkedRequest as _salvage_v1_GetParkedRequest, GetParkedRequest__Output as _salvage_v1_GetParkedRequest__Output } from '../../salvage/v1/GetParkedRequest';
import type { GetRunRequest as _salvage_v1_GetRunRequest, GetRunRequest__Output as _salvage_v1_GetRunRequest__Output } from '../../salvage/v1/GetRunRequest';
import type { ListAuditRequest as _salvage_v1_ListAuditRequest, ListAuditRequest__Output as _salvage_v1_ListAuditRequest__Output } from '../../salvage/v1/ListAuditRequest';
import type { ListAuditResponse as _salvage_v1_ListAuditResponse, ListAuditResponse__Output as _salvage_v1_ListAuditResponse__Output } from '../../salvage/v1/ListAuditResponse';
import type { ListGroupsRequest as _salvage_v1_ListGroupsRequest, ListGroupsRequest__Output as _salvage_v1_ListGroupsRequest__Output } from '../../salvage/v1/ListGroupsRequest';
import type { ListGroupsResponse as _salvage_v1_ListGroupsResponse, ListGroupsResponse__Output as _salvage_v1_ListGroupsResponse__Output } from '../../salvage/v1/ListGroupsResponse';
import type { ListParkedRequest as _salvage_v1_ListParkedRequest, ListParkedRequest__Output as _salvage_v1_ListParkedRequest__Output } from '../../salvage/v1/ListParkedRequest';
import type { ListParkedResponse as _salvage_v1_ListParkedResponse, ListParkedResponse__Output as _salvage_v1_ListParkedResponse__Output } from '../../salvage/v1/ListParkedResponse';
import type { ListRunsRequest as _salvage_v1_ListRunsRequest, ListRunsRequest__Output as _salvage_v1_ListRunsRequest__Output } from '../../salvage/v1/ListRunsRequest';
import type { ListRunsResponse as _salvage_v1_ListRunsResponse, ListRunsResponse__Output as _salvage_v1_ListRunsResponse__Output } from '../../salvage/v1/ListRunsResponse';
import type { ParkedMessage as _salvage_v1_ParkedMessage, ParkedMessage__Output as _salvage_v1_ParkedMessage__Output } from '../../salvage/v1/ParkedMessage';
import type { ParkingLotEvent as _salvage_v1_ParkingLotEvent, ParkingLotEvent__Output as _salvage_v1_ParkingLotEvent__Output } from '../../salvage/v1/ParkingLotEvent';
import type { RestoreArchivedRequest as _salvage_v1_RestoreArchivedRequest, RestoreArchivedRequest__Output as _salvage_v1_RestoreArchivedRequest__Output } from '../../salvage/v1/RestoreArchivedRequest';
import type { RestoreArchivedResponse as _salvage_v1_RestoreArchivedResponse, RestoreArchivedResponse__Output as _salvage_v1_RestoreArchivedResponse__Output } from '../../salvage/v1/RestoreArchivedResponse';
import type { ResubmitParkedRequest as _salvage_v1_ResubmitParkedRequest, ResubmitParkedRequest__Output as _salvage_v1_ResubmitParkedRequest__Output } from '../../salvage/v1/ResubmitParkedRequest';
import type { ResubmitParkedResponse as _salvage_v1_ResubmitParkedResponse, ResubmitParkedResponse__Output as _salvage_v1_ResubmitParkedResponse__Output } from '../../salvage/v1/ResubmitParkedResponse';
import type { RetriageParkedRequest as _salvage_v1_RetriageParkedRequest, RetriageParkedRequest__Output as _salvage_v1_RetriageParkedRequest__Output } from '../../salvage/v1/RetriageParkedRequest';
import type { RetriageParkedResponse as _salvage_v1_RetriageParkedResponse, RetriageParkedResponse__Output as _salvage_v1_RetriageParkedResponse__Output } from '../../salvage/v1/RetriageParkedResponse';
import type { Run as _salvage_v1_Run, Run__Output as _salvage_v1_Run__Output } from '../../salvage/v1/Run';
import type { WatchParkedRequest as _salvage_v1_WatchParkedRequest, WatchParkedRequest__Output as _salvage_v1_WatchParkedRequest__Output } from '../../salvage/v1/WatchParkedRequest';

export interface ParkingLotClient extends grpc.Client {
  /**
   * Stop a run after the batch under way; it can be resumed.
   */
  CancelRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  CancelRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  CancelRun(argument: _salvage_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  CancelRun(argument: _salvage_v1_GetRunRequest, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  /**
   * Stop a run after the batch under way; it can be resumed.
   */
  cancelRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _salvage_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  cancelRun(argument: _salvage_v1_GetRunRequest, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  
  /**
   * Move parked messages to the archive with a reason. Archived messages are kept for
   * `parking_lot.archive.max_age` and can be restored until then.
   */
  DiscardParked(argument: _salvage_v1_DiscardParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  DiscardParked(argument: _salvage_v1_DiscardParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  DiscardParked(argument: _salvage_v1_DiscardParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  DiscardParked(argument: _salvage_v1_DiscardParkedRequest, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Move parked messages to the archive with a reason. Archived messages are kept for
   * `parking_lot.archive.max_age` and can be restored until then.
   */
  discardParked(argument: _salvage_v1_DiscardParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  discardParked(argument: _salvage_v1_DiscardParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  discardParked(argument: _salvage_v1_DiscardParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  discardParked(argument: _salvage_v1_DiscardParkedRequest, callback: grpc.requestCallback<_salvage_v1_DiscardParkedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replace the payload and/or headers of a parked message. Optimistic concurrency: pass the
   * `version` you read; if someone changed the message since, the call fails with ABORTED and
   * changes nothing. The previous payload and headers are kept in `edits`. For a message whose
   * content type is JSON (`application/json`, `text/json` or any `+json`), a payload that is not
   * JSON the rules can read (invalid, nested deeper than 127 levels, or with a key written twice
   * in an object) is refused with INVALID_ARGUMENT naming `payload` and saying where, and nothing
   * changes. The payload is stored byte for byte as sent (a mask left in place keeps the stored
   * value).
   */
  EditParked(argument: _salvage_v1_EditParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  EditParked(argument: _salvage_v1_EditParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  EditParked(argument: _salvage_v1_EditParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  EditParked(argument: _salvage_v1_EditParkedRequest, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  /**
   * Replace the payload and/or headers of a parked message. Optimistic concurrency: pass the
   * `version` you read; if someone changed the message since, the call fails with ABORTED and
   * changes nothing. The previous payload and headers are kept in `edits`. For a message whose
   * content type is JSON (`application/json`, `text/json` or any `+json`), a payload that is not
   * JSON the rules can read (invalid, nested deeper than 127 levels, or with a key written twice
   * in an object) is refused with INVALID_ARGUMENT naming `payload` and saying where, and nothing
   * changes. The payload is stored byte for byte as sent (a mask left in place keeps the stored
   * value).
   */
  editParked(argument: _salvage_v1_EditParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  editParked(argument: _salvage_v1_EditParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  editParked(argument: _salvage_v1_EditParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  editParked(argument: _salvage_v1_EditParkedRequest, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  
  /**
   * One parked (or archived) message, whole.
   */
  GetParked(argument: _salvage_v1_GetParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  GetParked(argument: _salvage_v1_GetParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  GetParked(argument: _salvage_v1_GetParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  GetParked(argument: _salvage_v1_GetParkedRequest, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  /**
   * One parked (or archived) message, whole.
   */
  getParked(argument: _salvage_v1_GetParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  getParked(argument: _salvage_v1_GetParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  getParked(argument: _salvage_v1_GetParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  getParked(argument: _salvage_v1_GetParkedRequest, callback: grpc.requestCallback<_salvage_v1_ParkedMessage__Output>): grpc.ClientUnaryCall;
  
  /**
   * A run's progress.
   */
  GetRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _salvage_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _salvage_v1_GetRunRequest, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  /**
   * A run's progress.
   */
  getRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _salvage_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _salvage_v1_GetRunRequest, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  
  /**
   * Archived messages matching a filter, most recently discarded first.
   */
  ListArchived(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  ListArchived(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  ListArchived(argument: _salvage_v1_ListParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  ListArchived(argument: _salvage_v1_ListParkedRequest, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Archived messages matching a filter, most recently discarded first.
   */
  listArchived(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  listArchived(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  listArchived(argument: _salvage_v1_ListParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  listArchived(argument: _salvage_v1_ListParkedRequest, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Operator actions, newest first.
   */
  ListAudit(argument: _salvage_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _salvage_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _salvage_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _salvage_v1_ListAuditRequest, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Operator actions, newest first.
   */
  listAudit(argument: _salvage_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _salvage_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _salvage_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _salvage_v1_ListAuditRequest, callback: grpc.requestCallback<_salvage_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Failure groups (one per origin queue, error code and error message with ids and numbers
   * masked), with their counts.
   */
  ListGroups(argument: _salvage_v1_ListGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _salvage_v1_ListGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _salvage_v1_ListGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _salvage_v1_ListGroupsRequest, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Failure groups (one per origin queue, error code and error message with ids and numbers
   * masked), with their counts.
   */
  listGroups(argument: _salvage_v1_ListGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _salvage_v1_ListGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _salvage_v1_ListGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _salvage_v1_ListGroupsRequest, callback: grpc.requestCallback<_salvage_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Parked messages matching a filter, newest first, one page at a time. Pages stay correct while
   * messages are parked or resolved concurrently: a message parked after the first page was read
   * is not shown on later pages (it is newer than the cursor), and none is shown twice.
   */
  ListParked(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  ListParked(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  ListParked(argument: _salvage_v1_ListParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  ListParked(argument: _salvage_v1_ListParkedRequest, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Parked messages matching a filter, newest first, one page at a time. Pages stay correct while
   * messages are parked or resolved concurrently: a message parked after the first page was read
   * is not shown on later pages (it is newer than the cursor), and none is shown twice.
   */
  listParked(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  listParked(argument: _salvage_v1_ListParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  listParked(argument: _salvage_v1_ListParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  listParked(argument: _salvage_v1_ListParkedRequest, callback: grpc.requestCallback<_salvage_v1_ListParkedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Runs, newest first.
   */
  ListRuns(argument: _salvage_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _salvage_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _salvage_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _salvage_v1_ListRunsRequest, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Runs, newest first.
   */
  listRuns(argument: _salvage_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _salvage_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _salvage_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _salvage_v1_ListRunsRequest, callback: grpc.requestCallback<_salvage_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Bring archived messages back into the parking lot.
   */
  RestoreArchived(argument: _salvage_v1_RestoreArchivedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  RestoreArchived(argument: _salvage_v1_RestoreArchivedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  RestoreArchived(argument: _salvage_v1_RestoreArchivedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  RestoreArchived(argument: _salvage_v1_RestoreArchivedRequest, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Bring archived messages back into the parking lot.
   */
  restoreArchived(argument: _salvage_v1_RestoreArchivedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  restoreArchived(argument: _salvage_v1_RestoreArchivedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  restoreArchived(argument: _salvage_v1_RestoreArchivedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  restoreArchived(argument: _salvage_v1_RestoreArchivedRequest, callback: grpc.requestCallback<_salvage_v1_RestoreArchivedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Send parked messages back to their origin queue, through the same path as automatic requeues
   * (same headers, same exactly-once delivery). A message leaves the parking lot only when its
   * requeue is committed. Starts a run (see `Run`): small selections by id complete before the
   * call returns; bulk runs go on in the background (follow them with GetRun), survive a restart
   * of Salvage, and never resubmit a message twice.
   */
  ResubmitParked(argument: _salvage_v1_ResubmitParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  ResubmitParked(argument: _salvage_v1_ResubmitParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  ResubmitParked(argument: _salvage_v1_ResubmitParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  ResubmitParked(argument: _salvage_v1_ResubmitParkedRequest, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Send parked messages back to their origin queue, through the same path as automatic requeues
   * (same headers, same exactly-once delivery). A message leaves the parking lot only when its
   * requeue is committed. Starts a run (see `Run`): small selections by id complete before the
   * call returns; bulk runs go on in the background (follow them with GetRun), survive a restart
   * of Salvage, and never resubmit a message twice.
   */
  resubmitParked(argument: _salvage_v1_ResubmitParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  resubmitParked(argument: _salvage_v1_ResubmitParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  resubmitParked(argument: _salvage_v1_ResubmitParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  resubmitParked(argument: _salvage_v1_ResubmitParkedRequest, callback: grpc.requestCallback<_salvage_v1_ResubmitParkedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Go on with a cancelled or automatically stopped run from where it stopped.
   */
  ResumeRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  ResumeRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  ResumeRun(argument: _salvage_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  ResumeRun(argument: _salvage_v1_GetRunRequest, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  /**
   * Go on with a cancelled or automatically stopped run from where it stopped.
   */
  resumeRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  resumeRun(argument: _salvage_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  resumeRun(argument: _salvage_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  resumeRun(argument: _salvage_v1_GetRunRequest, callback: grpc.requestCallback<_salvage_v1_Run__Output>): grpc.ClientUnaryCall;
  
  /**
   * Run the current rules over parked messages (after a rule was added or fixed). With `dry_run`
   * it only reports, per failure group, what the rules would do with a sample before/after;
   * otherwise it starts a run that resubmits the messages a rule repairs, with their repaired
   * payloads. Messages no rule repairs stay parked.
   */
  RetriageParked(argument: _salvage_v1_RetriageParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  RetriageParked(argument: _salvage_v1_RetriageParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  RetriageParked(argument: _salvage_v1_RetriageParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  RetriageParked(argument: _salvage_v1_RetriageParkedRequest, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Run the current rules over parked messages (after a rule was added or fixed). With `dry_run`
   * it only reports, per failure group, what the rules would do with a sample before/after;
   * otherwise it starts a run that resubmits the messages a rule repairs, with their repaired
   * payloads. Messages no rule repairs stay parked.
   */
  retriageParked(argument: _salvage_v1_RetriageParkedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  retriageParked(argument: _salvage_v1_RetriageParkedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  retriageParked(argument: _salvage_v1_RetriageParkedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  retriageParked(argument: _salvage_v1_RetriageParkedRequest, callback: grpc.requestCallback<_salvage_v1_RetriageParkedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Parking-lot events as they happen (for live views). Ends when Salvage shuts down.
   */
  WatchParked(argument: _salvage_v1_WatchParkedRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_salvage_v1_ParkingLotEvent__Output>;
  WatchParked(argument: _salvage_v1_WatchParkedRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_salvage_v1_ParkingLotEvent__Output>;
  /**
   * Parking-lot events as they happen (for live views). Ends when Salvage shuts down.
   */
  watchParked(argument: _salvage_v1_WatchParkedRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_salvage_v1_ParkingLotEvent__Output>;
  watchParked(argument: _salvage_v1_WatchParkedRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_salvage_v1_ParkingLotEvent__Output>;
  
}

export interface ParkingLotHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stop a run after the batch under way; it can be resumed.
   */
  CancelRun: grpc.handleUnaryCall<_salvage_v1_GetRunRequest__Output, _salvage_v1_Run>;
  
  /**
   * Move parked messages to the archive with a reason. Archived messages are kept for
   * `parking_lot.archive.max_age` and can be restored until then.
   */
  DiscardParked: grpc.handleUnaryCall<_salvage_v1_DiscardParkedRequest__Output, _salvage_v1_DiscardParkedResponse>;
  
  /**
   * Replace the payload and/or headers of a parked message. Optimistic concurrency: pass the
   * `version` you read; if someone changed the message since, the call fails with ABORTED and
   * changes nothing. The previous payload and headers are kept in `edits`. For a message whose
   * content type is JSON (`application/json`, `text/json` or any `+json`), a payload that is not
   * JSON the rules can read (invalid, nested deeper than 127 levels, or with a key written twice
   * in an object) is refused with INVALID_ARGUMENT naming `payload` and saying where, and nothing
   * changes. The payload is stored byte for byte as sent (a mask left in place keeps the stored
   * value).
   */
  EditParked: grpc.handleUnaryCall<_salvage_v1_EditParkedRequest__Output, _salvage_v1_ParkedMessage>;
  
  /**
   * One parked (or archived) message, whole.
   */
  GetParked: grpc.handleUnaryCall<_salvage_v1_GetParkedRequest__Output, _salvage_v1_ParkedMessage>;
  
  /**
   * A run's progress.
   */
  GetRun: grpc.handleUnaryCall<_salvage_v1_GetRunRequest__Output, _salvage_v1_Run>;
  
  /**
   * Archived messages matching a filter, most recently discarded first.
   */
  ListArchived: grpc.handleUnaryCall<_salvage_v1_ListParkedRequest__Output, _salvage_v1_ListParkedResponse>;
  
  /**
   * Operator actions, newest first.
   */
  ListAudit: grpc.handleUnaryCall<_salvage_v1_ListAuditRequest__Output, _salvage_v1_ListAuditResponse>;
  
  /**
   * Failure groups (one per origin queue, error code and error message with ids and numbers
   * masked), with their counts.
   */
  ListGroups: grpc.handleUnaryCall<_salvage_v1_ListGroupsRequest__Output, _salvage_v1_ListGroupsResponse>;
  
  /**
   * Parked messages matching a filter, newest first, one page at a time. Pages stay correct while
   * messages are parked or resolved concurrently: a message parked after the first page was read
   * is not shown on later pages (it is newer than the cursor), and none is shown twice.
   */
  ListParked: grpc.handleUnaryCall<_salvage_v1_ListParkedRequest__Output, _salvage_v1_ListParkedResponse>;
  
  /**
   * Runs, newest first.
   */
  ListRuns: grpc.handleUnaryCall<_salvage_v1_ListRunsRequest__Output, _salvage_v1_ListRunsResponse>;
  
  /**
   * Bring archived messages back into the parking lot.
   */
  RestoreArchived: grpc.handleUnaryCall<_salvage_v1_RestoreArchivedRequest__Output, _salvage_v1_RestoreArchivedResponse>;
  
  /**
   * Send parked messages back to their origin queue, through the same path as automatic requeues
   * (same headers, same exactly-once delivery). A message leaves the parking lot only when its
   * requeue is committed. Starts a run (see `Run`): small selections by id complete before the
   * call returns; bulk runs go on in the background (follow them with GetRun), survive a restart
   * of Salvage, and never resubmit a message twice.
   */
  ResubmitParked: grpc.handleUnaryCall<_salvage_v1_ResubmitParkedRequest__Output, _salvage_v1_ResubmitParkedResponse>;
  
  /**
   * Go on with a cancelled or automatically stopped run from where it stopped.
   */
  ResumeRun: grpc.handleUnaryCall<_salvage_v1_GetRunRequest__Output, _salvage_v1_Run>;
  
  /**
   * Run the current rules over parked messages (after a rule was added or fixed). With `dry_run`
   * it only reports, per failure group, what the rules would do with a sample before/after;
   * otherwise it starts a run that resubmits the messages a rule repairs, with their repaired
   * payloads. Messages no rule repairs stay parked.
   */
  RetriageParked: grpc.handleUnaryCall<_salvage_v1_RetriageParkedRequest__Output, _salvage_v1_RetriageParkedResponse>;
  
  /**
   * Parking-lot events as they happen (for live views). Ends when Salvage shuts down.
   */
  WatchParked: grpc.handleServerStreamingCall<_salvage_v1_WatchParkedRequest__Output, _salvage_v1_ParkingLotEvent>;
  
}

export interface ParkingLotDefinition extends grpc.ServiceDefinition {
  CancelRun: MethodDefinition<_salvage_v1_GetRunRequest, _salvage_v1_Run, _salvage_v1_GetRunRequest__Output, _salvage_v1_Run__Output>
  DiscardParked: MethodDefinition<_salvage_v1_DiscardParkedRequest, _salvage_v1_DiscardParkedResponse, _salvage_v1_DiscardParkedRequest__Output, _salvage_v1_DiscardParkedResponse__Output>
  EditParked: MethodDefinition<_salvage_v1_EditParkedRequest, _salvage_v1_ParkedMessage, _salvage_v1_EditParkedRequest__Output, _salvage_v1_ParkedMessage__Output>
  GetParked: MethodDefinition<_salvage_v1_GetParkedRequest, _salvage_v1_ParkedMessage, _salvage_v1_GetParkedRequest__Output, _salvage_v1_ParkedMessage__Output>
  GetRun: MethodDefinition<_salvage_v1_GetRunRequest, _salvage_v1_Run, _salvage_v1_GetRunRequest__Output, _salvage_v1_Run__Output>
  ListArchived: MethodDefinition<_salvage_v1_ListParkedRequest, _salvage_v1_ListParkedResponse, _salvage_v1_ListParkedRequest__Output, _salvage_v1_ListParkedResponse__Output>
  ListAudit: MethodDefinition<_salvage_v1_ListAuditRequest, _salvage_v1_ListAuditResponse, _salvage_v1_ListAuditRequest__Output, _salvage_v1_ListAuditResponse__Output>
  ListGroups: MethodDefinition<_salvage_v1_ListGroupsRequest, _salvage_v1_ListGroupsResponse, _salvage_v1_ListGroupsRequest__Output, _salvage_v1_ListGroupsResponse__Output>
  ListParked: MethodDefinition<_salvage_v1_ListParkedRequest, _salvage_v1_ListParkedResponse, _salvage_v1_ListParkedRequest__Output, _salvage_v1_ListParkedResponse__Output>
  ListRuns: MethodDefinition<_salvage_v1_ListRunsRequest, _salvage_v1_ListRunsResponse, _salvage_v1_ListRunsRequest__Output, _salvage_v1_ListRunsResponse__Output>
  RestoreArchived: MethodDefinition<_salvage_v1_RestoreArchivedRequest, _salvage_v1_RestoreArchivedResponse, _salvage_v1_RestoreArchivedRequest__Output, _salvage_v1_RestoreArchivedResponse__Output>
  ResubmitParked: MethodDefinition<_salvage_v1_ResubmitParkedRequest, _salvage_v1_ResubmitParkedResponse, _salvage_v1_ResubmitParkedRequest__Output, _salvage_v1_ResubmitParkedResponse__Output>
  ResumeRun: MethodDefinition<_salvage_v1_GetRunRequest, _salvage_v1_Run, _salvage_v1_GetRunRequest__Output, _salvage_v1_Run__Output>
  RetriageParked: MethodDefinition<_salvage_v1_RetriageParkedRequest, _salvage_v1_RetriageParkedResponse, _salvage_v1_RetriageParkedRequest__Output, _salvage_v1_RetriageParkedResponse__Output>
  WatchParked: MethodDefinition<_salvage_v1_WatchParkedRequest, _salvage_v1_ParkingLotEvent, _salvage_v1_WatchParkedRequest__Output, _salvage_v1_ParkingLotEvent__Output>
}
