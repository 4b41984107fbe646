//! The HTTP API: state, router, and serving with graceful shutdown. One
//! module per resource holds its routes and handlers.

mod attendees;
pub mod error;
mod events;
pub mod extract;
mod instances;
mod oauth;
mod respond;
mod schedule;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use jiff::Timestamp;
use tokio::net::TcpListener;

use crate::directory::{Directory, Grant};
use crate::domain::{UnionId, check_calendar_id, time};
use crate::error::{ApiError, ApiResult};
use crate::store::{IdempotencyKey, Store, WriteMeta};
use extract::{Access, CalendarPath, ClientToken};

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    /// Tokens already checked, with their expiry: a token never changes
    /// owner, so this cache only saves a read.
    tokens: Mutex<HashMap<String, (Arc<Grant>, Timestamp)>>,
    /// x-client-tokens whose first request is still running here. The
    /// embedded store serves one process, so this is the whole truth there;
    /// on PostgreSQL the store also claims each token in the database
    /// (`Db::claim`), for requests running on other nodes.
    in_flight: Mutex<HashSet<IdempotencyKey>>,
}

/// Holds an x-client-token as in flight until dropped.
pub struct InFlight<'a> {
    state: &'a AppState,
    key: Option<IdempotencyKey>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.state
                .in_flight
                .lock()
                .expect("in-flight set poisoned")
                .remove(&key);
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, directory: Arc<Directory>) -> AppState {
        AppState {
            store,
            directory,
            tokens: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashSet::new()),
        }
    }

    /// What an access token grants, if it is known and unexpired.
    pub async fn authenticate(&self, token: &str) -> ApiResult<Arc<Grant>> {
        let now = time::now();
        let cached = self
            .tokens
            .lock()
            .expect("token cache poisoned")
            .get(token)
            .cloned();
        if let Some((grant, expires)) = cached {
            if expires > now {
                return Ok(grant);
            }
        }
        let record = self
            .store
            .token(token)
            .await?
            .filter(|r| r.expires_at > now)
            .ok_or_else(ApiError::invalid_token)?;
        let app = self
            .directory
            .app(&record.app_key)
            .ok_or_else(ApiError::invalid_token)?;
        let grant = Arc::new(Grant {
            user: record.user,
            ..app.grant.clone()
        });
        let mut cache = self.tokens.lock().expect("token cache poisoned");
        cache.retain(|_, (_, exp)| *exp > now);
        cache.insert(token.to_string(), (grant.clone(), record.expires_at));
        Ok(grant)
    }

    /// The user whose primary calendar the path names, within the token's org.
    pub fn calendar_owner(&self, grant: &Grant, path: &CalendarPath) -> ApiResult<UnionId> {
        check_calendar_id(&path.calendar_id)?;
        self.directory.member(&grant.corp_id, &path.user_id)
    }

    /// Starts a write: refuses an x-client-token whose first request is
    /// still running, and holds this one's until the guard drops.
    pub fn begin_write<P>(
        &self,
        access: &Access<P>,
        caller: UnionId,
        client_token: ClientToken,
    ) -> ApiResult<(WriteMeta, InFlight<'_>)> {
        let key = client_token.token.map(|token| IdempotencyKey {
            app_key: access.grant.app_key.clone(),
            token,
            request: client_token.request,
        });
        if let Some(key) = &key {
            let mut in_flight = self.in_flight.lock().expect("in-flight set poisoned");
            if !in_flight.insert(key.clone()) {
                return Err(ApiError::idempotency_processing());
            }
        }
        let meta = WriteMeta {
            corp_id: access.grant.corp_id.clone(),
            caller,
            now: time::now(),
            idempotency: key.clone(),
        };
        Ok((meta, InFlight { state: self, key }))
    }
}

pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(oauth::router())
        .merge(events::router())
        .merge(attendees::router())
        .merge(respond::router())
        .merge(instances::router())
        .merge(schedule::router())
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn(error::request_context))
        // request_context already holds bodies to their limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
