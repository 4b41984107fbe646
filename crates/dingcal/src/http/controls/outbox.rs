//! The outbox: every notification dingcal would have sent to people, as
//! the request flags that turn notifications off decide, in the order
//! made. Kept in memory on the node that made it, up to `KEPT`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;

use super::packed::Packed;

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

/// A message as kept: its texts packed (the recipients one per line:
/// unionIds hold no line break).
struct Kept {
    texts: Packed<5>,
    kind: &'static str,
    channel: &'static str,
}

const EVENT_ID: usize = 2;

impl Kept {
    fn of(m: Message) -> Kept {
        Kept {
            texts: Packed::new([
                &m.id,
                &m.at,
                &m.event_id,
                &m.recipients.join("\n"),
                &m.detail,
            ]),
            kind: m.kind,
            channel: m.channel,
        }
    }

    fn message(&self) -> Message {
        let text = |i| self.texts.get(i).to_string();
        let recipients = self.texts.get(3);
        Message {
            id: text(0),
            at: text(1),
            kind: self.kind,
            event_id: text(EVENT_ID),
            recipients: match recipients {
                "" => Vec::new(),
                all => all.split('\n').map(str::to_string).collect(),
            },
            channel: self.channel,
            detail: text(4),
        }
    }
}

#[derive(Default)]
pub struct Outbox(Mutex<VecDeque<Kept>>);

impl Outbox {
    pub fn post(&self, message: Message) {
        let message = Kept::of(message);
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
            .filter(|m| event_id.is_none_or(|e| m.texts.get(EVENT_ID) == e))
            .filter(|m| kind.is_none_or(|k| m.kind == k))
            .map(Kept::message)
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
