//! STOMP 1.2 frames, as far as a sender needs them: encoding `CONNECT`, `SEND` and `DISCONNECT`,
//! and decoding what the broker answers (`CONNECTED`, `RECEIPT`, `ERROR`).
//!
//! A frame is a command line, `name:value` header lines, a blank line, the body and a NUL. Header
//! names and values escape `\`, CR, LF and `:` (`\\`, `\r`, `\n`, `\c`), except in `CONNECT` and
//! `CONNECTED`. A body is read up to `content-length` bytes when the header is there, else up to
//! the first NUL. Between frames a broker may send bare line ends (heart-beats): skipped.

/// The most a broker's frame header section may take before the reader gives up on it; the
/// frames a sender receives are small, so more means a confused or hostile peer.
pub(super) const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most a broker's frame body may take (an `ERROR`'s description).
pub(super) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    /// `CONNECTED`, `RECEIPT`, `ERROR`, ...
    pub(super) command: String,
    /// Headers in order; where a name repeats, the first counts (STOMP 1.2).
    pub(super) headers: Vec<(String, String)>,
    /// The body.
    pub(super) body: Vec<u8>,
}

impl Frame {
    /// The first value of header `name`.
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An `ERROR` frame's description: its `message` header, then the first line of its body.
    pub(super) fn error_text(&self) -> String {
        let message = self.header("message").unwrap_or("").trim();
        let body = String::from_utf8_lossy(&self.body);
        let detail = body.lines().next().unwrap_or("").trim();
        match (message.is_empty(), detail.is_empty() || detail == message) {
            (true, true) => "no description".to_owned(),
            (true, false) => detail.to_owned(),
            (false, true) => message.to_owned(),
            (false, false) => format!("{message} ({detail})"),
        }
    }
}

/// Encode a frame. Headers are escaped unless `command` is `CONNECT`; the body follows as is.
pub(super) fn encode(command: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let escaped = command != "CONNECT";
    let mut out = Vec::with_capacity(64 + body.len() + headers.len() * 32);
    out.extend_from_slice(command.as_bytes());
    out.push(b'\n');
    for (name, value) in headers {
        push(&mut out, name, escaped);
        out.push(b':');
        push(&mut out, value, escaped);
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out.push(0);
    out
}

fn push(out: &mut Vec<u8>, text: &str, escaped: bool) {
    if !escaped {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    for byte in text.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b':' => out.extend_from_slice(b"\\c"),
            other => out.push(other),
        }
    }
}

/// Take the first whole frame off the front of `buf`: `Ok(None)` if more bytes are needed,
/// `Err` if the bytes are not STOMP or exceed the limits above.
pub(super) fn decode(buf: &mut Vec<u8>) -> Result<Option<Frame>, String> {
    // Heart-beats and stray line ends between frames.
    let start = buf
        .iter()
        .position(|b| *b != b'\n' && *b != b'\r')
        .unwrap_or(buf.len());
    buf.drain(..start);
    let Some(end) = find(buf, b"\n\n")
        .map(|at| (at, 2))
        .into_iter()
        .chain(find(buf, b"\r\n\r\n").map(|at| (at, 4)))
        .min()
    else {
        if buf.len() > MAX_HEADER_BYTES {
            return Err(format!(
                "the broker sent more than {MAX_HEADER_BYTES} bytes without ending a frame's headers"
            ));
        }
        return Ok(None);
    };
    let (head_len, separator) = end;
    let head = std::str::from_utf8(&buf[..head_len])
        .map_err(|_| "the broker sent frame headers that are not UTF-8".to_owned())?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let command = lines.next().unwrap_or("").to_owned();
    if command.is_empty() || !command.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("the broker sent {command:?}, not a STOMP command"));
    }
    let escaped = command != "CONNECTED";
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("the broker sent a header line without a colon: {line:?}"))?;
        let (name, value) = if escaped {
            (unescape(name)?, unescape(value)?)
        } else {
            (name.to_owned(), value.to_owned())
        };
        headers.push((name, value));
    }
    let body_start = head_len + separator;
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("the broker sent content-length {v:?}"))
        })
        .transpose()?;
    let body_end = match length {
        Some(n) if n > MAX_BODY_BYTES => {
            return Err(format!("the broker sent a {n}-byte frame body"));
        }
        Some(n) => {
            if buf.len() < body_start + n + 1 {
                return Ok(None);
            }
            if buf[body_start + n] != 0 {
                return Err("the broker's frame does not end with NUL after its body".to_owned());
            }
            body_start + n
        }
        None => match buf[body_start..].iter().position(|b| *b == 0) {
            Some(at) => body_start + at,
            None if buf.len() - body_start > MAX_BODY_BYTES => {
                return Err(format!(
                    "the broker sent more than {MAX_BODY_BYTES} bytes of body without a NUL"
                ));
            }
            None => return Ok(None),
        },
    };
    let body = buf[body_start..body_end].to_vec();
    buf.drain(..=body_end);
    Ok(Some(Frame {
        command,
        headers,
        body,
    }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn unescape(text: &str) -> Result<String, String> {
    if !text.contains('\\') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('\\') => '\\',
            Some('r') => '\r',
            Some('n') => '\n',
            Some('c') => ':',
            other => {
                return Err(format!(
                    "the broker sent an undefined escape \\{} in {text:?}",
                    other.map(String::from).unwrap_or_default()
                ));
            }
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_frames_escape_headers_and_keep_the_body_exactly() {
        let body = b"{\"a\":1}\0\xff";
        let frame = encode("SEND", &[("destination", "/queue/a"), ("x:y", "a\\b\nc\r")], body);
        let mut want = b"SEND\ndestination:/queue/a\nx\\cy:a\\\\b\\nc\\r\n\n".to_vec();
        want.extend_from_slice(body);
        want.push(0);
        assert_eq!(frame, want);
    }

    #[test]
    fn connect_headers_are_not_escaped() {
        let frame = encode("CONNECT", &[("passcode", "a:b\\c")], b"");
        assert_eq!(frame, b"CONNECT\npasscode:a:b\\c\n\n\0");
    }

    #[test]
    fn decodes_frames_one_at_a_time_skipping_heart_beats() {
        let mut buf = b"\n\r\nRECEIPT\nreceipt-id:7\n\n\0\nERROR\nreceipt-id:8\nmessage:User x is not authorized to create\\c queue\\c//a\ncontent-length:5\n\nno\0pe\0".to_vec();
        let receipt = decode(&mut buf).unwrap().unwrap();
        assert_eq!(receipt.command, "RECEIPT");
        assert_eq!(receipt.header("receipt-id"), Some("7"));
        let error = decode(&mut buf).unwrap().unwrap();
        assert_eq!(error.command, "ERROR");
        assert_eq!(
            error.header("message"),
            Some("User x is not authorized to create: queue://a")
        );
        assert_eq!(error.body, b"no\0pe", "content-length reads past a NUL");
        assert!(buf.is_empty());
        assert_eq!(decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn partial_frames_wait_for_more_bytes() {
        let whole = b"CONNECTED\nversion:1.2\nsession:ID:a:b\n\n\0".to_vec();
        for cut in 0..whole.len() {
            let mut buf = whole[..cut].to_vec();
            assert_eq!(decode(&mut buf).unwrap(), None, "cut at {cut}");
        }
        let mut buf = whole;
        let frame = decode(&mut buf).unwrap().unwrap();
        assert_eq!(
            frame.header("session"),
            Some("ID:a:b"),
            "CONNECTED is not unescaped"
        );
        let mut buf = b"ERROR\ncontent-length:4\n\nab".to_vec();
        assert_eq!(decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn crlf_line_ends_are_read() {
        let mut buf = b"RECEIPT\r\nreceipt-id:1\r\n\r\n\0".to_vec();
        let frame = decode(&mut buf).unwrap().unwrap();
        assert_eq!(frame.header("receipt-id"), Some("1"));
    }

    #[test]
    fn garbage_and_oversized_input_are_errors_not_panics() {
        for bad in [
            &b"HTTP/1.1 400 Bad Request\n\n\0"[..],
            b"RECEIPT\nno-colon\n\n\0",
            b"RECEIPT\nx:\\q\n\n\0",
            b"ERROR\ncontent-length:abc\n\n\0",
            b"ERROR\ncontent-length:2\n\nabc\0",
            b"ERROR\ncontent-length:99999999\n\n",
            b"\xff\xfe\n\n\0",
        ] {
            let mut buf = bad.to_vec();
            assert!(
                decode(&mut buf).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut endless = vec![b'A'; MAX_HEADER_BYTES + 1];
        assert!(decode(&mut endless).is_err());
        let mut endless = b"ERROR\n\n".to_vec();
        endless.resize(MAX_BODY_BYTES + 10, b'x');
        assert!(decode(&mut endless).is_err());
    }

    #[test]
    fn error_text_joins_message_and_body() {
        let frame = |headers: Vec<(String, String)>, body: &[u8]| Frame {
            command: "ERROR".to_owned(),
            headers,
            body: body.to_vec(),
        };
        let m = || vec![("message".to_owned(), "refused".to_owned())];
        assert_eq!(frame(m(), b"refused\nstack").error_text(), "refused");
        assert_eq!(frame(m(), b"why\nstack").error_text(), "refused (why)");
        assert_eq!(frame(vec![], b"why").error_text(), "why");
        assert_eq!(frame(vec![], b"").error_text(), "no description");
    }
}
