//! Loading a rules file: TOML text → a validated [`RuleSet`], with every error attributed to
//! the file, a line and the rule or test it is about.
//!
//! Rules, tests and schemas are first read as plain TOML tables with their spans, then converted
//! one at a time, so even a serde error deep inside a rule ("unknown field") names that rule and
//! the line of its `[[rule]]` header.
//!
//! A file with `[[schema]]` needs its schema files, which the caller reads: [`load`] asks for
//! each through `read`; [`parse`] refuses such a file.

use std::collections::HashMap;

use toml::Spanned;

use super::{
    RuleSet,
    error::{Entry, RulesError},
    model::Defaults,
    raw::{RawDefaults, RawFile, RawRule, RawSchema, RawTest},
    rule::{Rule, check_max_attempts, merge_backoff},
    schema::Schemas,
    testcase::TestCase,
};

/// Parses and validates a rules file's text without `[[schema]]`; `file` is the path shown in
/// errors.
pub(super) fn parse(source: &str, file: &str) -> Result<RuleSet, RulesError> {
    let raw = read_toml(source, file)?;
    if let Some(table) = raw.schema.first() {
        let line = line_of(source, table.span().start);
        return Err(RulesError::Schema {
            file: file.to_owned(),
            line,
            schema: schema_label(table.get_ref(), 0),
            message: "`[[schema]]` needs its schema file read: load this rules file with \
                      `RuleSet::load`, which reads the files beside it"
                .to_owned(),
        });
    }
    build(raw, source, file, &mut |_| Err("no reader".to_owned()))
}

/// Parses and validates a rules file's text, reading each `[[schema]]`'s file with `read`
/// (given the `file` value as written); `file` is the path shown in errors.
pub(super) fn load(
    source: &str,
    file: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<RuleSet, RulesError> {
    build(read_toml(source, file)?, source, file, read)
}

fn read_toml(source: &str, file: &str) -> Result<RawFile, RulesError> {
    toml::from_str(source).map_err(|e| RulesError::Toml {
        file: file.to_owned(),
        line: e.span().map_or(1, |span| line_of(source, span.start)),
        message: e.message().to_owned(),
    })
}

fn build(
    raw: RawFile,
    source: &str,
    file: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<RuleSet, RulesError> {
    let line_of = |offset: usize| line_of(source, offset);

    let defaults = match raw.defaults {
        None => Defaults::default(),
        Some(table) => {
            let line = line_of(table.span().start);
            compile_defaults(table).map_err(|message| RulesError::Defaults {
                file: file.to_owned(),
                line,
                message,
            })?
        }
    };

    let mut rules = Vec::with_capacity(raw.rule.len());
    let mut rule_lines: HashMap<String, usize> = HashMap::new();
    for (index, table) in raw.rule.into_iter().enumerate() {
        let line = line_of(table.span().start);
        let (label, table) = label(table, index);
        let error = |message| RulesError::Rule {
            file: file.to_owned(),
            line,
            rule: label.clone(),
            message,
        };
        let raw_rule: RawRule = table.try_into().map_err(|e| error(message(&e)))?;
        if let Some(first) = rule_lines.get(&raw_rule.name) {
            return Err(error(format!(
                "duplicate rule name (first defined at line {first})"
            )));
        }
        let name = raw_rule.name.clone();
        rules.push(Rule::compile(raw_rule, &defaults).map_err(error)?);
        rule_lines.insert(name, line);
    }

    let mut schemas = Schemas::default();
    let mut cache = HashMap::new();
    for (index, table) in raw.schema.into_iter().enumerate() {
        let line = line_of(table.span().start);
        let label = schema_label(table.get_ref(), index);
        let error = |message| RulesError::Schema {
            file: file.to_owned(),
            line,
            schema: label.clone(),
            message,
        };
        let raw_schema: RawSchema = toml::Value::Table(table.into_inner())
            .try_into()
            .map_err(|e| error(message(&e)))?;
        schemas
            .add(raw_schema, line, &mut cache, read)
            .map_err(error)?;
    }

    let mut tests = Vec::with_capacity(raw.test.len());
    let mut test_lines: HashMap<String, usize> = HashMap::new();
    for (index, table) in raw.test.into_iter().enumerate() {
        let line = line_of(table.span().start);
        let (label, table) = label(table, index);
        let error = |message| RulesError::Test {
            file: file.to_owned(),
            line,
            test: label.clone(),
            message,
        };
        let raw_test: RawTest = table.try_into().map_err(|e| error(message(&e)))?;
        if let Some(first) = test_lines.get(&raw_test.name) {
            return Err(error(format!(
                "duplicate test name (first defined at line {first})"
            )));
        }
        let test = TestCase::compile(raw_test, line, |name| {
            rule_lines.contains_key(name) || schemas.is_repair_name(name)
        })
        .map_err(error)?;
        test_lines.insert(test.name().to_owned(), line);
        tests.push(test);
    }

    Ok(RuleSet {
        rules,
        defaults,
        tests,
        schemas,
    })
}

fn compile_defaults(table: Spanned<toml::Table>) -> Result<Defaults, String> {
    let raw: RawDefaults = toml::Value::Table(table.into_inner())
        .try_into()
        .map_err(|e| message(&e))?;
    let builtin = Defaults::default();
    Ok(Defaults {
        max_attempts: check_max_attempts(raw.max_attempts)?.unwrap_or(builtin.max_attempts),
        backoff: merge_backoff(raw.backoff, &builtin.backoff)?,
        on_transient: raw.on_transient.unwrap_or(builtin.on_transient),
        on_other: raw.on_other.unwrap_or(builtin.on_other),
    })
}

/// How to refer to a rule or test in errors (its name if it has a usable one, else its
/// position), and its table as a TOML value ready to convert.
fn label(table: Spanned<toml::Table>, index: usize) -> (Entry, toml::Value) {
    let table = table.into_inner();
    let label = match table.get("name").and_then(toml::Value::as_str) {
        Some(name) if !name.trim().is_empty() => Entry::Named(name.to_owned()),
        _ => Entry::Index(index + 1),
    };
    (label, toml::Value::Table(table))
}

/// How to refer to a `[[schema]]` in errors: its `file` if it has one, else its position.
fn schema_label(table: &toml::Table, index: usize) -> Entry {
    match table.get("file").and_then(toml::Value::as_str) {
        Some(file) if !file.trim().is_empty() => Entry::Named(file.to_owned()),
        _ => Entry::Index(index + 1),
    }
}

/// The message of a conversion error (its span refers to a detached table, so it is dropped).
fn message(error: &toml::de::Error) -> String {
    error.message().trim_end().to_owned()
}

/// The 1-based line holding byte `offset` of `source`.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
