//! Compiles `proto/` into Rust with protox (a pure-Rust protobuf compiler, so no system `protoc`
//! is needed) and tonic-prost-build, and writes the descriptor set that gRPC reflection serves.

use std::{env, path::PathBuf};

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/salvage/v1/salvage.proto",
        "proto/salvage/v1/parking_lot.proto",
    ];
    println!("cargo:rerun-if-changed=proto");

    let fds = protox::compile(protos, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("salvage_descriptor.bin"), fds.encode_to_vec())?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
