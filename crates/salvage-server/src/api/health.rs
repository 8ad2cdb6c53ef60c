//! The standard gRPC services on each of Salvage's two gRPC ports: `grpc.health.v1.Health` and
//! server reflection, both `grpc.reflection.v1` and `grpc.reflection.v1alpha` (grpcio's client
//! and older grpcurl speak only v1alpha). Each port describes only what it serves: its own
//! descriptor set (`build.rs`), its own health statuses.
//!
//! | port | services |
//! |---|---|
//! | `server.grpc_addr` | `salvage.v1.Salvage`, health, reflection v1 and v1alpha |
//! | `parking_lot.addr` | `salvage.v1.ParkingLot`, health, reflection v1 and v1alpha |
//!
//! Health: each port's service, and the port as a whole (`""`), is SERVING while Redis answers
//! and NOT_SERVING once it does not, or once Salvage is stopping.

use anyhow::Context;
use tonic::{server::NamedService, service::Routes};
use tonic_health::{
    ServingStatus,
    pb::health_server::HealthServer,
    server::{HealthReporter, HealthService},
};

use super::{Abandon, PARKING_LOT_ABANDONED, ParkingLotService, Shed, report_stream::SalvageApi};
use crate::{
    proto::v1::{
        CONSUMER_DESCRIPTOR_SET, PARKING_LOT_DESCRIPTOR_SET, parking_lot_server::ParkingLotServer,
    },
    shutdown::ShutdownSignal,
};

/// The health statuses of both gRPC ports, and their routes.
#[derive(Debug, Clone)]
pub struct PortsHealth {
    consumer: HealthReporter,
    parking_lot: HealthReporter,
}

impl PortsHealth {
    /// Both ports' statuses, every service SERVING.
    pub async fn new() -> Self {
        let health = Self {
            consumer: HealthReporter::new(),
            parking_lot: HealthReporter::new(),
        };
        health.serving().await;
        health
    }

    /// Redis answers: every service SERVING.
    pub async fn serving(&self) {
        self.set(ServingStatus::Serving).await;
    }

    /// Redis does not answer, or Salvage is stopping: every service NOT_SERVING.
    pub async fn not_serving(&self) {
        self.set(ServingStatus::NotServing).await;
    }

    async fn set(&self, status: ServingStatus) {
        for (reporter, name) in [
            (&self.consumer, SalvageApi::NAME),
            (
                &self.parking_lot,
                ParkingLotServer::<ParkingLotService>::NAME,
            ),
        ] {
            reporter.set_service_status(name, status).await;
            reporter.set_service_status("", status).await;
        }
    }

    /// The consumer port (`server.grpc_addr`): `salvage.v1.Salvage`, health, reflection.
    pub fn consumer_routes(&self, salvage: Shed<SalvageApi>) -> anyhow::Result<Routes> {
        with_standard_services(salvage, &self.consumer, CONSUMER_DESCRIPTOR_SET)
            .context("consumer port")
    }

    /// The parking-lot port (`parking_lot.addr`): `salvage.v1.ParkingLot`, health, reflection.
    /// A call still waiting for Redis when `shutdown`'s grace period ends is answered
    /// UNAVAILABLE.
    pub fn parking_lot_routes(
        &self,
        parking_lot: ParkingLotService,
        shutdown: ShutdownSignal,
    ) -> anyhow::Result<Routes> {
        let service = Abandon::new(
            ParkingLotServer::new(parking_lot),
            shutdown,
            PARKING_LOT_ABANDONED,
        );
        with_standard_services(service, &self.parking_lot, PARKING_LOT_DESCRIPTOR_SET)
            .context("parking-lot port")
    }
}

/// `service`, `health`'s statuses, and reflection v1 and v1alpha over `descriptors` (which must describe
/// `service` and no other service). Each reflection version lists both versions, as both are
/// served.
fn with_standard_services<S>(
    service: S,
    health: &HealthReporter,
    descriptors: &'static [u8],
) -> anyhow::Result<Routes>
where
    S: tonic::codegen::Service<
            tonic::codegen::http::Request<tonic::body::Body>,
            Response = tonic::codegen::http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(descriptors)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(
                tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
            )
            .include_reflection_service(false)
    };
    let v1 = reflection()
        .build_v1()
        .context("cannot build the reflection service (v1)")?;
    let v1alpha = reflection()
        .build_v1alpha()
        .context("cannot build the reflection service (v1alpha)")?;
    let health = HealthServer::new(HealthService::from_health_reporter(health.clone()));
    Ok(Routes::new(service)
        .add_service(health)
        .add_service(v1)
        .add_service(v1alpha))
}
