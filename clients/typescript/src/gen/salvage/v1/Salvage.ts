// Original file: proto/salvage/v1/salvage.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ReportRequest as _salvage_v1_ReportRequest, ReportRequest__Output as _salvage_v1_ReportRequest__Output } from '../../salvage/v1/ReportRequest';
import type { ReportResponse as _salvage_v1_ReportResponse, ReportResponse__Output as _salvage_v1_ReportResponse__Output } from '../../salvage/v1/ReportResponse';

/**
 * Hand failed messages to Salvage.
 */
export interface SalvageClient extends grpc.Client {
  /**
   * Report one failed message. Returns once the outcome is committed in Redis.
   * 
   * Errors:
   * - INVALID_ARGUMENT: the request is malformed; the message names the field to fix. Bytes
   * that do not decode as a ReportRequest get it too, with a message starting "malformed
   * protobuf: not a valid salvage.v1.ReportRequest message".
   * Nothing was recorded; fix the client (do not retry unchanged).
   * - UNAVAILABLE: Redis (or Salvage) is unreachable, timed out or shutting down. Keep the
   * message and report it again later: if the first report did get recorded, the second is
   * answered DUPLICATE with its tracking id. On shutdown, reports in flight are finished
   * for up to `server.shutdown_grace`; one still waiting for Redis then is answered
   * UNAVAILABLE with a message starting "Salvage is shutting down".
   * - RESOURCE_EXHAUSTED: nothing was recorded; keep the message and report it again after a
   * backoff. Either Salvage's in-flight budget is full (more than `server.max_in_flight`
   * reports, or `server.max_in_flight_bytes` request bytes, at once: the message names which;
   * a unary call is refused before its body is read), or Redis is out of memory (maxmemory
   * reached under `noeviction`: the message says so; /readyz is 503 until memory is freed).
   * - OUT_OF_RANGE: the request message is larger than `server.max_message_bytes` (2 MiB by
   * default); tonic refuses it before reading it, with "decoded message length too large".
   * Nothing was recorded; make the report smaller (payload, headers, failure.detail).
   * - INTERNAL: an unexpected failure, logged by Salvage. The outcome may or may not have been
   * recorded: keep the message and report it again later (DUPLICATE if it was).
   * - DEADLINE_EXCEEDED (the client's own deadline): like UNAVAILABLE, the outcome may or may
   * not have been recorded; report it again later (DUPLICATE if it was). Give a deadline
   * longer than `redis.response_timeout` (+ `redis.wait_timeout` with `redis.wait_replicas`),
   * e.g. 5 s with the defaults, so that Salvage answers UNAVAILABLE itself first.
   * - INVALID_ARGUMENT also answers a report naming a destination that is not configured
   * ("unknown destination"): a configuration mistake of the consumer, not a poison message;
   * its message names the configured destinations.
   */
  Report(argument: _salvage_v1_ReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  Report(argument: _salvage_v1_ReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  Report(argument: _salvage_v1_ReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  Report(argument: _salvage_v1_ReportRequest, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Report one failed message. Returns once the outcome is committed in Redis.
   * 
   * Errors:
   * - INVALID_ARGUMENT: the request is malformed; the message names the field to fix. Bytes
   * that do not decode as a ReportRequest get it too, with a message starting "malformed
   * protobuf: not a valid salvage.v1.ReportRequest message".
   * Nothing was recorded; fix the client (do not retry unchanged).
   * - UNAVAILABLE: Redis (or Salvage) is unreachable, timed out or shutting down. Keep the
   * message and report it again later: if the first report did get recorded, the second is
   * answered DUPLICATE with its tracking id. On shutdown, reports in flight are finished
   * for up to `server.shutdown_grace`; one still waiting for Redis then is answered
   * UNAVAILABLE with a message starting "Salvage is shutting down".
   * - RESOURCE_EXHAUSTED: nothing was recorded; keep the message and report it again after a
   * backoff. Either Salvage's in-flight budget is full (more than `server.max_in_flight`
   * reports, or `server.max_in_flight_bytes` request bytes, at once: the message names which;
   * a unary call is refused before its body is read), or Redis is out of memory (maxmemory
   * reached under `noeviction`: the message says so; /readyz is 503 until memory is freed).
   * - OUT_OF_RANGE: the request message is larger than `server.max_message_bytes` (2 MiB by
   * default); tonic refuses it before reading it, with "decoded message length too large".
   * Nothing was recorded; make the report smaller (payload, headers, failure.detail).
   * - INTERNAL: an unexpected failure, logged by Salvage. The outcome may or may not have been
   * recorded: keep the message and report it again later (DUPLICATE if it was).
   * - DEADLINE_EXCEEDED (the client's own deadline): like UNAVAILABLE, the outcome may or may
   * not have been recorded; report it again later (DUPLICATE if it was). Give a deadline
   * longer than `redis.response_timeout` (+ `redis.wait_timeout` with `redis.wait_replicas`),
   * e.g. 5 s with the defaults, so that Salvage answers UNAVAILABLE itself first.
   * - INVALID_ARGUMENT also answers a report naming a destination that is not configured
   * ("unknown destination"): a configuration mistake of the consumer, not a poison message;
   * its message names the configured destinations.
   */
  report(argument: _salvage_v1_ReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  report(argument: _salvage_v1_ReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  report(argument: _salvage_v1_ReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  report(argument: _salvage_v1_ReportRequest, callback: grpc.requestCallback<_salvage_v1_ReportResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Report many failed messages over one stream. Every request is answered, in order, with one
   * response. A request that fails gets a response with outcome OUTCOME_UNSPECIFIED, `error`
   * saying why and `error_code` the status `Report` would have returned (3 INVALID_ARGUMENT,
   * also for a request that does not decode as a ReportRequest; 8 RESOURCE_EXHAUSTED;
   * 14 UNAVAILABLE; 13 INTERNAL); the stream goes on. A request over the in-flight budget is
   * answered RESOURCE_EXHAUSTED at once: send it again after a backoff. A request larger than
   * `server.max_message_bytes` ends the stream with OUT_OF_RANGE once the requests before it are
   * answered (its bytes are not read, so the stream cannot go on). When Salvage shuts down it
   * stops reading the stream, answers what it has read (14 UNAVAILABLE for those still waiting
   * for Redis when the grace period ends), and ends the stream: requests it did not answer were
   * not recorded, send them again on a new stream.
   */
  ReportStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_salvage_v1_ReportRequest, _salvage_v1_ReportResponse__Output>;
  ReportStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_salvage_v1_ReportRequest, _salvage_v1_ReportResponse__Output>;
  /**
   * Report many failed messages over one stream. Every request is answered, in order, with one
   * response. A request that fails gets a response with outcome OUTCOME_UNSPECIFIED, `error`
   * saying why and `error_code` the status `Report` would have returned (3 INVALID_ARGUMENT,
   * also for a request that does not decode as a ReportRequest; 8 RESOURCE_EXHAUSTED;
   * 14 UNAVAILABLE; 13 INTERNAL); the stream goes on. A request over the in-flight budget is
   * answered RESOURCE_EXHAUSTED at once: send it again after a backoff. A request larger than
   * `server.max_message_bytes` ends the stream with OUT_OF_RANGE once the requests before it are
   * answered (its bytes are not read, so the stream cannot go on). When Salvage shuts down it
   * stops reading the stream, answers what it has read (14 UNAVAILABLE for those still waiting
   * for Redis when the grace period ends), and ends the stream: requests it did not answer were
   * not recorded, send them again on a new stream.
   */
  reportStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_salvage_v1_ReportRequest, _salvage_v1_ReportResponse__Output>;
  reportStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_salvage_v1_ReportRequest, _salvage_v1_ReportResponse__Output>;
  
}

/**
 * Hand failed messages to Salvage.
 */
export interface SalvageHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Report one failed message. Returns once the outcome is committed in Redis.
   * 
   * Errors:
   * - INVALID_ARGUMENT: the request is malformed; the message names the field to fix. Bytes
   * that do not decode as a ReportRequest get it too, with a message starting "malformed
   * protobuf: not a valid salvage.v1.ReportRequest message".
   * Nothing was recorded; fix the client (do not retry unchanged).
   * - UNAVAILABLE: Redis (or Salvage) is unreachable, timed out or shutting down. Keep the
   * message and report it again later: if the first report did get recorded, the second is
   * answered DUPLICATE with its tracking id. On shutdown, reports in flight are finished
   * for up to `server.shutdown_grace`; one still waiting for Redis then is answered
   * UNAVAILABLE with a message starting "Salvage is shutting down".
   * - RESOURCE_EXHAUSTED: nothing was recorded; keep the message and report it again after a
   * backoff. Either Salvage's in-flight budget is full (more than `server.max_in_flight`
   * reports, or `server.max_in_flight_bytes` request bytes, at once: the message names which;
   * a unary call is refused before its body is read), or Redis is out of memory (maxmemory
   * reached under `noeviction`: the message says so; /readyz is 503 until memory is freed).
   * - OUT_OF_RANGE: the request message is larger than `server.max_message_bytes` (2 MiB by
   * default); tonic refuses it before reading it, with "decoded message length too large".
   * Nothing was recorded; make the report smaller (payload, headers, failure.detail).
   * - INTERNAL: an unexpected failure, logged by Salvage. The outcome may or may not have been
   * recorded: keep the message and report it again later (DUPLICATE if it was).
   * - DEADLINE_EXCEEDED (the client's own deadline): like UNAVAILABLE, the outcome may or may
   * not have been recorded; report it again later (DUPLICATE if it was). Give a deadline
   * longer than `redis.response_timeout` (+ `redis.wait_timeout` with `redis.wait_replicas`),
   * e.g. 5 s with the defaults, so that Salvage answers UNAVAILABLE itself first.
   * - INVALID_ARGUMENT also answers a report naming a destination that is not configured
   * ("unknown destination"): a configuration mistake of the consumer, not a poison message;
   * its message names the configured destinations.
   */
  Report: grpc.handleUnaryCall<_salvage_v1_ReportRequest__Output, _salvage_v1_ReportResponse>;
  
  /**
   * Report many failed messages over one stream. Every request is answered, in order, with one
   * response. A request that fails gets a response with outcome OUTCOME_UNSPECIFIED, `error`
   * saying why and `error_code` the status `Report` would have returned (3 INVALID_ARGUMENT,
   * also for a request that does not decode as a ReportRequest; 8 RESOURCE_EXHAUSTED;
   * 14 UNAVAILABLE; 13 INTERNAL); the stream goes on. A request over the in-flight budget is
   * answered RESOURCE_EXHAUSTED at once: send it again after a backoff. A request larger than
   * `server.max_message_bytes` ends the stream with OUT_OF_RANGE once the requests before it are
   * answered (its bytes are not read, so the stream cannot go on). When Salvage shuts down it
   * stops reading the stream, answers what it has read (14 UNAVAILABLE for those still waiting
   * for Redis when the grace period ends), and ends the stream: requests it did not answer were
   * not recorded, send them again on a new stream.
   */
  ReportStream: grpc.handleBidiStreamingCall<_salvage_v1_ReportRequest__Output, _salvage_v1_ReportResponse>;
  
}

export interface SalvageDefinition extends grpc.ServiceDefinition {
  Report: MethodDefinition<_salvage_v1_ReportRequest, _salvage_v1_ReportResponse, _salvage_v1_ReportRequest__Output, _salvage_v1_ReportResponse__Output>
  ReportStream: MethodDefinition<_salvage_v1_ReportRequest, _salvage_v1_ReportResponse, _salvage_v1_ReportRequest__Output, _salvage_v1_ReportResponse__Output>
}
