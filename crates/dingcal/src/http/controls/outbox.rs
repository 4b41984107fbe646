//! The outbox: every notification dingcal would have sent to people, as
//! the request flags that turn notifications off decide, in the order
//! made. Kept in memory on the node that made it, up to `KEPT`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;

/// How many messages are kept; older ones are dropped.
const KEPT: usize = 10_000;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub at: String,
    pub kind: &'static str,
    pub event_id: String,
    pub recipients: Vec<String>,
    pub channel: &'static str,
    pub detail: String,
}

/// Which ways a notification goes: a push (the app's notice) and a chat
/// message (the work notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub push: bool,
    pub chat: bool,
}

impl Channels {
    pub const PUSH: Channels = Channels {
        push: true,
        chat: false,
    };
    pub const CHAT: Channels = Channels {
        push: false,
        chat: true,
    };

    /// As an event's `extra` switches say (`noPushNotification`,
    /// `noChatNotification`: `"true"` turns one off).
    pub fn of_extra(extra: &BTreeMap<String, String>) -> Channels {
        let on = |key: &str| extra.get(key).is_none_or(|v| v != "true");
        Channels {
            push: on("noPushNotification"),
            chat: on("noChatNotification"),
        }
    }
}

#[derive(Default)]
pub struct Outbox(Mutex<VecDeque<Message>>);

impl Outbox {
    pub fn post(&self, message: Message) {
        let mut kept = self.0.lock().expect("outbox poisoned");
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(message);
    }

    /// In the order made; those of one event and one kind if given.
    pub fn list(&self, event_id: Option<&str>, kind: Option<&str>) -> Vec<Message> {
        self.0
            .lock()
            .expect("outbox poisoned")
            .iter()
            .filter(|m| event_id.is_none_or(|e| m.event_id == e))
            .filter(|m| kind.is_none_or(|k| m.kind == k))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().expect("outbox poisoned").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_switches_turn_channels_off() {
        let mut extra = BTreeMap::new();
        assert_eq!(
            Channels::of_extra(&extra),
            Channels {
                push: true,
                chat: true
            }
        );
        extra.insert("noChatNotification".to_string(), "true".to_string());
        extra.insert("noPushNotification".to_string(), "false".to_string());
        assert_eq!(Channels::of_extra(&extra), Channels::PUSH);
    }
}
