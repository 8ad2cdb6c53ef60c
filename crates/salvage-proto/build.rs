//! Compiles the repository's `proto/` into Rust with protox (a pure-Rust protobuf compiler, so no system `protoc`
//! is needed) and tonic-prost-build, and writes the descriptor sets that gRPC reflection serves:
//! one per listener, each holding only that listener's service, so reflection on a port lists
//! exactly what the port serves. The generated services and clients decode with
//! `crate::codec::ProtoCodec`, which answers a malformed message with INVALID_ARGUMENT.

use std::{collections::HashSet, env, path::PathBuf};

/// The repository's `proto/`, from this crate's folder.
const PROTO_DIR: &str = "../../proto";

use prost::Message;

const SALVAGE: &str = "salvage/v1/salvage.proto";
const PARKING_LOT: &str = "salvage/v1/parking_lot.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        format!("{PROTO_DIR}/{SALVAGE}"),
        format!("{PROTO_DIR}/{PARKING_LOT}"),
    ];
    println!("cargo:rerun-if-changed={PROTO_DIR}");

    let fds = protox::compile(protos, [PROTO_DIR])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("salvage_descriptor.bin"), fds.encode_to_vec())?;

    // The consumer port: salvage.proto and what it imports, nothing of the parking lot.
    let mut needed: HashSet<String> = HashSet::from([SALVAGE.to_owned()]);
    loop {
        let before = needed.len();
        let deps: Vec<String> = fds
            .file
            .iter()
            .filter(|f| needed.contains(f.name()))
            .flat_map(|f| f.dependency.iter().cloned())
            .collect();
        needed.extend(deps);
        if needed.len() == before {
            break;
        }
    }
    let mut consumer = fds.clone();
    consumer.file.retain(|f| needed.contains(f.name()));
    std::fs::write(
        out_dir.join("salvage_consumer_descriptor.bin"),
        consumer.encode_to_vec(),
    )?;

    // The parking-lot port: parking_lot.proto imports salvage.proto for shared messages; keep
    // those messages but not the `Salvage` service, which that port does not serve.
    let mut parking = fds.clone();
    for f in &mut parking.file {
        if f.name() == SALVAGE {
            f.service.clear();
        }
    }
    std::fs::write(
        out_dir.join("salvage_parking_lot_descriptor.bin"),
        parking.encode_to_vec(),
    )?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .codec_path("crate::codec::ProtoCodec")
        .compile_fds(fds)?;
    Ok(())
}
