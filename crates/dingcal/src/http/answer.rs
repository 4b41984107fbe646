//! What a handler answers with: a JSON body, serialised into a buffer sized
//! for an event answer (axum's own starts at 128 bytes and grows it several
//! times for each answer).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

/// Room for one event answer with its attendees; lists grow from there.
const ANSWER_CAPACITY: usize = 1024;

pub struct JsonAnswer<T>(pub T);

impl<T: Serialize> IntoResponse for JsonAnswer<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(ANSWER_CAPACITY);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => ApiError::internal(e).into_response(),
        }
    }
}
