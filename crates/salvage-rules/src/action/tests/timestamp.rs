//! `timestamp` with a `zone`: wall-clock times read in an IANA time zone in winter and summer,
//! the spring-forward gap and the fall-back fold with each `ambiguous` choice, offsets that
//! win over the zone, and the settings load time refuses.

use super::{Value, action, assert_cases};

/// New York: EST (-05:00) in winter, EDT (-04:00) in summer; in 2026 daylight saving starts
/// on 8 March at 02:00 (02:00 to 03:00 does not exist) and ends on 1 November at 02:00
/// (01:00 to 02:00 happens twice).
const NEW_YORK: &str = r#"{ op = "timestamp", path = "/t", zone = "America/New_York" }"#;

/// Seoul: KST (+09:00) all year.
const SEOUL: &str = r#"{ op = "timestamp", path = "/t", zone = "Asia/Seoul" }"#;

/// (action, document, resulting document or failure reason)
const CASES: &[(&str, &str, Result<&str, &str>)] = &[
    // Winter and summer, with the built-in forms without an offset.
    (
        NEW_YORK,
        r#"{"t":"2026-01-15 09:30:00"}"#,
        Ok(r#"{"t":"2026-01-15T14:30:00Z"}"#),
    ),
    (
        NEW_YORK,
        r#"{"t":"2026-07-15T09:30"}"#,
        Ok(r#"{"t":"2026-07-15T13:30:00Z"}"#),
    ),
    // A date is midnight there.
    (
        NEW_YORK,
        r#"{"t":"22/11/2026"}"#,
        Ok(r#"{"t":"2026-11-22T05:00:00Z"}"#),
    ),
    (
        NEW_YORK,
        r#"{"t":"2026-06-01"}"#,
        Ok(r#"{"t":"2026-06-01T04:00:00Z"}"#),
    ),
    (
        SEOUL,
        r#"{"t":"2026-01-15 09:30:00"}"#,
        Ok(r#"{"t":"2026-01-15T00:30:00Z"}"#),
    ),
    (
        SEOUL,
        r#"{"t":"2026-07-15 09:30:00.5"}"#,
        Ok(r#"{"t":"2026-07-15T00:30:00.5Z"}"#),
    ),
    (
        SEOUL,
        r#"{"t":"2026-01-01"}"#,
        Ok(r#"{"t":"2025-12-31T15:00:00Z"}"#),
    ),
    // A rule's own format without an offset is wall-clock time too.
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", formats = ["[month]/[day]/[year] [hour repr:12]:[minute] [period]"] }"#,
        r#"{"t":"07/04/2026 06:30 PM"}"#,
        Ok(r#"{"t":"2026-07-04T22:30:00Z"}"#),
    ),
    // What carries an offset keeps it: the zone is not applied.
    (
        NEW_YORK,
        r#"{"t":"2026-07-15T09:30:00+01:00"}"#,
        Ok(r#"{"t":"2026-07-15T08:30:00Z"}"#),
    ),
    (
        SEOUL,
        r#"{"t":"2026-07-15T09:30:00Z"}"#,
        Ok(r#"{"t":"2026-07-15T09:30:00Z"}"#),
    ),
    (
        NEW_YORK,
        r#"{"t":"Wed, 15 Jul 2026 09:30:00 +0000"}"#,
        Ok(r#"{"t":"2026-07-15T09:30:00Z"}"#),
    ),
    (
        NEW_YORK,
        r#"{"t":"2026-03-08 02:30:00+01"}"#,
        Ok(r#"{"t":"2026-03-08T01:30:00Z"}"#),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "Asia/Seoul", formats = ["[day].[month].[year] [hour]:[minute] [offset_hour sign:mandatory]"] }"#,
        r#"{"t":"15.07.2026 09:30 -03"}"#,
        Ok(r#"{"t":"2026-07-15T12:30:00Z"}"#),
    ),
    // Unix time is an instant: the zone does not apply.
    (
        r#"{ op = "timestamp", path = "/t", zone = "Asia/Seoul", epoch = "seconds" }"#,
        r#"{"t":1795342500}"#,
        Ok(r#"{"t":"2026-11-22T10:15:00Z"}"#),
    ),
    // Either side of the gap exists...
    (
        NEW_YORK,
        r#"{"t":"2026-03-08 01:59:59"}"#,
        Ok(r#"{"t":"2026-03-08T06:59:59Z"}"#),
    ),
    (
        NEW_YORK,
        r#"{"t":"2026-03-08 03:00:00"}"#,
        Ok(r#"{"t":"2026-03-08T07:00:00Z"}"#),
    ),
    // ...the gap does not, whatever `ambiguous` says.
    (
        NEW_YORK,
        r#"{"t":"2026-03-08 02:30:00"}"#,
        Err(
            r#"string "2026-03-08 02:30:00" does not exist in America/New_York (daylight saving starts: the clocks skip from -05:00 to -04:00)"#,
        ),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "earlier" }"#,
        r#"{"t":"2026-03-08 02:00"}"#,
        Err(
            r#"string "2026-03-08 02:00" does not exist in America/New_York (daylight saving starts: the clocks skip from -05:00 to -04:00)"#,
        ),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "later" }"#,
        r#"{"t":"2026-03-08 02:59:59.999"}"#,
        Err(
            r#"string "2026-03-08 02:59:59.999" does not exist in America/New_York (daylight saving starts: the clocks skip from -05:00 to -04:00)"#,
        ),
    ),
    // The fold: fails by default, or the choice made.
    (
        NEW_YORK,
        r#"{"t":"2026-11-01 01:30"}"#,
        Err(
            r#"string "2026-11-01 01:30" is ambiguous in America/New_York (daylight saving ends: it happens at -04:00, then again at -05:00): set ambiguous = "earlier" or "later" to choose"#,
        ),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "fail" }"#,
        r#"{"t":"2026-11-01T01:00:00"}"#,
        Err(
            r#"string "2026-11-01T01:00:00" is ambiguous in America/New_York (daylight saving ends: it happens at -04:00, then again at -05:00): set ambiguous = "earlier" or "later" to choose"#,
        ),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "earlier" }"#,
        r#"{"t":"2026-11-01 01:30"}"#,
        Ok(r#"{"t":"2026-11-01T05:30:00Z"}"#),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "later" }"#,
        r#"{"t":"2026-11-01 01:30"}"#,
        Ok(r#"{"t":"2026-11-01T06:30:00Z"}"#),
    ),
    // Outside the fold the choice changes nothing.
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "later" }"#,
        r#"{"t":"2026-11-01 02:00"}"#,
        Ok(r#"{"t":"2026-11-01T07:00:00Z"}"#),
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/New_York", ambiguous = "earlier" }"#,
        r#"{"t":"2026-11-01 00:59:59"}"#,
        Ok(r#"{"t":"2026-11-01T04:59:59Z"}"#),
    ),
    // A change of standard offset, not daylight saving: Pyongyang went from +09:00 to
    // +08:30 on 15 August 2015 (00:00 came again at 23:30).
    (
        r#"{ op = "timestamp", path = "/t", zone = "Asia/Pyongyang" }"#,
        r#"{"t":"2015-08-14 23:45"}"#,
        Err(
            r#"string "2015-08-14 23:45" is ambiguous in Asia/Pyongyang (the zone's offset changes: it happens at +09:00, then again at +08:30): set ambiguous = "earlier" or "later" to choose"#,
        ),
    ),
    // Only the value at the path changes; with wildcards, each match, naming a failing one.
    (
        r#"{ op = "timestamp", path = "/visits/*/at", zone = "America/New_York" }"#,
        r#"{"store":"nyc-5","visits":[{"at":"2026-03-08 01:30:00","n":1.50},{"at":"2026-03-08 03:30:00"}]}"#,
        Ok(
            r#"{"store":"nyc-5","visits":[{"at":"2026-03-08T06:30:00Z","n":1.50},{"at":"2026-03-08T07:30:00Z"}]}"#,
        ),
    ),
    (
        r#"{ op = "timestamp", path = "/visits/*/at", zone = "America/New_York" }"#,
        r#"{"visits":[{"at":"2026-03-08 01:30:00"},{"at":"2026-03-08 02:30:00"}]}"#,
        Err(
            r#"at /visits/1/at: string "2026-03-08 02:30:00" does not exist in America/New_York (daylight saving starts: the clocks skip from -05:00 to -04:00)"#,
        ),
    ),
];

#[test]
fn zones_read_wall_clock_times_and_never_guess() {
    assert_cases(CASES);
}

#[test]
fn zone_names_are_looked_up_without_regard_to_case() {
    let action = action(r#"{ op = "timestamp", path = "/t", zone = "asia/SEOUL" }"#).unwrap();
    let mut doc: Value = serde_json::from_str(r#"{"t":"2026-07-15 09:30"}"#).unwrap();
    action.apply(&mut doc).unwrap();
    assert_eq!(doc.to_string(), r#"{"t":"2026-07-15T00:30:00Z"}"#);
}

/// (action, the compile error)
const COMPILE_ERRORS: &[(&str, &str)] = &[
    (
        r#"{ op = "timestamp", path = "/t", zone = "America/Gotham" }"#,
        r#"`zone`: unknown time zone "America/Gotham" (an IANA time zone name, such as "America/New_York", "Europe/Berlin" or "UTC")"#,
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "EST5EDT4" }"#,
        r#"`zone`: unknown time zone "EST5EDT4""#,
    ),
    (
        r#"{ op = "timestamp", path = "/t", ambiguous = "earlier" }"#,
        "`ambiguous` needs `zone` (in UTC no time is ambiguous)",
    ),
    (
        r#"{ op = "timestamp", path = "/t", zone = "UTC", ambiguous = "first" }"#,
        "unknown variant `first`, expected one of `earlier`, `later`, `fail`",
    ),
    (
        r#"{ op = "timestamp", path = "/t", epoch = "micros" }"#,
        "unknown variant `micros`, expected one of `seconds`, `milliseconds`, `auto`",
    ),
    (
        r#"{ op = "timestamp", path = "/t", builtins = false }"#,
        "`builtins = false` without `formats` or `epoch` leaves nothing to read a timestamp with",
    ),
];

#[test]
fn zone_settings_that_cannot_work_are_refused_at_load_time() {
    for (source, message) in COMPILE_ERRORS {
        let err = action(source).map(|_| ()).unwrap_err();
        assert!(err.starts_with(message), "{source}: {err}");
    }
    for source in [
        r#"{ op = "timestamp", path = "/t", builtins = false, epoch = "milliseconds" }"#,
        r#"{ op = "timestamp", path = "/t", zone = "UTC" }"#,
        r#"{ op = "timestamp", path = "/t", zone = "Etc/GMT+5", ambiguous = "fail" }"#,
    ] {
        action(source).unwrap_or_else(|e| panic!("{source}: {e}"));
    }
}
