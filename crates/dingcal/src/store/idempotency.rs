//! x-client-token, in one place. A token names one request of one app for a
//! day: its replay answers exactly what the first request answered and
//! changes nothing; the same token on another request is refused; while
//! the first request runs, the same token gets `idempotencyProcessing`.
//!
//! A write holds its token in this process while it runs ([`InFlight`]);
//! inside its transaction it claims the token in the database too (on
//! PostgreSQL an advisory lock, which reaches other nodes), then replays
//! the stored answer or records its own in the same transaction as the
//! write, so a crash cannot keep one without the other.

use std::collections::HashSet;
use std::sync::Mutex;

use super::Outcome;
use super::sql::db::{Db, params, sql};
use super::stored::{decode_outcome, encode_outcome};
use crate::domain::limits::IDEMPOTENCY_TTL_SECONDS;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub app_key: String,
    pub token: String,
    /// The request's method and path: the same token on another request is
    /// refused rather than answered with the first one's outcome.
    pub request: String,
}

/// The tokens whose first request is running in this process.
#[derive(Default)]
pub struct InFlight(Mutex<HashSet<IdempotencyKey>>);

/// Holds a token as running until dropped.
pub struct Held<'a> {
    set: &'a InFlight,
    key: Option<IdempotencyKey>,
}

impl InFlight {
    /// Holds `key` (if any) as running; refused while another request holds
    /// it.
    pub fn hold(&self, key: Option<&IdempotencyKey>) -> ApiResult<Held<'_>> {
        if let Some(key) = key {
            let mut running = self.0.lock().expect("in-flight set poisoned");
            if !running.insert(key.clone()) {
                return Err(ApiError::idempotency_processing());
            }
        }
        Ok(Held {
            set: self,
            key: key.cloned(),
        })
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.set
                .0
                .lock()
                .expect("in-flight set poisoned")
                .remove(&key);
        }
    }
}

/// Claims the token for this transaction and answers what its first
/// request answered, if it was recorded and has not expired.
pub async fn replay(conn: &impl Db, key: &IdempotencyKey, now: i64) -> ApiResult<Option<Outcome>> {
    conn.claim(key).await?;
    let stored: Option<(String, String)> = conn
        .query_opt(
            sql!(
                "SELECT request, outcome FROM idempotency WHERE app_key = $1 AND token = $2 AND expires_at > $3"
            ),
            params![key.app_key, key.token, now],
            |r| Ok((r.get("request")?, r.get("outcome")?)),
        )
        .await?;
    let Some((first, outcome)) = stored else {
        return Ok(None);
    };
    if first != key.request {
        return Err(ApiError::invalid_parameter(
            "x-client-token was first used for another request",
        ));
    }
    decode_outcome(&outcome).map(Some)
}

/// Records what the token's request answered, for a day.
pub async fn record(
    conn: &impl Db,
    key: &IdempotencyKey,
    now: i64,
    outcome: &Outcome,
) -> ApiResult<()> {
    conn.execute(
        sql!(
            "INSERT INTO idempotency (app_key, token, expires_at, request, outcome)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (app_key, token) DO UPDATE SET expires_at = excluded.expires_at,
               request = excluded.request, outcome = excluded.outcome"
        ),
        params![
            key.app_key,
            key.token,
            now + IDEMPOTENCY_TTL_SECONDS,
            key.request,
            encode_outcome(outcome)?
        ],
    )
    .await?;
    Ok(())
}

/// Forgets the tokens whose day is over.
pub async fn forget_expired(conn: &impl Db, now: i64) -> ApiResult<()> {
    conn.execute(
        sql!("DELETE FROM idempotency WHERE expires_at <= $1"),
        params![now],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(token: &str) -> IdempotencyKey {
        IdempotencyKey {
            app_key: "app".into(),
            token: token.into(),
            request: "POST /x".into(),
        }
    }

    #[test]
    fn a_running_token_is_refused_until_its_request_ends() {
        let running = InFlight::default();
        let first = running.hold(Some(&key("t"))).unwrap();
        assert_eq!(
            running.hold(Some(&key("t"))).err().unwrap().code,
            "idempotencyProcessing"
        );
        assert!(running.hold(Some(&key("u"))).is_ok());
        assert!(running.hold(None).is_ok());
        drop(first);
        assert!(running.hold(Some(&key("t"))).is_ok());
    }
}
