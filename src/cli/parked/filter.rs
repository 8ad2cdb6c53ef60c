//! Filter, selection and redrive flags turned into their protobuf messages, with the guard
//! against touching every parked message by accident.

use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::args::{FilterArgs, RedriveArgs, SelectionArgs};
use crate::proto::v1 as pb;

impl FilterArgs {
    /// Whether any filter flag was given.
    pub(crate) fn is_empty(&self) -> bool {
        let Self {
            queue,
            group,
            code,
            event_type,
            since,
            until,
            text,
            pointer,
            value,
            destination,
        } = self;
        [
            queue,
            group,
            code,
            event_type,
            since,
            until,
            text,
            pointer,
            value,
            destination,
        ]
        .iter()
        .all(|f| f.is_none())
    }

    /// The filter message (`--since`/`--until` resolved against the clock now).
    pub(crate) fn to_proto(&self) -> anyhow::Result<pb::ParkedFilter> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(pb::ParkedFilter {
            queue: s(&self.queue),
            group: s(&self.group),
            error_code: s(&self.code),
            event_type: s(&self.event_type),
            parked_after: self
                .since
                .as_deref()
                .map(|t| parse_time("--since", t))
                .transpose()?,
            parked_before: self
                .until
                .as_deref()
                .map(|t| parse_time("--until", t))
                .transpose()?,
            text: s(&self.text),
            json_pointer: s(&self.pointer),
            json_value: s(&self.value),
            destination: s(&self.destination),
        })
    }
}

impl SelectionArgs {
    /// The selection of a bulk operation. Neither ids nor filter flags selects everything, which
    /// needs `--all-parked` so that a forgotten flag does not touch every parked message.
    pub(crate) fn to_proto(&self, verb: &str) -> anyhow::Result<pb::Selection> {
        let narrowed = !self.ids.is_empty() || !self.filter.is_empty();
        if self.all_parked && narrowed {
            bail!("--all-parked cannot be combined with tracking ids or filter flags");
        }
        if !self.all_parked && !narrowed {
            bail!(
                "no messages selected: give tracking ids or filter flags (--queue, --group, \
                 --code, --since, ...), or --all-parked to {verb} every message"
            );
        }
        Ok(pb::Selection {
            tracking_ids: self.ids.clone(),
            filter: if self.filter.is_empty() {
                None
            } else {
                Some(self.filter.to_proto()?)
            },
        })
    }

    /// The selection without the guard, for dry runs (which change nothing).
    pub(crate) fn to_proto_unguarded(&self) -> anyhow::Result<pb::Selection> {
        Ok(pb::Selection {
            tracking_ids: self.ids.clone(),
            filter: if self.filter.is_empty() {
                None
            } else {
                Some(self.filter.to_proto()?)
            },
        })
    }
}

impl RedriveArgs {
    /// The redrive options (unset flags stay 0: the server's defaults).
    pub(crate) fn to_proto(&self) -> anyhow::Result<pb::RedriveOptions> {
        if let Some(r) = self.stop_ratio
            && !(r > 0.0 && r <= 1.0)
        {
            bail!("--stop-ratio must be in (0, 1], got {r}");
        }
        if let Some(r) = self.rate
            && !(r.is_finite() && r >= 0.0)
        {
            bail!("--rate must be a number of messages per second, got {r}");
        }
        Ok(pb::RedriveOptions {
            rate_per_second: self.rate.unwrap_or(0.0),
            canary: self.canary.unwrap_or(0),
            canary_wait: self.canary_wait.map(duration),
            stop_failure_ratio: self.stop_ratio.unwrap_or(0.0),
            stop_min_failures: self.stop_min.unwrap_or(0),
            disable_auto_stop: self.no_auto_stop,
        })
    }
}

/// RFC 3339, or a duration meaning that long ago ("2h", "30m", "1d 12h").
fn parse_time(flag: &str, text: &str) -> anyhow::Result<prost_types::Timestamp> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(timestamp(t));
    }
    let ago = humantime::parse_duration(text).map_err(|_| {
        anyhow!("{flag} {text:?}: give a time (2026-11-22T10:00:00Z) or a duration ago (2h, 30m)")
    })?;
    let at = SystemTime::now()
        .checked_sub(ago)
        .ok_or_else(|| anyhow!("{flag} {text:?} is too long ago"))?;
    Ok(prost_types::Timestamp::from(at))
}

fn timestamp(t: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.unix_timestamp(),
        // Always in 0..1e9, so it fits.
        nanos: i32::try_from(t.nanosecond()).unwrap_or(0),
    }
}

fn duration(d: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_ago() {
        let t = parse_time("--since", "2026-11-22T10:00:00Z").unwrap();
        assert_eq!(t.seconds, 1_795_341_600);
        let now = prost_types::Timestamp::from(SystemTime::now()).seconds;
        let t = parse_time("--since", "2h").unwrap();
        assert!((now - 7200 - t.seconds).abs() <= 2, "{t:?}");
        assert!(parse_time("--since", "yesterday").is_err());
    }

    #[test]
    fn an_empty_selection_needs_all_parked() {
        let mut sel = SelectionArgs {
            ids: vec![],
            filter: FilterArgs::default(),
            all_parked: false,
        };
        let err = sel.to_proto("resubmit").unwrap_err().to_string();
        assert!(err.contains("--all-parked"), "{err}");
        sel.all_parked = true;
        assert!(sel.to_proto("resubmit").unwrap().filter.is_none());
        sel.filter.queue = Some("orders".into());
        assert!(sel.to_proto("resubmit").is_err());
        sel.all_parked = false;
        let p = sel.to_proto("resubmit").unwrap();
        assert_eq!(p.filter.unwrap().queue, "orders");
    }
}
