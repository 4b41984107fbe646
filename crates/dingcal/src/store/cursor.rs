//! The tokens a listing hands back: where a page resumes (`nextToken`) and
//! where a sync starts (`syncToken`). They are opaque to clients: URL-safe
//! base64 of a short text form.

use base64::Engine;

use crate::error::{ApiError, ApiResult};

/// Which changes a sync has seen: every change numbered up to `upto`,
/// except those of `pending`, which were being written when it was taken
/// (on PostgreSQL, where change numbers are transaction ids and commit out
/// of order; on SQLite `pending` is always empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPoint {
    pub upto: i64,
    pub pending: Vec<i64>,
}

impl SyncPoint {
    pub fn covers(&self, seq: i64) -> bool {
        seq <= self.upto && !self.pending.contains(&seq)
    }

    /// Every change numbered up to this is covered.
    pub fn floor(&self) -> i64 {
        self.pending.iter().map(|p| p - 1).fold(self.upto, i64::min)
    }

    /// `upto`, then each pending number, joined by dots.
    fn encode(&self) -> String {
        let mut text = self.upto.to_string();
        for p in &self.pending {
            text.push('.');
            text.push_str(&p.to_string());
        }
        text
    }

    fn decode(text: &str) -> Option<SyncPoint> {
        let mut parts = text.split('.');
        let upto = parts.next()?.parse().ok()?;
        let pending = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
        Some(SyncPoint { upto, pending })
    }
}

/// Where an event listing resumes: after this (start key, id). It carries
/// the sync point the listing began at, so that the syncToken of its last
/// page misses nothing that changed while it was paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCursor {
    pub start_key: i64,
    pub event_id: String,
    pub snapshot: SyncPoint,
}

impl EventCursor {
    pub fn encode(&self) -> String {
        encode_token(&format!(
            "e:{}:{}:{}",
            self.snapshot.encode(),
            self.start_key,
            self.event_id
        ))
    }

    pub fn decode(token: &str) -> ApiResult<EventCursor> {
        let raw = decode_token(token)?;
        let parsed = raw.strip_prefix("e:").and_then(|rest| {
            let mut parts = rest.splitn(3, ':');
            Some(EventCursor {
                snapshot: SyncPoint::decode(parts.next()?)?,
                start_key: parts.next()?.parse().ok()?,
                event_id: parts.next()?.to_string(),
            })
        });
        parsed.ok_or_else(invalid_next_token)
    }
}

/// A syncToken: everything changed that this sync point does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncToken(pub SyncPoint);

impl SyncToken {
    pub fn encode(&self) -> String {
        encode_token(&format!("s:{}", self.0.encode()))
    }

    pub fn decode(token: &str) -> ApiResult<SyncToken> {
        decode_token(token)
            .ok()
            .and_then(|raw| raw.strip_prefix("s:").and_then(SyncPoint::decode))
            .map(SyncToken)
            .ok_or_else(ApiError::sync_token_invalid)
    }
}

/// Where a sync resumes: changes `since` does not cover and `snapshot`
/// does, after the change (seq, event id) last answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeCursor {
    pub since: SyncPoint,
    pub snapshot: SyncPoint,
    pub seq: i64,
    pub event_id: String,
}

impl ChangeCursor {
    pub fn encode(&self) -> String {
        encode_token(&format!(
            "c:{}:{}:{}:{}",
            self.since.encode(),
            self.snapshot.encode(),
            self.seq,
            self.event_id
        ))
    }

    pub fn decode(token: &str) -> ApiResult<ChangeCursor> {
        let raw = decode_token(token)?;
        let parsed = raw.strip_prefix("c:").and_then(|rest| {
            let mut parts = rest.splitn(4, ':');
            Some(ChangeCursor {
                since: SyncPoint::decode(parts.next()?)?,
                snapshot: SyncPoint::decode(parts.next()?)?,
                seq: parts.next()?.parse().ok()?,
                event_id: parts.next()?.to_string(),
            })
        });
        parsed.ok_or_else(invalid_next_token)
    }
}

/// Where an attendee listing resumes: after this position.
pub fn encode_position(position: i64) -> String {
    encode_token(&format!("a:{position}"))
}

pub fn decode_position(token: &str) -> ApiResult<i64> {
    decode_token(token)?
        .strip_prefix("a:")
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid_next_token)
}

fn encode_token(raw: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_token(token: &str) -> ApiResult<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid_next_token)
}

fn invalid_next_token() -> ApiError {
    ApiError::invalid_parameter("nextToken is invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let point = |upto, pending: &[i64]| SyncPoint {
            upto,
            pending: pending.to_vec(),
        };
        let c = EventCursor {
            start_key: -5,
            event_id: "a:b".into(),
            snapshot: point(7, &[]),
        };
        let s = ChangeCursor {
            since: point(1, &[]),
            snapshot: point(9, &[3, 8]),
            seq: 4,
            event_id: "x:y".into(),
        };
        assert_eq!(ChangeCursor::decode(&s.encode()).unwrap(), s);
        let token = SyncToken(point(12, &[10]));
        assert_eq!(SyncToken::decode(&token.encode()).unwrap(), token);
        assert_eq!(
            SyncToken::decode("nope").unwrap_err().code,
            "invalidSyncToken"
        );
        assert_eq!(EventCursor::decode(&c.encode()).unwrap(), c);
        assert_eq!(decode_position(&encode_position(42)).unwrap(), 42);
        assert!(EventCursor::decode("garbage!").is_err());
        assert!(decode_position(&c.encode()).is_err());
    }

    #[test]
    fn a_sync_point_covers_what_it_saw() {
        let p = SyncPoint {
            upto: 10,
            pending: vec![7, 9],
        };
        assert!(p.covers(6) && p.covers(8) && p.covers(10));
        assert!(!p.covers(7) && !p.covers(9) && !p.covers(11));
        assert_eq!(p.floor(), 6);
        assert_eq!(SyncPoint::default().floor(), 0);
    }
}
