//! A quick first look at a payload: one pass over its text that either vouches that
//! [`exact::parse`] accepts it and builds what the text says (no object starting with
//! serde_json's number token, see [`Checked::NumberToken`]), or leaves the verdict to
//! [`exact::check`]. On the way it notes where every object and array ends, so that values are
//! then found in the text (`locate`) without scanning what lies before them twice.
//!
//! It vouches only for a strict subset of what serde_json accepts, kept small enough to read
//! against serde_json's parser: UTF-8 text; whitespace of space, tab, CR and LF; `null`,
//! `true`, `false`; numbers `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` (serde_json's
//! `arbitrary_precision` scanner takes any such, whatever its size); strings of characters from
//! U+0020 up, except `"` and `\` unless escaped as `\" \\ \/ \b \f \n \r \t` or `\uXXXX` outside
//! the surrogates; objects and arrays nested at most [`MAX_DEPTH`] deep, with at most
//! [`MAX_KEYS`] keys per object, none written with an escape, none written twice, none equal
//! to serde_json's number token. Anything else (a key with an escape, a surrogate pair, deep
//! nesting, a key written twice, invalid JSON) is left to [`exact::check`], whose verdict and
//! error are then final: this pass makes no verdict of its own.
//!
//! [`exact::parse`]: super::exact::parse
//! [`exact::check`]: super::exact::check
//! [`Checked::NumberToken`]: super::exact::Checked::NumberToken

use super::exact::NUMBER_TOKEN;

/// Deepest nesting vouched for (serde_json allows 127 levels; the rest is left to it).
pub(crate) const MAX_DEPTH: usize = 64;

/// Most keys vouched for in one object (duplicates are looked for by comparing every pair).
pub(crate) const MAX_KEYS: usize = 64;

/// Where each object and array of a vouched-for payload ends: `(start, end)` byte offsets (the
/// opening bracket, one past the closing one), in order of `start`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ends(Vec<(usize, usize)>);

impl Ends {
    /// The end of the object or array opening at `start`, if one does.
    pub(crate) fn get(&self, start: usize) -> Option<usize> {
        let at = self.0.binary_search_by_key(&start, |&(s, _)| s).ok()?;
        self.0.get(at).map(|&(_, end)| end)
    }
}

/// Vouches for `src` (see the module's documentation) with where its containers end, or
/// `None` to leave the verdict to `exact::check`.
///
/// One loop over the text, without recursion: the objects and arrays being read are kept on a
/// stack of at most [`MAX_DEPTH`] entries (their slot in the ends, where their keys start, and
/// one bit telling an object from an array), so that each byte costs a few instructions.
pub(crate) fn scan(src: &[u8]) -> Option<Ends> {
    std::str::from_utf8(src).ok()?;
    // About one object or array per 64 bytes, in payloads of records: room for them without
    // growing, for most.
    let mut ends: Vec<(usize, usize)> = Vec::with_capacity((src.len() / 64).max(16));
    // The keys of the objects being read, innermost last, each with its [`fingerprint`].
    let mut keys: Vec<(u64, &[u8])> = Vec::with_capacity(32);
    // For each open container: its slot in `ends`, where its keys start in `keys`, and the
    // buckets of its keys' fingerprints (so most keys are known new without comparing).
    let mut open = [Open::default(); MAX_DEPTH];
    // Bit `d`: the container open at depth `d` is an object.
    let mut objects = 0u64;
    let mut depth = 0;
    let mut i = skip_ws(src, 0);
    loop {
        // A value starts at `i`.
        let mut close = match *src.get(i)? {
            open_byte @ (b'{' | b'[') => {
                let top = open.get_mut(depth)?;
                *top = Open {
                    slot: ends.len(),
                    base: keys.len(),
                    seen: 0,
                };
                ends.push((i, 0));
                let object = open_byte == b'{';
                objects = (objects & !(1 << depth)) | (u64::from(object) << depth);
                depth += 1;
                i = skip_ws(src, i + 1);
                match (*src.get(i)?, object) {
                    (b'}', true) | (b']', false) => true,
                    (_, true) => {
                        i = key(src, i, &mut keys, top)?;
                        continue;
                    }
                    (_, false) => continue,
                }
            }
            b'"' => {
                i = string(src, i)?.0;
                false
            }
            b't' => {
                i = word(src, i, b"true")?;
                false
            }
            b'f' => {
                i = word(src, i, b"false")?;
                false
            }
            b'n' => {
                i = word(src, i, b"null")?;
                false
            }
            b'-' | b'0'..=b'9' => {
                i = number(src, i)?;
                false
            }
            _ => return None,
        };
        // After a value (or at the closing bracket of an empty container, `close`): closes
        // the containers that end here, and finds where the next value starts.
        loop {
            if close {
                depth -= 1;
                let top = open.get(depth)?;
                ends.get_mut(top.slot)?.1 = i + 1;
                keys.truncate(top.base);
                i += 1;
            }
            if depth == 0 {
                return (skip_ws(src, i) == src.len()).then_some(Ends(ends));
            }
            i = skip_ws(src, i);
            let object = objects >> (depth - 1) & 1 == 1;
            match (*src.get(i)?, object) {
                (b',', true) => {
                    let top = open.get_mut(depth - 1)?;
                    i = key(src, skip_ws(src, i + 1), &mut keys, top)?;
                    break;
                }
                (b',', false) => {
                    i = skip_ws(src, i + 1);
                    break;
                }
                (b'}', true) | (b']', false) => close = true,
                _ => return None,
            }
        }
    }
}

/// An object or array being read.
#[derive(Debug, Clone, Copy, Default)]
struct Open {
    /// Its slot in the ends.
    slot: usize,
    /// Where its keys start among those noted (an object's).
    base: usize,
    /// One bit for each bucket of [`fingerprint`]s that its keys so far fall in: a key in an
    /// empty bucket is new, and only one in a bucket already taken is compared with the others.
    seen: u64,
}

/// Reads the key of an object's member at `i` and the colon after it, noting the key in
/// `keys` (those of the object `object` starting at its `base`); where the member's value
/// starts. `None` for a key not vouched for: written with an escape, the number token, one
/// too many, or one written twice.
#[inline(always)]
fn key<'a>(
    src: &'a [u8],
    i: usize,
    keys: &mut Vec<(u64, &'a [u8])>,
    object: &mut Open,
) -> Option<usize> {
    if *src.get(i)? != b'"' {
        return None;
    }
    let (key_end, escaped) = string(src, i)?;
    let key = src.get(i + 1..key_end - 1)?;
    let known = keys.get(object.base..)?;
    let print = fingerprint(key);
    let bucket = 1 << (print.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
    if escaped
        || key == NUMBER_TOKEN.as_bytes()
        || known.len() >= MAX_KEYS
        || (object.seen & bucket != 0 && known_key(known, print, key))
    {
        return None;
    }
    object.seen |= bucket;
    keys.push((print, key));
    let colon = skip_ws(src, key_end);
    if *src.get(colon)? != b':' {
        return None;
    }
    Some(skip_ws(src, colon + 1))
}

/// Whether `key`, whose fingerprint is `print`, is one of `known`.
#[cold]
#[inline(never)]
fn known_key(known: &[(u64, &[u8])], print: u64, key: &[u8]) -> bool {
    known.iter().any(|&(p, k)| p == print && k == key)
}

/// Past the whitespace (space, tab, CR, LF) from `i`.
#[inline(always)]
fn skip_ws(src: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = src.get(i) {
        i += 1;
    }
    i
}

fn word(src: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (src.get(i..i + word.len())? == word).then_some(i + word.len())
}

/// Past the digits from `i`, if there is one.
fn digits(src: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while src.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    (j > i).then_some(j)
}

fn number(src: &[u8], i: usize) -> Option<usize> {
    let mut j = i + usize::from(src.get(i) == Some(&b'-'));
    j = match *src.get(j)? {
        b'0' => j + 1,
        b'1'..=b'9' => digits(src, j)?,
        _ => return None,
    };
    if src.get(j) == Some(&b'.') {
        j = digits(src, j + 1)?;
    }
    if let Some(b'e' | b'E') = src.get(j) {
        j += 1;
        if let Some(b'+' | b'-') = src.get(j) {
            j += 1;
        }
        j = digits(src, j)?;
    }
    Some(j)
}

/// The end of the string starting at `i`, and whether it has escapes. Inlined for the usual
/// string without escapes, read in one [`plain_run`]; the others in [`escaped_string`].
#[inline(always)]
fn string(src: &[u8], i: usize) -> Option<(usize, bool)> {
    let j = plain_run(src, i + 1);
    if *src.get(j)? == b'"' {
        Some((j + 1, false))
    } else {
        escaped_string(src, j)
    }
}

/// The end of a string from `j`, at a byte of it [`plain_run`] stopped at, and whether it
/// has escapes.
#[cold]
#[inline(never)]
fn escaped_string(src: &[u8], mut j: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        j = plain_run(src, j);
        match *src.get(j)? {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += match *src.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' => {
                        let hex = src.get(j + 2..j + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        let unit = u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16);
                        if (0xD800..=0xDFFF).contains(&unit.ok()?) {
                            return None;
                        }
                        6
                    }
                    _ => return None,
                };
            }
            // A control character (`plain_run` stops at nothing else).
            _ => return None,
        }
    }
}

/// Where the run of bytes from `i` that need no look in a string (not `"`, not `\`, not a
/// control character) ends: eight bytes at a time, then one by one.
#[inline(always)]
pub(crate) fn plain_run(src: &[u8], mut i: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `x` that is below `n` (`n` <= 0x80), exact up to the
    // lowest such byte (a borrow may mark bytes above it).
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    while let Some(chunk) = src.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let marks = below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            | below(x, 0x20);
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while src
        .get(i)
        .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
    {
        i += 1;
    }
    i
}

/// A summary of a key such that equal keys have equal fingerprints (so most different keys
/// are told apart without comparing them): its length, first, middle and last bytes.
#[inline(always)]
fn fingerprint(key: &[u8]) -> u64 {
    let byte = |i: usize| u64::from(key.get(i).copied().unwrap_or(0));
    let len = key.len();
    (len as u64) ^ byte(0) << 40 ^ byte(len / 2) << 48 ^ byte(len.wrapping_sub(1)) << 56
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::{self, Checked};

    /// Every text this pass vouches for, the parser accepts (as plain, for these texts
    /// without the number token).
    fn vouched_and_accepted(text: &[u8]) -> bool {
        let vouched = scan(text).is_some();
        if vouched {
            assert_eq!(
                exact::check(text).ok(),
                Some(Checked::Plain),
                "vouched for {:?}",
                String::from_utf8_lossy(text)
            );
        }
        vouched
    }

    #[test]
    fn vouches_for_plain_json_and_notes_where_containers_end() {
        let text = br#" {"a": [1, -0.5e+3, {"b": null}], "c": "x\"\u00e9 \/", "d": {}} "#;
        let ends = scan(text).unwrap();
        let close = |open: usize| ends.get(open).unwrap();
        assert_eq!(text[close(1) - 1], b'}');
        assert_eq!(close(1), text.len() - 1);
        let array = text.iter().position(|&b| b == b'[').unwrap();
        assert_eq!(&text[array..close(array)], br#"[1, -0.5e+3, {"b": null}]"#);
        assert_eq!(ends.get(2), None);
        assert!(vouched_and_accepted(text));
    }

    #[test]
    fn plain_runs_end_where_a_byte_needs_a_look() {
        let mut random = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2_000 {
            let bytes: Vec<u8> = (0..random % 40)
                .map(|_| {
                    random ^= random << 13;
                    random ^= random >> 7;
                    random ^= random << 17;
                    // Mostly plain bytes (some not ASCII), a few that need a look.
                    match random % 23 {
                        0 => b'"',
                        1 => b'\\',
                        2 => (random >> 8) as u8 % 0x20,
                        _ => 0x20 + (random >> 8) as u8 % 0xE0,
                    }
                })
                .collect();
            for start in 0..=bytes.len() {
                let naive = (start..bytes.len())
                    .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..0x20))
                    .unwrap_or(bytes.len());
                assert_eq!(plain_run(&bytes, start), naive, "{bytes:?} from {start}");
            }
        }
    }

    #[test]
    fn fingerprints_of_equal_keys_are_equal() {
        // The same keys at different places of a text, as the scan compares them.
        let text = "é, a longer key with more, total, , é, a longer key with more, total, ";
        let keys: Vec<&[u8]> = text.split(", ").map(str::as_bytes).collect();
        for (key, again) in keys[..4].iter().zip(&keys[4..8]) {
            assert_eq!(fingerprint(key), fingerprint(again));
        }
        assert_ne!(fingerprint(b"total"), fingerprint(b"totals"));
        assert_ne!(fingerprint(b"total"), fingerprint(b"totem"));
    }

    #[test]
    fn leaves_the_unusual_to_the_parser() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let many = format!(
            "{{{}}}",
            (0..=MAX_KEYS)
                .map(|i| format!("\"k{i}\":{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let cases: Vec<Vec<u8>> = vec![
            br#"{"a\/b": 1}"#.to_vec(),
            br#"{"a": 1, "a": 2}"#.to_vec(),
            br#"["\ud83d\ude00"]"#.to_vec(),
            br#"{"$serde_json::private::Number": "1"}"#.to_vec(),
            deep(MAX_DEPTH + 1).into_bytes(),
            many.into_bytes(),
            b"\xff".to_vec(),
        ];
        for text in cases {
            assert!(
                scan(&text).is_none(),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
        assert!(vouched_and_accepted(deep(MAX_DEPTH).as_bytes()));
    }

    #[test]
    fn vouches_for_nothing_the_parser_refuses_among_all_short_texts() {
        // Every text of up to five of these bytes (about 2.5 million): whatever this pass
        // vouches for, exact::check accepts as plain.
        const ALPHABET: &[u8] = b"{}[]\":,0-1.eE \\unt";
        let mut vouched = 0;
        let mut text = Vec::new();
        for len in 0..=5u32 {
            for n in 0..ALPHABET.len().pow(len) {
                text.clear();
                let mut rest = n;
                for _ in 0..len {
                    text.push(ALPHABET[rest % ALPHABET.len()]);
                    rest /= ALPHABET.len();
                }
                vouched += usize::from(vouched_and_accepted(&text));
            }
        }
        assert!(vouched > 1_000, "{vouched}");
    }
}
