//! The `timestamp` action: read a date or time written in one of many common ways and write
//! it as RFC 3339 in UTC (`2026-11-22T10:15:00Z`, with fractional seconds only when they are
//! not zero).
//!
//! A string is read with, in this order, the first that parses winning:
//! 1. the rule's own `formats` (`time` crate format descriptions, version 2 syntax, e.g.
//!    `"[month]/[day]/[year]"`); when a rule gives `formats`, only those are tried, unless it
//!    also says `builtins = true`;
//! 2. the built-in formats (without `formats`, or with `builtins = true`):
//!    1. RFC 3339 with any offset (`2026-11-22T11:15:00+01:00`);
//!    2. RFC 2822 (`Sun, 22 Nov 2026 10:15:00 +0000`);
//!    3. ISO 8601 without an offset, with `T` or a space (`2026-11-22T10:15:00`,
//!       `2026-11-22 10:15`, optional fractional seconds);
//!    4. the same with a space and a numeric offset (`2026-11-22 10:15:00+01`, as PostgreSQL
//!       prints it);
//!    5. dates, at midnight: `2026-11-22`, `22/11/2026`, `22.11.2026` (day first) and
//!       `2026/11/22`;
//! 3. with `epoch` (see `epoch`), a string of digits as Unix time.
//!
//! A JSON number is Unix time, only with `epoch`. Without it, numbers and digit strings the
//! formats do not read fail, saying what to set: nothing is guessed.
//!
//! What is read without an offset (a format without one, the ISO forms without one, dates) is
//! a wall-clock time: in UTC, or with `zone`, in that IANA time zone (see `zone`; `ambiguous`
//! says what to do when the clocks go back). What carries an offset keeps it.

mod epoch;
mod zone;

use serde::Deserialize;
use serde_json::{Number, Value};
use time::{
    Date, OffsetDateTime, PrimitiveDateTime, UtcOffset,
    format_description::{
        BorrowedFormatItem, OwnedFormatItem,
        well_known::{Rfc2822, Rfc3339},
    },
    macros::format_description,
};

use self::{
    epoch::Epoch,
    zone::{Ambiguous, Zone},
};
use super::{ActionKind, At, Failure, Use, parse_pointer, rewrite};
use crate::{pointer::Pointer, value::describe};

/// `{ op = "timestamp", path, formats = [...], builtins, zone, ambiguous, epoch }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Timestamp {
    pub(super) path: String,
    /// The rule's own format descriptions, tried first.
    #[serde(default)]
    formats: Vec<String>,
    /// Whether the built-in formats are tried (after `formats`); by default only when there
    /// are no `formats`.
    builtins: Option<bool>,
    /// The IANA time zone of wall-clock times; UTC when absent.
    zone: Option<String>,
    /// What to do with a wall-clock time the zone shows twice (needs `zone`).
    ambiguous: Option<Ambiguous>,
    /// How numbers and digit strings are read as Unix time; not at all when absent.
    epoch: Option<Epoch>,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Timestamp {
    type Compiled = (Pointer, Reader);

    fn compile(self) -> Result<Self::Compiled, String> {
        let path = parse_pointer(&self.path, "path")?;
        let custom = self
            .formats
            .iter()
            .map(|text| {
                time::format_description::parse_owned::<2>(text)
                    .map_err(|e| format!("invalid timestamp format `{text}`: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let builtins = self.builtins.unwrap_or(custom.is_empty());
        if custom.is_empty() && !builtins && self.epoch.is_none() {
            return Err(
                "`builtins = false` without `formats` or `epoch` leaves nothing to \
                        read a timestamp with"
                    .to_owned(),
            );
        }
        let zone = match (self.zone, self.ambiguous) {
            (Some(name), ambiguous) => Some(Zone::compile(&name, ambiguous.unwrap_or_default())?),
            (None, Some(_)) => {
                return Err("`ambiguous` needs `zone` (in UTC no time is ambiguous)".to_owned());
            }
            (None, None) => None,
        };
        let reader = Reader {
            custom,
            builtins,
            epoch: self.epoch,
            zone,
        };
        Ok((path, reader))
    }

    fn apply((path, reader): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| {
            reader.normalise(value).map(Some)
        })
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// Date-times without an offset.
const LOCAL_DATE_TIMES: &[&[BorrowedFormatItem<'static>]] = &[
    format_description!(
        "[year]-[month]-[day]T[hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
    ),
    format_description!(
        "[year]-[month]-[day] [hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
    ),
];

/// Date-times with a space and a numeric offset.
const OFFSET_DATE_TIMES: &[&[BorrowedFormatItem<'static>]] = &[format_description!(
    "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]\
     [offset_hour sign:mandatory][optional [:[offset_minute]]]"
)];

/// Dates, read as midnight.
const DATES: &[&[BorrowedFormatItem<'static>]] = &[
    format_description!("[year]-[month]-[day]"),
    format_description!("[day padding:none]/[month padding:none]/[year]"),
    format_description!("[day padding:none].[month padding:none].[year]"),
    format_description!("[year]/[month padding:none]/[day padding:none]"),
];

/// What one `timestamp` action reads, and how.
#[derive(Debug, Clone)]
pub(super) struct Reader {
    /// The rule's `formats`.
    custom: Vec<OwnedFormatItem>,
    /// Whether the built-in formats are tried after `custom`.
    builtins: bool,
    /// How numbers and digit strings are read, if at all.
    epoch: Option<Epoch>,
    /// The zone of wall-clock times; UTC when `None`.
    zone: Option<Zone>,
}

/// A string as a format read it.
enum Reading {
    /// It had an offset (or was Unix time): the instant is known.
    Instant(OffsetDateTime),
    /// It had none: a wall-clock time, in the action's zone.
    LocalTime(PrimitiveDateTime),
}

impl Reader {
    /// The value rewritten as an RFC 3339 UTC string, or why it cannot be.
    fn normalise(&self, value: &Value) -> Result<Value, String> {
        let instant = match value {
            Value::String(text) => self.read_text(text.trim(), value)?,
            Value::Number(number) => self.read_number(number, value)?,
            _ => return Err(not_recognised(value)),
        };
        instant
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .map(Value::String)
            .map_err(|_| out_of_range(value))
    }

    fn read_text(&self, text: &str, value: &Value) -> Result<OffsetDateTime, String> {
        let reading = self
            .custom
            .iter()
            .find_map(|format| parse_any(text, format));
        let reading = match reading {
            None if self.builtins => parse_builtin(text),
            reading => reading,
        };
        match reading {
            Some(Reading::Instant(instant)) => return Ok(instant),
            Some(Reading::LocalTime(local)) => return self.locate(local, value),
            None => {}
        }
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_recognised(value));
        }
        let Some(epoch) = self.epoch else {
            let formats = if self.custom.is_empty() {
                "give formats (such as \"[year][month][day]\")"
            } else {
                "a format that reads it"
            };
            return Err(format!(
                "{} is digits only: set epoch = \"seconds\", \"milliseconds\" or \"auto\" to \
                 read it as Unix time, or {formats}",
                describe(value)
            ));
        };
        text.parse::<i64>()
            .ok()
            .and_then(|units| epoch.read_integer(units))
            .ok_or_else(|| out_of_range(value))
    }

    fn read_number(&self, number: &Number, value: &Value) -> Result<OffsetDateTime, String> {
        let Some(epoch) = self.epoch else {
            return Err(format!(
                "{} is read as Unix time only with epoch = \"seconds\", \"milliseconds\" or \
                 \"auto\"",
                describe(value)
            ));
        };
        number
            .as_i64()
            .map_or_else(
                || number.as_f64().and_then(|units| epoch.read_float(units)),
                |units| epoch.read_integer(units),
            )
            .ok_or_else(|| out_of_range(value))
    }

    /// The instant a wall-clock time shows: in the zone, or in UTC.
    fn locate(&self, local: PrimitiveDateTime, value: &Value) -> Result<OffsetDateTime, String> {
        match &self.zone {
            Some(zone) => zone.locate(local, &describe(value)),
            None => Ok(local.assume_utc()),
        }
    }
}

/// Reads with the built-in formats, in order.
fn parse_builtin(text: &str) -> Option<Reading> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(text, &Rfc2822).ok())
        .map(Reading::Instant)
        .or_else(|| {
            LOCAL_DATE_TIMES
                .iter()
                .find_map(|format| PrimitiveDateTime::parse(text, format).ok())
                .map(Reading::LocalTime)
        })
        .or_else(|| {
            OFFSET_DATE_TIMES
                .iter()
                .find_map(|format| OffsetDateTime::parse(text, format).ok())
                .map(Reading::Instant)
        })
        .or_else(|| {
            DATES
                .iter()
                .find_map(|format| Date::parse(text, format).ok())
                .map(|date| Reading::LocalTime(date.midnight()))
        })
}

/// Reads with a rule's description, whatever components it has.
fn parse_any(text: &str, format: &OwnedFormatItem) -> Option<Reading> {
    OffsetDateTime::parse(text, format)
        .ok()
        .map(Reading::Instant)
        .or_else(|| {
            PrimitiveDateTime::parse(text, format)
                .ok()
                .map(Reading::LocalTime)
        })
        .or_else(|| {
            Date::parse(text, format)
                .ok()
                .map(|date| Reading::LocalTime(date.midnight()))
        })
}

fn not_recognised(value: &Value) -> String {
    format!("{} is not a recognised timestamp", describe(value))
}

fn out_of_range(value: &Value) -> String {
    format!("{} is outside the years 0000 to 9999", describe(value))
}

#[cfg(test)]
mod tests;
