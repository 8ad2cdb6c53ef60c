//! Undecodable and oversized messages, sent as raw bytes the way a broken or foreign client
//! would: the documented status, and one bad frame does not end a `ReportStream`.

use futures::StreamExt;
use prost::{
    Message,
    bytes::{BufMut, Bytes},
};
use salvage::proto::v1 as pb;
use tonic::{
    Code, Request, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::http::uri::PathAndQuery,
    transport::Channel,
};
use tonic_prost::ProstDecoder;

use crate::support::*;

/// Sends each request's bytes as they are, whatever they hold; decodes `ReportResponse`s.
#[derive(Clone, Copy, Default)]
struct RawCodec;

#[derive(Clone, Copy, Default)]
struct RawEncoder;

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = pb::ReportResponse;
    type Encoder = RawEncoder;
    type Decoder = ProstDecoder<pb::ReportResponse>;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::default()
    }
}

/// Decodes nothing in particular: for calls whose answer is an error.
#[derive(Clone, Copy, Default)]
struct IgnoreDecoder;

impl Decoder for IgnoreDecoder {
    type Item = ();
    type Error = Status;

    fn decode(&mut self, _buf: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
        Ok(Some(()))
    }
}

async fn raw_client(url: String) -> tonic::client::Grpc<Channel> {
    let channel = Channel::from_shared(url).unwrap().connect().await.unwrap();
    // Large enough to send an oversized message, so the server is the one to refuse it.
    tonic::client::Grpc::new(channel).max_encoding_message_size(64 << 20)
}

/// A length-delimited field 1 that claims 10 bytes and carries 1: no protobuf decoder accepts it.
const TRUNCATED: &[u8] = &[0x0a, 0x0a, 0x01];
/// Field 1 with wire type 7, which does not exist.
const BAD_WIRE_TYPE: &[u8] = &[0x0f, 0x01];

async fn raw_report(
    grpc: &mut tonic::client::Grpc<Channel>,
    bytes: Vec<u8>,
) -> Result<pb::ReportResponse, Status> {
    grpc.ready().await.unwrap();
    grpc.unary(
        Request::new(Bytes::from(bytes)),
        PathAndQuery::from_static("/salvage.v1.Salvage/Report"),
        RawCodec,
    )
    .await
    .map(tonic::Response::into_inner)
}

/// Bytes that are not a `ReportRequest` get INVALID_ARGUMENT saying so, not INTERNAL ("retry
/// later"): sending them again cannot help. Nothing is recorded. The parking-lot port answers
/// the same way.
#[tokio::test]
async fn malformed_protobuf_is_invalid_argument_on_both_ports() {
    let app = spawn_app().await;
    let mut grpc = raw_client(format!("http://{}", app.grpc_addr)).await;
    for bad in [TRUNCATED, BAD_WIRE_TYPE] {
        let status = raw_report(&mut grpc, bad.to_vec())
            .await
            .expect_err("malformed bytes are refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status
                .message()
                .starts_with("malformed protobuf: not a valid salvage.v1.ReportRequest message"),
            "{status:?}"
        );
    }
    // The same connection still serves a valid report.
    let ok = raw_report(&mut grpc, order_total_as_string("o-after").encode_to_vec())
        .await
        .unwrap();
    assert_eq!(outcome(&ok), pb::Outcome::Requeued);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("{salvage}:msg:*")
        .query_async(&mut app.conn.clone())
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "only the valid report recorded: {keys:?}");

    let mut parking = raw_client(app.parking_url()).await;
    parking.ready().await.unwrap();
    let mut request = Request::new(Bytes::from_static(TRUNCATED));
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {OPERATOR}").parse().unwrap(),
    );
    let status = parking
        .unary(
            request,
            PathAndQuery::from_static("/salvage.v1.ParkingLot/ListParked"),
            RawCodecFor::<IgnoreDecoder>::default(),
        )
        .await
        .expect_err("malformed bytes are refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status
            .message()
            .starts_with("malformed protobuf: not a valid salvage.v1.ListParkedRequest message"),
        "{status:?}"
    );
}

/// Raw bytes out, any decoder in.
#[derive(Clone, Copy, Default)]
struct RawCodecFor<D>(D);

impl<D: Decoder<Error = Status> + Default + Send + 'static> Codec for RawCodecFor<D>
where
    D::Item: Send + 'static,
{
    type Encode = Bytes;
    type Decode = D::Item;
    type Encoder = RawEncoder;
    type Decoder = D;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> D {
        D::default()
    }
}

/// One undecodable frame in a `ReportStream` is answered in line with `error_code` 3
/// (INVALID_ARGUMENT) and the stream goes on: the requests after it are answered as usual.
#[tokio::test]
async fn a_bad_frame_is_answered_in_line_and_the_stream_goes_on() {
    let app = spawn_app().await;
    let mut grpc = raw_client(format!("http://{}", app.grpc_addr)).await;
    grpc.ready().await.unwrap();
    let frames = vec![
        Bytes::from(order_total_as_string("s-1").encode_to_vec()),
        Bytes::from_static(TRUNCATED),
        Bytes::from(fraud_declined("s-2").encode_to_vec()),
        Bytes::from_static(BAD_WIRE_TYPE),
        Bytes::from(gateway_timeout("s-3").encode_to_vec()),
    ];
    let responses: Vec<pb::ReportResponse> = grpc
        .streaming(
            Request::new(futures::stream::iter(frames)),
            PathAndQuery::from_static("/salvage.v1.Salvage/ReportStream"),
            RawCodec,
        )
        .await
        .unwrap()
        .into_inner()
        .map(|r| r.expect("the stream does not end with an error"))
        .collect()
        .await;
    assert_eq!(responses.len(), 5, "every frame answered: {responses:?}");
    let outcomes: Vec<pb::Outcome> = responses.iter().map(outcome).collect();
    assert_eq!(
        outcomes,
        [
            pb::Outcome::Requeued,
            pb::Outcome::Unspecified,
            pb::Outcome::Parked,
            pb::Outcome::Unspecified,
            pb::Outcome::RetryScheduled,
        ]
    );
    for bad in [&responses[1], &responses[3]] {
        assert_eq!(bad.error_code, Code::InvalidArgument as u32, "{bad:?}");
        assert!(
            bad.error
                .starts_with("malformed protobuf: not a valid salvage.v1.ReportRequest message"),
            "{bad:?}"
        );
    }
}

/// A message over the size limit (tonic's 4 MiB) is refused with OUT_OF_RANGE, as the proto
/// documents, on `Report` and on `ReportStream`; a stream answers what came before it, then ends
/// with that status (the oversized frame's bytes are never read, so the stream cannot resync).
#[tokio::test]
async fn an_oversized_message_is_out_of_range() {
    let app = spawn_app().await;
    let mut big = order_total_as_string("o-big");
    big.failure.as_mut().unwrap().detail = "x".repeat(5 << 20);
    let big = big.encode_to_vec();
    let mut grpc = raw_client(format!("http://{}", app.grpc_addr)).await;
    let status = raw_report(&mut grpc, big.clone())
        .await
        .expect_err("oversized is refused");
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");

    grpc.ready().await.unwrap();
    let frames = vec![
        Bytes::from(order_total_as_string("s-1").encode_to_vec()),
        Bytes::from(big),
    ];
    let mut responses = grpc
        .streaming(
            Request::new(futures::stream::iter(frames)),
            PathAndQuery::from_static("/salvage.v1.Salvage/ReportStream"),
            RawCodec,
        )
        .await
        .unwrap()
        .into_inner();
    let first = responses.message().await.unwrap().expect("first answered");
    assert_eq!(outcome(&first), pb::Outcome::Requeued);
    let end = responses.message().await.expect_err("the stream ends");
    assert_eq!(end.code(), Code::OutOfRange, "{end:?}");
}
