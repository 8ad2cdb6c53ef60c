//! The JSON log line: one object per event with `timestamp`, `level`, the event's fields
//! (`message` first), `target`, and the current span (`span`) and all open spans (`spans`), like
//! tracing-subscriber's JSON format with flattened events, but with every key once. An event
//! field whose name is already taken (a library logging a field named `message` next to its
//! message, as lapin does for a returned message) is written as `<name>.2`, `<name>.3`, … A
//! line with a key twice is not JSON that every reader accepts: most keep one of the values
//! silently, some refuse the line.

use std::fmt;

use serde_json::{Map, Value};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    fmt::{
        FmtContext, FormatEvent, FormatFields, FormattedFields,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    registry::LookupSpan,
};

/// Keys of the line itself; an event field with one of these names is renamed.
const RESERVED: [&str; 5] = ["timestamp", "level", "target", "span", "spans"];

/// Fields tracing-log adds to events converted from `log` records.
const LOG_TARGET: &str = "log.target";
const LOG_FIELDS: [&str; 3] = ["log.module_path", "log.file", "log.line"];

/// Formats events as JSON lines with unique keys. Span fields must be formatted with
/// `tracing_subscriber::fmt::format::JsonFields`.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut target = event.metadata().target().to_owned();
        fields.0.retain(|(name, value)| {
            if name == LOG_TARGET {
                if let Value::String(t) = value {
                    target.clone_from(t);
                }
                return false;
            }
            !LOG_FIELDS.contains(&name.as_str())
        });

        let mut line = Map::new();
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        line.insert("timestamp".into(), Value::String(timestamp));
        line.insert(
            "level".into(),
            Value::String(event.metadata().level().to_string()),
        );
        for (name, value) in fields.0 {
            insert_unique(&mut line, name, value);
        }
        line.insert("target".into(), Value::String(target));
        if let Some(scope) = ctx.event_scope() {
            let spans: Vec<Value> = scope
                .from_root()
                .map(|span| {
                    let mut object = span
                        .extensions()
                        .get::<FormattedFields<N>>()
                        .and_then(|f| serde_json::from_str::<Map<String, Value>>(&f.fields).ok())
                        .unwrap_or_default();
                    object.insert("name".into(), Value::String(span.name().to_owned()));
                    Value::Object(object)
                })
                .collect();
            if let Some(current) = spans.last() {
                line.insert("span".into(), current.clone());
            }
            line.insert("spans".into(), Value::Array(spans));
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Insert under `name`, or `name.2`, `name.3`, … if that key is taken or reserved.
fn insert_unique(line: &mut Map<String, Value>, name: String, value: Value) {
    let taken =
        |line: &Map<String, Value>, key: &str| line.contains_key(key) || RESERVED.contains(&key);
    if !taken(line, &name) {
        line.insert(name, value);
        return;
    }
    let mut n = 2u32;
    loop {
        let key = format!("{name}.{n}");
        if !taken(line, &key) {
            line.insert(key, value);
            return;
        }
        n += 1;
    }
}

/// An event's fields in the order recorded, duplicates kept (renamed on insertion).
#[derive(Default)]
struct Fields(Vec<(String, Value)>);

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.0.push((field.name().to_owned(), value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push((field.name().to_owned(), Value::from(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name().to_owned(), Value::from(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push((field.name().to_owned(), Value::Bool(value)));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .push((field.name().to_owned(), Value::String(value.to_owned())));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .push((field.name().to_owned(), Value::String(value.to_string())));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .push((field.name().to_owned(), Value::String(format!("{value:?}"))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_key_gets_the_next_free_suffix() {
        let mut line = Map::new();
        insert_unique(&mut line, "message".into(), "first".into());
        insert_unique(&mut line, "message".into(), "second".into());
        insert_unique(&mut line, "message".into(), "third".into());
        insert_unique(&mut line, "level".into(), "a field".into());
        let keys: Vec<&str> = line.keys().map(String::as_str).collect();
        assert_eq!(keys, ["message", "message.2", "message.3", "level.2"]);
    }
}
