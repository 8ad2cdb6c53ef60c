//! JSON numbers compared and converted exactly, on their written digits (serde_json's
//! `arbitrary_precision` keeps them as text): `12.30` equals `12.3` and `1.23e1`, a 23-digit id
//! is compared digit by digit, never through a double.

use std::cmp::Ordering;

use serde_json::Number;

/// A number as `digits × 10^exp`, digits without leading or trailing zeros (empty for zero).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decimal {
    /// Below zero (never for zero).
    pub(crate) negative: bool,
    /// The significant digits, ASCII, without leading or trailing zeros (empty for zero).
    pub(crate) digits: String,
    /// The power of ten the digits are multiplied by.
    pub(crate) exp: i64,
}

impl Decimal {
    /// Reads JSON number text exactly as JSON's grammar has it (no `+7`, `.5`, `1.` or `007`);
    /// `None` for anything else or an exponent beyond 64 bits.
    pub(crate) fn parse_json(text: &str) -> Option<Decimal> {
        let decimal = Decimal::parse(text)?;
        // JSON forbids leading zeros (`007`), which `parse` accepts.
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        if unsigned.len() > 1
            && unsigned.starts_with('0')
            && !unsigned[1..].starts_with(['.', 'e', 'E'])
        {
            return None;
        }
        Some(decimal)
    }

    /// Reads JSON number text (`-?int(.frac)?([eE][+-]?digits)?`); `None` for anything else or
    /// an exponent beyond 64 bits.
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((int, frac)) => (int, frac),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || !all_digits(frac) || mantissa.ends_with('.') {
            return None;
        }
        let mut exp: i64 = match exponent {
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !all_digits(digits) {
                    return None;
                }
                e.strip_prefix('+').unwrap_or(e).parse().ok()?
            }
            None => 0,
        };
        exp = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
        let mut digits = String::with_capacity(int.len() + frac.len());
        digits.push_str(int);
        digits.push_str(frac);
        let trailing = digits.len() - digits.trim_end_matches('0').len();
        digits.truncate(digits.len() - trailing);
        exp = exp.checked_add(i64::try_from(trailing).ok()?)?;
        let leading = digits.len() - digits.trim_start_matches('0').len();
        digits.drain(..leading);
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                exp: 0,
            });
        }
        Some(Decimal {
            negative,
            digits,
            exp,
        })
    }

    /// -1, 0 or 1.
    fn sign(&self) -> i8 {
        match (self.digits.is_empty(), self.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        }
    }

    /// How `self` compares with `other` by value.
    fn cmp_value(&self, other: &Decimal) -> Ordering {
        let sign = self.sign().cmp(&other.sign());
        if sign != Ordering::Equal || self.sign() == 0 {
            return sign;
        }
        let magnitude = self.cmp_magnitude(other);
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }

    /// How the absolute values compare, both non-zero: first by where the leading digit stands
    /// (`digits.len() + exp`: 10^(that - 1) <= |value| < 10^that), then digit by digit (the
    /// digits have no leading or trailing zeros, so the one that runs out first is smaller).
    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        let lead =
            |d: &Decimal| i128::try_from(d.digits.len()).unwrap_or(i128::MAX) + i128::from(d.exp);
        lead(self)
            .cmp(&lead(other))
            .then_with(|| self.digits.as_bytes().cmp(other.digits.as_bytes()))
    }
}

/// Whether two numbers have the same value (`1`, `1.0`, `1e0` and `10e-1` do; `0` and `-0`
/// do). Text that is not a number compares as text.
pub(crate) fn eq(x: &Number, y: &Number) -> bool {
    text_eq(x.as_str(), y.as_str())
}

/// [`eq`] on number text (e.g. a `map` key against a payload number).
pub(crate) fn text_eq(x: &str, y: &str) -> bool {
    match (Decimal::parse(x), Decimal::parse(y)) {
        (Some(x), Some(y)) => x == y,
        _ => x == y,
    }
}

/// How number text `x` compares with number text `y` by exact value (`12.30` equals `12.3`,
/// `0.1` is below `0.10000000000000001`, 23-digit integers digit by digit); `None` when either
/// is not a number or its exponent does not fit 64 bits.
pub(crate) fn cmp_text(x: &str, y: &str) -> Option<Ordering> {
    Some(Decimal::parse(x)?.cmp_value(&Decimal::parse(y)?))
}

/// Whether the number has no fractional part (`3`, `3.0`, `1e3`, a 23-digit id).
pub(crate) fn is_whole(n: &Number) -> bool {
    Decimal::parse(n.as_str()).is_some_and(|d| d.exp >= 0)
}

/// Whether the number is written as an integer (no fraction, no exponent).
pub(crate) fn written_as_integer(n: &Number) -> bool {
    let text = n.as_str();
    !text.contains(['.', 'e', 'E'])
}

/// Whether the number's value is exactly `value` (0 or 1, for booleans).
pub(crate) fn is(n: &Number, value: u8) -> bool {
    text_eq(n.as_str(), &value.to_string())
}

/// The number written as an integer with every digit (`7.0` → `7`, `1.5e3` → `1500`), if it is
/// whole and finite as a double (which bounds the digits written).
pub(crate) fn to_integer(n: &Number) -> Option<Number> {
    if plain_integer(n.as_str()) {
        // Already as it would be written.
        return finite(n).then(|| n.clone());
    }
    n.as_f64()?;
    let d = Decimal::parse(n.as_str())?;
    if d.exp < 0 {
        return None;
    }
    let mut text = String::with_capacity(d.digits.len() + 1);
    if d.negative {
        text.push('-');
    }
    if d.digits.is_empty() {
        text.push('0');
    } else {
        text.push_str(&d.digits);
        text.extend(std::iter::repeat_n('0', usize::try_from(d.exp).ok()?));
    }
    text.parse().ok()
}

/// [`to_integer`], taking the number (kept as it is when it is written as its integer).
pub(crate) fn into_integer(n: Number) -> Option<Number> {
    if plain_integer(n.as_str()) {
        return finite(&n).then_some(n);
    }
    to_integer(&n)
}

/// Whether the number is finite as a double; without reading it as one for an integer of up to
/// 300 digits (below 1e300, and `f64::MAX` is above 1.7e308).
fn finite(n: &Number) -> bool {
    let text = n.as_str();
    (plain_integer(text) && text.len() <= 300) || n.as_f64().is_some()
}

/// `text` as a JSON number keeping its digits, if it is one and finite as a double (so `inf`,
/// `NaN` and `1e999` are not). JSON's grammar only: `+1`, `.5` and `1.` are not numbers here.
pub(crate) fn parse_exact(text: &str) -> Option<Number> {
    if !plain_integer(text) {
        Decimal::parse_json(text)?;
    }
    // A plain integer that fits 64 bits is written back with the same digits.
    if plain_integer(text) {
        if let Ok(u) = text.parse::<u64>() {
            return Some(Number::from(u));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Some(Number::from(i));
        }
    }
    let n: Number = text.parse().ok()?;
    finite(&n).then_some(n)
}

/// Whether `text` is an integer written as [`to_integer`] writes one: `0`, or digits without
/// a leading zero after an optional `-` (so a JSON number that [`Decimal`] reads, too).
fn plain_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    match digits {
        [b'0'] => digits.len() == text.len(),
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        text.parse().unwrap()
    }

    #[test]
    fn equality_is_by_exact_value() {
        let equal = [
            ("1", "1.0"),
            ("1", "1e0"),
            ("10e-1", "1"),
            ("12.30", "12.3"),
            ("1.23e1", "12.3"),
            ("0", "-0"),
            ("0.0", "-0e5"),
            ("20261121000000000000001", "20261121000000000000001"),
            ("1500", "1.5E3"),
        ];
        for (x, y) in equal {
            assert!(eq(&n(x), &n(y)), "{x} == {y}");
        }
        let different = [
            ("20261121000000000000001", "20261121000000000000002"),
            ("1", "-1"),
            ("12.3", "12.31"),
            ("1e3", "1e4"),
            ("0.1", "0.10000000000000001"),
        ];
        for (x, y) in different {
            assert!(!eq(&n(x), &n(y)), "{x} != {y}");
        }
    }

    #[test]
    fn ordering_is_by_exact_value() {
        use Ordering::{Equal, Greater, Less};
        let cases = [
            ("12.30", "12.3", Equal),
            ("1.23e1", "12.3", Equal),
            ("0", "-0", Equal),
            ("0.0", "-0e5", Equal),
            ("1500", "1.5E3", Equal),
            ("0.3", "0.30000000000000004", Less),
            ("0.1", "0.10000000000000001", Less),
            (
                "20261121000000000000002",
                "20261121000000000000001",
                Greater,
            ),
            (
                "20261121000000000000001",
                "2026112100000000000000.1",
                Greater,
            ),
            ("99999999999999999999999", "100000000000000000000000", Less),
            ("12.3", "12.31", Less),
            ("12.31", "12.3", Greater),
            ("-12.31", "-12.3", Less),
            ("-1", "0", Less),
            ("0", "0.0000001", Less),
            ("-0.0000001", "0", Less),
            ("-5", "3", Less),
            ("1e3", "999.999", Greater),
            ("1e-3", "0.001", Equal),
            ("1e400", "1e399", Greater),
            ("-1e400", "1", Less),
            ("9", "10", Less),
            ("0.9", "0.10", Greater),
        ];
        for (x, y, want) in cases {
            assert_eq!(cmp_text(x, y), Some(want), "{x} vs {y}");
            assert_eq!(cmp_text(y, x), Some(want.reverse()), "{y} vs {x}");
        }
        for (x, y) in [("x", "1"), ("1", ""), ("1e99999999999999999999", "1")] {
            assert_eq!(cmp_text(x, y), None, "{x} vs {y}");
        }
    }

    #[test]
    fn wholeness_and_integers() {
        assert!(is_whole(&n("3.0")) && is_whole(&n("1e3")) && is_whole(&n("-0")));
        assert!(is_whole(&n("20261121000000000000001")));
        assert!(!is_whole(&n("3.5")) && !is_whole(&n("1e-1")));
        assert_eq!(to_integer(&n("7.0")).unwrap().as_str(), "7");
        assert_eq!(to_integer(&n("1.5e3")).unwrap().as_str(), "1500");
        assert_eq!(to_integer(&n("-0.0")).unwrap().as_str(), "0");
        assert!(to_integer(&n("12.5")).is_none());
        assert!(to_integer(&n("1e400")).is_none());
        assert!(written_as_integer(&n("-0")) && !written_as_integer(&n("1e3")));
        assert!(is(&n("1.00"), 1) && is(&n("0e3"), 0) && !is(&n("2"), 1));
        for (text, integer) in [
            ("0", "0"),
            ("-0", "0"),
            ("7", "7"),
            ("-7", "-7"),
            ("120", "120"),
            ("20261121000000000000001", "20261121000000000000001"),
            ("1.20e2", "120"),
            ("-1E1", "-10"),
        ] {
            assert_eq!(to_integer(&n(text)).unwrap().as_str(), integer, "{text}");
        }
        for digits in [300, 308, 309, 400] {
            let nines = "9".repeat(digits);
            let finite = digits <= 308;
            assert_eq!(to_integer(&n(&nines)).is_some(), finite, "{digits} digits");
            assert_eq!(into_integer(n(&nines)).is_some(), finite, "{digits} digits");
            assert_eq!(parse_exact(&nines).is_some(), finite, "{digits} digits");
        }
        assert_eq!(into_integer(n("1.20e2")).unwrap().as_str(), "120");
        assert_eq!(into_integer(n("-0")).unwrap().as_str(), "0");
        assert!(into_integer(n("12.5")).is_none());
    }

    #[test]
    fn plain_integers_are_told_apart() {
        for text in ["0", "7", "-7", "120", "20261121000000000000001"] {
            assert!(plain_integer(text), "{text}");
        }
        for text in ["-0", "007", "-", "", "1.0", "1e3", "+7", "12a", "-01"] {
            assert!(!plain_integer(text), "{text}");
        }
    }

    #[test]
    fn parses_json_numbers_only_keeping_digits() {
        for text in [
            "12.50",
            "-0",
            "20261121000000000000001",
            "0.5",
            "1e-3",
            "0",
            "-12",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
        ] {
            assert_eq!(parse_exact(text).unwrap().to_string(), text);
            assert_eq!(parse_exact(text), text.parse().ok(), "{text}");
        }
        for text in [
            "+7", ".5", "1.", "007", "inf", "NaN", "1e999", "", "1,5", "0x10",
        ] {
            assert!(parse_exact(text).is_none(), "{text}");
        }
    }
}
