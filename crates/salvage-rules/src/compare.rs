//! Numeric comparisons in payload predicates: `gt`, `gte`, `lt` and `lte` against a number
//! written in the rule, by exact decimal value (`number`), never through a double: `0.3` is
//! below `0.30000000000000004`, and two 23-digit ids compare digit by digit.
//!
//! Only a JSON number compares. Anything else (a string, even `"12.50"`, a boolean, null, an
//! object, an array) or no value at all makes the predicate false, as `matches` is false for a
//! value that is not a string, and as `equals = 12.5` is for `"12.5"`. So `gt` being false does
//! not make `lte` true.
//!
//! The number in the rule is a TOML integer (exact), a TOML float (read as TOML reads it, a
//! double written in its shortest form: `12.30` is `12.3`, and more than 15 significant digits
//! are not kept) or a string holding a JSON number, which keeps every digit
//! (`gt = "20261121000000000000001"`).

use std::cmp::Ordering;

use super::{number, value::toml_to_json};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
}

impl Op {
    /// The key that writes it in a predicate.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
        }
    }

    /// Whether a value that compares `ordering` with the operand satisfies the operator.
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Op::Gt => ordering == Ordering::Greater,
            Op::Gte => ordering != Ordering::Less,
            Op::Lt => ordering == Ordering::Less,
            Op::Lte => ordering != Ordering::Greater,
        }
    }
}

/// A compiled `gt`/`gte`/`lt`/`lte`: the operator and the rule's number as text.
#[derive(Debug, Clone)]
pub(crate) struct Comparison {
    op: Op,
    operand: String,
}

impl Comparison {
    /// Compiles `op = value`. Errors name the key: `gt` must be a number.
    pub(crate) fn compile(op: Op, value: toml::Value) -> Result<Comparison, String> {
        let key = op.key();
        let operand = match value {
            toml::Value::String(text) => match number::parse_exact(&text) {
                Some(n) => n.as_str().to_owned(),
                None => {
                    return Err(format!(
                        "`{key}`: {text:?} is not a number (a string here must hold a JSON \
                         number, such as \"12.50\")"
                    ));
                }
            },
            value @ (toml::Value::Integer(_) | toml::Value::Float(_)) => {
                match toml_to_json(value).map_err(|e| format!("`{key}`: {e}"))? {
                    serde_json::Value::Number(n) => n.as_str().to_owned(),
                    other => return Err(format!("`{key}`: {other} is not a number")),
                }
            }
            other => {
                return Err(format!(
                    "`{key}` must be a number, or a string holding one to keep its digits, not \
                     {} {other}",
                    other.type_str()
                ));
            }
        };
        Ok(Comparison { op, operand })
    }

    /// Whether the JSON number written `text` satisfies the comparison. A number whose
    /// exponent does not fit 64 bits (`1e99999999999999999999`) satisfies none.
    pub(crate) fn holds(&self, text: &str) -> bool {
        number::cmp_text(text, &self.operand).is_some_and(|ordering| self.op.holds(ordering))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(op: Op, toml: &str) -> Result<Comparison, String> {
        let table: toml::Table = toml::from_str(&format!("v = {toml}")).unwrap();
        Comparison::compile(op, table["v"].clone())
    }

    #[test]
    fn compares_by_exact_value() {
        #[rustfmt::skip]
        let cases: &[(Op, &str, &str, bool)] = &[
            (Op::Gt, "12.3", "12.30", false),
            (Op::Gte, "12.3", "12.30", true),
            (Op::Lte, "12.3", "12.30", true),
            (Op::Lt, "12.3", "12.30", false),
            (Op::Gt, "12.3", "12.31", true),
            (Op::Lt, "12.3", "12.29999999999999999999", true),
            (Op::Gt, "0.3", "0.30000000000000004", true),
            (Op::Lt, "'0.30000000000000004'", "0.3", true),
            (Op::Gt, "'20261121000000000000001'", "20261121000000000000002", true),
            (Op::Gt, "'20261121000000000000001'", "20261121000000000000001", false),
            (Op::Gte, "'20261121000000000000001'", "20261121000000000000001", true),
            (Op::Lt, "'20261121000000000000001'", "20261121000000000000000", true),
            (Op::Gt, "0", "-0", false),
            (Op::Gte, "0", "-0", true),
            (Op::Lt, "0", "-0.0000001", true),
            (Op::Gt, "-5", "-4.5", true),
            (Op::Lt, "1e3", "999.999", true),
            (Op::Gte, "1000", "1E+3", true),
            (Op::Gt, "9007199254740992", "9007199254740993", true),
            (Op::Gt, "1", "1e99999999999999999999", false),
            (Op::Lte, "1", "1e99999999999999999999", false),
        ];
        for &(op, operand, value, want) in cases {
            let comparison = compile(op, operand).unwrap();
            assert_eq!(comparison.holds(value), want, "{value} {op:?} {operand}");
        }
    }

    #[test]
    fn the_operand_must_be_a_number() {
        #[rustfmt::skip]
        let cases = [
            ("'ten'", "`gt`: \"ten\" is not a number (a string here must hold a JSON number"),
            ("'+1'", "`gt`: \"+1\" is not a number"),
            ("'1e999'", "`gt`: \"1e999\" is not a number"),
            ("''", "`gt`: \"\" is not a number"),
            ("' 12.5 '", "`gt`: \" 12.5 \" is not a number"),
            ("true", "`gt` must be a number, or a string holding one to keep its digits, not \
                      boolean true"),
            ("[1]", "`gt` must be a number, or a string holding one to keep its digits, not \
                     array [1]"),
            ("nan", "`gt`: NaN cannot be represented in JSON"),
            ("inf", "`gt`: inf cannot be represented in JSON"),
        ];
        for (toml, message) in cases {
            match compile(Op::Gt, toml) {
                Err(e) => assert!(e.starts_with(message), "{toml}: {e}"),
                Ok(c) => panic!("{toml}: compiled {c:?}"),
            }
        }
    }
}
