//! Zero-rule repairs: what a schema with `repair = true` says is enough to repair a payload no
//! rule matched (a data or unknown failure, a JSON payload), then validate it.
//!
//! Walking the payload with the schema (its `properties`, `additionalProperties` and
//! `patternProperties`, `items` and `prefixItems`, and `$ref`s within the schema document,
//! `#/$defs/...`), each value is repaired where the schema leaves no doubt:
//! - `type`, a single primitive type the value does not have: converted as the `coerce` action
//!   converts, when the value is a string (`"42"` → `42` with its digits, `"12.30"` → `12.30`,
//!   `"true"` → `true`), a number to a string or to an integer it equals (`7.0` → `7`), or a
//!   boolean to a string; never a boolean to a number, or a number to a boolean (`1` is not
//!   surely `true`);
//! - `enum`: a string equal, ASCII letters in any case, to exactly one string of the enum
//!   takes that string's case (`"EXPRESS"` → `"express"`);
//! - `additionalProperties: false`: members neither in `properties` nor matching a
//!   `patternProperties` pattern are dropped (none is, when a pattern does not compile);
//! - `required`: a missing member whose schema in `properties` has a `default` gets it.
//!
//! Anything more (`allOf`, `anyOf`, `oneOf`, `not`, `if`, `dependentSchemas`,
//! `unevaluatedProperties`, a `$ref` to an anchor or another document) is not walked into
//! rather than guessed at; the keywords above still apply where they stand. The repaired
//! payload is the original text edited where a value changed (`splice`), like a rule's, and
//! each repair is one [`Change`](crate::diff::Change).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Compiled, Schemas};
use crate::{
    action::{CoerceTo, coerce_value},
    diff,
    model::{Decision, Evaluation, Input, Repair},
    payload::{BOM, Payload, without_bom},
    splice,
};

/// How deep the walk goes, `$ref`s followed and values entered counted together (the payload
/// is at most `exact::MAX_DEPTH` deep; a cycle of `$ref`s stops here).
const MAX_DEPTH: usize = 256;

/// What the schema repairs of the input's event type decide for `payload`, which no rule
/// matched: `None` when its schema does not repair, the payload is not JSON, or nothing
/// could be repaired (the defaults apply then). `max_attempts`: the defaults'.
pub(crate) fn repair(
    schemas: &Schemas,
    input: &Input<'_>,
    payload: &mut Payload<'_>,
    max_attempts: u32,
) -> Option<Evaluation> {
    let name = schemas.repairs(input.event_type)?;
    let (bom, body) = (payload.has_bom(), without_bom(payload.raw()).1);
    let doc = payload.whole().ok()?;
    let schema = schemas.for_doc(input.event_type, doc)?;
    if !schema.repairs() {
        return None;
    }
    let compiled = schema.compiled();
    let mut after = doc.clone();
    Walker { compiled }.walk(compiled.document(), &mut after, 0);
    if after == *doc {
        return None;
    }
    let changes = diff::diff(doc, &after);
    let evaluation = |decision, repair, changes| Evaluation {
        rule: Some(Arc::clone(name)),
        decision,
        max_attempts,
        repair,
        changes,
    };
    let bytes =
        match splice::rewrite(body, doc, &after).map_or_else(|| serde_json::to_vec(&after), Ok) {
            Ok(bytes) => bytes,
            Err(e) => {
                let reason = format!("schema repair: cannot serialise the repaired payload: {e}");
                return Some(evaluation(
                    Decision::Park { reason },
                    Repair::Failed,
                    changes,
                ));
            }
        };
    if let Some(reason) = schema.mismatch(&after) {
        return Some(evaluation(
            Decision::Park { reason },
            Repair::Failed,
            changes,
        ));
    }
    let payload = if bom { [BOM, &bytes].concat() } else { bytes };
    Some(evaluation(
        Decision::Requeue {
            payload: Some(payload),
        },
        Repair::Repaired,
        changes,
    ))
}

/// One walk of a payload with a schema document.
struct Walker<'s> {
    compiled: &'s Compiled,
}

impl<'s> Walker<'s> {
    /// Repairs `value` where `schema` leaves no doubt, then its members or elements.
    fn walk(&self, schema: &'s Value, value: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Value::Object(keywords) = schema else {
            // `true` and `false`: nothing to repair by.
            return;
        };
        if let Some(target) = self.target(keywords) {
            self.walk(target, value, depth + 1);
        }
        if let Some(to) = keywords
            .get("type")
            .and_then(Value::as_str)
            .and_then(target_type)
        {
            coerce(value, to);
        }
        if let Some(Value::Array(options)) = keywords.get("enum") {
            normalise_case(value, options);
        }
        match value {
            Value::Object(members) => self.object(keywords, members, depth),
            Value::Array(items) => self.array(keywords, items, depth),
            _ => {}
        }
    }

    /// The schema a `$ref` of `keywords` points to, when it is within the document.
    fn target(&self, keywords: &Map<String, Value>) -> Option<&'s Value> {
        let reference = keywords.get("$ref")?.as_str()?;
        let pointer = reference.strip_prefix('#')?;
        self.compiled.document().pointer(pointer)
    }

    fn object(
        &self,
        keywords: &'s Map<String, Value>,
        members: &mut Map<String, Value>,
        depth: usize,
    ) {
        let properties = keywords.get("properties").and_then(Value::as_object);
        let patterns = keywords.get("patternProperties").and_then(Value::as_object);
        // The compiled patterns, or `None` when one did not compile.
        let regexes: Option<Vec<(&regex::Regex, &'s Value)>> =
            patterns.map_or(Some(Vec::new()), |patterns| {
                patterns
                    .iter()
                    .map(|(pattern, schema)| Some((self.compiled.pattern(pattern)?, schema)))
                    .collect()
            });
        let additional = keywords.get("additionalProperties");
        if let (Some(Value::Bool(false)), Some(regexes)) = (additional, &regexes) {
            members.retain(|key, _| {
                properties.is_some_and(|p| p.contains_key(key))
                    || regexes.iter().any(|(regex, _)| regex.is_match(key))
            });
        }
        for (key, value) in members.iter_mut() {
            let declared = properties.and_then(|p| p.get(key));
            if let Some(schema) = declared {
                self.walk(schema, value, depth + 1);
            }
            let mut matched = false;
            for (regex, schema) in regexes.iter().flatten() {
                if regex.is_match(key) {
                    matched = true;
                    self.walk(schema, value, depth + 1);
                }
            }
            if let Some(schema @ Value::Object(_)) = additional
                && declared.is_none()
                && !matched
                && regexes.is_some()
            {
                self.walk(schema, value, depth + 1);
            }
        }
        let (Some(properties), Some(Value::Array(required))) =
            (properties, keywords.get("required"))
        else {
            return;
        };
        for name in required.iter().filter_map(Value::as_str) {
            if members.contains_key(name) {
                continue;
            }
            if let Some(default) = properties.get(name).and_then(|s| self.default_of(s)) {
                members.insert(name.to_owned(), default.clone());
            }
        }
    }

    /// The `default` of a property's schema, or of the schema its `$ref` points to.
    fn default_of(&self, schema: &'s Value) -> Option<&'s Value> {
        let keywords = schema.as_object()?;
        keywords
            .get("default")
            .or_else(|| self.target(keywords)?.get("default"))
    }

    fn array(&self, keywords: &'s Map<String, Value>, items: &mut [Value], depth: usize) {
        // `items` as a list is the `prefixItems` of drafts before 2020-12.
        let (prefix, rest) = match (keywords.get("prefixItems"), keywords.get("items")) {
            (Some(Value::Array(prefix)), rest) => (prefix.as_slice(), rest),
            (None, Some(Value::Array(prefix))) => (prefix.as_slice(), None),
            (_, rest) => (&[][..], rest),
        };
        for (i, item) in items.iter_mut().enumerate() {
            if let Some(schema) = prefix.get(i).or(rest) {
                self.walk(schema, item, depth + 1);
            }
        }
    }
}

/// The conversion to a single primitive `type`.
fn target_type(name: &str) -> Option<CoerceTo> {
    match name {
        "string" => Some(CoerceTo::String),
        "number" => Some(CoerceTo::Number),
        "integer" => Some(CoerceTo::Integer),
        "boolean" => Some(CoerceTo::Boolean),
        _ => None,
    }
}

/// Converts `value` to `to` as the `coerce` action would, when it converts without a guess
/// (see the module's list); left as it is otherwise.
fn coerce(value: &mut Value, to: CoerceTo) {
    let sure = matches!(
        (&*value, to),
        (Value::String(_), _)
            | (Value::Number(_), CoerceTo::String | CoerceTo::Integer)
            | (Value::Bool(_), CoerceTo::String)
    );
    if sure && let Ok(Some(converted)) = coerce_value(value, to) {
        *value = converted;
    }
}

/// A string not in the enum `options` but equal, ASCII letters in any case, to exactly one of
/// them takes its case.
fn normalise_case(value: &mut Value, options: &[Value]) {
    let Value::String(text) = &*value else {
        return;
    };
    if options.contains(value) {
        return;
    }
    let mut same = options
        .iter()
        .filter_map(Value::as_str)
        .filter(|option| option.eq_ignore_ascii_case(text));
    let only = match (same.next(), same.next()) {
        (Some(only), None) => only.to_owned(),
        _ => return,
    };
    *value = Value::String(only);
}
