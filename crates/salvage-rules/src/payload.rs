//! The payload as the rules of one evaluation read it: looked at once, on the first rule that
//! needs it as JSON, then read in place (`locate`) when its text says exactly what parsing it
//! would build, and parsed whole at most once, only for what the text cannot answer.

use serde_json::Value;

use super::{
    exact::{self, Checked, JsonError},
    locate::Text,
    scan,
};

/// One evaluation's payload.
pub(crate) struct Payload<'a> {
    raw: &'a [u8],
    /// The first look, once taken: the text to read in place (`None`: the payload must be
    /// parsed whole to be read), or why it is not JSON (the verdict of `exact::parse`).
    look: Option<Result<Option<Text<'a>>, JsonError>>,
    /// The payload parsed whole, once needed.
    whole: Option<Result<Value, JsonError>>,
}

impl<'a> Payload<'a> {
    /// The payload `raw`, not looked at yet.
    pub(crate) fn new(raw: &'a [u8]) -> Payload<'a> {
        Payload {
            raw,
            look: None,
            whole: None,
        }
    }

    /// The payload's text to read in place (`None` when it must be parsed whole to be read),
    /// or why it cannot be read as JSON. `scan` vouches for most payloads in one quick pass;
    /// the others get `exact::check`'s verdict, which is `exact::parse`'s.
    pub(crate) fn look(&mut self) -> Result<Option<&Text<'a>>, &JsonError> {
        let raw = self.raw;
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
        let raw = self.raw;
        self.whole.get_or_insert_with(|| exact::parse(raw)).as_ref()
    }

    /// The payload parsed whole, taken away (for the rule that decides: nothing reads it
    /// after).
    pub(crate) fn take_whole(&mut self) -> Result<Value, JsonError> {
        self.whole.take().unwrap_or_else(|| exact::parse(self.raw))
    }

    /// The payload as it came.
    pub(crate) fn raw(&self) -> &'a [u8] {
        self.raw
    }
}
