//! Throttling as the real service does it: at most `qps` requests per app
//! and operation in each second, the rest refused with its 403.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// An app's calls of an operation.
type Key = (String, &'static str);

#[derive(Default)]
pub struct Throttle {
    /// 0: off.
    qps: AtomicU32,
    /// Per app and operation: the second counted and the calls in it.
    counts: Mutex<HashMap<Key, (i64, u32)>>,
}

impl Throttle {
    pub fn set(&self, qps: Option<u32>) {
        self.qps.store(qps.unwrap_or(0), Ordering::Release);
        self.counts.lock().expect("throttle poisoned").clear();
    }

    pub fn qps(&self) -> Option<u32> {
        Some(self.qps.load(Ordering::Acquire)).filter(|q| *q > 0)
    }

    /// Counts a request of the app to the operation in second `now`;
    /// whether it is over the limit.
    pub fn over(&self, app_key: &str, operation: &'static str, now: i64) -> bool {
        let Some(qps) = self.qps() else {
            return false;
        };
        let mut counts = self.counts.lock().expect("throttle poisoned");
        let slot = counts
            .entry((app_key.to_string(), operation))
            .or_insert((now, 0));
        if slot.0 != now {
            *slot = (now, 0);
        }
        slot.1 += 1;
        slot.1 > qps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_second_each_app_and_operation_has_its_own_count() {
        let t = Throttle::default();
        assert!(!t.over("a", "GetEvent", 1));
        t.set(Some(2));
        assert!(!t.over("a", "GetEvent", 1));
        assert!(!t.over("a", "GetEvent", 1));
        assert!(t.over("a", "GetEvent", 1));
        assert!(!t.over("b", "GetEvent", 1));
        assert!(!t.over("a", "CreateEvent", 1));
        assert!(!t.over("a", "GetEvent", 2));
        t.set(None);
        assert!(!t.over("a", "GetEvent", 2));
    }
}
