//! What a handler answers with: a JSON body, serialised into a buffer sized
//! for an event answer (axum's own starts at 128 bytes and grows it several
//! times for each answer).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::wire::event::ResultBody;

/// Room for one event answer with its attendees; lists grow from there.
const ANSWER_CAPACITY: usize = 1024;

pub struct JsonAnswer<T>(pub T);

/// A JSON body already written (see `wire::render`).
pub struct RawJson(pub Vec<u8>);

impl IntoResponse for RawJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

impl RawJson {
    /// A value serialised, for answers that borrow what they show.
    /// `{"result": true}`: what many writes answer.
    pub fn done() -> Result<RawJson, ApiError> {
        RawJson::of(&ResultBody { result: true })
    }

    pub fn of<T: Serialize>(value: &T) -> Result<RawJson, ApiError> {
        let mut body = Vec::with_capacity(ANSWER_CAPACITY);
        serde_json::to_writer(&mut body, value)?;
        Ok(RawJson(body))
    }
}

impl<T: Serialize> IntoResponse for JsonAnswer<T> {
    fn into_response(self) -> Response {
        match RawJson::of(&self.0) {
            Ok(body) => body.into_response(),
            Err(e) => e.into_response(),
        }
    }
}
