//! The store's state as a whole, for the emulator controls: reset.

use async_trait::async_trait;

use super::SqlStore;
use super::db::{Backend, Db, Sql, sql};
use crate::error::ApiResult;
use crate::store::StateStore;

/// Everything but the directory (orgs, users, apps, rooms, categories,
/// plugins) and the change counter, which only moves forward so that no
/// syncToken given before a reset reads as one given after.
const STATE: [Sql; 17] = [
    sql!("DELETE FROM access_tokens"),
    sql!("DELETE FROM auth_codes"),
    sql!("DELETE FROM refresh_tokens"),
    sql!("DELETE FROM idempotency"),
    sql!("DELETE FROM attendees"),
    sql!("DELETE FROM exceptions"),
    sql!("DELETE FROM removals"),
    sql!("DELETE FROM room_slots"),
    sql!("DELETE FROM sign_ins"),
    sql!("DELETE FROM sign_links"),
    sql!("DELETE FROM minutes"),
    sql!("DELETE FROM dav_resources"),
    sql!("DELETE FROM events"),
    sql!("DELETE FROM acls"),
    sql!("DELETE FROM subscriptions"),
    sql!("DELETE FROM subscribed_calendars"),
    sql!("DELETE FROM caldav_accounts"),
];

#[async_trait]
impl<B: Backend> StateStore for SqlStore<B> {
    async fn reset(&self) -> ApiResult<()> {
        self.backend
            .write(move |conn| {
                Box::pin(async move {
                    for statement in STATE {
                        conn.execute(statement, &[]).await?;
                    }
                    Ok(())
                })
            })
            .await
    }
}
