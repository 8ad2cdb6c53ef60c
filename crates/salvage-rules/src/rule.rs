//! One compiled `[[rule]]`: its conditions, its actions and the decision it makes, checked for
//! contradictions at load time, and the code that turns a match into an [`Evaluation`].

use std::{borrow::Cow, sync::Arc};

use serde_json::Value;

use super::{
    action::Action,
    capture::Templated,
    condition::When,
    diff::{self, Change},
    locate::Text,
    model::{Backoff, Decision, Defaults, Evaluation, Repair},
    partial::Reach,
    payload::{BOM, without_bom},
    raw::{DecisionKind, IfUnchanged, RawBackoff, RawRule},
    splice,
};

/// The reason given when a rule needs a JSON payload and the payload is not JSON.
pub(crate) const NOT_JSON: &str = "payload is not valid JSON";

/// Longest accepted rule name (names are metric labels).
const MAX_NAME_LEN: usize = 64;

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    name: Arc<str>,
    when: When,
    actions: Actions,
    outcome: Outcome,
    max_attempts: u32,
    /// `if_unchanged = "park"`: a repair that changed nothing parks instead of requeueing.
    park_unchanged: bool,
}

/// A rule's actions.
#[derive(Debug, Clone)]
enum Actions {
    /// Every action compiled at load time, and what they use, when a repair can read less
    /// than the whole payload.
    Fixed {
        actions: Vec<Action>,
        reach: Option<Reach>,
    },
    /// Some paths are taken from the error message (`capture`): those actions are compiled at
    /// evaluation, and what they use is known then.
    FromMessage(Vec<Slot>),
}

/// One action of [`Actions::FromMessage`].
#[derive(Debug, Clone)]
enum Slot {
    /// Boxed: an [`Action`] is several times the size of a [`Templated`].
    Fixed(Box<Action>),
    Templated(Templated),
}

/// The actions of one evaluation, with what they use.
struct Resolved<'r> {
    actions: Cow<'r, [Action]>,
    reach: Cow<'r, Option<Reach>>,
}

#[derive(Debug, Clone)]
enum Outcome {
    Requeue,
    Retry(Backoff),
    Park(String),
}

impl Rule {
    /// Compiles `raw`, filling gaps from `defaults` and refusing contradictions.
    pub(crate) fn compile(raw: RawRule, defaults: &Defaults) -> Result<Rule, String> {
        check_name(&raw.name)?;
        let when = When::compile(raw.when)?;
        let slots = raw
            .actions
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                match Templated::parse(&value, when.message()) {
                    Ok(Some(templated)) => Ok(Slot::Templated(templated)),
                    Ok(None) => Action::parse(value).map(|action| Slot::Fixed(Box::new(action))),
                    Err(e) => Err(e),
                }
                .map_err(|e| format!("action {}: {e}", i + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let actions_empty = slots.is_empty();

        let decision = match (raw.decision, actions_empty) {
            (Some(decision), _) => decision,
            (None, false) => DecisionKind::Requeue,
            (None, true) => {
                return Err("`decision` is required when a rule has no actions \
                            (requeue, retry or park)"
                    .to_owned());
            }
        };
        if !actions_empty && decision != DecisionKind::Requeue {
            return Err(format!(
                "`{}` cannot have actions: repaired payloads are requeued \
                 (drop the actions or use decision = \"requeue\")",
                decision.as_str()
            ));
        }
        if raw.reason.is_some() && decision != DecisionKind::Park {
            return Err("`reason` is only used with decision = \"park\"".to_owned());
        }
        if raw.backoff.is_some() && decision != DecisionKind::Retry {
            return Err("`backoff` is only used with decision = \"retry\"".to_owned());
        }
        if raw.if_unchanged.is_some() && actions_empty {
            return Err(
                "`if_unchanged` is only used with actions (it says what a repair \
                        that changed nothing decides)"
                    .to_owned(),
            );
        }
        let outcome = match decision {
            DecisionKind::Requeue => Outcome::Requeue,
            DecisionKind::Retry => Outcome::Retry(merge_backoff(raw.backoff, &defaults.backoff)?),
            DecisionKind::Park => Outcome::Park(
                raw.reason
                    .unwrap_or_else(|| format!("parked by rule {}", raw.name)),
            ),
        };
        let max_attempts = check_max_attempts(raw.max_attempts)?.unwrap_or(defaults.max_attempts);
        Ok(Rule {
            name: raw.name.into(),
            when,
            actions: Actions::of(slots),
            outcome,
            max_attempts,
            park_unchanged: raw.if_unchanged == Some(IfUnchanged::Park),
        })
    }

    /// The rule's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The rule's conditions.
    pub(crate) fn when(&self) -> &When {
        &self.when
    }

    /// Whether deciding needs the payload as JSON (payload predicates or any action).
    pub(crate) fn needs_json(&self) -> bool {
        self.when.has_payload_predicates() || !self.actions.is_empty()
    }

    /// The evaluation when this rule matched but the payload cannot be read as JSON, `reason`
    /// saying why.
    pub(crate) fn unreadable(&self, reason: String) -> Evaluation {
        self.evaluation(Decision::Park { reason }, Repair::Failed)
    }

    /// The evaluation when this rule matched. `doc` is the parsed payload, present whenever
    /// [`Rule::needs_json`] is true; it is consumed by the repair. `raw` is the payload as it
    /// came, which the repaired payload keeps wherever the rule changed nothing (a byte-order
    /// mark in front included, unless an action is `strip_bom`). `message` is the
    /// consumer's error message, where paths taken from it are found.
    pub(crate) fn decide(&self, doc: Option<Value>, raw: &[u8], message: &str) -> Evaluation {
        let decision = match &self.outcome {
            Outcome::Retry(backoff) => Decision::Retry {
                backoff: backoff.clone(),
            },
            Outcome::Park(reason) => Decision::Park {
                reason: reason.clone(),
            },
            Outcome::Requeue if self.actions.is_empty() => Decision::Requeue { payload: None },
            Outcome::Requeue => return self.repair(doc, raw, message),
        };
        self.evaluation(decision, Repair::None)
    }

    /// The evaluation when this rule matched a payload read in place: what [`Rule::decide`]
    /// decides given the payload parsed whole, or `None` when that needs the payload parsed
    /// whole. A repair reads only the part of the payload its actions use (`partial`). `bom`:
    /// whether the payload came with a byte-order mark in front of `text`.
    pub(crate) fn decide_text(
        &self,
        text: &Text<'_>,
        bom: bool,
        message: &str,
    ) -> Option<Evaluation> {
        if !matches!(self.outcome, Outcome::Requeue) || self.actions.is_empty() {
            // Nothing here reads the payload (a requeue without actions sends it as it came).
            return Some(self.decide(None, text.src(), message));
        }
        let resolved = match self.resolve(message) {
            Ok(resolved) => resolved,
            Err(failed) => return Some(failed),
        };
        let (part, mut doc) = resolved.reach.as_ref().as_ref()?.part(text)?;
        if let Err(failed) = self.apply(&resolved.actions, &mut doc) {
            return Some(failed);
        }
        let (bytes, changes) = part.finish(text, doc)?;
        let stripped = bom && resolved.actions.iter().any(Action::strips_bom);
        Some(self.repaired(with_bom(bom, &resolved.actions, bytes), changes, stripped))
    }

    fn repair(&self, doc: Option<Value>, raw: &[u8], message: &str) -> Evaluation {
        let Some(mut doc) = doc else {
            return self.unreadable(NOT_JSON.to_owned());
        };
        let resolved = match self.resolve(message) {
            Ok(resolved) => resolved,
            Err(failed) => return failed,
        };
        let before = doc.clone();
        if let Err(failed) = self.apply(&resolved.actions, &mut doc) {
            return failed;
        }
        // The original text edited where the actions changed it; serialised whole only if that
        // cannot be done (it always can for the text `before` was parsed from).
        let (bom, body) = without_bom(raw);
        let bytes =
            splice::rewrite(body, &before, &doc).map_or_else(|| serde_json::to_vec(&doc), Ok);
        match bytes {
            Ok(bytes) => self.repaired(
                with_bom(bom, &resolved.actions, bytes),
                diff::diff(&before, &doc),
                bom && resolved.actions.iter().any(Action::strips_bom),
            ),
            Err(e) => {
                let reason = format!(
                    "rule {}: cannot serialise the repaired payload: {e}",
                    self.name
                );
                self.evaluation(Decision::Park { reason }, Repair::Failed)
            }
        }
    }

    /// The actions for the error `message`: those compiled at load time, or with the paths
    /// taken from `message` made concrete; if one cannot be, the evaluation parking the
    /// message with the action and why.
    fn resolve(&self, message: &str) -> Result<Resolved<'_>, Evaluation> {
        let slots = match &self.actions {
            Actions::Fixed { actions, reach } => {
                return Ok(Resolved {
                    actions: Cow::Borrowed(actions),
                    reach: Cow::Borrowed(reach),
                });
            }
            Actions::FromMessage(slots) => slots,
        };
        let captures = self.when.captures(message);
        let mut actions = Vec::with_capacity(slots.len());
        for (i, slot) in slots.iter().enumerate() {
            actions.push(match slot {
                Slot::Fixed(action) => Action::clone(action),
                Slot::Templated(templated) => templated
                    .resolve(captures.as_ref())
                    .map_err(|reason| self.failed(i, &templated.label(), &reason))?,
            });
        }
        let reach = Reach::of(&actions);
        Ok(Resolved {
            actions: Cow::Owned(actions),
            reach: Cow::Owned(reach),
        })
    }

    /// Applies `actions` to `doc` in order; if one fails, the evaluation parking the message
    /// with the action and why.
    fn apply(&self, actions: &[Action], doc: &mut Value) -> Result<(), Evaluation> {
        for (i, action) in actions.iter().enumerate() {
            if let Err(failure) = action.apply(doc) {
                return Err(self.failed(i, action.label(), failure.message()));
            }
        }
        Ok(())
    }

    /// The evaluation parking the message because action `index` (0-based), `label`, failed
    /// for `reason`.
    fn failed(&self, index: usize, label: &str, reason: &str) -> Evaluation {
        let reason = format!(
            "rule {}: action {} ({label}) failed: {reason}",
            self.name,
            index + 1,
        );
        self.evaluation(Decision::Park { reason }, Repair::Failed)
    }

    /// The evaluation requeueing the repaired payload `bytes`, whose `changes` from the payload
    /// as reported are listed; when there are none and the rule says `if_unchanged = "park"`,
    /// the evaluation parking it instead (a copy the actions left as it was would fail again).
    /// A repair's evaluation: `bytes` requeued with `changes`, or parked when the rule says so
    /// and the actions changed nothing (no change in the document, and no byte-order mark
    /// removed: `stripped_bom`, which the history does not list).
    fn repaired(&self, bytes: Vec<u8>, changes: Vec<Change>, stripped_bom: bool) -> Evaluation {
        if self.park_unchanged && changes.is_empty() && !stripped_bom {
            let reason = format!("rule {}: its actions changed nothing", self.name);
            return self.evaluation(Decision::Park { reason }, Repair::Failed);
        }
        Evaluation {
            changes,
            ..self.evaluation(
                Decision::Requeue {
                    payload: Some(bytes),
                },
                Repair::Repaired,
            )
        }
    }

    fn evaluation(&self, decision: Decision, repair: Repair) -> Evaluation {
        Evaluation {
            rule: Some(Arc::clone(&self.name)),
            decision,
            max_attempts: self.max_attempts,
            repair,
            changes: Vec::new(),
        }
    }
}

impl Actions {
    /// The actions of `slots`: [`Actions::Fixed`] when none takes a path from the message.
    fn of(slots: Vec<Slot>) -> Actions {
        if slots.iter().any(|slot| matches!(slot, Slot::Templated(_))) {
            return Actions::FromMessage(slots);
        }
        let actions: Vec<Action> = slots
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Fixed(action) => Some(*action),
                Slot::Templated(_) => None,
            })
            .collect();
        Actions::Fixed {
            reach: Reach::of(&actions),
            actions,
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Actions::Fixed { actions, .. } => actions.is_empty(),
            Actions::FromMessage(slots) => slots.is_empty(),
        }
    }
}

/// The repaired payload `bytes`, with the byte-order mark the payload came with (`bom`) put
/// back in front, unless one of `actions` is `strip_bom`. Removing the mark is not a
/// [`Change`]: a change is a JSON value at a pointer, and the mark is no part of the document,
/// so the history lists nothing for it.
fn with_bom(bom: bool, actions: &[Action], bytes: Vec<u8>) -> Vec<u8> {
    if !bom || actions.iter().any(Action::strips_bom) {
        return bytes;
    }
    let mut out = Vec::with_capacity(BOM.len() + bytes.len());
    out.extend_from_slice(BOM);
    out.extend_from_slice(&bytes);
    out
}

/// Rule names are metric labels: short, lowercase, `[a-z0-9._-]+`.
fn check_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid name {name:?}: use 1 to {MAX_NAME_LEN} characters \
             from a-z, 0-9, `.`, `_` and `-`"
        ))
    }
}

/// `max_attempts`, which must be at least 1 when given.
pub(crate) fn check_max_attempts(value: Option<u32>) -> Result<Option<u32>, String> {
    match value {
        Some(0) => Err("`max_attempts` must be at least 1".to_owned()),
        other => Ok(other),
    }
}

/// A `backoff` table with its missing fields taken from `base`, checked for sense.
pub(crate) fn merge_backoff(raw: Option<RawBackoff>, base: &Backoff) -> Result<Backoff, String> {
    let raw = raw.unwrap_or_default();
    let backoff = Backoff {
        initial: raw.initial.unwrap_or(base.initial),
        multiplier: raw.multiplier.unwrap_or(base.multiplier),
        max: raw.max.unwrap_or(base.max),
        jitter: raw.jitter.unwrap_or(base.jitter),
        use_retry_after: raw.use_retry_after.unwrap_or(base.use_retry_after),
        retry_after_max: raw.retry_after_max.unwrap_or(base.retry_after_max),
    };
    if backoff.retry_after_max.is_zero() {
        return Err(
            "`backoff.retry_after_max` must be greater than zero (to ignore the consumer's \
             retry_after, set `backoff.use_retry_after = false`)"
                .to_owned(),
        );
    }
    if backoff.initial.is_zero() {
        return Err("`backoff.initial` must be greater than zero".to_owned());
    }
    if backoff.initial > backoff.max {
        return Err(format!(
            "`backoff.initial` ({}) is greater than `backoff.max` ({})",
            humantime_serde::re::humantime::format_duration(backoff.initial),
            humantime_serde::re::humantime::format_duration(backoff.max)
        ));
    }
    if !(backoff.multiplier >= 1.0 && backoff.multiplier.is_finite()) {
        return Err(format!(
            "`backoff.multiplier` ({}) must be at least 1",
            backoff.multiplier
        ));
    }
    if !(0.0..=1.0).contains(&backoff.jitter) {
        return Err(format!(
            "`backoff.jitter` ({}) must be between 0 and 1",
            backoff.jitter
        ));
    }
    Ok(backoff)
}
