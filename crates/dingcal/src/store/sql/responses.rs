//! RespondEvent's common case: the responder's own attendee row, set by one
//! statement. Responses that arrive while others are being written go to
//! the database together (see `batch`), as one statement committed once. A
//! batch holds responses to one event.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Weak};

use super::batch::{Batcher, Reply, Waiting, Writer};
use super::db::{Backend, Db, Param, Sql};
use crate::domain::attendee::ResponseStatus;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};

/// The most responses one statement sets.
const BATCH_MAX: usize = 64;

/// One caller's response to one event.
#[derive(Clone)]
pub struct Answer {
    pub corp_id: CorpId,
    pub event_id: EventId,
    pub caller: UnionId,
    pub status: ResponseStatus,
}

/// Sets each response, durably; false for a caller with no row in a live
/// event of that id (the caller's full write then decides).
pub struct ResponseWriter<B> {
    /// Weak, so that a task between batches keeps no store open once the
    /// server has let it go: the store closes when its server stops.
    backend: Weak<B>,
}

impl<B: Backend> ResponseWriter<B> {
    pub fn new(backend: &Arc<B>) -> Arc<Batcher<ResponseWriter<B>>> {
        Batcher::new(ResponseWriter {
            backend: Arc::downgrade(backend),
        })
    }
}

/// Responses to one event, one per caller, and who waits for each.
pub struct Batch {
    answers: Vec<Answer>,
    waiters: Vec<Vec<Reply<bool>>>,
}

impl<B: Backend> Writer for ResponseWriter<B> {
    type Item = Answer;
    type Out = bool;
    type Batch = Batch;

    fn next_batch(&self, waiting: &mut Waiting<Self>) -> Option<Batch> {
        while !waiting.is_empty() {
            let batch = next_batch(waiting);
            if !batch.answers.is_empty() {
                return Some(batch);
            }
        }
        None
    }

    async fn write(&self, Batch { answers, waiters }: Batch) {
        let results = match self.backend.upgrade() {
            Some(backend) => settle(&*backend, answers, &waiters).await,
            None => vec![Err(ApiError::internal("the store is shut down")); waiters.len()],
        };
        // The backend is let go before anyone is answered: the last answer
        // may let the server stop and close the store.
        for (result, waiting) in results.into_iter().zip(waiters) {
            for reply in waiting {
                let _ = reply.send(result.clone());
            }
        }
    }
}

/// Writes a batch. If its statement fails (a deadlock with another node's
/// batch fails them all together), each response still awaited is written
/// on its own, so that each gets its own outcome. One no longer awaited is
/// not: its request was answered already (a timeout), and its caller may
/// have responded again since.
async fn settle<B: Backend>(
    backend: &B,
    answers: Vec<Answer>,
    waiters: &[Vec<Reply<bool>>],
) -> Vec<ApiResult<bool>> {
    let answers = Arc::new(answers);
    let all = answers.clone();
    let failed = match backend
        .write_alone(move |conn| Box::pin(async move { set_responses(conn, &all).await }))
        .await
    {
        Ok(set) => return set.into_iter().map(Ok).collect(),
        Err(e) if answers.len() == 1 => return vec![Err(e)],
        Err(e) => e,
    };
    let mut results = Vec::with_capacity(answers.len());
    for (i, waiting) in waiters.iter().enumerate() {
        if waiting.iter().all(|reply| reply.is_closed()) {
            results.push(Err(failed.clone()));
            continue;
        }
        let all = answers.clone();
        let one = backend
            .write_alone(move |conn| {
                Box::pin(async move { set_responses(conn, std::slice::from_ref(&all[i])).await })
            })
            .await;
        results.push(one.map(|set| set[0]));
    }
    results
}

/// The waiting responses to the first one's event, up to `BATCH_MAX`
/// callers. A caller who responded twice meanwhile is set once, to the
/// later response: the same end as applying both in turn. A response whose
/// request was given up on before it was written is left unwritten.
fn next_batch(waiting: &mut VecDeque<(Answer, Reply<bool>)>) -> Batch {
    let mut batch = Batch {
        answers: Vec::new(),
        waiters: Vec::new(),
    };
    let mut i = 0;
    while i < waiting.len() {
        let (answer, reply) = &waiting[i];
        if reply.is_closed() {
            waiting.remove(i);
            continue;
        }
        let first = batch.answers.first().unwrap_or(answer);
        if answer.event_id != first.event_id || answer.corp_id != first.corp_id {
            i += 1;
            continue;
        }
        let slot = batch.answers.iter().position(|a| a.caller == answer.caller);
        if slot.is_none() && batch.answers.len() == BATCH_MAX {
            i += 1;
            continue;
        }
        let (answer, reply) = waiting.remove(i).expect("a waiting response");
        match slot {
            Some(slot) => {
                batch.answers[slot] = answer;
                batch.waiters[slot].push(reply);
            }
            None => {
                batch.answers.push(answer);
                batch.waiters.push(vec![reply]);
            }
        }
    }
    batch
}

/// Sets each caller's response to a live event they attend, numbering the
/// change on their own row, in one statement; for each, whether it had
/// such a row. The answers are to one event, from different callers.
pub async fn set_responses(conn: &impl Db, answers: &[Answer]) -> ApiResult<Vec<bool>> {
    let Some(first) = answers.first() else {
        return Ok(Vec::new());
    };
    // Statements come in sizes of powers of two, so that few are prepared;
    // the rows beyond the answers repeat the last one, which sets nothing
    // new.
    let size = answers.len().next_power_of_two();
    let text: &'static str = STATEMENTS
        .get(size.trailing_zeros() as usize)
        .ok_or_else(|| ApiError::internal("too many responses in one statement"))?;
    // Named in one order, the callers', rows shared by two batches are
    // mostly locked in the same order by both (the plan decides), so such
    // batches rarely deadlock; one that does is retried response by response.
    let mut sorted: Vec<&Answer> = answers.iter().collect();
    sorted.sort_by(|a, b| a.caller.cmp(&b.caller));
    let last = sorted[sorted.len() - 1];
    sorted.resize(size, last);
    let mut values: Vec<&str> = Vec::with_capacity(2 + size * 2);
    values.push(first.event_id.as_str());
    for a in sorted {
        values.extend([a.caller.as_str(), a.status.as_str()]);
    }
    values.push(first.corp_id.as_str());
    let bound: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
    let statement = Sql {
        sqlite: text,
        postgres: text,
    };
    let set: Vec<String> = conn.query(statement, &bound, |r| r.get("union_id")).await?;
    Ok(answers
        .iter()
        .map(|a| set.iter().any(|u| u == a.caller.as_str()))
        .collect())
}

/// The statement for 1, 2, 4 … `BATCH_MAX` callers: the event, each caller
/// and their status, then the event's org. Each attendee row is found by its
/// whole key, and the event once by its id, so that PostgreSQL plans index
/// lookups whatever its statistics say (an event's id alone would match all
/// its attendees' rows).
static STATEMENTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    (0..=BATCH_MAX.trailing_zeros())
        .map(|k| {
            let size = 1usize << k;
            let rows: Vec<String> = (0..size)
                .map(|i| format!("($1, ${}, ${})", 2 + 2 * i, 3 + 2 * i))
                .collect();
            format!(
                "UPDATE attendees SET response_status = v.column3, changed = dingcal_seq()
                 FROM (VALUES {}) AS v
                 WHERE attendees.event_id = v.column1 AND attendees.union_id = v.column2
                   AND EXISTS (SELECT 1 FROM events WHERE id = $1 AND corp_id = ${} AND deleted = FALSE)
                 RETURNING attendees.union_id",
                rows.join(", "),
                2 + 2 * size
            )
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;

    use super::*;

    /// The queue, and the receivers that keep its requests awaited.
    #[allow(clippy::type_complexity)]
    fn waiting(
        entries: &[(&str, &str, ResponseStatus)],
    ) -> (
        VecDeque<(Answer, Reply<bool>)>,
        Vec<oneshot::Receiver<ApiResult<bool>>>,
    ) {
        entries
            .iter()
            .map(|(event, caller, status)| {
                let answer = Answer {
                    corp_id: CorpId("corp".into()),
                    event_id: EventId(event.to_string()),
                    caller: UnionId(caller.to_string()),
                    status: *status,
                };
                let (reply, answered) = oneshot::channel();
                ((answer, reply), answered)
            })
            .unzip()
    }

    fn callers(answers: &[Answer]) -> Vec<(&str, &str, ResponseStatus)> {
        answers
            .iter()
            .map(|a| (a.event_id.as_str(), a.caller.as_str(), a.status))
            .collect()
    }

    #[test]
    fn a_batch_is_one_events_responses_with_each_callers_last() {
        use ResponseStatus::{Accepted, Declined, Tentative};
        let (mut queue, mut awaited) = waiting(&[
            ("e1", "bob", Accepted),
            ("e2", "bob", Declined),
            ("e1", "carol", Declined),
            ("e1", "bob", Tentative),
            ("e1", "dave", Accepted),
        ]);
        drop(awaited.pop());
        let batch = next_batch(&mut queue);
        assert_eq!(
            callers(&batch.answers),
            [("e1", "bob", Tentative), ("e1", "carol", Declined)],
            "dave's request was given up on"
        );
        let waiting: Vec<usize> = batch.waiters.iter().map(Vec::len).collect();
        assert_eq!(waiting, [2, 1], "both of bob's requests wait on his row");
        let rest: Vec<Answer> = queue.into_iter().map(|(a, _)| a).collect();
        assert_eq!(callers(&rest), [("e2", "bob", Declined)]);
    }

    #[test]
    fn a_batch_holds_at_most_batch_max_callers() {
        let names: Vec<String> = (0..BATCH_MAX + 3).map(|i| format!("u{i}")).collect();
        let entries: Vec<(&str, &str, ResponseStatus)> = names
            .iter()
            .map(|n| ("e1", n.as_str(), ResponseStatus::Accepted))
            .collect();
        let (mut queue, _awaited) = waiting(&entries);
        assert_eq!(next_batch(&mut queue).answers.len(), BATCH_MAX);
        assert_eq!(next_batch(&mut queue).answers.len(), 3);
        assert!(queue.is_empty());
    }

    #[test]
    fn statements_come_in_powers_of_two_up_to_batch_max() {
        assert_eq!(STATEMENTS.len(), 7);
        assert!(STATEMENTS[6].contains(&format!("${}", 2 + 2 * BATCH_MAX)));
        assert!(!STATEMENTS[6].contains(&format!("${}", 3 + 2 * BATCH_MAX)));
    }
}
