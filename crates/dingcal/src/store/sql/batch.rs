//! Writes that arrive while others are being written, gathered into
//! batches: each caller waits in a queue; a few tasks take batches from it
//! and write each as one unit of work, and every caller is answered only
//! once its batch has committed. On PostgreSQL a commit and a round trip
//! cost more than a row, and a row locked by one write makes the next one
//! wait, so a batch costs little more than one of its writes.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::error::{ApiError, ApiResult};

/// Batches of one kind written at once; more wait and join the next one
/// (dingcal's choice: half of a PostgreSQL node's leased connections, so
/// that one kind leaves room for other work).
const BATCHES_AT_ONCE: usize = 4;

/// Who waits for an item's outcome.
pub type Reply<O> = oneshot::Sender<ApiResult<O>>;

/// The items waiting, each with who waits for it.
pub type Waiting<W> = VecDeque<(<W as Writer>::Item, Reply<<W as Writer>::Out>)>;

/// How one kind of write is batched.
pub trait Writer: Send + Sync + 'static {
    type Item: Send + 'static;
    type Out: Send + 'static;
    type Batch: Send + 'static;

    /// Takes the next batch from the items waiting, leaving out those no
    /// one awaits any more; `None` if none is left to write.
    fn next_batch(&self, waiting: &mut Waiting<Self>) -> Option<Self::Batch>;

    /// Writes a batch and answers each of its callers.
    fn write(&self, batch: Self::Batch) -> impl Future<Output = ()> + Send;
}

pub struct Batcher<W: Writer> {
    writer: W,
    queue: Mutex<Queue<W>>,
}

struct Queue<W: Writer> {
    waiting: Waiting<W>,
    /// Tasks writing batches now.
    running: usize,
}

impl<W: Writer> Batcher<W> {
    pub fn new(writer: W) -> Arc<Batcher<W>> {
        Arc::new(Batcher {
            writer,
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                running: 0,
            }),
        })
    }

    /// Queues `item` and waits for its outcome.
    pub async fn submit(self: &Arc<Self>, item: W::Item) -> ApiResult<W::Out> {
        let (reply, answered) = oneshot::channel();
        let start = {
            let mut queue = self.queue.lock().expect("batch queue poisoned");
            queue.waiting.push_back((item, reply));
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
            .map_err(|_| ApiError::internal("a batch was dropped"))?
    }

    /// Writes batches until no item waits.
    async fn drain(self: Arc<Self>) {
        let mut draining = Draining {
            batcher: &self,
            counted: true,
        };
        loop {
            let batch = {
                let mut queue = self.queue.lock().expect("batch queue poisoned");
                match self.writer.next_batch(&mut queue.waiting) {
                    Some(batch) => batch,
                    None => {
                        queue.running -= 1;
                        draining.counted = false;
                        return;
                    }
                }
            };
            self.writer.write(batch).await;
        }
    }
}

/// Counts a draining task out if it ends without doing so itself (a panic,
/// a runtime shutting down), so that its place is not held for ever.
struct Draining<'a, W: Writer> {
    batcher: &'a Batcher<W>,
    counted: bool,
}

impl<W: Writer> Drop for Draining<'_, W> {
    fn drop(&mut self) {
        if self.counted {
            let queue = &self.batcher.queue;
            let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.running -= 1;
        }
    }
}
