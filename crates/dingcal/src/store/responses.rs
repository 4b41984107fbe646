//! RespondEvent's common case: the responder's own attendee row, set by one
//! statement. Responses that arrive while others are being written go to
//! the database together, as one statement committed once: on PostgreSQL a
//! commit and a round trip cost more than the row itself, so a batch of
//! responses costs little more than one. A batch holds responses to one
//! event, and each is answered only after its batch has committed.

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::oneshot;

use super::db::{Backend, Db, Param};
use crate::domain::attendee::ResponseStatus;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};

/// Batches written at once; more wait and join the next one (dingcal's
/// choice: half of a PostgreSQL node's connections).
const BATCHES_AT_ONCE: usize = 4;
/// The most responses one statement sets.
const BATCH_MAX: usize = 64;

/// One caller's response to one event.
#[derive(Clone)]
pub(super) struct Answer {
    pub corp_id: CorpId,
    pub event_id: EventId,
    pub caller: UnionId,
    pub status: ResponseStatus,
}

type Reply = oneshot::Sender<ApiResult<bool>>;

pub(super) struct Responses<B> {
    backend: Arc<B>,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<(Answer, Reply)>,
    /// Tasks writing batches now.
    running: usize,
}

/// Responses to one event, one per caller, and who waits for which.
struct Batch {
    answers: Vec<Answer>,
    replies: Vec<(usize, Reply)>,
}

impl<B: Backend> Responses<B> {
    pub fn new(backend: Arc<B>) -> Arc<Responses<B>> {
        Arc::new(Responses {
            backend,
            queue: Mutex::default(),
        })
    }

    /// Sets the response, durably; false if the caller has no row in a live
    /// event of that id (the caller's full write then decides).
    pub async fn set(self: &Arc<Self>, answer: Answer) -> ApiResult<bool> {
        let (reply, answered) = oneshot::channel();
        let start = {
            let mut queue = self.queue.lock().expect("response queue poisoned");
            queue.waiting.push_back((answer, reply));
            let start = queue.running < BATCHES_AT_ONCE;
            queue.running += usize::from(start);
            start
        };
        // A task of its own, so that a request given up on does not take
        // the others' batch down with it.
        if start {
            tokio::spawn(self.clone().drain());
        }
        answered
            .await
            .map_err(|_| ApiError::internal("a response batch was dropped"))?
    }

    /// Writes batches until no response waits.
    async fn drain(self: Arc<Self>) {
        loop {
            let Batch { answers, replies } = {
                let mut queue = self.queue.lock().expect("response queue poisoned");
                if queue.waiting.is_empty() {
                    queue.running -= 1;
                    return;
                }
                next_batch(&mut queue.waiting)
            };
            let answers = Arc::new(answers);
            let all = answers.clone();
            let results: Vec<ApiResult<bool>> = match self
                .backend
                .write_alone(move |conn| set_responses(conn, &all))
                .await
            {
                Ok(set) => set.into_iter().map(Ok).collect(),
                Err(e) if answers.len() == 1 => vec![Err(e)],
                // One statement failed for all (a deadlock with another
                // node's batch, say): each is tried on its own, so that each
                // gets its own outcome.
                Err(_) => {
                    let mut one_by_one = Vec::with_capacity(answers.len());
                    for i in 0..answers.len() {
                        let all = answers.clone();
                        let one = self
                            .backend
                            .write_alone(move |conn| {
                                set_responses(conn, std::slice::from_ref(&all[i]))
                            })
                            .await;
                        one_by_one.push(one.map(|set| set[0]));
                    }
                    one_by_one
                }
            };
            for (i, reply) in replies {
                let _ = reply.send(results[i].clone());
            }
        }
    }
}

/// The waiting responses to the first one's event, up to `BATCH_MAX`
/// callers. A caller who responded twice meanwhile is set once, to the
/// later response: the same end as applying both in turn.
fn next_batch(waiting: &mut VecDeque<(Answer, Reply)>) -> Batch {
    let mut batch = Batch {
        answers: Vec::new(),
        replies: Vec::new(),
    };
    let mut i = 0;
    while i < waiting.len() {
        let (answer, _) = &waiting[i];
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
        let slot = match slot {
            Some(slot) => {
                batch.answers[slot] = answer;
                slot
            }
            None => {
                batch.answers.push(answer);
                batch.answers.len() - 1
            }
        };
        batch.replies.push((slot, reply));
    }
    batch
}

/// Sets each caller's response to a live event they attend, numbering the
/// change on their own row, in one statement; for each, whether it had
/// such a row. The answers are to one event, from different callers.
pub(super) fn set_responses(conn: &impl Db, answers: &[Answer]) -> ApiResult<Vec<bool>> {
    let Some(first) = answers.first() else {
        return Ok(Vec::new());
    };
    // Statements come in sizes of powers of two, so that few are prepared;
    // the callers beyond the answers are empty ids, which match no row.
    let size = answers.len().next_power_of_two();
    let sql: &'static str = STATEMENTS
        .get(size.trailing_zeros() as usize)
        .ok_or_else(|| ApiError::internal("too many responses in one statement"))?;
    // Rows named in one order, the callers', are locked in that order by
    // any batch on any node, so that batches sharing rows wait for one
    // another rather than deadlock.
    let mut sorted: Vec<&Answer> = answers.iter().collect();
    sorted.sort_by(|a, b| a.caller.cmp(&b.caller));
    let mut values: Vec<&str> = Vec::with_capacity(2 + size * 2);
    values.extend([first.event_id.as_str(), first.corp_id.as_str()]);
    for a in sorted {
        values.extend([a.caller.as_str(), a.status.as_str()]);
    }
    values.resize(2 + size * 2, "");
    let bound: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
    let set: Vec<String> = conn.query(sql, &bound, None, |r| r.get(0))?;
    Ok(answers
        .iter()
        .map(|a| set.iter().any(|u| u == a.caller.as_str()))
        .collect())
}

/// The statement for 1, 2, 4 … `BATCH_MAX` callers: the event and its org,
/// then each caller and their status. Each attendee row is found by its
/// whole key, and the event once by its id, so that PostgreSQL plans index
/// lookups whatever its statistics say (an event's id alone would match all
/// its attendees' rows).
static STATEMENTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    (0..=BATCH_MAX.trailing_zeros())
        .map(|k| {
            let rows: Vec<String> = (0..1usize << k)
                .map(|i| format!("(?1, ?{}, ?{})", 3 + 2 * i, 4 + 2 * i))
                .collect();
            format!(
                "UPDATE attendees SET response_status = v.column3, changed = dingcal_seq()
                 FROM (VALUES {}) AS v
                 WHERE attendees.event_id = v.column1 AND attendees.union_id = v.column2
                   AND EXISTS (SELECT 1 FROM events WHERE id = ?1 AND corp_id = ?2 AND deleted = FALSE)
                 RETURNING attendees.union_id",
                rows.join(", ")
            )
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(entries: &[(&str, &str, ResponseStatus)]) -> VecDeque<(Answer, Reply)> {
        entries
            .iter()
            .map(|(event, caller, status)| {
                let answer = Answer {
                    corp_id: CorpId("corp".into()),
                    event_id: EventId(event.to_string()),
                    caller: UnionId(caller.to_string()),
                    status: *status,
                };
                (answer, oneshot::channel().0)
            })
            .collect()
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
        let mut queue = waiting(&[
            ("e1", "bob", Accepted),
            ("e2", "bob", Declined),
            ("e1", "carol", Declined),
            ("e1", "bob", Tentative),
        ]);
        let batch = next_batch(&mut queue);
        assert_eq!(
            callers(&batch.answers),
            [("e1", "bob", Tentative), ("e1", "carol", Declined)]
        );
        let slots: Vec<usize> = batch.replies.iter().map(|(slot, _)| *slot).collect();
        assert_eq!(slots, [0, 1, 0], "both of bob's requests wait on his row");
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
        let mut queue = waiting(&entries);
        assert_eq!(next_batch(&mut queue).answers.len(), BATCH_MAX);
        assert_eq!(next_batch(&mut queue).answers.len(), 3);
        assert!(queue.is_empty());
    }

    #[test]
    fn statements_come_in_powers_of_two_up_to_batch_max() {
        assert_eq!(STATEMENTS.len(), 7);
        assert!(STATEMENTS[6].contains(&format!("?{}", 2 + 2 * BATCH_MAX)));
        assert!(!STATEMENTS[6].contains(&format!("?{}", 3 + 2 * BATCH_MAX)));
    }
}
