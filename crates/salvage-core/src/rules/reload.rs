//! Reloading the rules while Salvage runs: on SIGHUP, and when a file they were loaded from
//! changes (its bytes differ from those last read, looked at every `rules.watch_interval`).
//!
//! A reload reads the files again and parses them; the new set replaces the one in force only
//! once it loaded without error **and its embedded `[[test]]`s all pass**. Anything else keeps
//! the rules in force, is logged at ERROR with what is wrong, and sets
//! `salvage_rules_reload_failing` to 1 until a load succeeds. Files whose contents hash to the
//! version in force change nothing (a `touch`, or an edit undone).
//!
//! Looking at the files' contents, not file events, is deliberate: it follows a Kubernetes
//! ConfigMap's atomic symlink swap and an editor's write-and-rename alike and needs no watcher
//! thread. Contents, not modification times and sizes: an edit of the same size within the
//! file system's clock tick is still a change, and the watch compares the files with the bytes
//! that were loaded, so a file rewritten while it was being loaded is loaded again. It costs a
//! read and a SHA-256 of each file per interval (rules and schema files are small).

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use tracing::{error, info};

use super::{Fingerprint, LiveRules, fingerprint, load_tracking};
use crate::{metrics::Metrics, shutdown::ShutdownSignal};

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The new rules are in force.
    Applied {
        /// The version replaced.
        from: String,
        /// The version now in force.
        to: String,
    },
    /// The files hold the rules in force already.
    Unchanged,
    /// The rules in force stay: the files did not load, or their tests failed.
    Failed(String),
}

/// Reloads the rules in force from their file.
#[derive(Debug)]
pub struct Reloader {
    live: Arc<LiveRules>,
    path: PathBuf,
    metrics: Arc<Metrics>,
    /// The files to look at for changes, each with the fingerprint of the bytes last loaded
    /// from it (none: it could not be read).
    watched: Mutex<Vec<(PathBuf, Option<Fingerprint>)>>,
}

/// What a look at a file sees now: the fingerprint of its bytes, none if it cannot be read.
fn look(path: &Path) -> Option<Fingerprint> {
    std::fs::read(path).ok().map(|bytes| fingerprint(&bytes))
}

impl Reloader {
    /// A reloader of `live`, whose rules file is `path`; counts into `metrics`.
    pub fn new(live: Arc<LiveRules>, path: PathBuf, metrics: Arc<Metrics>) -> Self {
        let current = live.current();
        metrics.rules_in_force(&current.version, None);
        // What the rules in force were loaded from; rules built without files: the file as it
        // is now.
        let watched = if current.files.is_empty() {
            vec![(path.clone(), look(&path))]
        } else {
            let read = current.files.iter().zip(&current.fingerprints);
            read.map(|(f, seen)| (f.clone(), Some(*seen))).collect()
        };
        Self {
            live,
            path,
            metrics,
            watched: Mutex::new(watched),
        }
    }

    /// Whether a watched file's bytes differ from those last loaded from it.
    pub fn changed(&self) -> bool {
        let Ok(watched) = self.watched.lock() else {
            return false;
        };
        watched.iter().any(|(f, seen)| look(f) != *seen)
    }

    /// Read, parse and test the rules again, and put them in force if all went well.
    pub fn reload(&self) -> Reloaded {
        let mut read = Vec::new();
        let result = load_tracking(&self.path, &mut read);
        // Whatever happens, look for changes from what was read this time: a schema file that
        // was missing is looked at until it appears.
        if let Ok(mut watched) = self.watched.lock() {
            *watched = read;
        }
        let loaded = match result {
            Ok(loaded) => loaded,
            Err(e) => return self.failed(e.to_string()),
        };
        let current = self.live.current();
        if loaded.version == current.version {
            self.metrics.rules_reload_recovered();
            return Reloaded::Unchanged;
        }
        let failed: Vec<String> = loaded
            .set
            .run_tests()
            .into_iter()
            .filter(|t| !t.passed)
            .map(|t| {
                format!(
                    "{}:{}: test `{}`: {}",
                    self.path.display(),
                    t.line,
                    t.name,
                    t.failure.as_deref().unwrap_or("failed")
                )
            })
            .collect();
        if !failed.is_empty() {
            return self.failed(format!(
                "{} rule test(s) failed: {}",
                failed.len(),
                failed.join("; ")
            ));
        }
        let (to, rules) = (loaded.version.clone(), loaded.set.len());
        let from = self.live.replace(loaded).version.clone();
        self.metrics.rules_in_force(&to, Some(&from));
        self.metrics.rules_reload("applied");
        info!(from = %from, to = %to, rules, file = %self.path.display(), "rules reloaded");
        Reloaded::Applied { from, to }
    }

    fn failed(&self, why: String) -> Reloaded {
        self.metrics.rules_reload("failed");
        error!(
            file = %self.path.display(),
            in_force = %self.live.current().version,
            error = %why,
            "rules not reloaded: the rules in force stay"
        );
        Reloaded::Failed(why)
    }

    /// Reload on SIGHUP, and every `interval` when a watched file changed (never when
    /// `interval` is zero), until `stop`.
    pub async fn run(self: Arc<Self>, interval: Duration, mut stop: ShutdownSignal) {
        #[cfg(unix)]
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            Ok(s) => Some(s),
            Err(e) => {
                error!(error = %e, "cannot listen for SIGHUP; rules reload on file changes only");
                None
            }
        };
        let mut tick = (!interval.is_zero()).then(|| {
            let mut t = tokio::time::interval(interval);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        });
        loop {
            #[cfg(unix)]
            let sighup = async {
                match hangup.as_mut() {
                    Some(h) => h.recv().await,
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let sighup = std::future::pending::<Option<()>>();
            let ticked = async {
                match tick.as_mut() {
                    Some(t) => t.tick().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stop.recv() => return,
                _ = sighup => {
                    info!(file = %self.path.display(), "SIGHUP: reloading the rules");
                    self.spawn_reload().await;
                }
                _ = ticked => {
                    if self.changed() {
                        self.spawn_reload().await;
                    }
                }
            }
        }
    }

    /// A reload off the async workers: it reads files and compiles regexes and schemas.
    async fn spawn_reload(self: &Arc<Self>) {
        let me = self.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || me.reload()).await {
            error!(error = %e, "rules reload task failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load;

    const GOOD: &str = "[[rule]]\nname = \"a\"\nwhen.code = \"A\"\ndecision = \"park\"\n\n[[test]]\nname = \"a parks\"\nrule = \"a\"\ninput = { queue = \"q\", event_type = \"E\", class = \"data\", code = \"A\" }\nexpect = { decision = \"park\" }\n";

    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn setup(text: &str) -> (Dir, PathBuf, Arc<Metrics>, Reloader) {
        let dir = std::env::temp_dir().join(format!("salvage-reload-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.toml");
        std::fs::write(&path, text).unwrap();
        let metrics = Arc::new(Metrics::new(10));
        let live = LiveRules::new(load(&path).unwrap());
        let reloader = Reloader::new(live, path.clone(), metrics.clone());
        (Dir(dir), path, metrics, reloader)
    }

    fn metric(m: &Metrics, line_start: &str) -> String {
        m.render()
            .lines()
            .find(|l| l.starts_with(line_start))
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn a_good_edit_is_applied_and_a_bad_one_keeps_the_rules_in_force() {
        let (_dir, path, metrics, reloader) = setup(GOOD);
        let first = reloader.live.current().version.clone();
        assert_eq!(
            metric(&metrics, "salvage_rules_info"),
            format!("salvage_rules_info{{version=\"{first}\"}} 1")
        );
        assert_eq!(reloader.reload(), Reloaded::Unchanged);

        // A syntax error: the rules in force stay, the gauge says so.
        std::fs::write(&path, "[[rule]\nname = ").unwrap();
        let Reloaded::Failed(why) = reloader.reload() else {
            panic!("loaded a broken file")
        };
        assert!(why.contains("rules.toml"), "{why}");
        assert_eq!(reloader.live.current().version, first);
        assert_eq!(
            metric(&metrics, "salvage_rules_reload_failing"),
            "salvage_rules_reload_failing 1"
        );

        // Valid rules whose own test fails: refused too, naming the test.
        std::fs::write(
            &path,
            GOOD.replace("decision = \"park\"\n\n", "decision = \"retry\"\n\n"),
        )
        .unwrap();
        let Reloaded::Failed(why) = reloader.reload() else {
            panic!("loaded rules whose test fails")
        };
        assert!(why.starts_with("1 rule test(s) failed: "), "{why}");
        assert!(why.contains("test `a parks`"), "{why}");
        assert_eq!(reloader.live.current().version, first);

        // A good edit: in force, counted, the failing gauge cleared, the old version at 0.
        std::fs::write(
            &path,
            GOOD.replace("name = \"a\"", "name = \"b\"")
                .replace("rule = \"a\"", "rule = \"b\""),
        )
        .unwrap();
        let Reloaded::Applied { from, to } = reloader.reload() else {
            panic!("a good edit was not applied")
        };
        assert_eq!(from, first);
        assert_eq!(reloader.live.current().version, to);
        assert_eq!(
            reloader.live.current().set.rule_names().collect::<Vec<_>>(),
            ["b"]
        );
        assert_eq!(
            metric(&metrics, "salvage_rules_reload_failing"),
            "salvage_rules_reload_failing 0"
        );
        assert_eq!(
            metric(
                &metrics,
                &format!("salvage_rules_info{{version=\"{first}\"}}")
            ),
            format!("salvage_rules_info{{version=\"{first}\"}} 0")
        );
        assert_eq!(
            metric(&metrics, "salvage_rules_reloads_total{result=\"applied\"}"),
            "salvage_rules_reloads_total{result=\"applied\"} 1"
        );
        assert_eq!(
            metric(&metrics, "salvage_rules_reloads_total{result=\"failed\"}"),
            "salvage_rules_reloads_total{result=\"failed\"} 2"
        );
    }

    #[test]
    fn a_schema_file_is_watched_and_part_of_the_version() {
        let rules = "[[schema]]\nevent_type = \"E\"\nfile = \"schemas/e.json\"\n";
        let dir = std::env::temp_dir().join(format!("salvage-reload-{}", uuid::Uuid::now_v7()));
        let _cleanup = Dir(dir.clone());
        std::fs::create_dir_all(dir.join("schemas")).unwrap();
        let (path, schema) = (dir.join("rules.toml"), dir.join("schemas/e.json"));
        std::fs::write(&path, rules).unwrap();
        std::fs::write(&schema, r#"{"type":"object"}"#).unwrap();
        let live = LiveRules::new(load(&path).unwrap());
        let first = live.current();
        assert_eq!(first.files, [path.clone(), schema.clone()]);
        assert_eq!(
            first.version,
            super::super::version_of(&[rules.as_bytes(), br#"{"type":"object"}"#])
        );
        let reloader = Reloader::new(live, path.clone(), Arc::new(Metrics::new(10)));

        // The schema changes: seen, reloaded, a new version.
        std::fs::write(&schema, r#"{"type":"object","required":["id"]}"#).unwrap();
        assert!(reloader.changed());
        assert!(matches!(reloader.reload(), Reloaded::Applied { .. }));

        // A schema that is not one: refused, naming the file; the rules in force stay.
        std::fs::write(&schema, r#"{"type":"no such type"}"#).unwrap();
        assert!(reloader.changed());
        let in_force = reloader.live.current().version.clone();
        let Reloaded::Failed(why) = reloader.reload() else {
            panic!("an invalid schema was loaded")
        };
        assert!(why.contains("schemas/e.json"), "{why}");
        assert_eq!(reloader.live.current().version, in_force);

        // Gone: refused too, and watched until it is back.
        std::fs::remove_file(&schema).unwrap();
        assert!(matches!(reloader.reload(), Reloaded::Failed(_)));
        assert!(!reloader.changed());
        std::fs::write(&schema, r#"{"type":"object"}"#).unwrap();
        assert!(reloader.changed());
        assert!(matches!(reloader.reload(), Reloaded::Applied { .. }));

        // Not UTF-8: refused, naming the file, and no change until it is written again (not a
        // failed reload at every look).
        std::fs::write(&schema, b"{\"type\":\"obj\xffect\"}").unwrap();
        assert!(reloader.changed());
        let Reloaded::Failed(why) = reloader.reload() else {
            panic!("a schema that is not UTF-8 was loaded")
        };
        assert!(
            why.contains("schemas/e.json") && why.contains("UTF-8"),
            "{why}"
        );
        assert!(!reloader.changed());
    }

    #[test]
    fn an_edit_of_the_same_size_and_time_is_seen() {
        let (_dir, path, _metrics, reloader) = setup(GOOD);
        let when = std::fs::metadata(&path).unwrap().modified().unwrap();
        // Same length, same modification time (an edit within one tick of the file system's
        // clock): other bytes, so a change.
        std::fs::write(
            &path,
            GOOD.replace("name = \"a\"", "name = \"b\"")
                .replace("rule = \"a\"", "rule = \"b\""),
        )
        .unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(when).unwrap();
        drop(file);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), GOOD.len() as u64);
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), when);
        assert!(reloader.changed());
        assert!(matches!(reloader.reload(), Reloaded::Applied { .. }));
        assert_eq!(
            reloader.live.current().set.rule_names().collect::<Vec<_>>(),
            ["b"]
        );
        // A `touch` changes the time, not the bytes: no change.
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(std::time::SystemTime::now()).unwrap();
        drop(file);
        assert!(!reloader.changed());
    }

    #[test]
    fn a_changed_file_is_seen_and_an_unchanged_one_is_not() {
        let (_dir, path, _metrics, reloader) = setup(GOOD);
        assert!(!reloader.changed());
        // A different size is a change whatever the clock's resolution.
        std::fs::write(&path, format!("{GOOD}\n# more\n")).unwrap();
        assert!(reloader.changed());
        assert!(matches!(reloader.reload(), Reloaded::Applied { .. }));
        assert!(!reloader.changed());
        std::fs::remove_file(&path).unwrap();
        assert!(reloader.changed());
        assert!(matches!(reloader.reload(), Reloaded::Failed(_)));
        assert!(
            !reloader.changed(),
            "a missing file seen missing again is no change"
        );
    }
}
