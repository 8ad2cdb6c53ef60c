//! Health and reflection (v1 and v1alpha) on both gRPC ports, each naming exactly what its port
//! serves.

use std::time::Duration;

use tonic::{Code, Status, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::support::*;

async fn health_status(url: &str, service: &str) -> Result<ServingStatus, Status> {
    let channel = Channel::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap();
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .map(|r| r.into_inner().status())
}

/// Each gRPC port answers health checks for itself ("") and the service it serves, and NOT_FOUND
/// for the other port's service.
#[tokio::test]
async fn health_on_both_ports_names_each_ports_service() {
    let app = spawn_app().await;
    let consumer = format!("http://{}", app.grpc_addr);
    let parking = app.parking_url();
    for (url, own, other) in [
        (&consumer, "salvage.v1.Salvage", "salvage.v1.ParkingLot"),
        (&parking, "salvage.v1.ParkingLot", "salvage.v1.Salvage"),
    ] {
        for service in ["", own] {
            assert_eq!(
                health_status(url, service).await.unwrap(),
                ServingStatus::Serving,
                "{url} {service:?}"
            );
        }
        let status = health_status(url, other).await.expect_err(other);
        assert_eq!(status.code(), Code::NotFound, "{url} {other}: {status:?}");
    }
}

/// With Redis down, both ports' services report NOT_SERVING, and SERVING again once it is back.
#[tokio::test]
async fn health_on_both_ports_follows_redis() {
    let mut app = spawn_app().await;
    let consumer = format!("http://{}", app.grpc_addr);
    let parking = app.parking_url();
    let all = [
        (consumer.clone(), "salvage.v1.Salvage"),
        (parking.clone(), "salvage.v1.ParkingLot"),
    ];
    let all_are = |want: ServingStatus| {
        let all = all.clone();
        async move {
            for (url, service) in &all {
                if health_status(url, service).await.ok()? != want {
                    return None;
                }
            }
            Some(())
        }
    };
    app.redis.stop();
    eventually(Duration::from_secs(10), || {
        all_are(ServingStatus::NotServing)
    })
    .await
    .expect("NOT_SERVING on both ports while Redis is down");
    app.redis.restart();
    eventually(Duration::from_secs(10), || all_are(ServingStatus::Serving))
        .await
        .expect("SERVING on both ports once Redis is back");
}

/// The services reflection lists, over v1 or v1alpha.
async fn reflected_services(url: &str, version: Reflection) -> Vec<String> {
    let channel = Channel::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut names = match version {
        Reflection::V1 => {
            use tonic_reflection::pb::v1::{
                ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
                server_reflection_request::MessageRequest,
                server_reflection_response::MessageResponse,
            };
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            };
            let resp = ServerReflectionClient::new(channel)
                .server_reflection_info(futures::stream::iter([request]))
                .await
                .unwrap()
                .into_inner()
                .message()
                .await
                .unwrap()
                .unwrap();
            let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
                panic!("unexpected reflection answer: {resp:?}");
            };
            list.service.into_iter().map(|s| s.name).collect::<Vec<_>>()
        }
        Reflection::V1Alpha => {
            use tonic_reflection::pb::v1alpha::{
                ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
                server_reflection_request::MessageRequest,
                server_reflection_response::MessageResponse,
            };
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            };
            let resp = ServerReflectionClient::new(channel)
                .server_reflection_info(futures::stream::iter([request]))
                .await
                .unwrap()
                .into_inner()
                .message()
                .await
                .unwrap()
                .unwrap();
            let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
                panic!("unexpected reflection answer: {resp:?}");
            };
            list.service.into_iter().map(|s| s.name).collect::<Vec<_>>()
        }
    };
    names.sort();
    names
}

#[derive(Debug, Clone, Copy)]
enum Reflection {
    V1,
    V1Alpha,
}

/// Reflection v1 and v1alpha on each port list exactly the services that port serves.
#[tokio::test]
async fn reflection_on_both_ports_lists_exactly_what_each_serves() {
    let app = spawn_app().await;
    let standard = [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ];
    let expect = |own: &str| {
        let mut names: Vec<String> = standard.iter().map(|s| (*s).to_owned()).collect();
        names.push(own.to_owned());
        names.sort();
        names
    };
    let consumer = format!("http://{}", app.grpc_addr);
    let parking = app.parking_url();
    for version in [Reflection::V1, Reflection::V1Alpha] {
        assert_eq!(
            reflected_services(&consumer, version).await,
            expect("salvage.v1.Salvage"),
            "consumer port, {version:?}"
        );
        assert_eq!(
            reflected_services(&parking, version).await,
            expect("salvage.v1.ParkingLot"),
            "parking-lot port, {version:?}"
        );
    }
}

/// With `console.addr`, the console has a listener of its own and the admin port serves only
/// `/metrics`, `/healthz` and `/readyz`: Prometheus can reach the metrics without reaching the
/// console. Beyond loopback, the console's listener needs TLS (or `console.allow_plaintext`),
/// while the admin port, holding no tokens then, does not.
#[tokio::test]
async fn the_console_can_have_a_listener_of_its_own() {
    let app = spawn_app_with(|s| {
        s.console.addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    assert_ne!(app.console_url, app.admin_url);
    let get = |url: String| async move { reqwest::get(url).await.unwrap().status().as_u16() };
    assert_eq!(get(format!("{}/metrics", app.admin_url)).await, 200);
    assert_eq!(get(format!("{}/readyz", app.admin_url)).await, 200);
    assert_eq!(get(format!("{}/console/", app.admin_url)).await, 404);
    assert_eq!(get(format!("{}/console/", app.console_url)).await, 200);
    assert_eq!(get(format!("{}/metrics", app.console_url)).await, 404);
    let cookie = console_sign_in(&app).await;
    let overview = console_get(&app, &cookie, "overview", &[]).await;
    assert!(overview["parked"].is_u64(), "{overview}");

    let parse = |toml: &str| {
        salvage::config::Settings::parse(toml, [], std::path::Path::new("salvage.toml"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let metrics_open = "[admin]\naddr = \"0.0.0.0:9464\"\n[console]\naddr = \"127.0.0.1:9465\"\n";
    assert_eq!(parse(metrics_open), Ok(()), "no tokens on the admin port");
    let console_open = "[console]\naddr = \"0.0.0.0:9465\"\n";
    let e = parse(console_open).unwrap_err();
    assert!(
        e.contains("console.addr 0.0.0.0:9465 is reachable beyond this host"),
        "{e}"
    );
    assert_eq!(
        parse("[console]\naddr = \"0.0.0.0:9465\"\nallow_plaintext = true\n"),
        Ok(())
    );
    let e = parse("[console]\nallow_plaintext = true\n").unwrap_err();
    assert!(e.contains("apply to console.addr"), "{e}");
}
