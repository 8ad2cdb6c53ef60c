//! The `strip_bom` action: `{ op = "strip_bom" }` removes the UTF-8 byte-order mark (EF BB BF)
//! in front of the payload, if there is one.
//!
//! The mark is no part of the JSON document: the engine reads the document after it
//! (`payload`), and a repaired payload keeps it, byte for byte as it came, unless the rule's
//! actions include this one (`rule`, which puts the mark back). So the action changes nothing
//! in the document, uses no location of it, and a payload without a mark is left as it is.
//! Its removal is not listed among the repair's changes: a change is a JSON value at a
//! pointer, and the mark is none.
//!
//! It takes no `path` (a `path` other than `""`, the whole payload, is refused at load time);
//! `optional` is accepted and means nothing (nothing it needs can be missing).

use serde::Deserialize;
use serde_json::Value;

use super::{ActionKind, At, Failure, Use};

/// `{ op = "strip_bom" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StripBom {
    /// Always `""` (the whole payload): the field exists for the list of actions, which
    /// labels every action with its path.
    #[serde(default)]
    pub(super) path: String,
    #[serde(default)]
    pub(super) optional: bool,
}

impl ActionKind for StripBom {
    type Compiled = ();

    fn compile(self) -> Result<Self::Compiled, String> {
        if self.path.is_empty() {
            return Ok(());
        }
        Err(format!(
            "`path`: strip_bom takes no path (it removes the byte-order mark in front of the \
             whole payload), found `{}`",
            self.path
        ))
    }

    fn apply((): &Self::Compiled, _doc: &mut Value, _at: &At) -> Result<(), Failure> {
        Ok(())
    }

    fn uses((): &Self::Compiled) -> Vec<Use<'_>> {
        Vec::new()
    }
}
