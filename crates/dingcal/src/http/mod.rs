//! The HTTP API: state, router, and serving with graceful shutdown. One
//! module per resource holds its routes and handlers; `auth` says who is
//! calling, `extract` and `query` read requests, `error` shapes refusals.

mod answer;
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
use std::time::Duration;

use std::convert::Infallible;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::response::Response;
use axum::routing::get;
use axum::{Router, ServiceExt};
use tokio::net::TcpListener;
use tower::{Service, ServiceBuilder};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::directory::Directory;
use crate::store::Store;
use crate::wire::render::Renderer;
use auth::TokenCache;

/// The longest a request may take, reading its body included (dingcal's
/// choice).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub directory: Arc<Directory>,
    pub render: Renderer,
    tokens: TokenCache,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, directory: Arc<Directory>) -> AppState {
        AppState {
            store,
            render: Renderer::new(directory.clone()),
            directory,
            tokens: TokenCache::default(),
        }
    }
}

/// Every route, each answered inside a span of its own (which needs the
/// route it matched, so it is laid on the routes).
pub fn routes(state: Arc<AppState>) -> Router {
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
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                .on_failure(()),
        )
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
        .layer(axum::middleware::from_fn(error::read_body))
        .service(routes(state).layer(DefaultBodyLimit::disable()))
}

/// A request's span: its method, matched route and id. At debug level, so
/// that it costs nothing unless asked for (`DINGCAL_LOG=debug`).
fn request_span(request: &axum::extract::Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get(error::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::debug_span!("request", method = %request.method(), route, request_id)
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
    axum::serve(listener, app(state).into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}
