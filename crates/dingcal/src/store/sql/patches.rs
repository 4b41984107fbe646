//! PatchEvent's common case, batched (see `batch`): patches of one event
//! that wait at the same moment are applied in the order they came, in one
//! unit of work, as if one after the other. Every patch of one event takes
//! the event's row lock; on PostgreSQL each would hold it through a commit,
//! so one event could be patched only as often as the disk syncs.

use std::sync::{Arc, Weak};

use super::batch::{Batcher, Reply, Waiting, Writer};
use super::db::Backend;
use super::writes::{patch_event, patch_together};
use crate::domain::EventId;
use crate::domain::event::EventChanges;
use crate::error::ApiError;
use crate::store::{Outcome, WriteMeta};

/// The most patches one unit of work applies.
const BATCH_MAX: usize = 64;

/// One caller's patch of one event.
pub struct Patch {
    pub meta: WriteMeta,
    pub event_id: EventId,
    pub changes: EventChanges,
}

pub struct PatchWriter<B> {
    /// Weak, as for responses: the store closes when its server stops.
    backend: Weak<B>,
}

impl<B: Backend> PatchWriter<B> {
    pub fn new(backend: &Arc<B>) -> Arc<Batcher<PatchWriter<B>>> {
        Batcher::new(PatchWriter {
            backend: Arc::downgrade(backend),
        })
    }
}

/// Patches of one event, in the order they came, with who waits for each.
pub struct Batch(Vec<(Patch, Reply<Outcome>)>);

impl<B: Backend> Writer for PatchWriter<B> {
    type Item = Patch;
    type Out = Outcome;
    type Batch = Batch;

    /// The waiting patches of the first one's event (and org), up to
    /// `BATCH_MAX`; those given up on are left unwritten.
    fn next_batch(&self, waiting: &mut Waiting<Self>) -> Option<Batch> {
        let mut batch: Vec<(Patch, Reply<Outcome>)> = Vec::new();
        let mut i = 0;
        while i < waiting.len() && batch.len() < BATCH_MAX {
            let (patch, reply) = &waiting[i];
            if reply.is_closed() {
                waiting.remove(i);
                continue;
            }
            let same = batch.first().is_none_or(|(first, _)| {
                first.event_id == patch.event_id && first.meta.corp_id == patch.meta.corp_id
            });
            if same {
                batch.extend(waiting.remove(i));
            } else {
                i += 1;
            }
        }
        (!batch.is_empty()).then_some(Batch(batch))
    }

    async fn write(&self, Batch(batch): Batch) {
        let Some(backend) = self.backend.upgrade() else {
            for (_, reply) in batch {
                let _ = reply.send(Err(ApiError::internal("the store is shut down")));
            }
            return;
        };
        let event_id = batch[0].0.event_id.clone();
        let patches: Vec<(WriteMeta, EventChanges)> = batch
            .iter()
            .map(|(p, _)| (p.meta.clone(), p.changes.clone()))
            .collect();
        let together = backend
            .write(move |conn| {
                Box::pin(async move { patch_together(conn, &event_id, patches).await })
            })
            .await;
        match together {
            Ok(Some(outcomes)) => {
                drop(backend);
                for ((_, reply), outcome) in batch.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            // Not a plain event of the org (perhaps an occurrence), or the
            // unit failed (a deadlock with another node, say): each patch
            // still awaited goes its own way.
            Ok(None) | Err(_) => {
                for (patch, reply) in batch {
                    if reply.is_closed() {
                        continue;
                    }
                    let Patch {
                        meta,
                        event_id,
                        changes,
                    } = patch;
                    let alone = backend
                        .write(move |conn| {
                            Box::pin(
                                async move { patch_event(conn, &meta, &event_id, changes).await },
                            )
                        })
                        .await;
                    let _ = reply.send(alone);
                }
            }
        }
    }
}

/// Whether a patch can be batched: one with an x-client-token is recorded
/// with its own transaction, one of an occurrence or with an attendee list
/// takes the full write.
pub fn batchable(meta: &WriteMeta, event_id: &EventId, changes: &EventChanges) -> bool {
    meta.idempotency.is_none()
        && changes.attendees.is_none()
        && crate::domain::series::InstanceId::parse(event_id).is_none()
}
