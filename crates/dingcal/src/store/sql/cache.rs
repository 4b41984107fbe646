//! What was read and decoded, kept by id for the change number it was read
//! at. Every write to an event, or to one occurrence of a series, stamps a
//! new number on its row, so an entry is right on any node for as long as
//! the row carries its number; a unit of work that rolls back leaves its
//! number to no committed row. Reads check the number they find against
//! the entry, and decode only on a miss.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::db::{Db, params, sql};
use super::load::exceptions_of;
use crate::domain::EventId;
use crate::domain::event::Event;
use crate::domain::series::{Exception, Series};
use crate::error::ApiResult;
use crate::store::stored::decode_event;

/// Beyond this many entries a cache starts over (dingcal's choice: some
/// MB at most for each; a page of every calendar read at once fits).
const ENTRIES_MAX: usize = 4_096;

/// Values by id, each for one change number.
pub struct Versioned<V> {
    entries: Mutex<HashMap<EventId, (i64, Arc<V>)>>,
}

impl<V> Default for Versioned<V> {
    fn default() -> Self {
        Versioned {
            entries: Mutex::default(),
        }
    }
}

impl<V> Versioned<V> {
    pub fn get(&self, id: &EventId, seq: i64) -> Option<Arc<V>> {
        let entries = self.entries.lock().expect("cache poisoned");
        entries
            .get(id)
            .filter(|(at, _)| *at == seq)
            .map(|(_, v)| v.clone())
    }

    /// The entry for `id`, whatever its change number.
    pub fn peek(&self, id: &EventId) -> Option<(i64, Arc<V>)> {
        let entries = self.entries.lock().expect("cache poisoned");
        entries.get(id).map(|(seq, v)| (*seq, v.clone()))
    }

    pub fn insert(&self, id: EventId, seq: i64, value: Arc<V>) {
        let mut entries = self.entries.lock().expect("cache poisoned");
        if entries.len() >= ENTRIES_MAX {
            entries.clear();
        }
        entries.insert(id, (seq, value));
    }

    /// The value for (id, seq), or `decode()`'s, kept.
    pub fn get_or(
        &self,
        id: &EventId,
        seq: i64,
        decode: impl FnOnce() -> ApiResult<V>,
    ) -> ApiResult<Arc<V>> {
        if let Some(hit) = self.get(id, seq) {
            return Ok(hit);
        }
        let value = Arc::new(decode()?);
        self.insert(id.clone(), seq, value.clone());
        Ok(value)
    }
}

/// A series master as expanded, with its exceptions.
pub struct CachedSeries {
    pub master: Arc<Event>,
    pub series: Series,
    pub exceptions: BTreeMap<i64, Exception>,
}

/// The caches of one store, shared by all its connections.
#[derive(Default)]
pub struct Caches {
    pub events: Versioned<Event>,
    /// Views and free/busy read thousands of series.
    pub series: Versioned<CachedSeries>,
}

impl Caches {
    /// The event `id` at change number `seq`, from the cache or read anew;
    /// `None` if it no longer has that number.
    pub async fn event(
        &self,
        conn: &impl Db,
        id: &EventId,
        seq: i64,
    ) -> ApiResult<Option<Arc<Event>>> {
        if let Some(hit) = self.events.get(id, seq) {
            return Ok(Some(hit));
        }
        let body: Option<String> = conn
            .query_opt(
                sql!("SELECT body FROM events WHERE id = $1 AND seq = $2"),
                params![id.as_str(), seq],
                |r| r.get("body"),
            )
            .await?;
        body.map(|body| self.events.get_or(id, seq, || decode_event(&body)))
            .transpose()
    }

    /// The series named by (id, change number), in the order asked; those
    /// no longer recurring are left out.
    pub async fn series_of(
        &self,
        conn: &impl Db,
        wanted: Vec<(String, i64)>,
    ) -> ApiResult<Vec<Arc<CachedSeries>>> {
        let mut found = Vec::with_capacity(wanted.len());
        for (id, seq) in wanted {
            found.extend(self.series(conn, &EventId(id), seq).await?);
        }
        Ok(found)
    }

    pub async fn series(
        &self,
        conn: &impl Db,
        id: &EventId,
        seq: i64,
    ) -> ApiResult<Option<Arc<CachedSeries>>> {
        if let Some(hit) = self.series.get(id, seq) {
            return Ok(Some(hit));
        }
        let body: Option<String> = conn
            .query_opt(
                sql!("SELECT body FROM events WHERE id = $1"),
                params![id.as_str()],
                |r| r.get("body"),
            )
            .await?;
        let Some(body) = body else { return Ok(None) };
        let master = self.events.get_or(id, seq, || decode_event(&body))?;
        let Some(series) = Series::of(&master)? else {
            return Ok(None);
        };
        let entry = Arc::new(CachedSeries {
            series,
            exceptions: exceptions_of(conn, id).await?,
            master,
        });
        self.series.insert(id.clone(), seq, entry.clone());
        Ok(Some(entry))
    }
}
