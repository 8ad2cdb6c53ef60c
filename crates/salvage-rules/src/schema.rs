//! JSON Schemas of event types (`[[schema]]`): compiled once at load, used to validate every
//! repaired payload before it is requeued, and, where a schema says `repair = true`, to repair
//! a payload no rule matched (`schema/repair`).
//!
//! A schema belongs to one event type, written exactly, and optionally to one version of it:
//! `version` is compared, as text, with the value at the pointer `version_at` in the payload (a
//! string, or a number written as an integer). A message whose version has no schema of its own
//! (or that carries none) is held to the event type's schema without `version`, if there is
//! one, and else to none. The lookup is a map lookup by event type; event types without a
//! schema cost nothing more.
//!
//! Validation uses the `jsonschema` crate: the draft named by the schema's `$schema`, else
//! 2020-12; `format` asserted (an address that is not an `email` fails), numbers compared by
//! their exact digits (`arbitrary-precision`: a 25-digit integer is an integer, `12.30` a
//! multiple of 0.01); no reference is fetched (a `$ref` to anything but the schema itself is a
//! load error). The reason a payload does not validate lists at most [`MAX_ERRORS`] errors,
//! each with its instance path, and stays under [`MAX_REASON`] bytes.

pub(crate) mod repair;

use std::{
    collections::{HashMap, hash_map::Entry as Slot},
    fmt::{self, Write as _},
    sync::Arc,
};

use regex::Regex;
use serde_json::Value;

use super::{exact, number, payload::without_bom, raw::RawSchema};

/// Errors listed in a reason at most; the others are counted.
pub(crate) const MAX_ERRORS: usize = 5;

/// Longest reason, in bytes (a longer one is cut at a character boundary and ends with `…`).
pub(crate) const MAX_REASON: usize = 1000;

/// Longest text of one error (the offending value is part of it), in bytes.
const MAX_ERROR: usize = 160;

/// The prefix of the name an evaluation by a schema repair carries in place of a rule's name:
/// `schema:<event type>`. Rule names cannot contain `:`, so it never names a rule.
pub(crate) const REPAIR_PREFIX: &str = "schema:";

/// Every `[[schema]]` of a rules file, by event type.
#[derive(Debug, Clone, Default)]
pub(crate) struct Schemas {
    by_event: HashMap<Box<str>, EventSchemas>,
    /// The schema files read, as written, each once, in file order.
    files: Vec<String>,
}

/// The schemas of one event type.
#[derive(Debug, Clone)]
struct EventSchemas {
    /// Where a message carries its version, when a schema of this type has one; with the line
    /// of the first `[[schema]]` that said so.
    version_at: Option<(String, usize)>,
    /// By version, with the line of their `[[schema]]`.
    versions: HashMap<String, (Schema, usize)>,
    /// The schema without `version`, with the line of its `[[schema]]`.
    any: Option<(Schema, usize)>,
    /// Whether one of them has `repair = true`.
    repairs: bool,
    /// `schema:<event type>`, the name of this type's schema repairs.
    repair_name: Arc<str>,
}

/// One `[[schema]]`, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    compiled: Arc<Compiled>,
    /// `repair = true`: zero-rule repairs for this event type (and version).
    repair: bool,
}

/// A schema file, read and compiled once however many `[[schema]]` name it.
pub(crate) struct Compiled {
    /// The file as written in the rules file.
    file: String,
    /// The schema document, which zero-rule repairs read.
    document: Value,
    validator: jsonschema::Validator,
    /// The `patternProperties` patterns of the document that compile (a pattern missing here
    /// makes its object's forbidden members unknowable, so repairs drop none there).
    patterns: HashMap<String, Regex>,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Schemas {
    /// Whether the file declares no schema.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_event.is_empty()
    }

    /// The schema files read, as written in the rules file, each once, in file order.
    pub(crate) fn files(&self) -> &[String] {
        &self.files
    }

    /// The names schema repairs carry (`schema:<event type>`, for each event type with
    /// `repair = true` on one of its schemas), sorted.
    pub(crate) fn repair_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .by_event
            .values()
            .filter(|event| event.repairs)
            .map(|event| &*event.repair_name)
            .collect();
        names.sort_unstable();
        names
    }

    /// Whether `name` is the name of a schema repair (`schema:<event type>` for an event type
    /// with `repair = true` on one of its schemas), which a `[[test]]` may expect.
    pub(crate) fn is_repair_name(&self, name: &str) -> bool {
        name.strip_prefix(REPAIR_PREFIX)
            .and_then(|event_type| self.by_event.get(event_type))
            .is_some_and(|event| event.repairs)
    }

    /// Adds `raw`, declared at `line`, whose file's text `read` gives (each file read once:
    /// `cache` holds those already compiled). The error says what is wrong, without the place.
    pub(crate) fn add(
        &mut self,
        raw: RawSchema,
        line: usize,
        cache: &mut HashMap<String, Arc<Compiled>>,
        read: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Result<(), String> {
        if raw.event_type.trim().is_empty() {
            return Err("`event_type` is empty".to_owned());
        }
        let version = match raw.version {
            None => None,
            Some(toml::Value::String(text)) => Some(text),
            Some(toml::Value::Integer(n)) => Some(n.to_string()),
            Some(other) => {
                return Err(format!(
                    "`version` must be a string or an integer, not {}",
                    other.type_str()
                ));
            }
        };
        match (&version, &raw.version_at) {
            (Some(_), None) => {
                return Err(
                    "`version` needs `version_at`, the JSON Pointer of the version \
                            in the payload (e.g. \"/schema_version\")"
                        .to_owned(),
                );
            }
            (None, Some(_)) => {
                return Err("`version_at` is only used with `version`".to_owned());
            }
            (_, Some(at)) if !at.starts_with('/') => {
                return Err(format!(
                    "`version_at` {at:?} is not a JSON Pointer (it starts with `/`)"
                ));
            }
            _ => {}
        }
        let compiled = match cache.get(&raw.file) {
            Some(compiled) => Arc::clone(compiled),
            None => {
                let compiled = Arc::new(compile(&raw.file, read)?);
                cache.insert(raw.file.clone(), Arc::clone(&compiled));
                self.files.push(raw.file.clone());
                compiled
            }
        };
        let schema = Schema {
            compiled,
            repair: raw.repair,
        };
        let event = self
            .by_event
            .entry(raw.event_type.as_str().into())
            .or_insert_with(|| EventSchemas {
                version_at: None,
                versions: HashMap::new(),
                any: None,
                repairs: false,
                repair_name: format!("{REPAIR_PREFIX}{}", raw.event_type).into(),
            });
        event.repairs |= raw.repair;
        let Some(version) = version else {
            if let Some((_, first)) = &event.any {
                return Err(format!(
                    "event type `{}` already has a schema without `version` (line {first})",
                    raw.event_type
                ));
            }
            event.any = Some((schema, line));
            return Ok(());
        };
        if let Some(at) = raw.version_at {
            match &event.version_at {
                Some((first, first_line)) if *first != at => {
                    return Err(format!(
                        "`version_at` {at:?} differs from {first:?} given for event type `{}` \
                         at line {first_line} (one event type keeps its version in one place)",
                        raw.event_type
                    ));
                }
                Some(_) => {}
                None => event.version_at = Some((at, line)),
            }
        }
        match event.versions.entry(version) {
            Slot::Occupied(slot) => Err(format!(
                "event type `{}` already has a schema for version {:?} (line {})",
                raw.event_type,
                slot.key(),
                slot.get().1
            )),
            Slot::Vacant(slot) => {
                slot.insert((schema, line));
                Ok(())
            }
        }
    }

    /// The schema `doc`, a payload of `event_type`, is held to: its version's, else the event
    /// type's without `version`; `None` when there is none.
    pub(crate) fn for_doc(&self, event_type: &str, doc: &Value) -> Option<&Schema> {
        self.by_event.get(event_type)?.for_doc(doc)
    }

    /// Whether `event_type` has schemas, one of them with `repair = true`: the name its
    /// repairs carry.
    pub(crate) fn repairs(&self, event_type: &str) -> Option<&Arc<str>> {
        self.by_event
            .get(event_type)
            .filter(|event| event.repairs)
            .map(|event| &event.repair_name)
    }

    /// Why the repaired payload `bytes` of `event_type` cannot be requeued: it does not match
    /// its schema (or, which a repair never produces, is not JSON). `None` when it may be.
    pub(crate) fn check_repaired(&self, event_type: &str, bytes: &[u8]) -> Option<String> {
        let event = self.by_event.get(event_type)?;
        let doc = match exact::parse(without_bom(bytes).1) {
            Ok(doc) => doc,
            Err(e) => return Some(format!("repaired payload is not JSON: {}", e.reason())),
        };
        event.for_doc(&doc)?.mismatch(&doc)
    }
}

impl EventSchemas {
    fn for_doc(&self, doc: &Value) -> Option<&Schema> {
        let versioned = self.version_at.as_ref().and_then(|(at, _)| {
            let version = version_text(doc.pointer(at)?)?;
            self.versions.get(&version)
        });
        versioned.or(self.any.as_ref()).map(|(schema, _)| schema)
    }
}

/// A version as text: a string as it is, a number written as an integer with its digits.
fn version_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) if number::written_as_integer(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Schema {
    /// The schema file, as written in the rules file.
    pub(crate) fn file(&self) -> &str {
        &self.compiled.file
    }

    /// Whether this schema repairs payloads no rule matched.
    pub(crate) fn repairs(&self) -> bool {
        self.repair
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    /// The park reason when `doc` does not match this schema (`None` when it does):
    /// `repaired payload does not match schema <file>: <errors>`.
    pub(crate) fn mismatch(&self, doc: &Value) -> Option<String> {
        let errors = self.errors(doc)?;
        Some(cut(
            format!(
                "repaired payload does not match schema {}: {errors}",
                self.file()
            ),
            MAX_REASON,
        ))
    }

    /// `doc`'s errors against this schema, `<instance path>: <error>` joined by `; `, at most
    /// [`MAX_ERRORS`] and a count of the others; `None` when it is valid.
    pub(crate) fn errors(&self, doc: &Value) -> Option<String> {
        let validator = &self.compiled.validator;
        if validator.is_valid(doc) {
            return None;
        }
        let mut text = String::new();
        let mut count = 0usize;
        for error in validator.iter_errors(doc) {
            count += 1;
            if count > MAX_ERRORS {
                continue;
            }
            if count > 1 {
                text.push_str("; ");
            }
            let path = error.instance_path().as_str();
            let path = if path.is_empty() { "(root)" } else { path };
            let _ = write!(text, "{}", cut(format!("{path}: {error}"), MAX_ERROR));
        }
        if count > MAX_ERRORS {
            let _ = write!(text, " (and {} more)", count - MAX_ERRORS);
        }
        Some(text)
    }
}

impl Compiled {
    pub(crate) fn document(&self) -> &Value {
        &self.document
    }

    pub(crate) fn pattern(&self, pattern: &str) -> Option<&Regex> {
        self.patterns.get(pattern)
    }
}

/// Reads and compiles the schema file `file`.
fn compile(
    file: &str,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Compiled, String> {
    let text = read(file).map_err(|e| format!("cannot read the schema file: {e}"))?;
    let document = exact::parse(without_bom(text.as_bytes()).1)
        .map_err(|e| format!("the schema file is not JSON: {}", e.reason()))?;
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .offline()
        .build(&document)
        .map_err(|e| match e.instance_path().as_str() {
            "" => format!("not a valid JSON Schema: {e}"),
            at => format!("not a valid JSON Schema: {at}: {e}"),
        })?;
    let mut patterns = HashMap::new();
    collect_patterns(&document, &mut patterns);
    Ok(Compiled {
        file: file.to_owned(),
        document,
        validator,
        patterns,
    })
}

/// Compiles the keys of every `patternProperties` in `value`, those that compile.
fn collect_patterns(value: &Value, out: &mut HashMap<String, Regex>) {
    match value {
        Value::Object(members) => {
            if let Some(Value::Object(patterns)) = members.get("patternProperties") {
                for pattern in patterns.keys() {
                    if let Ok(regex) = Regex::new(pattern) {
                        out.insert(pattern.clone(), regex);
                    }
                }
            }
            members.values().for_each(|v| collect_patterns(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

/// `text` cut to at most `max` bytes at a character boundary, ending with `…` when cut.
fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

#[cfg(test)]
mod tests;
