//! CalDAV (RFC 4791, with RFC 6578 sync and RFC 6764 discovery) at
//! `/dav/`: the calendars a user sees through the API, as a calendar app
//! sees them. One model, two views: CalDAV reads the API's events, and what
//! a CalDAV client writes goes through the same store writes as the API's
//! operations.
//!
//! A user signs in with the username and password GenerateCaldavAccount
//! gave them (HTTP Basic) and acts as a user token of theirs would: their
//! own calendar (`primary`), those shared with them and the subscribed
//! calendars they use, each at the privilege the API gives.

mod account;
mod collection;
mod ical;
mod object;
mod parse;
mod xml;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

use super::AppState;
use super::auth::{Access, CalendarAccess, Read};
use super::error::Verbatim;
use super::extract::CalendarPath;
use crate::directory::Grant;
use crate::domain::calendar::{Privilege, visible_part};
use crate::domain::event::Event;
use crate::domain::{CorpId, EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::store::CalendarObject;

/// Where CalDAV lives; GenerateCaldavAccount's `serverAddress` ends so.
pub const ROOT: &str = "/dav/";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .merge(account::router())
        .route("/.well-known/caldav", any(well_known))
        .route("/dav", any(dav))
        .route(ROOT, any(dav))
        .route("/dav/{*rest}", any(dav))
}

/// RFC 6764: the well-known address leads to the root, which names the
/// signed-in user's principal.
async fn well_known() -> Response {
    let mut answer = answer(StatusCode::MOVED_PERMANENTLY, None, String::new());
    answer
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(ROOT));
    answer
}

/// Everything a path segment may not hold as it is.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@');

pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// An answer of CalDAV's own, which the API's error shaping leaves alone.
pub fn answer(status: StatusCode, content_type: Option<&'static str>, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("dav", HeaderValue::from_static("1, 3, calendar-access"));
    match content_type {
        Some(t) => headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(t)),
        None => headers.remove(header::CONTENT_TYPE),
    };
    response.extensions_mut().insert(Verbatim);
    response
}

pub const XML: &str = "application/xml; charset=utf-8";

/// A refusal with RFC 4791's precondition element, and what was wrong.
pub fn refuse(status: StatusCode, precondition: (&str, &str), message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"{}\" xmlns:C=\"{}\">{}{}</D:error>",
        xml::DAV,
        xml::CALDAV,
        xml::element(precondition.0, precondition.1, ""),
        xml::element("urn:dingcal", "message", &xml::escape(message)),
    );
    answer(status, Some(XML), body)
}

/// An error of the store or of the API's rules, as CalDAV answers it.
fn failed(e: ApiError) -> Response {
    let status = match e.status as u16 {
        404 => StatusCode::NOT_FOUND,
        // A calendar the user may not use, or may not write.
        403 => StatusCode::FORBIDDEN,
        // A rule of the API refused what was written.
        400 => StatusCode::FORBIDDEN,
        409 => StatusCode::CONFLICT,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::FORBIDDEN && e.status as u16 == 400 {
        return refuse(
            status,
            (xml::CALDAV, "valid-calendar-object-resource"),
            &e.message,
        );
    }
    answer(
        status,
        Some("text/plain; charset=utf-8"),
        e.message.into_owned(),
    )
}

fn unauthorized() -> Response {
    let mut r = answer(
        StatusCode::UNAUTHORIZED,
        Some("text/plain; charset=utf-8"),
        "Sign in with the username and password GenerateCaldavAccount gave.".into(),
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"dingcal\", charset=\"UTF-8\""),
    );
    r
}

/// A signed-in CalDAV user.
pub struct Dav {
    state: Arc<AppState>,
    /// As the user's own token would act.
    access: Access<Read>,
    corp_id: CorpId,
    user: UnionId,
    username: String,
}

/// What a path under `/dav/` names.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Root,
    Principal,
    Home,
    Calendar(String),
    Object(String, String),
}

/// Reads a path; another user's part of the tree is refused, as the API
/// refuses another's calendar to a user token.
fn target(path: &str, username: &str) -> Result<Target, StatusCode> {
    let rest = path.strip_prefix("/dav").unwrap_or(path);
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let mine = |name: &String| {
        if name == username {
            Ok(())
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    };
    match segments.as_slice() {
        [] => Ok(Target::Root),
        [kind, name] if kind == "principals" => mine(name).map(|_| Target::Principal),
        [kind, name] if kind == "calendars" => mine(name).map(|_| Target::Home),
        [kind, name, cal] if kind == "calendars" => {
            mine(name).map(|_| Target::Calendar(cal.clone()))
        }
        [kind, name, cal, res] if kind == "calendars" => {
            mine(name).map(|_| Target::Object(cal.clone(), res.clone()))
        }
        _ => Err(StatusCode::NOT_FOUND),
    }
}

async fn dav(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if parts.method == Method::OPTIONS {
        let mut r = answer(StatusCode::OK, None, String::new());
        r.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static("OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT"),
        );
        return r;
    }
    let Some(dav) = sign_in(state, &parts.headers).await else {
        return unauthorized();
    };
    // The body was read whole before any handler ran (error::read_body).
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let target = match target(parts.uri.path(), &dav.username) {
        Ok(t) => t,
        Err(status) => return answer(status, None, String::new()),
    };
    dav.serve(&parts.method, &parts.headers, target, body).await
}

/// The user the request's Basic credentials open an account of.
async fn sign_in(state: Arc<AppState>, headers: &HeaderMap) -> Option<Dav> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (username, password) = decoded.split_once(':')?;
    let (corp_id, user) = state
        .store
        .caldav_login(username.to_string(), password.to_string())
        .await
        .ok()??;
    // A user the directory no longer has cannot sign in.
    state.directory.member(&corp_id, user.as_str()).ok()?;
    let grant = Arc::new(Grant {
        app_key: format!("caldav:{username}"),
        corp_id: corp_id.clone(),
        permissions: Vec::new(),
        user: Some(user.clone()),
    });
    Some(Dav {
        access: Access::acting_as(grant, state.clock.now()),
        state,
        corp_id,
        user,
        username: username.to_string(),
    })
}

/// The strong ETag of an object's text.
pub fn etag(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The name an event's resource has in every calendar that shows it.
pub fn resource_of(event: &Event) -> String {
    match &event.ical {
        Some(name) => name.resource.clone(),
        None => format!("{}.ics", event.id.as_str()),
    }
}

impl Dav {
    async fn serve(
        &self,
        method: &Method,
        headers: &HeaderMap,
        target: Target,
        body: Bytes,
    ) -> Response {
        let depth = headers
            .get("depth")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("1");
        let result = match (method.as_str(), target) {
            ("PROPFIND", t) => self.propfind(t, depth != "0", &body).await,
            ("REPORT", Target::Calendar(cal)) => self.report(&cal, &body).await,
            ("GET" | "HEAD", Target::Object(cal, res)) => self.get(&cal, &res).await,
            ("PUT", Target::Object(cal, res)) => self.put(&cal, &res, headers, &body).await,
            ("DELETE", Target::Object(cal, res)) => self.delete(&cal, &res, headers).await,
            ("GET" | "HEAD", _) => Ok(answer(
                StatusCode::OK,
                Some("text/plain; charset=utf-8"),
                "dingcal CalDAV: point a calendar app at this address.\n".into(),
            )),
            _ => Ok(answer(StatusCode::METHOD_NOT_ALLOWED, None, String::new())),
        };
        let mut response = result.unwrap_or_else(failed);
        if method == Method::HEAD {
            *response.body_mut() = axum::body::Body::empty();
        }
        response
    }

    fn principal_path(&self) -> String {
        format!("{ROOT}principals/{}/", encode(&self.username))
    }

    fn home_path(&self) -> String {
        format!("{ROOT}calendars/{}/", encode(&self.username))
    }

    fn calendar_path(&self, cal: &str) -> String {
        format!("{}{}/", self.home_path(), encode(cal))
    }

    /// A calendar the user may use at `needed`.
    async fn calendar(&self, cal: &str, needed: Privilege) -> ApiResult<CalendarAccess> {
        let path = CalendarPath {
            user_id: self.user.as_str().to_string(),
            calendar_id: cal.to_string(),
            event_id: None,
            acl_id: None,
            room_id: None,
        };
        self.access.calendar(&self.state, &path, needed).await
    }

    /// The object a resource name stands for in a calendar: an event a
    /// client wrote under that name (the calendar owner's own first) that
    /// the calendar shows, else the event of that id.
    async fn object_at(
        &self,
        calendar: &CalendarAccess,
        resource: &str,
    ) -> ApiResult<CalendarObject> {
        let written = self
            .state
            .store
            .resource_events(
                self.corp_id.clone(),
                calendar.owner.clone(),
                resource.to_string(),
            )
            .await?;
        let by_id = resource
            .strip_suffix(".ics")
            .filter(|id| !id.is_empty())
            .map(|id| EventId(id.to_string()));
        for id in written.into_iter().chain(by_id) {
            match self.object(calendar, id).await {
                Err(e) if e.status as u16 == 404 => continue,
                found => return found,
            }
        }
        Err(ApiError::event_not_found())
    }

    /// An event of the calendar, whole, as the privilege shows it.
    async fn object(&self, calendar: &CalendarAccess, id: EventId) -> ApiResult<CalendarObject> {
        let object = self
            .state
            .store
            .calendar_object(self.corp_id.clone(), calendar.owner.clone(), id)
            .await?;
        Ok(shown(object, calendar.privilege))
    }

    /// An object's text and ETag.
    fn text(&self, object: &CalendarObject) -> (String, String) {
        let text = ical::render(&self.state.directory, object);
        let tag = etag(&text);
        (text, tag)
    }
}

/// What `privilege` shows of an object.
fn shown(mut object: CalendarObject, privilege: Privilege) -> CalendarObject {
    if privilege < Privilege::Reader {
        object.event = visible_part(object.event, privilege);
        object.overrides = object
            .overrides
            .into_iter()
            .map(|o| visible_part(o, privilege))
            .collect();
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_signed_in_users_tree_only() {
        assert_eq!(target("/dav/", "u_a"), Ok(Target::Root));
        assert_eq!(target("/dav/principals/u_a/", "u_a"), Ok(Target::Principal));
        assert_eq!(
            target("/dav/calendars/u_a/primary/x%20y.ics", "u_a"),
            Ok(Target::Object("primary".into(), "x y.ics".into()))
        );
        assert_eq!(
            target("/dav/calendars/u_b/primary/", "u_a"),
            Err(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            target("/dav/elsewhere/u_a/", "u_a"),
            Err(StatusCode::NOT_FOUND)
        );
        assert_eq!(encode("a b/c@d.ics"), "a%20b%2Fc@d.ics");
    }
}
