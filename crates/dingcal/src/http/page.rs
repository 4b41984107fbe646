//! The few pages a browser sees outside the console (the stand-in sign-in,
//! sign-in links): plain HTML, written here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::Verbatim;

pub fn html_escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A page with a title and a body already escaped.
pub fn html_page(status: StatusCode, title: &str, body: &str) -> Response {
    html(
        status,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - dingcal</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body></html>\n"
        ),
    )
}

/// An HTML document as the answer, which the API's error shaping leaves as
/// it is whatever its status (a browser is shown the page, not JSON).
pub fn html(status: StatusCode, document: String) -> Response {
    // No other site may frame a page: its buttons act on the server.
    let mut response = (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        ],
        document,
    )
        .into_response();
    response.extensions_mut().insert(Verbatim);
    response
}
