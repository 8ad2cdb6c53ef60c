//! The `timestamp` action: read a date or time written in one of many common ways and write
//! it as RFC 3339 in UTC (`2026-11-22T10:15:00Z`, with fractional seconds only when they are
//! not zero).
//!
//! Formats are tried in this order, the first that parses wins:
//! 1. the rule's own `formats` (`time` crate format descriptions, version 2 syntax, e.g.
//!    `"[month]/[day]/[year]"`); descriptions without an offset are read as UTC, descriptions
//!    without a time as midnight UTC;
//! 2. RFC 3339 with any offset (`2026-11-22T11:15:00+01:00`);
//! 3. RFC 2822 (`Sun, 22 Nov 2026 10:15:00 +0000`);
//! 4. ISO 8601 without an offset, with `T` or a space (`2026-11-22T10:15:00`,
//!    `2026-11-22 10:15`, optional fractional seconds), as UTC;
//! 5. the same with a space and a numeric offset (`2026-11-22 10:15:00+01`, as PostgreSQL
//!    prints it);
//! 6. dates at midnight UTC: `2026-11-22`, `22/11/2026`, `22.11.2026` (day first) and
//!    `2026/11/22`;
//! 7. Unix time, as a JSON number or a string of digits: seconds, or milliseconds when the
//!    magnitude is at least 10^11 (a number may carry a fraction).

use serde::Deserialize;
use serde_json::Value;
use time::{
    Date, OffsetDateTime, PrimitiveDateTime, UtcOffset,
    format_description::{
        BorrowedFormatItem, OwnedFormatItem,
        well_known::{Rfc2822, Rfc3339},
    },
    macros::format_description,
};

use super::{ActionKind, At, Failure, Use, parse_pointer, rewrite};
use crate::{pointer::Pointer, value::describe};

/// `{ op = "timestamp", path, formats = [...] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Timestamp {
    pub(super) path: String,
    #[serde(default)]
    formats: Vec<String>,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for Timestamp {
    type Compiled = (Pointer, Formats);

    fn compile(self) -> Result<Self::Compiled, String> {
        let formats = Formats::compile(&self.formats)?;
        Ok((parse_pointer(&self.path, "path")?, formats))
    }

    fn apply((path, formats): &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(path), |value| {
            formats.normalise(value).map(Some)
        })
    }

    fn uses((path, _): &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(path)]
    }
}

/// Date-times without an offset, read as UTC.
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

/// Dates, read as midnight UTC.
const DATES: &[&[BorrowedFormatItem<'static>]] = &[
    format_description!("[year]-[month]-[day]"),
    format_description!("[day padding:none]/[month padding:none]/[year]"),
    format_description!("[day padding:none].[month padding:none].[year]"),
    format_description!("[year]/[month padding:none]/[day padding:none]"),
];

/// Unix times at or above this magnitude are milliseconds (10^11 s is the year 5138).
const MILLIS_THRESHOLD: f64 = 1e11;

/// The formats one `timestamp` action accepts beyond the built-in ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Formats {
    custom: Vec<OwnedFormatItem>,
}

impl Formats {
    /// Parses the rule's `formats`, so a broken description fails at load time.
    pub(crate) fn compile(formats: &[String]) -> Result<Formats, String> {
        let custom = formats
            .iter()
            .map(|text| {
                time::format_description::parse_owned::<2>(text)
                    .map_err(|e| format!("invalid timestamp format `{text}`: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Formats { custom })
    }

    /// The value rewritten as an RFC 3339 UTC string.
    pub(crate) fn normalise(&self, value: &Value) -> Result<Value, String> {
        let parsed = match value {
            Value::String(text) => self.parse_text(text.trim()),
            Value::Number(n) => n
                .as_i64()
                .map_or_else(|| n.as_f64().and_then(from_unix_f64), from_unix),
            _ => None,
        };
        let instant =
            parsed.ok_or_else(|| format!("{} is not a recognised timestamp", describe(value)))?;
        instant
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .map(Value::String)
            .map_err(|_| format!("{} is outside the years 0000 to 9999", describe(value)))
    }

    fn parse_text(&self, text: &str) -> Option<OffsetDateTime> {
        self.custom
            .iter()
            .find_map(|format| parse_any(text, format))
            .or_else(|| OffsetDateTime::parse(text, &Rfc3339).ok())
            .or_else(|| OffsetDateTime::parse(text, &Rfc2822).ok())
            .or_else(|| {
                LOCAL_DATE_TIMES
                    .iter()
                    .find_map(|format| PrimitiveDateTime::parse(text, format).ok())
                    .map(PrimitiveDateTime::assume_utc)
            })
            .or_else(|| {
                OFFSET_DATE_TIMES
                    .iter()
                    .find_map(|format| OffsetDateTime::parse(text, format).ok())
            })
            .or_else(|| {
                DATES
                    .iter()
                    .find_map(|format| Date::parse(text, format).ok())
                    .map(midnight_utc)
            })
            .or_else(|| {
                let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
                digits
                    .then(|| text.parse::<i64>().ok())
                    .flatten()
                    .and_then(from_unix)
            })
    }
}

/// Parses with a user's description, whatever components it has.
fn parse_any(text: &str, format: &OwnedFormatItem) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, format)
        .ok()
        .or_else(|| {
            PrimitiveDateTime::parse(text, format)
                .ok()
                .map(PrimitiveDateTime::assume_utc)
        })
        .or_else(|| Date::parse(text, format).ok().map(midnight_utc))
}

fn midnight_utc(date: Date) -> OffsetDateTime {
    date.midnight().assume_utc()
}

fn from_unix(units: i64) -> Option<OffsetDateTime> {
    #[allow(
        clippy::cast_precision_loss,
        reason = "only compared with a threshold far below 2^52"
    )]
    let millis = (units as f64).abs() >= MILLIS_THRESHOLD;
    let nanos = i128::from(units) * if millis { 1_000_000 } else { 1_000_000_000 };
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

fn from_unix_f64(units: f64) -> Option<OffsetDateTime> {
    if !units.is_finite() {
        return None;
    }
    let scale = if units.abs() >= MILLIS_THRESHOLD {
        1e6
    } else {
        1e9
    };
    // Round to microseconds: float inputs carry no more precision than that.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "a finite f64 rounded to whole microseconds; out-of-range values are refused by the timestamp constructor"
    )]
    let micros = (units * scale / 1e3).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn built_in_formats() {
        let formats = Formats::default();
        let cases = [
            (json!("2026-11-22T10:15:00Z"), "2026-11-22T10:15:00Z"),
            (json!("2026-11-22T11:15:00+01:00"), "2026-11-22T10:15:00Z"),
            (
                json!("2026-11-22T05:15:00.250-05:00"),
                "2026-11-22T10:15:00.25Z",
            ),
            (
                json!("Sun, 22 Nov 2026 10:15:00 +0000"),
                "2026-11-22T10:15:00Z",
            ),
            (
                json!("Sun, 22 Nov 2026 11:15:00 +0100"),
                "2026-11-22T10:15:00Z",
            ),
            (json!("2026-11-22T10:15:00"), "2026-11-22T10:15:00Z"),
            (json!("2026-11-22 10:15:00"), "2026-11-22T10:15:00Z"),
            (json!("2026-11-22 10:15"), "2026-11-22T10:15:00Z"),
            (
                json!("2026-11-22T10:15:00.123456"),
                "2026-11-22T10:15:00.123456Z",
            ),
            (json!("2026-11-22 11:15:00+01"), "2026-11-22T10:15:00Z"),
            (json!("2026-11-22 11:15:00+01:00"), "2026-11-22T10:15:00Z"),
            (json!("2026-11-22"), "2026-11-22T00:00:00Z"),
            (json!("22/11/2026"), "2026-11-22T00:00:00Z"),
            (json!("1/2/2026"), "2026-02-01T00:00:00Z"),
            (json!("22.11.2026"), "2026-11-22T00:00:00Z"),
            (json!("2026/11/22"), "2026-11-22T00:00:00Z"),
            (json!(1_795_342_500), "2026-11-22T10:15:00Z"),
            (json!("1795342500"), "2026-11-22T10:15:00Z"),
            (json!(1_795_342_500_250_i64), "2026-11-22T10:15:00.25Z"),
            (json!("1795342500250"), "2026-11-22T10:15:00.25Z"),
            (json!(1_795_342_500.5), "2026-11-22T10:15:00.5Z"),
            (json!(" 2026-11-22 "), "2026-11-22T00:00:00Z"),
        ];
        for (input, expected) in cases {
            let got = formats
                .normalise(&input)
                .unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, json!(expected), "{input}");
        }
    }

    #[test]
    fn custom_formats_come_first() {
        let formats = Formats::compile(&[
            "[month]/[day]/[year]".to_owned(),
            "[year][month][day]".to_owned(),
        ])
        .unwrap();
        assert_eq!(
            formats.normalise(&json!("11/02/2026")).unwrap(),
            json!("2026-11-02T00:00:00Z")
        );
        assert_eq!(
            formats.normalise(&json!("20261122")).unwrap(),
            json!("2026-11-22T00:00:00Z")
        );
        // Built-ins still apply after the custom ones.
        assert_eq!(
            formats.normalise(&json!("22.11.2026")).unwrap(),
            json!("2026-11-22T00:00:00Z")
        );
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        let formats = Formats::default();
        for input in [
            json!("next tuesday"),
            json!("31/02/2026"),
            json!(""),
            json!(true),
            json!(null),
        ] {
            let err = formats.normalise(&input).unwrap_err();
            assert!(
                err.ends_with("is not a recognised timestamp"),
                "{input}: {err}"
            );
        }
        let err = Formats::compile(&["[year".to_owned()]).unwrap_err();
        assert!(err.starts_with("invalid timestamp format `[year`"), "{err}");
    }
}
