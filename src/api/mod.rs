//! gRPC: the `salvage.v1.Salvage` service, plus the standard health and reflection services.
//! Only this module sees protobuf types (`convert.rs` turns them into the workflow's).

mod convert;
mod service;

pub use self::{convert::to_system_time, service::SalvageService};
