//! gRPC: the `salvage.v1.Salvage` service, the `salvage.v1.ParkingLot` admin service, plus the
//! standard health and reflection services. Only this module sees protobuf types (`convert.rs`
//! and `parking_convert.rs` turn them into the workflow's and the parking lot's).

mod budget;
mod convert;
mod parking_convert;
mod parking_lot;
mod service;

pub use self::{
    budget::{Budget, Shed, http2_limits},
    convert::to_system_time,
    parking_lot::ParkingLotService,
    service::SalvageService,
};
