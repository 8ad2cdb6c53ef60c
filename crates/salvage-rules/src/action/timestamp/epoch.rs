//! The `epoch` of a `timestamp` action: how JSON numbers and strings of digits are read as Unix
//! time. Without it they are not read at all: `20261121` could as well be a date as a count of
//! seconds, and `1015` a time of day, so the rule must say.

use serde::Deserialize;
use time::OffsetDateTime;

/// The unit of Unix times (`epoch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Epoch {
    /// Seconds since 1970-01-01T00:00:00Z.
    Seconds,
    /// Milliseconds since 1970-01-01T00:00:00Z.
    Milliseconds,
    /// Milliseconds when the magnitude is at least 10^11 (10^11 seconds is the year 5138),
    /// seconds below.
    Auto,
}

/// `auto` reads magnitudes at or above this as milliseconds.
const MILLIS_THRESHOLD: f64 = 1e11;

impl Epoch {
    /// Nanoseconds in one unit of `magnitude` (for `auto`, the unit that magnitude implies).
    fn nanos_per_unit(self, magnitude: f64) -> i32 {
        match self {
            Epoch::Seconds => 1_000_000_000,
            Epoch::Milliseconds => 1_000_000,
            Epoch::Auto if magnitude >= MILLIS_THRESHOLD => 1_000_000,
            Epoch::Auto => 1_000_000_000,
        }
    }

    /// The instant `units` after the epoch (`None` beyond the years -9999 to 9999).
    pub(crate) fn read_integer(self, units: i64) -> Option<OffsetDateTime> {
        #[allow(
            clippy::cast_precision_loss,
            reason = "only compared with a threshold far below 2^52"
        )]
        let magnitude = (units as f64).abs();
        let nanos = i128::from(units) * i128::from(self.nanos_per_unit(magnitude));
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
    }

    /// The instant `units` after the epoch, to the microsecond (a float carries no more
    /// precision than that); `None` for infinities, NaN and beyond the years -9999 to 9999.
    pub(crate) fn read_float(self, units: f64) -> Option<OffsetDateTime> {
        if !units.is_finite() {
            return None;
        }
        let nanos_per_unit = f64::from(self.nanos_per_unit(units.abs()));
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a finite f64 rounded to whole microseconds; out-of-range values are refused by the timestamp constructor"
        )]
        let micros = (units * nanos_per_unit / 1e3).round() as i128;
        OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000).ok()
    }
}
