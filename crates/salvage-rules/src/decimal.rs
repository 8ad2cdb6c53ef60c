//! Decimal arithmetic on written digits, for `multiply` and `divide`: a number is read from its
//! JSON text into an integer of any length and a count of decimals, multiplied or divided by a
//! decimal factor, and rounded to a number of decimals by an explicit [`Rounding`]. Never
//! through a double: a 23-digit id keeps every digit, `0.1 × 3` is `0.3`.
//!
//! Sizes are bounded: a number read or written may have at most [`MAX_DIGITS`] digits written
//! out in full (`1e999` has 1,000, `1e-999` too), so a short exponent cannot ask for a billion
//! zeros. Zero has no sign: `-0.001` rounded to 2 decimals is `0.00`.

use std::{cmp::Ordering, fmt};

use serde::Deserialize;

use crate::number::Decimal;

/// The most digits a number read or written may have, written out in full.
pub(crate) const MAX_DIGITS: usize = 1000;

/// An exact decimal number: `coef × 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exact {
    /// Below zero (never for zero).
    negative: bool,
    /// The magnitude's digits (0-9), most significant first, without leading zeros (empty for
    /// zero).
    coef: Vec<u8>,
    /// How many of the digits are decimals.
    scale: usize,
}

/// How a result is rounded to its number of decimals when it has more. "Half" modes round to
/// the nearer neighbour and differ only at a tie (a remainder of exactly one half).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Rounding {
    /// Ties to the even neighbour (banker's rounding): 0.125 → 0.12, 0.135 → 0.14.
    HalfEven,
    /// Ties away from zero (commercial rounding): 0.125 → 0.13, -0.125 → -0.13.
    HalfUp,
    /// Ties towards zero: 0.125 → 0.12, -0.125 → -0.12.
    HalfDown,
    /// Towards zero (truncation): 0.129 → 0.12, -0.129 → -0.12.
    Down,
    /// Away from zero: 0.121 → 0.13, -0.121 → -0.13.
    Up,
    /// Towards negative infinity: 0.129 → 0.12, -0.121 → -0.13.
    Floor,
    /// Towards positive infinity: 0.121 → 0.13, -0.129 → -0.12.
    Ceiling,
}

/// How many decimals a result gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// As many as the exact result needs, and no trailing zeros (`12.30 × 100` → `1230`). A
    /// division whose exact result has endless decimals fails ([`ArithError::Endless`]).
    Exact,
    /// Exactly this many (`1.2` with 2 → `1.20`); a result that needs more fails
    /// ([`ArithError::Inexact`]).
    Fit(usize),
    /// Exactly this many, rounded so.
    Round(usize, Rounding),
}

/// Why a calculation has no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithError {
    /// The result needs more decimals than [`Target::Fit`] allows.
    Inexact(usize),
    /// The exact quotient has endless decimals.
    Endless,
    /// The result would have more than [`MAX_DIGITS`] digits.
    TooLong,
    /// Division by zero.
    DivisionByZero,
}

impl fmt::Display for ArithError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArithError::Inexact(decimals) => write!(
                f,
                "the result needs more than {decimals} decimals and no `rounding` is set"
            ),
            ArithError::Endless => write!(
                f,
                "the result has endless decimals: set `decimals` and `rounding`"
            ),
            ArithError::TooLong => write!(f, "the result has more than {MAX_DIGITS} digits"),
            ArithError::DivisionByZero => write!(f, "division by zero"),
        }
    }
}

/// Why text is not read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Not JSON number text.
    NotANumber,
    /// More than [`MAX_DIGITS`] digits written out.
    TooLong,
}

impl Exact {
    /// Reads JSON number text (`12.30`, `-7`, `1e3`, `2.5E-2`, a 23-digit integer) exactly.
    pub(crate) fn parse(text: &str) -> Result<Exact, ReadError> {
        let Decimal {
            negative,
            digits,
            exp,
        } = Decimal::parse_json(text).ok_or(ReadError::NotANumber)?;
        let mut coef: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        let scale = if exp >= 0 {
            let zeros = usize::try_from(exp)
                .ok()
                .filter(|zeros| coef.len().saturating_add(*zeros) <= MAX_DIGITS)
                .ok_or(ReadError::TooLong)?;
            if !coef.is_empty() {
                coef.resize(coef.len() + zeros, 0);
            }
            0
        } else {
            usize::try_from(exp.unsigned_abs())
                .ok()
                .filter(|scale| *scale <= MAX_DIGITS && coef.len() <= MAX_DIGITS)
                .ok_or(ReadError::TooLong)?
        };
        Ok(Exact {
            negative,
            coef,
            scale,
        })
    }

    /// Whether the number is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.coef.is_empty()
    }

    /// Whether dividing by this number always gives a result with finitely many decimals:
    /// its digits (without the decimal point) are a product of 2s and 5s only (`1000`, `0.25`,
    /// `8`; not `3`, not `2.54`). False for zero.
    pub(crate) fn divides_finitely(&self) -> bool {
        decimals_to_divide(&self.coef).is_some()
    }

    /// `self × by`, to `target` decimals.
    pub(crate) fn multiply(&self, by: &Exact, target: Target) -> Result<Exact, ArithError> {
        let product = mul(&self.coef, &by.coef);
        let scale = self.scale + by.scale;
        let decimals = match target {
            Target::Exact => scale,
            Target::Fit(decimals) | Target::Round(decimals, _) => decimals,
        };
        let exp = i64::try_from(scale).map_err(|_| ArithError::TooLong)?;
        let negative = self.negative != by.negative;
        settle(negative, product, &[1], exp, decimals, target)
    }

    /// `self ÷ by`, to `target` decimals.
    pub(crate) fn divide(&self, by: &Exact, target: Target) -> Result<Exact, ArithError> {
        if by.is_zero() {
            return Err(ArithError::DivisionByZero);
        }
        let to_i64 = |n: usize| i64::try_from(n).map_err(|_| ArithError::TooLong);
        // self ÷ by = (self.coef ÷ by.coef) × 10^-(self.scale - by.scale)
        let exp = to_i64(self.scale)? - to_i64(by.scale)?;
        let decimals = match target {
            // Enough for the quotient of a divisor made of 2s and 5s; one of another
            // divisor may need more and then has a remainder: `Endless`.
            Target::Exact => {
                let more = to_i64(decimals_to_divide(&by.coef).unwrap_or(0))?;
                usize::try_from((exp + more).max(0)).map_err(|_| ArithError::TooLong)?
            }
            Target::Fit(decimals) | Target::Round(decimals, _) => decimals,
        };
        let negative = self.negative != by.negative;
        settle(negative, self.coef.clone(), &by.coef, exp, decimals, target)
    }
}

impl fmt::Display for Exact {
    /// Plain decimal text, without exponent, with exactly `scale` decimals: `1230`, `1.235`,
    /// `0.05`, `-12.30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digit = |d: &u8| char::from(b'0' + d);
        let mut text = String::with_capacity(self.coef.len() + self.scale + 3);
        if self.negative {
            text.push('-');
        }
        let len = self.coef.len();
        if len > self.scale {
            text.extend(self.coef[..len - self.scale].iter().map(digit));
        } else {
            text.push('0');
        }
        if self.scale > 0 {
            text.push('.');
            text.extend(std::iter::repeat_n('0', self.scale.saturating_sub(len)));
            text.extend(
                self.coef[len.saturating_sub(self.scale)..]
                    .iter()
                    .map(digit),
            );
        }
        f.write_str(&text)
    }
}

/// The number `(num ÷ den) × 10^-exp`, with its sign, to `decimals` decimals as `target` says.
fn settle(
    negative: bool,
    num: Vec<u8>,
    den: &[u8],
    exp: i64,
    decimals: usize,
    target: Target,
) -> Result<Exact, ArithError> {
    if decimals > MAX_DIGITS {
        return Err(ArithError::TooLong);
    }
    // The result's coefficient is num × 10^(decimals - exp) ÷ den.
    let shift = i64::try_from(decimals).map_err(|_| ArithError::TooLong)? - exp;
    let zeros = usize::try_from(shift.unsigned_abs()).map_err(|_| ArithError::TooLong)?;
    let (num, den) = if shift >= 0 {
        (append_zeros(num, zeros), den.to_vec())
    } else {
        (num, append_zeros(den.to_vec(), zeros))
    };
    // A quotient longer than this is too long whatever the divisor's leading digit.
    if num.len() > den.len() + MAX_DIGITS {
        return Err(ArithError::TooLong);
    }
    let (mut coef, remainder) = div_rem(&num, &den);
    if !remainder.is_empty() {
        let away = match target {
            Target::Exact => return Err(ArithError::Endless),
            Target::Fit(decimals) => return Err(ArithError::Inexact(decimals)),
            Target::Round(_, rounding) => rounds_away(rounding, negative, &coef, &remainder, &den),
        };
        if away {
            increment(&mut coef);
        }
    }
    if coef.len() > MAX_DIGITS {
        return Err(ArithError::TooLong);
    }
    let mut result = Exact {
        negative: negative && !coef.is_empty(),
        coef,
        scale: decimals,
    };
    if target == Target::Exact {
        if result.coef.is_empty() {
            result.scale = 0;
        }
        while result.scale > 0 && result.coef.last() == Some(&0) {
            result.coef.pop();
            result.scale -= 1;
        }
    }
    Ok(result)
}

/// Whether a quotient `coef` with a non-zero `remainder` (of `den`) moves one unit away from
/// zero under `rounding`.
fn rounds_away(
    rounding: Rounding,
    negative: bool,
    coef: &[u8],
    remainder: &[u8],
    den: &[u8],
) -> bool {
    let half = || cmp(&mul(remainder, &[2]), den);
    match rounding {
        Rounding::Down => false,
        Rounding::Up => true,
        Rounding::Floor => negative,
        Rounding::Ceiling => !negative,
        Rounding::HalfUp => half() != Ordering::Less,
        Rounding::HalfDown => half() == Ordering::Greater,
        Rounding::HalfEven => match half() {
            Ordering::Greater => true,
            Ordering::Equal => coef.last().is_some_and(|d| d % 2 == 1),
            Ordering::Less => false,
        },
    }
}

/// The fewest decimals `k` such that `10^k` is a multiple of `n`: `Some` when `n` is a product
/// of 2s and 5s (then every quotient by `n` has at most `k` more decimals than its dividend).
fn decimals_to_divide(n: &[u8]) -> Option<usize> {
    if n.is_empty() {
        return None;
    }
    let mut rest = n.to_vec();
    let count = |factor: u8, rest: &mut Vec<u8>| {
        let mut times = 0;
        loop {
            let (quotient, remainder) = div_rem(rest, &[factor]);
            if !remainder.is_empty() {
                return times;
            }
            *rest = quotient;
            times += 1;
        }
    };
    let twos = count(2, &mut rest);
    let fives = count(5, &mut rest);
    (rest == [1]).then_some(twos.max(fives))
}

// Unsigned integers as decimal digits, most significant first, without leading zeros (empty
// for zero).

fn trim(mut digits: Vec<u8>) -> Vec<u8> {
    let zeros = digits.iter().take_while(|d| **d == 0).count();
    digits.drain(..zeros);
    digits
}

fn append_zeros(mut digits: Vec<u8>, zeros: usize) -> Vec<u8> {
    if !digits.is_empty() {
        digits.resize(digits.len() + zeros, 0);
    }
    digits
}

fn cmp(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn mul(a: &[u8], b: &[u8]) -> Vec<u8> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    // Little-endian sums of digit products, then carried.
    let mut sums = vec![0u64; a.len() + b.len()];
    for (i, x) in a.iter().rev().enumerate() {
        for (j, y) in b.iter().rev().enumerate() {
            sums[i + j] += u64::from(*x) * u64::from(*y);
        }
    }
    let mut carry = 0u64;
    let mut digits = Vec::with_capacity(sums.len());
    for sum in sums {
        let total = sum + carry;
        digits.push(u8::try_from(total % 10).unwrap_or(0));
        carry = total / 10;
    }
    digits.reverse();
    trim(digits)
}

/// `a - b`, for `a >= b`.
fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut digits = a.to_vec();
    let mut borrow = 0u8;
    for i in 0..digits.len() {
        let at = digits.len() - 1 - i;
        let take = b.len().checked_sub(1 + i).map_or(0, |j| b[j]) + borrow;
        if digits[at] >= take {
            digits[at] -= take;
            borrow = 0;
        } else {
            digits[at] = digits[at] + 10 - take;
            borrow = 1;
        }
    }
    trim(digits)
}

/// `(a ÷ b, a mod b)` by long division, for `b` not zero.
fn div_rem(a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut quotient = Vec::with_capacity(a.len());
    let mut remainder: Vec<u8> = Vec::with_capacity(b.len() + 1);
    for digit in a {
        remainder.push(*digit);
        remainder = trim(remainder);
        let mut times = 0;
        while cmp(&remainder, b) != Ordering::Less {
            remainder = sub(&remainder, b);
            times += 1;
        }
        quotient.push(times);
    }
    (trim(quotient), remainder)
}

fn increment(digits: &mut Vec<u8>) {
    for digit in digits.iter_mut().rev() {
        if *digit == 9 {
            *digit = 0;
        } else {
            *digit += 1;
            return;
        }
    }
    digits.insert(0, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Exact {
        Exact::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn times(x: &str, by: &str, target: Target) -> Result<String, ArithError> {
        n(x).multiply(&n(by), target).map(|r| r.to_string())
    }

    fn over(x: &str, by: &str, target: Target) -> Result<String, ArithError> {
        n(x).divide(&n(by), target).map(|r| r.to_string())
    }

    #[test]
    fn reads_json_numbers_exactly_and_writes_them_plainly() {
        for (text, written) in [
            ("12.30", "12.3"),
            ("-7", "-7"),
            ("1e3", "1000"),
            ("1E+3", "1000"),
            ("2.5e-2", "0.025"),
            ("-0", "0"),
            ("0.000", "0"),
            ("20261121000000000000001", "20261121000000000000001"),
        ] {
            assert_eq!(n(text).to_string(), written, "{text}");
        }
        for text in ["+7", ".5", "1.", "007", "1,5", "", " 1", "NaN", "0x10"] {
            assert_eq!(Exact::parse(text), Err(ReadError::NotANumber), "{text}");
        }
        let at_limit = format!("1e{}", MAX_DIGITS - 1);
        assert_eq!(n(&at_limit).to_string().len(), MAX_DIGITS);
        for text in [
            "1e1000",
            "1e-1001",
            "1e999999999999",
            "1e-99999999999999999999",
        ] {
            assert_ne!(Exact::parse(text).map(|_| ()), Ok(()), "{text}");
        }
        assert_eq!(Exact::parse("1e1000"), Err(ReadError::TooLong));
        assert_eq!(Exact::parse(&"9".repeat(1001)), Err(ReadError::TooLong));
    }

    #[test]
    fn multiplies_exactly() {
        let cases = [
            ("12.30", "100", "1230"),
            ("12.34", "100", "1234"),
            ("0.1", "3", "0.3"),
            ("-2.5", "100", "-250"),
            ("2.5", "-4", "-10"),
            ("0", "100", "0"),
            ("-0.0", "100", "0"),
            ("1e3", "0.001", "1"),
            ("1.5E-3", "1000", "1.5"),
            ("19.99", "0.01", "0.1999"),
            (
                "20261121000000000000001",
                "100",
                "2026112100000000000000100",
            ),
            (
                "123456789012345678901234567890",
                "987654321098765432109876543210",
                "121932631137021795226185032733622923332237463801111263526900",
            ),
        ];
        for (x, by, want) in cases {
            assert_eq!(
                times(x, by, Target::Exact).as_deref(),
                Ok(want),
                "{x} × {by}"
            );
        }
    }

    #[test]
    fn divides_exactly_by_twos_and_fives() {
        let cases = [
            ("1235", "1000", "1.235"),
            ("1200", "1000", "1.2"),
            ("1000", "1000", "1"),
            ("1999", "100", "19.99"),
            ("1", "8", "0.125"),
            ("3", "0.25", "12"),
            ("12", "0.01", "1200"),
            ("-5", "2", "-2.5"),
            ("0", "7", "0"),
            (
                "2026112100000000000000123",
                "100",
                "20261121000000000000001.23",
            ),
        ];
        for (x, by, want) in cases {
            assert_eq!(
                over(x, by, Target::Exact).as_deref(),
                Ok(want),
                "{x} ÷ {by}"
            );
        }
        assert_eq!(over("10", "3", Target::Exact), Err(ArithError::Endless));
        assert_eq!(over("9", "3", Target::Exact).as_deref(), Ok("3"));
        assert_eq!(
            over("1", "0", Target::Exact),
            Err(ArithError::DivisionByZero)
        );
        assert!(n("1000").divides_finitely() && n("0.25").divides_finitely());
        assert!(n("8").divides_finitely() && n("1").divides_finitely());
        assert!(!n("3").divides_finitely() && !n("2.54").divides_finitely());
        assert!(!n("0").divides_finitely());
    }

    #[test]
    fn fits_to_decimals_or_fails() {
        assert_eq!(over("1200", "1000", Target::Fit(2)).as_deref(), Ok("1.20"));
        assert_eq!(times("12.5", "100", Target::Fit(0)).as_deref(), Ok("1250"));
        assert_eq!(
            times("12.345", "100", Target::Fit(0)),
            Err(ArithError::Inexact(0))
        );
        assert_eq!(over("1", "8", Target::Fit(2)), Err(ArithError::Inexact(2)));
        assert_eq!(over("10", "4", Target::Fit(3)).as_deref(), Ok("2.500"));
        assert_eq!(times("0", "1", Target::Fit(2)).as_deref(), Ok("0.00"));
    }

    /// Every mode at ties, near ties and exact values, both signs, to 2 decimals.
    #[test]
    fn rounds_at_ties_by_each_mode() {
        use Rounding::*;
        let modes = [HalfEven, HalfUp, HalfDown, Down, Up, Floor, Ceiling];
        // (value, one result per mode in the order above)
        let table: &[(&str, [&str; 7])] = &[
            (
                "0.125",
                ["0.12", "0.13", "0.12", "0.12", "0.13", "0.12", "0.13"],
            ),
            (
                "0.135",
                ["0.14", "0.14", "0.13", "0.13", "0.14", "0.13", "0.14"],
            ),
            (
                "-0.125",
                [
                    "-0.12", "-0.13", "-0.12", "-0.12", "-0.13", "-0.13", "-0.12",
                ],
            ),
            (
                "-0.135",
                [
                    "-0.14", "-0.14", "-0.13", "-0.13", "-0.14", "-0.14", "-0.13",
                ],
            ),
            (
                "0.1251",
                ["0.13", "0.13", "0.13", "0.12", "0.13", "0.12", "0.13"],
            ),
            (
                "0.1249",
                ["0.12", "0.12", "0.12", "0.12", "0.13", "0.12", "0.13"],
            ),
            (
                "0.12",
                ["0.12", "0.12", "0.12", "0.12", "0.12", "0.12", "0.12"],
            ),
            (
                "0.995",
                ["1.00", "1.00", "0.99", "0.99", "1.00", "0.99", "1.00"],
            ),
            (
                "-0.001",
                ["0.00", "0.00", "0.00", "0.00", "-0.01", "-0.01", "0.00"],
            ),
            (
                "0.005",
                ["0.00", "0.01", "0.00", "0.00", "0.01", "0.00", "0.01"],
            ),
            (
                "1e-900",
                ["0.00", "0.00", "0.00", "0.00", "0.01", "0.00", "0.01"],
            ),
        ];
        for (value, wants) in table {
            for (mode, want) in modes.iter().zip(wants) {
                let got = times(value, "1", Target::Round(2, *mode));
                assert_eq!(got.as_deref(), Ok(*want), "{value} {mode:?}");
            }
        }
    }

    #[test]
    fn rounds_quotients_by_their_remainder() {
        let round = |x, by, mode| over(x, by, Target::Round(2, mode));
        assert_eq!(round("10", "3", Rounding::HalfEven).as_deref(), Ok("3.33"));
        assert_eq!(round("20", "3", Rounding::HalfEven).as_deref(), Ok("6.67"));
        assert_eq!(round("20", "3", Rounding::Down).as_deref(), Ok("6.66"));
        assert_eq!(round("-20", "3", Rounding::Ceiling).as_deref(), Ok("-6.66"));
        assert_eq!(round("-20", "3", Rounding::Floor).as_deref(), Ok("-6.67"));
        // 1 ÷ 0.08 = 12.5; to 0 decimals a tie.
        let to_whole = |mode| over("1", "0.08", Target::Round(0, mode));
        assert_eq!(to_whole(Rounding::HalfEven).as_deref(), Ok("12"));
        assert_eq!(to_whole(Rounding::HalfUp).as_deref(), Ok("13"));
        // 254 cm in inches: 100 ÷ 2.54.
        let inches = over("100", "2.54", Target::Round(3, Rounding::HalfEven));
        assert_eq!(inches.as_deref(), Ok("39.370"));
        // 99.995 to 2 decimals carries into a new digit.
        let carried = over("99.995", "1", Target::Round(2, Rounding::HalfUp));
        assert_eq!(carried.as_deref(), Ok("100.00"));
    }

    #[test]
    fn refuses_results_too_long() {
        let big = format!("9{}", "0".repeat(MAX_DIGITS - 1));
        assert_eq!(times(&big, "10", Target::Exact), Err(ArithError::TooLong));
        assert_eq!(over(&big, "0.1", Target::Exact), Err(ArithError::TooLong));
        assert_eq!(
            times(&big, "1", Target::Exact).map(|t| t.len()),
            Ok(MAX_DIGITS)
        );
        assert_eq!(
            times("1", "1", Target::Round(MAX_DIGITS + 1, Rounding::Down)),
            Err(ArithError::TooLong)
        );
        // The exact product of two 1,000-digit numbers is computed, then refused.
        let nines = "9".repeat(MAX_DIGITS);
        assert_eq!(
            times(&nines, &nines, Target::Exact),
            Err(ArithError::TooLong)
        );
        // A tiny number rounds to zero without writing its zeros.
        let tiny = times("1e-1000", "1", Target::Round(2, Rounding::HalfEven));
        assert_eq!(tiny.as_deref(), Ok("0.00"));
    }

    #[test]
    fn integer_helpers() {
        assert_eq!(mul(&[9, 9], &[9, 9]), vec![9, 8, 0, 1]);
        assert_eq!(sub(&[1, 0, 0], &[1]), vec![9, 9]);
        assert_eq!(div_rem(&[1, 2, 3, 4], &[1, 1]), (vec![1, 1, 2], vec![2]));
        assert_eq!(div_rem(&[5], &[7]), (vec![], vec![5]));
        let mut nines = vec![9, 9];
        increment(&mut nines);
        assert_eq!(nines, vec![1, 0, 0]);
        assert_eq!(decimals_to_divide(&[1, 0, 0, 0]), Some(3));
        assert_eq!(decimals_to_divide(&[1, 6]), Some(4));
        assert_eq!(decimals_to_divide(&[6]), None);
    }
}
