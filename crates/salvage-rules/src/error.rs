//! Errors from loading a rules file. Every error names the file and a 1-based line, and, for a
//! problem inside a `[[rule]]`, `[[test]]` or `[[schema]]`, which one, so an operator can go
//! straight to it.

use std::fmt;

/// Which `[[rule]]` or `[[test]]` an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The entry's `name`.
    Named(String),
    /// The entry's 1-based position in the file, when it has no usable name.
    Index(usize),
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Named(name) => write!(f, "`{name}`"),
            Entry::Index(index) => write!(f, "#{index}"),
        }
    }
}

/// A rules file that could not be loaded.
///
/// Displays as `<file>:<line>: [rule|test|schema <entry>: |defaults: ]<problem>`, e.g.
/// `examples/rules.toml:42: rule `order-total-as-string`: invalid regex in `when.message`: ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The text is not valid TOML, or its top level does not have the expected shape.
    #[error("{file}:{line}: {message}")]
    Toml {
        /// The path shown to the operator.
        file: String,
        /// Line of the problem.
        line: usize,
        /// The TOML parser's message.
        message: String,
    },
    /// The `[defaults]` table is invalid.
    #[error("{file}:{line}: defaults: {message}")]
    Defaults {
        /// The path shown to the operator.
        file: String,
        /// Line of the `[defaults]` header.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A `[[rule]]` is invalid.
    #[error("{file}:{line}: rule {rule}: {message}")]
    Rule {
        /// The path shown to the operator.
        file: String,
        /// Line of the rule's `[[rule]]` header.
        line: usize,
        /// The rule's name, or its position when it has no valid name.
        rule: Entry,
        /// What is wrong.
        message: String,
    },
    /// A `[[test]]` is invalid.
    #[error("{file}:{line}: test {test}: {message}")]
    Test {
        /// The path shown to the operator.
        file: String,
        /// Line of the test's `[[test]]` header.
        line: usize,
        /// The test's name, or its position when it has none.
        test: Entry,
        /// What is wrong.
        message: String,
    },
    /// A `[[schema]]` is invalid, or its schema file cannot be read or is not a valid schema.
    #[error("{file}:{line}: schema {schema}: {message}")]
    Schema {
        /// The path shown to the operator (the rules file).
        file: String,
        /// Line of the `[[schema]]` header.
        line: usize,
        /// The schema's `file` as written, or its position when it has none.
        schema: Entry,
        /// What is wrong.
        message: String,
    },
}

impl RulesError {
    /// The 1-based line the error points at.
    pub fn line(&self) -> usize {
        match self {
            RulesError::Toml { line, .. }
            | RulesError::Defaults { line, .. }
            | RulesError::Rule { line, .. }
            | RulesError::Test { line, .. }
            | RulesError::Schema { line, .. } => *line,
        }
    }
}
