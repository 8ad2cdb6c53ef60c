//! The `zone` of a `timestamp` action: wall-clock times (date-times without an offset) read as
//! local time in an IANA time zone, with its daylight saving rules, from the time zone database
//! bundled into the binary (never the host's `/usr/share/zoneinfo`, which minimal images lack
//! and which would make the answer depend on the host).
//!
//! A wall-clock time the zone skips (the clocks go forward: `02:30` on the day daylight saving
//! starts in New York) always fails. One it shows twice (the clocks go back) fails too unless
//! the action chooses with `ambiguous = "earlier"` or `"later"`: no guess is silent.

use jiff::{
    civil::DateTime,
    tz::{AmbiguousOffset, AmbiguousTimestamp, Offset, TimeZone, TimeZoneDatabase},
};
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// What to do with a wall-clock time that happens twice in the zone (`ambiguous`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Ambiguous {
    /// The first occurrence (before the clocks go back: daylight saving time, usually).
    Earlier,
    /// The second occurrence (after the clocks go back).
    Later,
    /// Fail the action, naming the time and the zone.
    #[default]
    Fail,
}

/// A named time zone and the choice for its ambiguous times.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    tz: TimeZone,
    /// The IANA name, as the database spells it (for reasons).
    name: String,
    ambiguous: Ambiguous,
}

impl Zone {
    /// Looks `name` up in the bundled database (without regard to ASCII case), at load time.
    pub(crate) fn compile(name: &str, ambiguous: Ambiguous) -> Result<Zone, String> {
        let tz = TimeZoneDatabase::bundled().get(name).map_err(|_| {
            format!(
                "`zone`: unknown time zone {name:?} (an IANA time zone name, such as \
                 \"America/New_York\", \"Europe/Berlin\" or \"UTC\")"
            )
        })?;
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Ok(Zone {
            tz,
            name,
            ambiguous,
        })
    }

    /// The instant that the wall-clock time `local` shows in the zone. `shown` is the value as
    /// reasons name it (`string "2026-11-01 01:30"`).
    pub(crate) fn locate(
        &self,
        local: PrimitiveDateTime,
        shown: &str,
    ) -> Result<OffsetDateTime, String> {
        let civil =
            to_civil(local).ok_or_else(|| format!("{shown} is outside the years -9999 to 9999"))?;
        let ambiguous = self.tz.to_ambiguous_timestamp(civil);
        let offset = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Gap { before, after } => {
                return Err(format!(
                    "{shown} does not exist in {} ({}: the clocks skip from {} to {})",
                    self.name,
                    self.change(ambiguous),
                    show(before),
                    show(after),
                ));
            }
            AmbiguousOffset::Fold { before, after } => match self.ambiguous {
                Ambiguous::Earlier => before,
                Ambiguous::Later => after,
                Ambiguous::Fail => {
                    return Err(format!(
                        "{shown} is ambiguous in {} ({}: it happens at {}, then again at {}): \
                         set ambiguous = \"earlier\" or \"later\" to choose",
                        self.name,
                        self.change(ambiguous),
                        show(before),
                        show(after),
                    ));
                }
            },
        };
        let offset = UtcOffset::from_whole_seconds(offset.seconds())
            .map_err(|_| format!("{shown} has an offset in {} out of range", self.name))?;
        Ok(local.assume_offset(offset))
    }

    /// What happens at the transition around a gap or fold: daylight saving starting or ending,
    /// or the zone's standard offset changing.
    fn change(&self, ambiguous: AmbiguousTimestamp) -> &'static str {
        // `earlier` lies before the transition and `later` after it, for a gap as for a fold.
        let dst = |instant: Result<jiff::Timestamp, jiff::Error>| {
            instant.is_ok_and(|instant| self.tz.to_offset_info(instant).dst().is_dst())
        };
        match (dst(ambiguous.earlier()), dst(ambiguous.later())) {
            (false, true) => "daylight saving starts",
            (true, false) => "daylight saving ends",
            _ => "the zone's offset changes",
        }
    }
}

/// The same wall-clock time in jiff's terms (`None` outside jiff's years -9999 to 9999).
fn to_civil(local: PrimitiveDateTime) -> Option<DateTime> {
    DateTime::new(
        i16::try_from(local.year()).ok()?,
        i8::try_from(u8::from(local.month())).ok()?,
        i8::try_from(local.day()).ok()?,
        i8::try_from(local.hour()).ok()?,
        i8::try_from(local.minute()).ok()?,
        i8::try_from(local.second()).ok()?,
        i32::try_from(local.nanosecond()).ok()?,
    )
    .ok()
}

/// An offset as RFC 3339 writes it: `-05:00`, `+09:00` (`+05:53:28` for local mean times).
fn show(offset: Offset) -> String {
    let total = offset.seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let total = total.unsigned_abs();
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    if seconds == 0 {
        format!("{sign}{hours:02}:{minutes:02}")
    } else {
        format!("{sign}{hours:02}:{minutes:02}:{seconds:02}")
    }
}
