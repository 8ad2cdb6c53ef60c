//! Reading the parking lot: pages of parked or archived messages matching a filter, the whole
//! selection of a bulk operation, one record, and the failure groups.
//!
//! Listings walk a sorted-set index (all parked, one queue's, one group's, or the archive), newest
//! first, in chunks, resuming strictly after a cursor (see `filter::Cursor`), so concurrent parks
//! and removals neither repeat nor skip what was there when the walk started.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use super::{
    Cursor, Filter, ParkingError, Record, Selection, record::SUMMARY_FIELDS, redact::Redactor,
    search,
};
use crate::store::{Index, Store};

/// Index entries read per Redis call while scanning.
const CHUNK: usize = 200;
/// Records examined per page at most; past it, the page is returned short with a cursor.
const SCAN_BUDGET: usize = 5_000;
/// Most messages one bulk operation may select.
pub const MAX_SELECTION: usize = 1_000_000;
/// Most tracking ids a request may name.
pub const MAX_IDS: usize = 100_000;

/// One page of a listing.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The matching records, newest first.
    pub records: Vec<Record>,
    /// Where the next page starts, if there may be more.
    pub next: Option<Cursor>,
    /// Index entries examined.
    pub scanned: usize,
    /// Entries in the index walked.
    pub total_in_index: u64,
}

/// A failure group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// Its id.
    pub id: String,
    /// Parked messages in it.
    pub count: u64,
    /// First and last park (ms).
    pub first_seen: u64,
    /// Last park (ms).
    pub last_seen: u64,
    /// Origin queue.
    pub queue: String,
    /// Error code.
    pub code: String,
    /// The first message's error.
    pub sample_error: String,
}

/// How to order groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSort {
    /// Most messages first.
    Count,
    /// Most recent first.
    Recent,
}

/// Reads the parking lot as operators are shown it (sensitive values masked). Cheap to clone:
/// the other parts that select or sample messages hold one.
#[derive(Debug, Clone)]
pub(super) struct Reader {
    /// The indexes and the records.
    pub(super) store: Store,
    /// Masks `parking_lot.sensitive`: filters on payloads judge the masked text.
    pub(super) redactor: Arc<Redactor>,
    /// Turn-taking, pace and thread for searches that read payloads (`search.rs`).
    pub(super) searches: search::Searches,
}

impl Reader {
    /// The masks of `parking_lot.sensitive`.
    pub(super) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    fn index_for(filter: &Filter, archived: bool) -> Index<'_> {
        if archived {
            Index::Archive
        } else if !filter.group.is_empty() {
            Index::Group(&filter.group)
        } else if !filter.queue.is_empty() {
            Index::Queue(&filter.queue)
        } else {
            Index::Parked
        }
    }

    /// Walk the index for `filter` after `cursor`, calling `take` with each chunk of matching
    /// records (or, when `ids_only` and the filter needs no record, records holding only their
    /// tracking id and score) until it returns false or `budget` entries were examined.
    async fn walk(
        &self,
        filter: &Filter,
        archived: bool,
        cursor: Option<Cursor>,
        budget: usize,
        ids_only: bool,
        mut take: impl FnMut(Vec<Record>, &Cursor) -> bool,
    ) -> Result<(Option<Cursor>, usize), ParkingError> {
        let store = &self.store;
        let index = Self::index_for(filter, archived);
        let needs_record = filter.needs_record()
            || archived && !(filter.queue.is_empty() && filter.group.is_empty());
        let min = filter.after_ms.map_or("-inf".to_owned(), |a| a.to_string());
        let mut max = match (&cursor, filter.before_ms) {
            (Some(c), Some(b)) if b <= c.score => format!("({b}"),
            (Some(c), _) => c.score.to_string(),
            (None, Some(b)) => format!("({b}"),
            (None, None) => "+inf".to_owned(),
        };
        let mut last = cursor;
        let mut scanned = 0;
        // Payload scans take turns, read smaller batches and stop on time (`search.rs`).
        let payloads = needs_record && search::reads_payloads(filter);
        let _turn = if payloads {
            self.searches.turn().await
        } else {
            None
        };
        let chunk = if payloads {
            search::PAYLOAD_CHUNK
        } else {
            CHUNK
        };
        loop {
            // Strictly after the cursor, across the buckets (ties included: see `index_page`).
            let after = last.as_ref().map(|c| (c.score, c.member.as_str()));
            let fresh = store.index_page(index, &max, &min, after, chunk).await?;
            if fresh.is_empty() {
                return Ok((None, scanned));
            }
            scanned += fresh.len();
            let records = if ids_only && !needs_record {
                fresh
                    .iter()
                    .map(|(m, s)| Record {
                        tracking_id: m.clone(),
                        parked_at: *s,
                        ..Record::default()
                    })
                    .collect()
            } else {
                let ids: Vec<String> = fresh.iter().map(|(m, _)| m.clone()).collect();
                if payloads {
                    let started = tokio::time::Instant::now();
                    let (records, bytes) = self
                        .searches
                        .read_and_match(&self.store, &self.redactor, filter, ids, archived)
                        .await?;
                    self.searches.pace(started, bytes).await;
                    records
                } else {
                    store
                        .records(&ids, SUMMARY_FIELDS, archived)
                        .await?
                        .iter()
                        .filter_map(Record::parse)
                        .filter_map(|r| search::matches_masked(&self.redactor, filter, r))
                        .collect()
                }
            };
            let (m, s) = &fresh[fresh.len() - 1];
            let here = Cursor {
                score: *s,
                member: m.clone(),
            };
            max = here.score.to_string();
            last = Some(here.clone());
            if !take(records, &here) || scanned >= budget {
                return Ok((last, scanned));
            }
        }
    }

    /// One page of parked (or archived) messages.
    pub(super) async fn list(
        &self,
        filter: &Filter,
        archived: bool,
        page_size: usize,
        page_token: &str,
    ) -> Result<Page, ParkingError> {
        filter.validate("filter")?;
        let cursor = Cursor::parse(page_token)?;
        let mut page = Vec::with_capacity(page_size);
        let mut end: Option<Cursor> = None;
        // A payload search stops on time too, short with a cursor (see `search.rs`).
        let deadline = search::reads_payloads(filter)
            .then(|| tokio::time::Instant::now() + search::TIME_BUDGET);
        let (stopped, scanned) = self
            .walk(
                filter,
                archived,
                cursor,
                SCAN_BUDGET,
                false,
                |records, _| {
                    for r in records {
                        if page.len() == page_size {
                            break;
                        }
                        end = Some(Cursor {
                            score: if archived {
                                r.archived.as_ref().map_or(r.parked_at, |a| a.at)
                            } else {
                                r.parked_at
                            },
                            member: r.tracking_id.clone(),
                        });
                        page.push(r);
                    }
                    page.len() < page_size
                        && deadline.is_none_or(|d| tokio::time::Instant::now() < d)
                },
            )
            .await?;
        // A full page resumes after its last record (the chunk may hold more matches); a short
        // one after the last entry examined.
        let next = if page.len() == page_size {
            end
        } else {
            stopped
        };
        let total_in_index = self
            .store
            .index_len(Self::index_for(filter, archived))
            .await?;
        Ok(Page {
            records: page,
            next,
            scanned,
            total_in_index,
        })
    }

    /// Every tracking id a selection names that exists now (parked, or archived with
    /// `archived`), oldest first, at most `MAX_SELECTION`.
    pub(super) async fn select(
        &self,
        selection: &Selection,
        archived: bool,
    ) -> Result<Vec<String>, ParkingError> {
        if !selection.tracking_ids.is_empty() {
            if !selection.filter.is_empty() {
                return Err(ParkingError::invalid(
                    "selection",
                    "give tracking_ids or a filter, not both".to_owned(),
                ));
            }
            if selection.tracking_ids.len() > MAX_IDS {
                return Err(ParkingError::invalid(
                    "selection.tracking_ids",
                    format!(
                        "{} ids, over the limit of {MAX_IDS}; use a filter",
                        selection.tracking_ids.len()
                    ),
                ));
            }
            let mut seen = BTreeSet::new();
            let ids: Vec<String> = selection
                .tracking_ids
                .iter()
                .filter(|t| !t.is_empty() && seen.insert(t.as_str()))
                .cloned()
                .collect();
            let found = self.store.records(&ids, &["tracking_id"], archived).await?;
            return Ok(ids
                .into_iter()
                .zip(found)
                .filter(|(_, r)| !r.is_empty())
                .map(|(t, _)| t)
                .collect());
        }
        selection.filter.validate("selection.filter")?;
        let mut ids = Vec::new();
        let mut too_many = false;
        self.walk(
            &selection.filter,
            archived,
            None,
            usize::MAX,
            true,
            |records, _| {
                ids.extend(records.into_iter().map(|r| r.tracking_id));
                too_many = ids.len() > MAX_SELECTION;
                !too_many
            },
        )
        .await?;
        if too_many {
            return Err(ParkingError::invalid(
                "selection.filter",
                format!("the filter matches more than {MAX_SELECTION} messages; narrow it"),
            ));
        }
        ids.reverse();
        Ok(ids)
    }

    /// One record, parked or archived.
    pub(super) async fn get(&self, tracking_id: &str) -> Result<Record, ParkingError> {
        if tracking_id.is_empty() {
            return Err(ParkingError::invalid(
                "tracking_id",
                "required: the tracking id of a parked message".to_owned(),
            ));
        }
        for archived in [false, true] {
            let raw = self.store.record(tracking_id, archived).await?;
            if let Some(r) = Record::parse(&raw) {
                return Ok(r);
            }
        }
        Err(ParkingError::NotFound(format!(
            "no parked or archived message with tracking id {tracking_id:?}"
        )))
    }

    /// Up to 10 of the selected records, newest first (what a dry run shows).
    pub(super) async fn sample(
        &self,
        ids: &[String],
        archived: bool,
    ) -> Result<Vec<Record>, ParkingError> {
        let some: Vec<String> = ids.iter().rev().take(10).cloned().collect();
        Ok(self
            .store
            .records(&some, SUMMARY_FIELDS, archived)
            .await?
            .iter()
            .filter_map(Record::parse)
            .collect())
    }

    /// Failure groups with parked messages, sorted, optionally of one queue; and how many there
    /// are in all (before `limit`).
    pub(super) async fn groups(
        &self,
        sort: GroupSort,
        queue: &str,
        limit: usize,
    ) -> Result<(Vec<Group>, u64), ParkingError> {
        let rows = self.store.groups().await?;
        let mut groups: Vec<Group> = rows
            .into_iter()
            .map(|(id, h)| group(id, &h))
            .filter(|g| g.count > 0 && (queue.is_empty() || g.queue == queue))
            .collect();
        let total = groups.len() as u64;
        match sort {
            GroupSort::Count => {
                groups.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_seen.cmp(&a.last_seen)))
            }
            GroupSort::Recent => groups.sort_by_key(|g| std::cmp::Reverse(g.last_seen)),
        }
        groups.truncate(limit);
        Ok((groups, total))
    }
}

fn group(id: String, h: &HashMap<String, String>) -> Group {
    let num = |k: &str| h.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    let text = |k: &str| h.get(k).cloned().unwrap_or_default();
    Group {
        count: num("count"),
        first_seen: num("first_seen"),
        last_seen: num("last_seen"),
        queue: text("queue"),
        code: text("code"),
        sample_error: text("sample_message"),
        id,
    }
}
