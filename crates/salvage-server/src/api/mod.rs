//! gRPC: the `salvage.v1.Salvage` service, the `salvage.v1.ParkingLot` admin service, plus the
//! standard health and reflection services on each of their ports (`health.rs`); the generated
//! code and its codec are the `salvage-proto` crate. With the CLI's admin client and the load
//! generator, only this module sees protobuf types (`convert.rs` and `parking_convert.rs` turn them into the workflow's and the
//! parking lot's).

mod budget;
mod convert;
mod drain;
mod health;
mod parking_convert;
mod parking_lot;
mod report_stream;
mod service;

pub use self::{
    budget::{Budget, Shed, http2_limits},
    convert::to_system_time,
    drain::{Abandon, PARKING_LOT_ABANDONED},
    health::PortsHealth,
    parking_lot::ParkingLotService,
    report_stream::SalvageApi,
    service::SalvageService,
};
