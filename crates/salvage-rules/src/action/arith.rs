//! Arithmetic on a number, decimal-exact: `multiply` and `divide` by a constant factor, for unit
//! conversions (currency units to minor units × 100, grams to kilograms ÷ 1000).
//!
//! `{ op = "multiply" | "divide", path, by, decimals, rounding }`:
//! - `by`: the factor, a decimal string (`"100"`, `"0.001"`, `"2.54"`) or a TOML integer or
//!   float (a float with more than 15 significant digits is refused: TOML keeps it as a
//!   double; write it as a string). Dividing by zero is refused at load time.
//! - `decimals` (optional, 0 to 1000): the result has exactly this many decimals (`1.20`
//!   with 2). Without it the result is exact, written with no trailing zeros (`12.30 × 100` →
//!   `1230`, `1235 ÷ 1000` → `1.235`); a `divide` whose quotients can have endless decimals
//!   (by `3`, by `2.54`: a factor whose digits are not a product of 2s and 5s) needs
//!   `decimals`, refused at load time otherwise.
//! - `rounding` (needs `decimals`): `half_even`, `half_up` (ties away from zero), `half_down`,
//!   `down` (truncate), `up`, `floor`, `ceiling`. Without it, a result that needs more
//!   decimals than `decimals` fails (`12.345 × 100` with `decimals = 0`).
//!
//! The value is read from its written digits, never through a double: a JSON number (any
//! JSON form, `1e3` too, up to 1,000 digits written out) stays a number, written plainly
//! (no exponent); a string holding JSON number text (surrounding spaces ignored) stays a
//! string (`"12.30"` × 100 → `"1230"`; `coerce` changes the type). Anything else fails, as
//! does a result of more than 1,000 digits. A result written as the value already is keeps it.

use serde::Deserialize;
use serde_json::{Number, Value};

use super::{ActionKind, At, Failure, Use, parse_pointer, rewrite};
use crate::{
    decimal::{Exact, MAX_DIGITS, ReadError, Rounding, Target},
    pointer::Pointer,
    value::{describe, type_name, with_article},
};

/// `{ op = "multiply", path, by, decimals, rounding }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Multiply {
    pub(super) path: String,
    by: toml::Value,
    decimals: Option<usize>,
    rounding: Option<Rounding>,
    #[serde(default)]
    pub(super) optional: bool,
}

/// `{ op = "divide", path, by, decimals, rounding }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Divide {
    pub(super) path: String,
    by: toml::Value,
    decimals: Option<usize>,
    rounding: Option<Rounding>,
    #[serde(default)]
    pub(super) optional: bool,
}

/// Which operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Multiply,
    Divide,
}

impl Operation {
    fn symbol(self) -> &'static str {
        match self {
            Operation::Multiply => "×",
            Operation::Divide => "÷",
        }
    }
}

/// A compiled `multiply` or `divide`.
#[derive(Debug, Clone)]
pub(super) struct Arith {
    path: Pointer,
    operation: Operation,
    by: Exact,
    target: Target,
}

impl ActionKind for Multiply {
    type Compiled = Arith;

    fn compile(self) -> Result<Self::Compiled, String> {
        compile(
            Operation::Multiply,
            &self.path,
            self.by,
            self.decimals,
            self.rounding,
        )
    }

    fn apply(compiled: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(&compiled.path), |value| {
            calculate(value, compiled)
        })
    }

    fn uses(compiled: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(&compiled.path)]
    }
}

impl ActionKind for Divide {
    type Compiled = Arith;

    fn compile(self) -> Result<Self::Compiled, String> {
        compile(
            Operation::Divide,
            &self.path,
            self.by,
            self.decimals,
            self.rounding,
        )
    }

    fn apply(compiled: &Self::Compiled, doc: &mut Value, at: &At) -> Result<(), Failure> {
        rewrite(doc, &at.pointer(&compiled.path), |value| {
            calculate(value, compiled)
        })
    }

    fn uses(compiled: &Self::Compiled) -> Vec<Use<'_>> {
        vec![Use::Value(&compiled.path)]
    }
}

/// The load-time checks of both operations.
fn compile(
    operation: Operation,
    path: &str,
    by: toml::Value,
    decimals: Option<usize>,
    rounding: Option<Rounding>,
) -> Result<Arith, String> {
    let path = parse_pointer(path, "path")?;
    let by = factor(by)?;
    let target = match (decimals, rounding) {
        (Some(decimals), _) if decimals > MAX_DIGITS => {
            return Err(format!("`decimals`: at most {MAX_DIGITS}, not {decimals}"));
        }
        (None, Some(_)) => {
            return Err(
                "`rounding` needs `decimals`: the number of decimals to round the result to"
                    .to_owned(),
            );
        }
        (None, None) => Target::Exact,
        (Some(decimals), None) => Target::Fit(decimals),
        (Some(decimals), Some(rounding)) => Target::Round(decimals, rounding),
    };
    if operation == Operation::Divide {
        if by.is_zero() {
            return Err("`by`: cannot divide by zero".to_owned());
        }
        if target == Target::Exact && !by.divides_finitely() {
            return Err(format!(
                "`by`: dividing by {by} can give endless decimals (1 ÷ 3 = 0.333...): set \
                 `decimals`, and `rounding` to round"
            ));
        }
    }
    Ok(Arith {
        path,
        operation,
        by,
        target,
    })
}

/// Reads the factor `by`: a string of JSON number text, an integer, or a float whose shortest
/// form is what was written (at most 15 significant digits).
fn factor(by: toml::Value) -> Result<Exact, String> {
    const FLOAT_DIGITS: usize = 15;
    let text = match by {
        toml::Value::String(text) => text,
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => {
            // Display writes the shortest text that reads back as `f`, without exponent.
            let text = f.to_string();
            let significant = text
                .trim_start_matches(['-', '0', '.'])
                .replace('.', "")
                .trim_end_matches('0')
                .len();
            if significant > FLOAT_DIGITS {
                return Err(format!(
                    "`by`: {text} has more than {FLOAT_DIGITS} significant digits, more than \
                     a TOML float keeps exactly: write it as a string"
                ));
            }
            text
        }
        other => {
            return Err(format!(
                "`by`: expected a number or a string holding one, found {}",
                with_article(other.type_str())
            ));
        }
    };
    Exact::parse(&text).map_err(|e| match e {
        ReadError::NotANumber => format!(
            "`by`: {text:?} is not a decimal number (write it as \"100\", \"0.001\" or 100)"
        ),
        ReadError::TooLong => format!("`by`: {text:?} has more than {MAX_DIGITS} digits"),
    })
}

/// The value at the path multiplied or divided; `None` when it is written so already.
fn calculate(value: &Value, arith: &Arith) -> Result<Option<Value>, String> {
    let text = match value {
        Value::Number(n) => n.as_str(),
        Value::String(s) => s.trim(),
        other => {
            return Err(format!(
                "expected a number or a string holding one, found {}",
                type_name(other)
            ));
        }
    };
    let x = Exact::parse(text).map_err(|e| match e {
        ReadError::NotANumber => format!("{} is not a decimal number", describe(value)),
        ReadError::TooLong => {
            format!("{} has more than {MAX_DIGITS} digits", describe(value))
        }
    })?;
    let result = match arith.operation {
        Operation::Multiply => x.multiply(&arith.by, arith.target),
        Operation::Divide => x.divide(&arith.by, arith.target),
    }
    .map_err(|e| {
        format!(
            "{} {} {}: {e}",
            describe(value),
            arith.operation.symbol(),
            arith.by
        )
    })?
    .to_string();
    Ok(match value {
        Value::Number(n) if n.as_str() == result => None,
        Value::String(s) if *s == result => None,
        Value::String(_) => Some(Value::String(result)),
        _ => {
            let number: Number = result
                .parse()
                .map_err(|e| format!("cannot write {result} as a JSON number: {e}"))?;
            Some(Value::Number(number))
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn arith(inline_table: &str) -> Result<Arith, String> {
        let mut table: toml::Table =
            toml::from_str(&format!("a = {inline_table}")).map_err(|e| e.message().to_owned())?;
        let settings = table.remove("a").unwrap();
        if settings.get("op").and_then(toml::Value::as_str) == Some("divide") {
            let mut settings = settings;
            settings.as_table_mut().unwrap().remove("op");
            settings.try_into::<Divide>().unwrap().compile()
        } else {
            let mut settings = settings;
            settings.as_table_mut().unwrap().remove("op");
            settings.try_into::<Multiply>().unwrap().compile()
        }
    }

    /// The value's JSON text after the action, or the reason it failed.
    fn run(action: &str, value: &str) -> Result<String, String> {
        let arith = arith(action).unwrap_or_else(|e| panic!("{action}: {e}"));
        let value: Value = serde_json::from_str(value).unwrap();
        calculate(&value, &arith).map(|new| new.unwrap_or(value).to_string())
    }

    #[test]
    fn converts_units_keeping_digits_and_type() {
        let cents = r#"{ op = "multiply", path = "/a", by = 100 }"#;
        assert_eq!(run(cents, "12.30").as_deref(), Ok("1230"));
        assert_eq!(run(cents, "12.3").as_deref(), Ok("1230"));
        assert_eq!(run(cents, "-0.5").as_deref(), Ok("-50"));
        assert_eq!(run(cents, "1e3").as_deref(), Ok("100000"));
        assert_eq!(run(cents, r#"" 12.30 ""#).as_deref(), Ok(r#""1230""#));
        assert_eq!(
            run(cents, "20261121000000000000001").as_deref(),
            Ok("2026112100000000000000100")
        );
        let kilograms = r#"{ op = "divide", path = "/a", by = "1000" }"#;
        assert_eq!(run(kilograms, "1235").as_deref(), Ok("1.235"));
        assert_eq!(run(kilograms, "1200").as_deref(), Ok("1.2"));
        assert_eq!(run(kilograms, "0").as_deref(), Ok("0"));
        let dollars = r#"{ op = "divide", path = "/a", by = 100, decimals = 2 }"#;
        assert_eq!(run(dollars, "1900").as_deref(), Ok("19.00"));
        assert_eq!(run(dollars, "1999").as_deref(), Ok("19.99"));
        let by_float = r#"{ op = "multiply", path = "/a", by = 0.001 }"#;
        assert_eq!(run(by_float, "1234").as_deref(), Ok("1.234"));
    }

    #[test]
    fn rounds_only_as_told() {
        let half_even =
            r#"{ op = "divide", path = "/a", by = 1, decimals = 2, rounding = "half_even" }"#;
        assert_eq!(run(half_even, "0.125").as_deref(), Ok("0.12"));
        assert_eq!(run(half_even, "0.135").as_deref(), Ok("0.14"));
        let half_up =
            r#"{ op = "multiply", path = "/a", by = 100, decimals = 0, rounding = "half_up" }"#;
        assert_eq!(run(half_up, "12.345").as_deref(), Ok("1235"));
        assert_eq!(run(half_up, "-12.345").as_deref(), Ok("-1235"));
        let down = r#"{ op = "divide", path = "/a", by = 3, decimals = 2, rounding = "down" }"#;
        assert_eq!(run(down, "20").as_deref(), Ok("6.66"));
        let strict = r#"{ op = "multiply", path = "/a", by = 100, decimals = 0 }"#;
        assert_eq!(
            run(strict, "12.345"),
            Err(
                "number 12.345 × 100: the result needs more than 0 decimals and no `rounding` \
                 is set"
                    .to_owned()
            )
        );
        let endless = r#"{ op = "divide", path = "/a", by = 3, decimals = 2 }"#;
        assert_eq!(
            run(endless, "10"),
            Err(
                "number 10 ÷ 3: the result needs more than 2 decimals and no `rounding` is set"
                    .to_owned()
            )
        );
        assert_eq!(run(endless, "9").as_deref(), Ok("3.00"));
    }

    #[test]
    fn keeps_a_value_written_as_its_result() {
        let arith = arith(r#"{ op = "multiply", path = "/a", by = 1 }"#).unwrap();
        assert_eq!(calculate(&json!(5), &arith), Ok(None));
        assert_eq!(calculate(&json!("5"), &arith), Ok(None));
        assert_eq!(calculate(&json!(" 5"), &arith), Ok(Some(json!("5"))));
    }

    #[test]
    fn failures_name_the_value() {
        let cents = r#"{ op = "multiply", path = "/a", by = 100 }"#;
        let fails = [
            (r#""12,30""#, r#"string "12,30" is not a decimal number"#),
            (r#""""#, r#"string "" is not a decimal number"#),
            (
                "true",
                "expected a number or a string holding one, found boolean",
            ),
            (
                "null",
                "expected a number or a string holding one, found null",
            ),
            (
                "[1]",
                "expected a number or a string holding one, found array",
            ),
            ("1e2000", "number 1e+2000 has more than 1000 digits"),
        ];
        for (value, reason) in fails {
            assert_eq!(run(cents, value), Err(reason.to_owned()), "{value}");
        }
        let big = format!("9{}", "0".repeat(MAX_DIGITS - 1));
        let reason = run(cents, &big).unwrap_err();
        assert!(
            reason.ends_with("× 100: the result has more than 1000 digits"),
            "{reason}"
        );
    }

    #[test]
    fn load_time_checks() {
        let errors = [
            (
                r#"{ op = "divide", path = "/a", by = 0 }"#,
                "`by`: cannot divide by zero",
            ),
            (
                r#"{ op = "divide", path = "/a", by = "0.00", decimals = 2 }"#,
                "`by`: cannot divide by zero",
            ),
            (
                r#"{ op = "divide", path = "/a", by = 3 }"#,
                "`by`: dividing by 3 can give endless decimals (1 ÷ 3 = 0.333...): set \
                 `decimals`, and `rounding` to round",
            ),
            (
                r#"{ op = "multiply", path = "/a", by = 100, rounding = "half_even" }"#,
                "`rounding` needs `decimals`: the number of decimals to round the result to",
            ),
            (
                r#"{ op = "multiply", path = "/a", by = 100, decimals = 1001 }"#,
                "`decimals`: at most 1000, not 1001",
            ),
            (
                r#"{ op = "multiply", path = "/a", by = "1,5" }"#,
                r#"`by`: "1,5" is not a decimal number (write it as "100", "0.001" or 100)"#,
            ),
            (
                r#"{ op = "multiply", path = "/a", by = true }"#,
                "`by`: expected a number or a string holding one, found a boolean",
            ),
            (
                r#"{ op = "multiply", path = "/a", by = 0.12345678901234567 }"#,
                "`by`: 0.12345678901234566 has more than 15 significant digits, more than a \
                 TOML float keeps exactly: write it as a string",
            ),
            (
                r#"{ op = "multiply", path = "/a", by = nan }"#,
                r#"`by`: "NaN" is not a decimal number (write it as "100", "0.001" or 100)"#,
            ),
        ];
        for (action, message) in errors {
            assert_eq!(
                arith(action).map(|_| ()),
                Err(message.to_owned()),
                "{action}"
            );
        }
        for fine in [
            r#"{ op = "divide", path = "/a", by = "2.54", decimals = 3, rounding = "half_even" }"#,
            r#"{ op = "divide", path = "/a", by = 0.25 }"#,
            r#"{ op = "multiply", path = "/a", by = -1 }"#,
            r#"{ op = "multiply", path = "/a", by = 1e3 }"#,
        ] {
            assert!(arith(fine).is_ok(), "{fine}");
        }
    }
}
