//! `salvage dev`: everything needed to try Salvage on one machine, in one command. Starts a
//! private `redis-server` from PATH in a temporary folder (AOF on, fsync every second), writes
//! the example rules there, and runs Salvage against it until Ctrl-C; then stops Redis and
//! removes the folder.

#![allow(
    clippy::print_stdout,
    reason = "`salvage dev` tells the user where things run"
)]

use std::{net::SocketAddr, path::PathBuf, process::Stdio, time::Duration};

use anyhow::{Context, bail};
use tokio::process::Command;

use crate::{
    config::{Role, Settings, TokenSettings},
    startup::Application,
    store::{Store, config::RedisSettings},
};

/// The operator token of `salvage dev`'s parking lot API.
pub const DEV_TOKEN: &str = "dev-operator-token";

/// The example rules, embedded so `salvage dev` works from any folder.
pub const EXAMPLE_RULES: &str = include_str!("../examples/rules.toml");

/// The schema files the example rules name, relative to the rules file, embedded with them.
pub const EXAMPLE_SCHEMAS: &[(&str, &str)] = &[(
    "schemas/checkout-completed.v2.json",
    include_str!("../examples/schemas/checkout-completed.v2.json"),
)];

/// Options of `salvage dev`.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    /// Where consumers reach the gRPC API.
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub grpc_addr: SocketAddr,
    /// Where `/metrics`, `/healthz` and `/readyz` are served.
    #[arg(long, default_value = "127.0.0.1:9464")]
    pub admin_addr: SocketAddr,
    /// The private Redis' port (default: a free one).
    #[arg(long)]
    pub redis_port: Option<u16>,
    /// A rules file to use instead of the example rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Where the parking lot's admin gRPC API (`salvage parked ...`) is served.
    #[arg(long, default_value = "127.0.0.1:50052")]
    pub parking_lot_addr: SocketAddr,
    /// The redis-server program.
    #[arg(long, default_value = "redis-server")]
    pub redis_server: PathBuf,
}

/// Run `salvage dev`.
pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new().prefix("salvage-dev-").tempdir()?;
    let port = match args.redis_port {
        Some(p) => p,
        None => free_port()?,
    };
    let mut redis = Command::new(&args.redis_server)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args([
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--protected-mode",
            "no",
        ])
        .arg("--dir")
        .arg(dir.path())
        .arg("--logfile")
        .arg(dir.path().join("redis.log"))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| {
            format!(
                "cannot start {} (install Redis, e.g. `apt-get install redis-server`)",
                args.redis_server.display()
            )
        })?;
    let url = format!("redis://127.0.0.1:{port}");
    wait_for_redis(&url, &mut redis).await?;

    let rules = match args.rules {
        Some(p) => p,
        None => {
            let p = dir.path().join("rules.toml");
            std::fs::write(&p, EXAMPLE_RULES)?;
            for (name, text) in EXAMPLE_SCHEMAS {
                let schema = dir.path().join(name);
                if let Some(parent) = schema.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(schema, text)?;
            }
            p
        }
    };
    let mut settings = Settings::default();
    settings.redis.url = url.clone();
    settings.rules.path = rules.clone();
    settings.server.grpc_addr = args.grpc_addr;
    settings.admin.addr = args.admin_addr;
    settings.parking_lot.addr = args.parking_lot_addr;
    // A fixed operator token: this Redis and this process are private and local.
    settings.parking_lot.tokens = vec![TokenSettings {
        name: "dev".to_owned(),
        role: Role::Operator,
        token: Some(DEV_TOKEN.to_owned()),
        token_sha256: None,
    }];
    let app = Application::build(settings).await?;
    println!("Salvage (dev) is running; Ctrl-C stops it and its Redis.");
    println!(
        "  gRPC      {}  (salvage.v1.Salvage, health, reflection)",
        app.grpc_addr()
    );
    println!("  metrics   http://{}/metrics", app.admin_addr());
    println!(
        "  console   http://{}/console/  (sign in with {DEV_TOKEN:?})",
        app.admin_addr()
    );
    println!(
        "  parking   {}  (salvage.v1.ParkingLot; operator token {DEV_TOKEN:?})",
        app.parking_lot_addr()
    );
    println!(
        "  redis     {url}  (data in {}, removed on exit)",
        dir.path().display()
    );
    println!("  rules     {}", rules.display());
    println!(
        "Try: grpcurl -plaintext -d @ {} salvage.v1.Salvage/Report <<< '{{\"message\":{{\"id\":\"o-1\",\"origin\":{{\"queue\":\"orders\"}},\"payload\":\"eyJ0b3RhbCI6IjEyLjUwIn0=\",\"eventType\":\"OrderPlaced\"}},\"failure\":{{\"class\":\"DATA\",\"code\":\"INVALID_TYPE\",\"message\":\"total must be a number\"}}}}'",
        app.grpc_addr()
    );
    println!("Then: redis-cli -p {port} XRANGE orders - +");
    println!(
        "Parked: SALVAGE_ADMIN_TOKEN={DEV_TOKEN} salvage parked --addr http://{} list",
        app.parking_lot_addr()
    );
    let result = app.run_until_signal().await;
    let _ = redis.kill().await;
    result
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

async fn wait_for_redis(url: &str, child: &mut tokio::process::Child) -> anyhow::Result<()> {
    let settings = RedisSettings {
        url: url.to_owned(),
        connect_timeout: Duration::from_millis(200),
        response_timeout: Duration::from_millis(200),
        ..RedisSettings::default()
    };
    let store = Store::connect(&settings)?;
    for _ in 0..100 {
        if let Some(status) = child.try_wait()? {
            bail!("redis-server exited at start ({status}); is the port free?");
        }
        if store.ping().await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("redis-server did not answer within 5s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_example_rules_load_with_the_embedded_schemas_alone() {
        let mut read = |name: &str| {
            EXAMPLE_SCHEMAS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| format!("{name} is not embedded in EXAMPLE_SCHEMAS"))
        };
        let rules = salvage_rules::RuleSet::load(EXAMPLE_RULES, "rules.toml", &mut read)
            .unwrap_or_else(|e| panic!("{e}"));
        let named: Vec<&str> = rules.schema_files().collect();
        let embedded: Vec<&str> = EXAMPLE_SCHEMAS.iter().map(|(n, _)| *n).collect();
        assert_eq!(named, embedded);
    }
}
