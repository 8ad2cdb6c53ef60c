//! The payload as the rules of one evaluation read it: looked at once, on the first rule that
//! needs it as JSON, then read in place (`locate`) when its text says exactly what parsing it
//! would build, and parsed whole at most once, only for what the text cannot answer.
//!
//! A payload may start with a UTF-8 byte-order mark (EF BB BF): it is read as the JSON document
//! after it (conditions and actions see that document), and a repaired payload keeps it in
//! front, byte for byte as it came, unless the rule's actions include `strip_bom`. A requeue
//! without actions sends the payload as it came, mark included.

use serde_json::Value;

use super::{
    exact::{self, Checked, JsonError},
    locate::Text,
    scan,
};

/// The UTF-8 byte-order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `raw` without its leading byte-order mark, if it has one, and whether it had.
pub(crate) fn without_bom(raw: &[u8]) -> (bool, &[u8]) {
    match raw.strip_prefix(BOM) {
        Some(body) => (true, body),
        None => (false, raw),
    }
}

/// One evaluation's payload.
pub(crate) struct Payload<'a> {
    raw: &'a [u8],
    /// `raw` without its byte-order mark: the JSON document read.
    body: &'a [u8],
    /// Whether `raw` starts with a byte-order mark.
    bom: bool,
    /// The first look, once taken: the text to read in place (`None`: the payload must be
    /// parsed whole to be read), or why it is not JSON (the verdict of `exact::parse`).
    look: Option<Result<Option<Text<'a>>, JsonError>>,
    /// The payload parsed whole, once needed.
    whole: Option<Result<Value, JsonError>>,
}

impl<'a> Payload<'a> {
    /// The payload `raw`, not looked at yet.
    pub(crate) fn new(raw: &'a [u8]) -> Payload<'a> {
        let (bom, body) = without_bom(raw);
        Payload {
            raw,
            body,
            bom,
            look: None,
            whole: None,
        }
    }

    /// The payload's text (after its byte-order mark, if any) to read in place (`None` when it must be parsed whole to be read),
    /// or why it cannot be read as JSON. `scan` vouches for most payloads in one quick pass;
    /// the others get `exact::check`'s verdict, which is `exact::parse`'s.
    pub(crate) fn look(&mut self) -> Result<Option<&Text<'a>>, &JsonError> {
        let raw = self.body;
        let look = self.look.get_or_insert_with(|| match scan::scan(raw) {
            Some(ends) => Ok(Some(Text::new(raw, Some(ends)))),
            None => match exact::check(raw) {
                Ok(Checked::Plain) => Ok(Some(Text::new(raw, None))),
                Ok(Checked::NumberToken) => Ok(None),
                Err(e) => Err(e),
            },
        });
        look.as_ref().map(Option::as_ref)
    }

    /// The payload parsed whole (the first time it is needed).
    pub(crate) fn whole(&mut self) -> Result<&Value, &JsonError> {
        let raw = self.body;
        self.whole.get_or_insert_with(|| exact::parse(raw)).as_ref()
    }

    /// The payload parsed whole, taken away (for the rule that decides: nothing reads it
    /// after).
    pub(crate) fn take_whole(&mut self) -> Result<Value, JsonError> {
        self.whole.take().unwrap_or_else(|| exact::parse(self.body))
    }

    /// The payload as it came (byte-order mark included).
    pub(crate) fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the payload starts with a byte-order mark (the text [`Payload::look`] gives
    /// starts after it).
    pub(crate) fn has_bom(&self) -> bool {
        self.bom
    }
}
