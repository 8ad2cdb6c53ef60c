//! The protobuf codec of every generated `salvage.v1` service and client (`build.rs` names it):
//! prost's encoder, and a decoder that answers bytes which are not a valid message with
//! INVALID_ARGUMENT (prost's own codec says INTERNAL, which tells a client to retry the same
//! bytes later). Also the raw-frame codec `ReportStream` reads with, so that one undecodable
//! request is answered in line instead of ending the stream (see `report_stream.rs`).

use std::marker::PhantomData;

use prost::{
    DecodeError, Message,
    bytes::{Buf, Bytes},
};
use tonic::{
    Status,
    codec::{Codec, DecodeBuf, Decoder},
};
use tonic_prost::ProstEncoder;

/// prost's codec, with decode errors mapped to INVALID_ARGUMENT by [`malformed`].
#[derive(Debug, Clone)]
pub struct ProtoCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for ProtoCodec<T, U> {
    fn default() -> Self {
        Self {
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for ProtoCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ProtoDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProtoDecoder { _type: PhantomData }
    }
}

/// Decodes one `U`; a message that does not decode is INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub struct ProtoDecoder<U> {
    _type: PhantomData<U>,
}

impl<U: Message + Default> Decoder for ProtoDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf).map(Some).map_err(|e| malformed::<U>(&e))
    }
}

/// The status for bytes that are not a valid `U`: INVALID_ARGUMENT, naming the message type.
/// Sending the same bytes again cannot succeed, so this is not INTERNAL.
pub fn malformed<U>(error: &DecodeError) -> Status {
    Status::invalid_argument(format!(
        "malformed protobuf: not a valid {} message ({error}); encode it with code generated \
         from proto/salvage/v1",
        proto_name::<U>()
    ))
}

/// `salvage::proto::v1::ReportRequest` → `salvage.v1.ReportRequest`.
fn proto_name<U>() -> String {
    let rust = std::any::type_name::<U>();
    let name = rust.rsplit("::").next().unwrap_or(rust);
    format!("salvage.v1.{name}")
}

/// Encodes `T` with prost and hands each received message over as its undecoded bytes, so the
/// handler decides what an undecodable one means.
#[derive(Debug, Clone)]
pub struct FrameCodec<T> {
    _type: PhantomData<T>,
}

impl<T> Default for FrameCodec<T> {
    fn default() -> Self {
        Self { _type: PhantomData }
    }
}

impl<T: Message + Send + 'static> Codec for FrameCodec<T> {
    type Encode = T;
    type Decode = Bytes;
    type Encoder = ProstEncoder<T>;
    type Decoder = FrameDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        FrameDecoder
    }
}

/// One received message's bytes, as they came.
#[derive(Debug, Clone, Copy)]
pub struct FrameDecoder;

impl Decoder for FrameDecoder {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1 as pb;

    #[test]
    fn malformed_names_the_message_and_is_invalid_argument() {
        // Field 1 (message) as length-delimited, claiming 10 bytes but carrying 1.
        let bad = [0x0a, 0x0a, 0x01];
        let Err(e) = pb::ReportRequest::decode(&bad[..]) else {
            panic!("decoded garbage");
        };
        let status = malformed::<pb::ReportRequest>(&e);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status
                .message()
                .starts_with("malformed protobuf: not a valid salvage.v1.ReportRequest message"),
            "{}",
            status.message()
        );
    }
}
