//! The HTTP API: state, router, and serving with graceful shutdown. One
//! module per resource holds its routes and handlers; `auth` says who is
//! calling, `extract` and `query` read requests, `error` shapes refusals.

mod attendees;
mod auth;
pub mod error;
mod events;
pub mod extract;
mod instances;
mod oauth;
mod query;
mod respond;
mod schedule;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::directory::Directory;
use crate::store::Store;
use auth::TokenCache;

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    tokens: TokenCache,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, directory: Arc<Directory>) -> AppState {
        AppState {
            store,
            directory,
            tokens: TokenCache::default(),
        }
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
