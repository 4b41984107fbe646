//! The HTTP API: state, router, and serving with graceful shutdown. One
//! module per resource holds its routes and handlers; `auth` says who is
//! calling, `extract` and `query` read requests, `error` shapes refusals.

mod access;
mod answer;
mod attendees;
mod auth;
mod calendars;
mod controls;
pub use controls::follow_clock;
mod dav;
pub mod error;
mod events;
pub mod extract;
mod instances;
mod legacy;
mod minutes;
mod oauth;
mod openapi;
mod operations;
mod organizer;
mod page;
mod plugins;
mod query;
mod respond;
mod rooms;
mod schedule;
mod serve;
mod signin;
mod subscribed;

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::Response;
use axum::routing::get;
use tower::{Service, ServiceBuilder};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};

use crate::directory::Directory;
use crate::store::Store;
use crate::wire::render::Renderer;
use auth::TokenCache;

pub use access::{AccessLog, LogFormat};
pub use serve::{Limits, serve};

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    pub render: Renderer,
    tokens: TokenCache,
    limits: Limits,
    access: AccessLog,
    /// The memory request bodies may hold at once, in KiB.
    bodies: Arc<tokio::sync::Semaphore>,
    /// Turns the emulator controls on (`--admin-token`).
    admin_token: Option<String>,
    controls: controls::Controls,
    /// What "now" is: the system's time unless the controls set it.
    pub clock: crate::domain::time::Clock,
    /// `http` or `https`: how clients reach this server.
    scheme: &'static str,
    /// `--public-url`: the address answers give of this server.
    public_url: Option<String>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        directory: Arc<Directory>,
        limits: Limits,
        access: AccessLog,
    ) -> AppState {
        AppState {
            access,
            store,
            render: Renderer::new(directory.clone()),
            directory,
            tokens: TokenCache::default(),
            bodies: Arc::new(tokio::sync::Semaphore::new(limits.body_memory_kib())),
            limits,
            admin_token: None,
            controls: controls::Controls::default(),
            clock: Default::default(),
            scheme: "http",
            public_url: None,
        }
    }

    /// The same, with the emulator controls on for this token, and
    /// throttling from the start at `throttle_qps` (`--throttle-qps`).
    pub fn with_controls(self, admin_token: Option<String>, throttle_qps: Option<u32>) -> AppState {
        self.controls.throttle(throttle_qps);
        AppState {
            admin_token: admin_token.filter(|t| !t.is_empty()),
            ..self
        }
    }
}

impl AppState {
    /// The same, reached by clients over `scheme`, and at `public_url` if
    /// given (checked, with no trailing slash: see `cli::public_url`).
    pub fn with_address(self, scheme: &'static str, public_url: Option<String>) -> AppState {
        AppState {
            scheme,
            public_url,
            ..self
        }
    }

    /// The address clients reach this server at, with no trailing slash:
    /// `--public-url`, else the host a request was sent to.
    pub fn own_address(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("{}://{host}", self.scheme)
    }
}

/// Every route, each answered inside a span of its own and logged once
/// answered (which needs the route it matched, so it is laid on the
/// routes).
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
        .merge(oauth::router())
        .merge(calendars::router())
        .merge(events::router())
        .merge(attendees::router())
        .merge(respond::router())
        .merge(organizer::router())
        .merge(rooms::router())
        .merge(signin::router())
        .merge(plugins::router())
        .merge(subscribed::router())
        .merge(legacy::router())
        .merge(instances::router())
        .merge(schedule::router())
        .merge(dav::router())
        .merge(minutes::router())
        .merge(controls::router())
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::trace,
        ))
        .with_state(state)
}

/// The whole server: the routes inside the layers every request passes
/// once, outermost first: errors in the API's shape, the request id, and
/// the body read whole within the time limit (`read_body` holds it to its
/// limit).
pub fn app(
    state: Arc<AppState>,
) -> impl Clone + Service<Request, Response = Response, Error = Infallible, Future: Send> + Send + 'static
{
    ServiceBuilder::new()
        .layer(axum::middleware::from_fn(error::shape_errors))
        .layer(SetRequestIdLayer::new(
            error::REQUEST_ID_HEADER,
            error::NewRequestId,
        ))
        .layer(PropagateRequestIdLayer::new(error::REQUEST_ID_HEADER))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::read_body,
        ))
        .service(routes(state).layer(DefaultBodyLimit::disable()))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics_page() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::metrics().render(),
    )
}
