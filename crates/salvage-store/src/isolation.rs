//! A second Redis connection for operator work (the parking lot API, the console, bulk runs,
//! retention), so a search reading thousands of large records never queues in front of a
//! report's script on the shared multiplexed connection: replies on one connection come back in
//! order, and a 10 MB batch of payloads would delay every report answer behind it.

use std::time::Duration;

use redis::aio::ConnectionManagerConfig;

use super::config::RedisSettings;
use super::{Store, StoreError};

/// How the connection managers connect, time out and reconnect.
pub(super) fn manager_config(settings: &RedisSettings) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(settings.connect_timeout))
        .set_response_timeout(Some(settings.response_timeout))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500))
}

impl Store {
    /// The same store over its own connection (connected lazily, reconnecting by itself; its
    /// reader runs on the tokio runtime this is called on).
    pub fn with_own_connection(&self) -> Result<Store, StoreError> {
        Ok(Store {
            link: self.link.another(&self.manager)?,
            ..self.clone()
        })
    }
}
