//! Named arguments for the Lua scripts. A script reads its ARGV in a header of
//! `local <name> = ARGV[<n>]` lines; the Rust side passes each argument with that name, and the
//! names are checked against the script's header: on every call in a debug build (so every test
//! run checks every call it makes) and by a unit test that reads the header. Inserting an
//! argument in one place and not the other fails a test instead of shifting every later one.

use redis::{Cmd, ScriptInvocation, ToRedisArgs};

/// Where a script's arguments go: a [`ScriptInvocation`], or a prepared `EVALSHA` command
/// (the report path: one copy of each argument fewer).
pub(super) trait ArgSink {
    /// Append one argument.
    fn push_arg<T: ToRedisArgs>(&mut self, value: T);
}

impl ArgSink for ScriptInvocation<'_> {
    fn push_arg<T: ToRedisArgs>(&mut self, value: T) {
        self.arg(value);
    }
}

impl ArgSink for Cmd {
    fn push_arg<T: ToRedisArgs>(&mut self, value: T) {
        self.arg(value);
    }
}

/// ARGV names in order, as a script's header declares them: `local a = ARGV[1]`,
/// `local n = tonumber(ARGV[2])` and `local b, c = ARGV[3], ARGV[4]` lines (as many `ARGV[n]`
/// on the right as names on the left), anywhere in the script.
#[cfg(test)]
fn declared(script: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for line in script.lines() {
        let Some(rest) = line.trim_start().strip_prefix("local ") else {
            continue;
        };
        let Some((names, values)) = rest.split_once('=') else {
            continue;
        };
        let values = values.split("--").next().unwrap_or("");
        let indices: Vec<usize> = values
            .split("ARGV[")
            .skip(1)
            .filter_map(|v| v.split(']').next()?.parse().ok())
            .collect();
        let names: Vec<&str> = names.split(',').map(str::trim).collect();
        if indices.is_empty() || indices.len() != names.len() {
            continue;
        }
        for (name, index) in names.into_iter().zip(indices) {
            out.push((index, name.to_owned()));
        }
    }
    out.sort();
    out
}

/// Arguments passed by name, in the order the script's header declares them.
pub(super) struct NamedArgs<'a, S: ArgSink> {
    invocation: &'a mut S,
    names: &'static [&'static str],
    next: usize,
}

impl<'a, S: ArgSink> NamedArgs<'a, S> {
    /// Pass the arguments of `invocation`, whose script declares `names` (in ARGV order).
    pub(super) fn new(invocation: &'a mut S, names: &'static [&'static str]) -> Self {
        Self {
            invocation,
            names,
            next: 0,
        }
    }

    /// The next argument, which the script calls `name`.
    pub(super) fn arg<T: ToRedisArgs>(&mut self, name: &'static str, value: T) -> &mut Self {
        debug_assert_eq!(
            self.names.get(self.next).copied(),
            Some(name),
            "argument {} of the script is not the one passed",
            self.next + 1
        );
        self.invocation.push_arg(value);
        self.next += 1;
        self
    }

    /// Every argument was passed.
    pub(super) fn done(&mut self) {
        debug_assert_eq!(
            self.next,
            self.names.len(),
            "the script takes {} arguments, {} were passed",
            self.names.len(),
            self.next
        );
    }
}

/// The report script's ARGV, in order (`lua/report.lua`'s header).
pub(super) const REPORT: &[&str] = &[
    "prefix",
    "now",
    "tid",
    "incoming",
    "decision",
    "rule",
    "reason",
    "max_attempts",
    "mode",
    "ttl",
    "b_initial",
    "b_mult",
    "b_max",
    "b_jitter",
    "msg_id",
    "destination",
    "queue",
    "partition_key",
    "content_type",
    "event_type",
    "payload_in",
    "payload_out",
    "repaired",
    "headers_in",
    "headers_out",
    "failure",
    "attempt_tail",
    "group",
    "code",
    "err_message",
    "mkey",
    "f_id",
    "f_payload",
    "f_headers",
    "f_ct",
    "f_et",
    "f_pk",
    "in_hash",
    "out_hash",
    "events_max",
    "retry_floor",
];

/// The stream field names' ARGV names, in `StreamFields::as_array` order.
pub(super) const STREAM_FIELDS: [&str; 6] =
    ["f_id", "f_payload", "f_headers", "f_ct", "f_et", "f_pk"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_script_declares_the_names_passed() {
        let declared = declared(include_str!("lua/report.lua"));
        let expected: Vec<(usize, String)> = REPORT
            .iter()
            .enumerate()
            .map(|(i, n)| (i + 1, (*n).to_owned()))
            .collect();
        assert_eq!(declared, expected);
    }

    #[test]
    fn a_shifted_argument_is_seen() {
        let script = "local prefix = ARGV[1]\nlocal a, b = ARGV[2], ARGV[3] -- two, ARGV[9]\nlocal x = tonumber(ARGV[4])\nlocal y = ARGV[5] == '1'\nlocal z = 3\n";
        assert_eq!(
            declared(script),
            vec![
                (1, "prefix".to_owned()),
                (2, "a".to_owned()),
                (3, "b".to_owned()),
                (4, "x".to_owned()),
                (5, "y".to_owned())
            ]
        );
    }
}
