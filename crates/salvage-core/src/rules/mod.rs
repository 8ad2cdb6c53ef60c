//! The rules in force: a rule set with its version, swapped whole by a reload.
//!
//! The version is a content hash of the files the set was loaded from (the rules file, then
//! every schema file it names, in its order), so two processes given the same files report the
//! same version whatever their paths, and an operator can tell from a message's history which
//! rules decided it. A report takes the set in force once ([`LiveRules::current`]) and is decided
//! by that set from start to end; a reload replaces the whole set at once, never a part.
//!
//! Loading reads files, so it is here and not in `salvage-rules` (which does no I/O): [`load`]
//! reads the rules file and the schema files it names (relative paths from the rules file's
//! folder) and parses them; `reload` puts new rules in force while Salvage runs.

mod reload;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use salvage_rules::RuleSet;
use sha2::{Digest, Sha256};

pub use self::reload::{Reloaded, Reloader};

/// How many hex digits of the content hash a version has (48 bits: distinct across every
/// edit an operator will ever make of one file).
const VERSION_HEX_DIGITS: usize = 12;

/// A rule set as loaded, with its version and the files it came from.
#[derive(Debug)]
pub struct Loaded {
    /// The rules.
    pub set: RuleSet,
    /// The content hash of the files, as `VERSION_HEX_DIGITS` lowercase hex digits.
    pub version: String,
    /// Every file read: the rules file first.
    pub files: Vec<PathBuf>,
    /// `files[i]`'s bytes as they were read: the reload's watch compares the files with these.
    pub(crate) fingerprints: Vec<Fingerprint>,
}

impl Loaded {
    /// A set and its version, the hash of `contents` (each file's bytes, in the order read:
    /// `files[i]` held `contents[i]`).
    pub fn new(set: RuleSet, files: Vec<PathBuf>, contents: &[&[u8]]) -> Self {
        Self {
            set,
            version: version_of(contents),
            fingerprints: contents.iter().map(|bytes| fingerprint(bytes)).collect(),
            files,
        }
    }
}

/// A file's bytes, hashed: what the reload's watch compares (a SHA-256, so a change is seen
/// whatever the file system's clock and whatever the size).
pub(crate) type Fingerprint = [u8; 32];

pub(crate) fn fingerprint(bytes: &[u8]) -> Fingerprint {
    Sha256::digest(bytes).into()
}

/// The version of rules loaded from files with these contents, in this order.
pub fn version_of(contents: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for bytes in contents {
        // Each file's length first, so moving bytes from one file to the next changes the hash.
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    }
    let digest = hash.finalize();
    let mut hex = String::with_capacity(VERSION_HEX_DIGITS);
    for byte in digest.iter().take(VERSION_HEX_DIGITS / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {what} {path}: {error}")]
    Read {
        /// `rules file` or `schema file`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The files were read but are not valid rules.
    #[error(transparent)]
    Rules(#[from] salvage_rules::RulesError),
}

/// Read and parse the rules file at `path` (and the schema files it names).
///
/// # Errors
///
/// A file that cannot be read, or rules that are not valid ([`salvage_rules::RulesError`]:
/// file, line and what is wrong).
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    load_tracking(path, &mut Vec::new())
}

/// [`load`], noting in `read` every file it tried to read, with the fingerprint of the bytes
/// it read (none when it could not read it). The reload's watch compares the files with
/// exactly what was loaded, so a file rewritten while it was being loaded is loaded again, and
/// a schema file missing now is looked at until it appears.
pub(crate) fn load_tracking(
    path: &Path,
    read: &mut Vec<(PathBuf, Option<Fingerprint>)>,
) -> Result<Loaded, LoadError> {
    let read_error = |what, path: &Path, error| LoadError::Read {
        what,
        path: path.to_owned(),
        error,
    };
    let text = std::fs::read(path);
    read.push((path.to_owned(), text.as_deref().ok().map(fingerprint)));
    let text = text.map_err(|e| read_error("rules file", path, e))?;
    let source = std::str::from_utf8(&text).map_err(|e| {
        read_error(
            "rules file",
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    // Schema files are named relative to the rules file; each is read once, in file order.
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut schemas: Vec<String> = Vec::new();
    let mut read_schema = |name: &str| {
        let schema = dir.join(name);
        // Bytes first, so a file that is not UTF-8 is watched as it is (not reloaded each time).
        let bytes = std::fs::read(&schema);
        read.push((schema, bytes.as_deref().ok().map(fingerprint)));
        let text = String::from_utf8(bytes.map_err(|e| e.to_string())?)
            .map_err(|e| format!("not UTF-8: {e}"))?;
        schemas.push(text.clone());
        Ok(text)
    };
    let set = RuleSet::load(source, &path.display().to_string(), &mut read_schema)?;
    let mut contents: Vec<&[u8]> = vec![&text];
    contents.extend(schemas.iter().map(String::as_bytes));
    let files = read.iter().map(|(f, _)| f.clone()).collect();
    Ok(Loaded::new(set, files, &contents))
}

/// The rules in force, shared by everything that evaluates them. Cheap to read: a read lock
/// held for one `Arc` clone.
#[derive(Debug)]
pub struct LiveRules {
    current: RwLock<Arc<Loaded>>,
}

impl LiveRules {
    /// Rules in force from the start.
    pub fn new(loaded: Loaded) -> Arc<Self> {
        Arc::new(Self {
            current: RwLock::new(Arc::new(loaded)),
        })
    }

    /// Rules that never change, for tools and tests that have a set in hand.
    pub fn fixed(set: RuleSet) -> Arc<Self> {
        Self::new(Loaded {
            set,
            version: String::new(),
            files: Vec::new(),
            fingerprints: Vec::new(),
        })
    }

    /// The set in force now. Hold it for one decision, so one set decides from start to end.
    pub fn current(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            // A writer panicked mid-swap; the value is a whole `Arc` either way.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Put `loaded` in force; returns the set it replaced.
    pub fn replace(&self, loaded: Loaded) -> Arc<Loaded> {
        let new = Arc::new(loaded);
        match self.current.write() {
            Ok(mut guard) => std::mem::replace(&mut *guard, new),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(rules: &str) -> RuleSet {
        RuleSet::parse(rules, "rules.toml").unwrap()
    }

    #[test]
    fn the_version_is_a_hash_of_the_contents_in_order() {
        let a = version_of(&[b"[[rule]]\nname = \"a\"\ndecision = \"park\"\n"]);
        assert_eq!(a.len(), VERSION_HEX_DIGITS);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(
            a,
            version_of(&[b"[[rule]]\nname = \"a\"\ndecision = \"park\"\n"])
        );
        assert_ne!(
            a,
            version_of(&[b"[[rule]]\nname = \"b\"\ndecision = \"park\"\n"])
        );
        // Bytes moved from one file to the next are another version.
        assert_ne!(version_of(&[b"ab", b"c"]), version_of(&[b"a", b"bc"]));
    }

    #[test]
    fn a_replaced_set_is_in_force_for_the_next_reader_and_a_held_one_stays_whole() {
        let live = LiveRules::new(Loaded::new(
            set("[[rule]]\nname = \"old\"\ndecision = \"park\"\n"),
            Vec::new(),
            &[b"old"],
        ));
        let held = live.current();
        let old = live.replace(Loaded::new(
            set("[[rule]]\nname = \"new\"\ndecision = \"park\"\n"),
            Vec::new(),
            &[b"new"],
        ));
        assert_eq!(old.version, held.version);
        assert_eq!(held.set.rule_names().collect::<Vec<_>>(), ["old"]);
        let now = live.current();
        assert_eq!(now.set.rule_names().collect::<Vec<_>>(), ["new"]);
        assert_eq!(now.version, version_of(&[b"new"]));
    }

    #[test]
    fn load_names_the_file_it_cannot_read() {
        let missing = Path::new("/nonexistent/salvage/rules.toml");
        let e = load(missing).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot read rules file /nonexistent/salvage/rules.toml:"),
            "{e}"
        );
    }
}
