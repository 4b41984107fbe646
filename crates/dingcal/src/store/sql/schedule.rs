//! Free/busy: when each user is taken within a window.

use super::calendar::loose_bounds;
use super::db::{Db, Sql, params, sql};
use crate::domain::attendee::ResponseStatus;
use crate::domain::policy::{self, Busy as Taken};
use crate::domain::time::{When, Window};
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::ApiResult;
use crate::store::Busy;

/// What may take up a user's time in a window.
pub(super) const BUSY_CANDIDATES: Sql = sql!(
    // The candidates come from covering indexes first, and only they are
    // then read for the user's answer: SQLite would otherwise read the
    // attendee row of every entry it passes, not only of those that match.
    // (A CROSS JOIN keeps SQLite to that order.) A single event that ends
    // in the window starts at most the longest one's span before it, so
    // the user's earlier single events are not read at all.
    "WITH c AS MATERIALIZED (
       SELECT a.event_id, e.seq, a.recurring
       FROM attendees a JOIN events e ON e.id = a.event_id
       WHERE a.union_id = $1 AND a.recurring = FALSE AND a.series_start_key < $2
         AND a.series_start_key > $3 - (SELECT seconds FROM longest_single)
         AND a.series_end_key > $3 AND e.corp_id = $4 AND e.deleted = FALSE
       UNION ALL
       SELECT a.event_id, e.seq, a.recurring
       FROM attendees a JOIN events e ON e.id = a.event_id
       WHERE a.union_id = $1 AND a.recurring = TRUE AND a.series_start_key < $2
         AND a.series_end_key > $3 AND e.corp_id = $4 AND e.deleted = FALSE)
     SELECT c.event_id, c.seq, s.response_status, c.recurring
     FROM c CROSS JOIN attendees s
     WHERE s.event_id = c.event_id AND s.union_id = $1"
);

/// The most occurrences of one series a free/busy answer lists: a daily
/// series over the longest window (dingcal's choice).
const BUSY_PER_SERIES_MAX: usize = 1_000;

/// When `user` is taken within the window, in start order.
pub async fn busy(
    conn: &impl Db,
    corp_id: &CorpId,
    user: &UnionId,
    window: &Window,
) -> ApiResult<Vec<Busy>> {
    // Loose bounds first, the exact overlap after. The index says which
    // entries overlap; only those events are read.
    let (lo, hi) = loose_bounds(window);
    let rows: Vec<(String, i64, String, bool)> = conn
        .query(
            BUSY_CANDIDATES,
            params![user.as_str(), hi, lo, corp_id.as_str()],
            |r| {
                Ok((
                    r.get("event_id")?,
                    r.get("seq")?,
                    r.get("response_status")?,
                    r.get("recurring")?,
                ))
            },
        )
        .await?;
    let mut busy = Vec::new();
    let mut take = |when: &When, free: bool, status: ResponseStatus| {
        let taken = policy::busy(status, free);
        if taken != Taken::Free && window.overlaps(when) {
            busy.push(Busy {
                when: when.clone(),
                tentative: taken == Taken::Tentative,
            });
        }
    };
    for (id, seq, status, recurring) in rows {
        let id = EventId(id);
        let status = ResponseStatus::parse(Some(&status)).unwrap_or(ResponseStatus::NeedsAction);
        if !recurring {
            if let Some(event) = conn.caches().event(conn, &id, seq).await? {
                take(&event.when, event.is_free(), status);
            }
            continue;
        }
        let Some(entry) = conn.caches().series(conn, &id, seq).await? else {
            continue;
        };
        let reach = window.widened(entry.series.longest_seconds(&entry.exceptions));
        for p in entry.series.placements(
            &entry.master,
            &entry.exceptions,
            &reach,
            None,
            BUSY_PER_SERIES_MAX,
        ) {
            let exception = entry.exceptions.get(&p.origin.key());
            let own = exception
                .and_then(|x| x.responses.get(user))
                .copied()
                .unwrap_or(status);
            let free = exception
                .and_then(|x| x.event.as_ref())
                .map_or(entry.master.is_free(), |e| e.is_free());
            take(&p.when, free, own);
        }
    }
    busy.sort_by_key(|b| b.when.keys());
    Ok(busy)
}
