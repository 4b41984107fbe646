//! The request journal: the calls this node answered, newest first, as
//! `GET /_dingcal/requests` lists them. Kept in memory, up to `KEPT`.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use super::packed::Packed;

/// How many requests are kept; older ones are dropped.
const KEPT: usize = 10_000;
/// How much of a request's body is kept.
pub const BODY_KEPT: usize = 4 * 1024;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub request_id: String,
    pub at: String,
    pub operation: String,
    pub method: String,
    pub path: String,
    pub app_key: String,
    pub user_id: String,
    pub status: u16,
    pub code: String,
    pub duration_ms: f64,
    pub body: String,
}

/// An entry as kept: its texts packed, in `Entry`'s order.
struct Kept {
    texts: Packed<9>,
    status: u16,
    duration_ms: f64,
}

const OPERATION: usize = 2;

impl Kept {
    fn of(e: Entry) -> Kept {
        Kept {
            texts: Packed::new([
                &e.request_id,
                &e.at,
                &e.operation,
                &e.method,
                &e.path,
                &e.app_key,
                &e.user_id,
                &e.code,
                &e.body,
            ]),
            status: e.status,
            duration_ms: e.duration_ms,
        }
    }

    fn entry(&self) -> Entry {
        let text = |i| self.texts.get(i).to_string();
        Entry {
            request_id: text(0),
            at: text(1),
            operation: text(OPERATION),
            method: text(3),
            path: text(4),
            app_key: text(5),
            user_id: text(6),
            status: self.status,
            code: text(7),
            duration_ms: self.duration_ms,
            body: text(8),
        }
    }
}

#[derive(Default)]
pub struct Journal(Mutex<VecDeque<Kept>>);

impl Journal {
    pub fn record(&self, entry: Entry) {
        let entry = Kept::of(entry);
        let mut kept = self.0.lock().expect("journal poisoned");
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(entry);
    }

    /// The newest first, those of `operation` and `status` if given, at
    /// most `limit`.
    pub fn list(&self, operation: Option<&str>, status: Option<u16>, limit: usize) -> Vec<Entry> {
        let kept = self.0.lock().expect("journal poisoned");
        kept.iter()
            .rev()
            .filter(|e| operation.is_none_or(|o| e.texts.get(OPERATION) == o))
            .filter(|e| status.is_none_or(|s| e.status == s))
            .take(limit)
            .map(Kept::entry)
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().expect("journal poisoned").clear();
    }
}

/// A body as the journal keeps it: text, cut at `BODY_KEPT` bytes (on a
/// character's edge).
pub fn kept_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_KEPT {
        return text.into_owned();
    }
    let mut end = BODY_KEPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The `{userId}` of a calendar path, if it has one.
pub fn path_user(path: &str) -> &str {
    path.split_once("/users/")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_cut_on_a_character() {
        let long = "é".repeat(BODY_KEPT);
        let kept = kept_body(long.as_bytes());
        assert!(kept.len() <= BODY_KEPT && kept.chars().all(|c| c == 'é'));
        assert_eq!(
            path_user("/v1.0/calendar/users/alice/calendars/primary"),
            "alice"
        );
        assert_eq!(path_user("/v1.0/calendar/me/calendars"), "");
    }
}
