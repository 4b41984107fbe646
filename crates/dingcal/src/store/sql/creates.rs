//! CreateEvent's common case on PostgreSQL, batched (see `batch`): new
//! events that wait at the same moment are written in one unit of work,
//! their statements sent together. New events share no rows (nor locks:
//! one has no rooms yet, and one made over CalDAV, which records its
//! resource name, is a write of its own), so nothing orders them; what a
//! batch saves is a transaction's own cost (its BEGIN, its COMMIT and the
//! commit's flush) and round trips, which cost more than a new event's
//! rows. SQLite's writer commits waiting writes together already, so there
//! this would only add a queue.

use std::sync::{Arc, Weak};

use super::batch::{Batcher, Reply, Waiting, Writer};
use super::db::Backend;
use super::writes::create_event;
use crate::domain::attendee::Invitee;
use crate::domain::event::Event;
use crate::error::{ApiError, ApiResult, Status};
use crate::store::{Outcome, WriteMeta};

/// The most new events one unit of work writes.
const BATCH_MAX: usize = 64;

/// One caller's new event.
#[derive(Clone)]
pub struct Create {
    pub meta: WriteMeta,
    pub event: Event,
    pub invitees: Vec<Invitee>,
}

impl Create {
    async fn write(self, conn: &impl super::db::Db) -> ApiResult<Outcome> {
        create_event(conn, &self.meta, self.event, self.invitees).await
    }
}

pub struct CreateWriter<B> {
    /// Weak, as for responses: the store closes when its server stops.
    backend: Weak<B>,
}

impl<B: Backend> CreateWriter<B> {
    pub fn new(backend: &Arc<B>) -> Arc<Batcher<CreateWriter<B>>> {
        Batcher::new(CreateWriter {
            backend: Arc::downgrade(backend),
        })
    }
}

/// New events in the order they came, with who waits for each.
pub struct Batch(Vec<(Create, Reply<Outcome>)>);

impl<B: Backend> Writer for CreateWriter<B> {
    type Item = Create;
    type Out = Outcome;
    type Batch = Batch;

    /// The first `BATCH_MAX` waiting; those given up on are left unwritten.
    fn next_batch(&self, waiting: &mut Waiting<Self>) -> Option<Batch> {
        let mut batch = Vec::new();
        while batch.len() < BATCH_MAX {
            let Some((create, reply)) = waiting.pop_front() else {
                break;
            };
            if !reply.is_closed() {
                batch.push((create, reply));
            }
        }
        (!batch.is_empty()).then_some(Batch(batch))
    }

    async fn write(&self, Batch(batch): Batch) {
        let (creates, replies): (Vec<Create>, Vec<Reply<Outcome>>) = batch.into_iter().unzip();
        let Some(backend) = self.backend.upgrade() else {
            for reply in replies {
                let _ = reply.send(Err(ApiError::internal("the store is shut down")));
            }
            return;
        };
        let creates: Arc<[Create]> = creates.into();
        let all = creates.clone();
        let together = backend
            .write(move |conn| {
                Box::pin(async move {
                    let each = all.iter().map(|c| c.clone().write(conn));
                    futures_util::future::join_all(each)
                        .await
                        .into_iter()
                        .collect::<ApiResult<Vec<Outcome>>>()
                })
            })
            .await;
        match together {
            Ok(outcomes) => {
                drop(backend);
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            // The store could not write (its connection lost, perhaps
            // after the COMMIT went out; its disk full): every caller is
            // told so, as a write of its own would have been.
            Err(e) if e.status == Status::Unavailable => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
            // One of them failed (an id taken, say), which undid them all:
            // each still awaited is written on its own, for its own outcome.
            Err(_) => {
                for (create, reply) in creates.iter().zip(replies) {
                    if reply.is_closed() {
                        continue;
                    }
                    let create = create.clone();
                    let alone = backend
                        .write(move |conn| Box::pin(create.write(conn)))
                        .await;
                    let _ = reply.send(alone);
                }
            }
        }
    }
}
