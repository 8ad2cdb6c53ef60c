//! The machinery behind the broker list in `destinations/mod.rs`: `brokers!` turns one line per
//! broker into its module, its variant of `DestinationSettings` (the `type` it is configured
//! by), its checks at load time and its arm in `build` (behind its cargo feature, named like the
//! type; without the feature, a configuration naming the type is refused by name).

/// One line per broker:
///
/// ```text
/// /// What it does (the variant's doc).
/// "kafka" => Kafka(kafka::{KafkaSettings, KafkaPublisher}),
/// ```
///
/// `"kafka"` is the `type` in the configuration file and the cargo feature; `kafka` the folder
/// `destinations/kafka/` (`mod.rs` with `pub mod config;` and the publisher); `KafkaSettings` the
/// settings in its `config.rs` (a [`BrokerSettings`](super::publish::BrokerSettings)), and
/// `KafkaPublisher` the publisher in its `mod.rs` (a [`Broker`](super::publish::Broker)).
///
/// Without the feature, only the broker's `config.rs` is compiled (its dependencies are not):
/// the settings still parse and are checked, and [`build`](super::Destinations::build) refuses
/// the destination naming the feature.
macro_rules! brokers {
    ($(
        $(#[$attr:meta])*
        $kind:literal => $variant:ident($module:ident::{$settings:ident, $publisher:ident}),
    )*) => {
        $(
            #[cfg(feature = $kind)]
            pub mod $module;
            /// Without its cargo feature, only the settings (see `destinations/registry.rs`).
            #[cfg(not(feature = $kind))]
            pub mod $module {
                pub mod config;
            }
        )*

        /// A destination, by `type`.
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
        pub enum DestinationSettings {
            /// XADD to the origin stream on the Redis that Salvage uses for its own state.
            RedisStreams($crate::destinations::redis_streams::config::RedisStreamsSettings),
            $(
                $(#[$attr])*
                #[serde(rename = $kind)]
                $variant($module::config::$settings),
            )*
        }

        impl DestinationSettings {
            /// The checks of destination `name`'s own settings.
            pub(crate) fn validate(&self, name: &str) -> Result<(), String> {
                match self {
                    Self::RedisStreams(s) => s.validate(name),
                    $(Self::$variant(s) => {
                        use $crate::destinations::publish::BrokerSettings;
                        BrokerSettings::delivery(s).validate(name)?;
                        // A build without the broker's feature refuses it at load time, so
                        // `salvage check` says so too, not only `serve`.
                        #[cfg(not(feature = $kind))]
                        return Err($crate::destinations::registry::missing(name, $kind));
                        #[cfg(feature = $kind)]
                        BrokerSettings::validate(s, name)
                    })*
                }
            }
        }

        /// The destination `name` configured by `settings`.
        fn build(
            name: &str,
            settings: &DestinationSettings,
            inline_requeues: bool,
        ) -> Result<std::sync::Arc<dyn $crate::destinations::Destination>, String> {
            use $crate::destinations::redis_streams::RedisStreams;
            Ok(match settings {
                DestinationSettings::RedisStreams(s) => {
                    std::sync::Arc::new(RedisStreams::new(name, s, inline_requeues))
                }
                $(
                    #[cfg(feature = $kind)]
                    DestinationSettings::$variant(s) => {
                        std::sync::Arc::new($crate::destinations::remote::Remote::of::<
                            $module::$publisher,
                        >(name, $kind, s))
                    }
                    #[cfg(not(feature = $kind))]
                    DestinationSettings::$variant(_) => {
                        return Err($crate::destinations::registry::missing(name, $kind));
                    }
                )*
            })
        }
    };
}

pub(crate) use brokers;

/// Why destination `name` of type `kind` cannot be built: this build lacks the cargo feature
/// of that name.
#[allow(
    dead_code,
    reason = "used only by the arms of the broker features that are off in this build"
)]
pub(crate) fn missing(name: &str, kind: &str) -> String {
    format!(
        "destinations.{name} has type {kind:?}, but this build of Salvage has no {kind} \
         support: build it with the cargo feature `{kind}` (on by default)"
    )
}
