//! Human output: aligned tables, times (RFC 3339 or "5m ago"), truncated previews, counts.

use std::{fmt::Write as _, time::SystemTime};

use time::{OffsetDateTime, macros::format_description};

/// A table printed with aligned columns (the last one is not padded).
pub(crate) struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub(crate) fn new(header: &[&'static str]) -> Self {
        Self {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Add a row (as many cells as titles).
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, each ending in a newline.
    pub(crate) fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<w$}  ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A protobuf timestamp as a date-time.
pub(crate) fn datetime(ts: Option<&prost_types::Timestamp>) -> Option<OffsetDateTime> {
    let ts = ts?;
    let nanos = i128::from(ts.seconds) * 1_000_000_000 + i128::from(ts.nanos);
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// RFC 3339 in UTC with milliseconds, for JSON output ("" when absent).
pub(crate) fn rfc3339(ts: Option<&prost_types::Timestamp>) -> Option<String> {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    datetime(ts).and_then(|t| t.format(&fmt).ok())
}

/// RFC 3339 in UTC to the second, for people.
pub(crate) fn absolute(ts: Option<&prost_types::Timestamp>) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    datetime(ts)
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "-".to_owned())
}

/// "5m ago" within two days, the date-time otherwise.
pub(crate) fn when(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(t) = datetime(ts) else {
        return "-".to_owned();
    };
    let now = OffsetDateTime::from(SystemTime::now());
    let secs = (now - t).whole_seconds();
    match secs {
        s if s < 0 => absolute(ts),
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 48 * 3600 => format!("{}h{:02}m ago", s / 3600, (s % 3600) / 60),
        _ => absolute(ts),
    }
}

/// The date-time followed by how long ago, e.g. "2026-11-22T10:00:00Z (5m ago)".
pub(crate) fn when_long(ts: Option<&prost_types::Timestamp>) -> String {
    let abs = absolute(ts);
    let rel = when(ts);
    if rel == abs {
        abs
    } else {
        format!("{abs} ({rel})")
    }
}

/// At most `max` characters on one line, "…" marking a cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// An empty string shown as "-".
pub(crate) fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "-".to_owned()
    } else {
        s.to_owned()
    }
}

/// A count with thousands separators: 10000 → "10,000".
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 message" / "3 messages".
pub(crate) fn messages(n: u64) -> String {
    if n == 1 {
        "1 message".to_owned()
    } else {
        format!("{} messages", count(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let mut t = Table::new(&["A", "LONGER"]);
        t.row(vec!["xyz".into(), "1".into()]);
        assert_eq!(t.render(), "A    LONGER\nxyz  1\n");
    }

    #[test]
    fn counts_and_cuts() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1200), "1,200");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("a\nb", 10), "a b");
    }

    #[test]
    fn times() {
        let ts = prost_types::Timestamp {
            seconds: 1_795_341_600,
            nanos: 5_000_000,
        };
        assert_eq!(rfc3339(Some(&ts)).unwrap(), "2026-11-22T10:00:00.005Z");
        assert_eq!(absolute(Some(&ts)), "2026-11-22T10:00:00Z");
        let now =
            prost_types::Timestamp::from(SystemTime::now() - std::time::Duration::from_secs(300));
        assert_eq!(when(Some(&now)), "5m ago");
        assert_eq!(when(None), "-");
    }
}
