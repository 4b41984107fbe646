//! Series masters as expanded, with their exceptions, by id. An entry holds
//! for the change number it was read at: every write to a series, or to one
//! of its occurrences, stamps a new one, so an entry is right on any node.
//! Views and free/busy read thousands of series; this keeps them from
//! decoding each every time.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::db::{Db, params, sql};
use super::load::exceptions_of;
use crate::domain::EventId;
use crate::domain::event::Event;
use crate::domain::series::{Exception, Series};
use crate::error::ApiResult;
use crate::store::stored::decode_event;

/// Beyond this many cached series the cache starts over (dingcal's choice:
/// a few tens of MB at most).
const SERIES_CACHE_MAX: usize = 20_000;

#[derive(Default)]
pub struct SeriesCache {
    entries: Mutex<HashMap<EventId, Arc<CachedSeries>>>,
}

pub struct CachedSeries {
    seq: i64,
    pub master: Event,
    pub series: Series,
    pub exceptions: BTreeMap<i64, Exception>,
}

impl SeriesCache {
    /// The series named by (id, change number), from the cache or read
    /// anew, in the order asked; series no longer recurring are left out.
    /// The lock is taken once for all the hits.
    pub async fn get_all(
        &self,
        conn: &impl Db,
        wanted: Vec<(String, i64)>,
    ) -> ApiResult<Vec<Arc<CachedSeries>>> {
        let mut found = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        {
            let entries = self.entries.lock().expect("series cache poisoned");
            for (id, seq) in wanted {
                let id = EventId(id);
                match entries.get(&id) {
                    Some(hit) if hit.seq == seq => found.push(hit.clone()),
                    _ => missing.push((id, seq)),
                }
            }
        }
        for (id, seq) in missing {
            found.extend(self.get(conn, &id, seq).await?);
        }
        Ok(found)
    }

    pub async fn get(
        &self,
        conn: &impl Db,
        id: &EventId,
        seq: i64,
    ) -> ApiResult<Option<Arc<CachedSeries>>> {
        if let Some(hit) = self.entries.lock().expect("series cache poisoned").get(id) {
            if hit.seq == seq {
                return Ok(Some(hit.clone()));
            }
        }
        let body: Option<String> = conn
            .query_opt(
                sql!("SELECT body FROM events WHERE id = $1"),
                params![id.as_str()],
                |r| r.get("body"),
            )
            .await?;
        let Some(body) = body else { return Ok(None) };
        let master = decode_event(&body)?;
        let Some(series) = Series::of(&master)? else {
            return Ok(None);
        };
        let entry = Arc::new(CachedSeries {
            seq,
            exceptions: exceptions_of(conn, id).await?,
            master,
            series,
        });
        let mut entries = self.entries.lock().expect("series cache poisoned");
        if entries.len() >= SERIES_CACHE_MAX {
            entries.clear();
        }
        entries.insert(id.clone(), entry.clone());
        Ok(Some(entry))
    }
}
