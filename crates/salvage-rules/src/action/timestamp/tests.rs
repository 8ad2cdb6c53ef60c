//! The reader of one `timestamp` action on its own: the built-in formats, a rule's formats with
//! and without the built-ins, Unix times with each `epoch`, and what is refused. (Actions in a
//! document, zones and load errors: `action/tests/timestamp.rs`.)

use serde_json::json;

use super::*;

/// The reader of `{ op = "timestamp", path = "/t", <settings> }` (settings as in an inline
/// table: `epoch = "auto", builtins = true`).
fn reader(settings: &str) -> Result<Reader, String> {
    let inline = if settings.is_empty() {
        "{ path = \"/t\" }".to_owned()
    } else {
        format!("{{ path = \"/t\", {settings} }}")
    };
    let mut table: toml::Table =
        toml::from_str(&format!("a = {inline}")).map_err(|e| e.message().to_owned())?;
    let settings: Timestamp = table
        .remove("a")
        .unwrap()
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())?;
    settings.compile().map(|(_, reader)| reader)
}

#[test]
fn built_in_formats() {
    let formats = reader("epoch = \"auto\"").unwrap();
    let cases = [
        (json!("2026-11-22T10:15:00Z"), "2026-11-22T10:15:00Z"),
        (json!("2026-11-22T11:15:00+01:00"), "2026-11-22T10:15:00Z"),
        (
            json!("2026-11-22T05:15:00.250-05:00"),
            "2026-11-22T10:15:00.25Z",
        ),
        (
            json!("Sun, 22 Nov 2026 10:15:00 +0000"),
            "2026-11-22T10:15:00Z",
        ),
        (
            json!("Sun, 22 Nov 2026 11:15:00 +0100"),
            "2026-11-22T10:15:00Z",
        ),
        (json!("2026-11-22T10:15:00"), "2026-11-22T10:15:00Z"),
        (json!("2026-11-22 10:15:00"), "2026-11-22T10:15:00Z"),
        (json!("2026-11-22 10:15"), "2026-11-22T10:15:00Z"),
        (
            json!("2026-11-22T10:15:00.123456"),
            "2026-11-22T10:15:00.123456Z",
        ),
        (json!("2026-11-22 11:15:00+01"), "2026-11-22T10:15:00Z"),
        (json!("2026-11-22 11:15:00+01:00"), "2026-11-22T10:15:00Z"),
        (json!("2026-11-22"), "2026-11-22T00:00:00Z"),
        (json!("22/11/2026"), "2026-11-22T00:00:00Z"),
        (json!("1/2/2026"), "2026-02-01T00:00:00Z"),
        (json!("22.11.2026"), "2026-11-22T00:00:00Z"),
        (json!("2026/11/22"), "2026-11-22T00:00:00Z"),
        (json!(1_795_342_500), "2026-11-22T10:15:00Z"),
        (json!("1795342500"), "2026-11-22T10:15:00Z"),
        (json!(1_795_342_500_250_i64), "2026-11-22T10:15:00.25Z"),
        (json!("1795342500250"), "2026-11-22T10:15:00.25Z"),
        (json!(1_795_342_500.5), "2026-11-22T10:15:00.5Z"),
        (json!(" 2026-11-22 "), "2026-11-22T00:00:00Z"),
    ];
    for (input, expected) in cases {
        let got = formats
            .normalise(&input)
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(got, json!(expected), "{input}");
    }
}

#[test]
fn custom_formats_come_first_and_alone() {
    let formats = reader(r#"formats = ["[month]/[day]/[year]", "[year][month][day]"]"#).unwrap();
    assert_eq!(
        formats.normalise(&json!("11/02/2026")).unwrap(),
        json!("2026-11-02T00:00:00Z")
    );
    assert_eq!(
        formats.normalise(&json!("20261122")).unwrap(),
        json!("2026-11-22T00:00:00Z")
    );
    // Without `builtins = true`, the built-ins are not tried: a day-first date is not read
    // as one just because the month-first format refused it.
    for input in ["22/11/2026", "22.11.2026", "2026-11-22T10:15:00Z"] {
        assert_eq!(
            formats.normalise(&json!(input)).unwrap_err(),
            format!("string {input:?} is not a recognised timestamp")
        );
    }
    // Month first wins where both could read it.
    assert_eq!(
        formats.normalise(&json!("03/04/2026")).unwrap(),
        json!("2026-03-04T00:00:00Z")
    );
}

#[test]
fn builtins_after_custom_formats_when_asked() {
    let formats = reader(r#"formats = ["[month]/[day]/[year]"], builtins = true"#).unwrap();
    assert_eq!(
        formats.normalise(&json!("03/04/2026")).unwrap(),
        json!("2026-03-04T00:00:00Z")
    );
    assert_eq!(
        formats.normalise(&json!("22/11/2026")).unwrap(),
        json!("2026-11-22T00:00:00Z")
    );
    assert_eq!(
        formats.normalise(&json!("2026-11-22T10:15:00Z")).unwrap(),
        json!("2026-11-22T10:15:00Z")
    );
}

#[test]
fn unix_time_only_with_epoch() {
    let cases: [(&str, Value, Result<&str, &str>); 14] = [
        (
            "",
            json!("20261121"),
            Err(
                r#"string "20261121" is digits only: set epoch = "seconds", "milliseconds" or "auto" to read it as Unix time, or give formats (such as "[year][month][day]")"#,
            ),
        ),
        (
            r#"formats = ["[day].[month].[year]"]"#,
            json!("20261121"),
            Err(
                r#"string "20261121" is digits only: set epoch = "seconds", "milliseconds" or "auto" to read it as Unix time, or a format that reads it"#,
            ),
        ),
        (
            "",
            json!(1015),
            Err(
                r#"number 1015 is read as Unix time only with epoch = "seconds", "milliseconds" or "auto""#,
            ),
        ),
        (
            "",
            json!(1_795_342_500.5),
            Err(
                r#"number 1795342500.5 is read as Unix time only with epoch = "seconds", "milliseconds" or "auto""#,
            ),
        ),
        (
            r#"formats = ["[year][month][day]"], epoch = "seconds""#,
            json!("20261121"),
            Ok("2026-11-21T00:00:00Z"),
        ),
        (
            r#"epoch = "seconds""#,
            json!(1015),
            Ok("1970-01-01T00:16:55Z"),
        ),
        (
            r#"epoch = "seconds""#,
            json!("1795342500"),
            Ok("2026-11-22T10:15:00Z"),
        ),
        (
            r#"epoch = "seconds""#,
            json!(-1),
            Ok("1969-12-31T23:59:59Z"),
        ),
        (
            r#"epoch = "seconds""#,
            json!("1795342500250"),
            Err(r#"string "1795342500250" is outside the years 0000 to 9999"#),
        ),
        (
            r#"epoch = "milliseconds""#,
            json!(1015),
            Ok("1970-01-01T00:00:01.015Z"),
        ),
        (
            r#"epoch = "milliseconds""#,
            json!("1795342500250"),
            Ok("2026-11-22T10:15:00.25Z"),
        ),
        (
            r#"epoch = "milliseconds""#,
            json!(1_795_342_500_250.5),
            Ok("2026-11-22T10:15:00.2505Z"),
        ),
        (r#"epoch = "auto""#, json!(1015), Ok("1970-01-01T00:16:55Z")),
        (
            r#"epoch = "auto""#,
            json!(100_000_000_000_i64),
            Ok("1973-03-03T09:46:40Z"),
        ),
    ];
    for (settings, input, expected) in cases {
        let got = reader(settings)
            .unwrap()
            .normalise(&input)
            .map(|value| value.as_str().unwrap_or_default().to_owned());
        assert_eq!(
            got.as_deref(),
            expected.map_err(|e| e.to_owned()).as_deref(),
            "{settings}: {input}"
        );
    }
}

#[test]
fn rejects_what_it_cannot_read() {
    let formats = reader("epoch = \"auto\"").unwrap();
    for input in [
        json!("next tuesday"),
        json!("31/02/2026"),
        json!("-12"),
        json!(""),
        json!(true),
        json!(null),
    ] {
        let err = formats.normalise(&input).unwrap_err();
        assert!(
            err.ends_with("is not a recognised timestamp"),
            "{input}: {err}"
        );
    }
    let err = reader(r#"formats = ["[year"]"#).unwrap_err();
    assert!(err.starts_with("invalid timestamp format `[year`"), "{err}");
}
