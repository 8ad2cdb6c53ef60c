//! The settings of a destination with `type = "sqs"`. Compiled with or without the `sqs`
//! feature: a build without it still reads them, and refuses the destination by name.

use std::fmt;

use serde::Deserialize;

use crate::destinations::publish::{BrokerSettings, DeliverySettings};

/// SQS's own limit on a message (body and attributes, names and types included) for a queue
/// left at its default `MaximumMessageSize`: 256 KiB.
pub const SQS_MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// An Amazon SQS destination: the origin queue is the consumer's own queue, its URL or its name
/// (resolved with `GetQueueUrl` in this account and region, and cached).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqsSettings {
    /// The AWS region (`eu-west-1`); when left out, the standard chain's (`AWS_REGION`, the
    /// profile's `region`, IMDS).
    #[serde(default)]
    pub region: Option<String>,
    /// An endpoint to use instead of AWS's for the region: a VPC endpoint, or an emulator
    /// (`http://127.0.0.1:5000`).
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Static credentials, for emulators and tests. Left out (the normal case), credentials come
    /// from the standard chain: environment (`AWS_ACCESS_KEY_ID`, ...), profile, web identity,
    /// ECS, IMDS. Both or neither; never logged.
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// See `access_key_id`.
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// The largest copy sent, body and attributes counted as SQS counts them; a larger one is
    /// refused (and parked) without asking SQS. Default 262144 (256 KiB, SQS's default
    /// `MaximumMessageSize`); raise it only for queues configured for more.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: usize,
    /// Confirmation timeout, attempts and backoff.
    #[serde(default)]
    pub delivery: DeliverySettings,
}

fn default_max_message_bytes() -> usize {
    SQS_MAX_MESSAGE_BYTES
}

impl fmt::Debug for SqsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqsSettings")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("access_key_id", &self.access_key_id)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("delivery", &self.delivery)
            .finish_non_exhaustive()
    }
}

impl BrokerSettings for SqsSettings {
    fn delivery(&self) -> &DeliverySettings {
        &self.delivery
    }

    fn validate(&self, name: &str) -> Result<(), String> {
        if let Some(url) = &self.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(format!(
                "destinations.{name}.endpoint_url: must start with http:// or https://"
            ));
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return Err(format!(
                "destinations.{name}.access_key_id and secret_access_key: both or neither"
            ));
        }
        if self.max_message_bytes == 0 {
            return Err(format!(
                "destinations.{name}.max_message_bytes: must be greater than 0"
            ));
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "sqs"))]
mod tests {
    use crate::config::testing::parse;

    #[test]
    fn settings_are_read_and_checked() {
        let settings = parse(
            "default_destination = \"q\"\n[destinations.q]\ntype = \"sqs\"\nregion = \"eu-west-1\"\n\
             endpoint_url = \"http://127.0.0.1:5000\"\n",
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let crate::destinations::DestinationSettings::Sqs(s) = &settings.destinations["q"] else {
            panic!("not sqs");
        };
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.max_message_bytes, 262_144);

        for (toml, field) in [
            ("endpoint_url = \"localhost:5000\"", "endpoint_url"),
            ("access_key_id = \"AKIA\"", "secret_access_key"),
            ("max_message_bytes = 0", "max_message_bytes"),
        ] {
            let text = format!("default_destination = \"q\"\n[destinations.q]\ntype = \"sqs\"\n{toml}\n");
            let Err(e) = parse(&text, &[]) else {
                panic!("{toml} accepted");
            };
            assert!(e.to_string().contains(field), "{toml}: {e}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let settings = parse(
            "default_destination = \"q\"\n[destinations.q]\ntype = \"sqs\"\naccess_key_id = \"AKIA1\"\n\
             secret_access_key = \"s3cr3t\"\n",
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{:?}", settings.destinations["q"]);
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }
}
