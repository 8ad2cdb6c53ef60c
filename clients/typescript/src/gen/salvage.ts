import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { FailedMessage as _salvage_v1_FailedMessage, FailedMessage__Output as _salvage_v1_FailedMessage__Output } from './salvage/v1/FailedMessage';
import type { Failure as _salvage_v1_Failure, Failure__Output as _salvage_v1_Failure__Output } from './salvage/v1/Failure';
import type { Origin as _salvage_v1_Origin, Origin__Output as _salvage_v1_Origin__Output } from './salvage/v1/Origin';
import type { ReportRequest as _salvage_v1_ReportRequest, ReportRequest__Output as _salvage_v1_ReportRequest__Output } from './salvage/v1/ReportRequest';
import type { ReportResponse as _salvage_v1_ReportResponse, ReportResponse__Output as _salvage_v1_ReportResponse__Output } from './salvage/v1/ReportResponse';
import type { SalvageClient as _salvage_v1_SalvageClient, SalvageDefinition as _salvage_v1_SalvageDefinition } from './salvage/v1/Salvage';

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
      ErrorClass: EnumTypeDefinition
      FailedMessage: MessageTypeDefinition<_salvage_v1_FailedMessage, _salvage_v1_FailedMessage__Output>
      Failure: MessageTypeDefinition<_salvage_v1_Failure, _salvage_v1_Failure__Output>
      Origin: MessageTypeDefinition<_salvage_v1_Origin, _salvage_v1_Origin__Output>
      Outcome: EnumTypeDefinition
      ReportRequest: MessageTypeDefinition<_salvage_v1_ReportRequest, _salvage_v1_ReportRequest__Output>
      ReportResponse: MessageTypeDefinition<_salvage_v1_ReportResponse, _salvage_v1_ReportResponse__Output>
      /**
       * Hand failed messages to Salvage.
       */
      Salvage: SubtypeConstructor<typeof grpc.Client, _salvage_v1_SalvageClient> & { service: _salvage_v1_SalvageDefinition }
    }
  }
}

