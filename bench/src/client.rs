//! The client side of one connection: where requests go and the credentials
//! they carry, a request prepared up front, and a keep-alive HTTP/1.1
//! connection made directly with hyper's connection API (no pool, no
//! retries, nothing between the timer and the socket).

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request, StatusCode, Uri, Version};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-acs-dingtalk-access-token");

/// Where requests go and the credentials they carry.
pub struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    /// The header every request carries to say who sends it, if any.
    credentials: Option<(HeaderName, HeaderValue)>,
}

impl Target {
    pub fn new(addr: SocketAddr) -> Target {
        let host = HeaderValue::from_str(&addr.to_string()).expect("a socket address is ASCII");
        Target {
            addr,
            host,
            credentials: None,
        }
    }

    /// The same target, with every request carrying the DingTalk access
    /// token `token`.
    pub fn with_token(&self, token: &str) -> Result<Target, String> {
        let value =
            HeaderValue::from_str(token).map_err(|e| format!("access token {token:?}: {e}"))?;
        Ok(self.with_credentials(TOKEN_HEADER, value))
    }

    /// The same target, with every request carrying HTTP Basic credentials,
    /// as a CalDAV client sends them.
    pub fn with_basic(&self, user: &str, password: &str) -> Result<Target, String> {
        let encoded = BASE64.encode(format!("{user}:{password}"));
        let value = HeaderValue::from_str(&format!("Basic {encoded}"))
            .map_err(|e| format!("Basic credentials of {user:?}: {e}"))?;
        Ok(self.with_credentials(AUTHORIZATION, value))
    }

    fn with_credentials(&self, name: HeaderName, value: HeaderValue) -> Target {
        Target {
            addr: self.addr,
            host: self.host.clone(),
            credentials: Some((name, value)),
        }
    }
}

/// One request. Built up front where possible: `Uri`, `Bytes` and the
/// header list clone by reference count, so sending a prepared call costs
/// no parsing or copying.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub uri: Uri,
    pub body: Bytes,
    /// Headers besides Host and the target's credentials. A body is sent as
    /// JSON unless these give its Content-Type.
    headers: Arc<[(HeaderName, HeaderValue)]>,
    /// The status that answers it as asked: 200 for the DingTalk API, 207 for
    /// a WebDAV REPORT, 201 for a created resource.
    pub expect: StatusCode,
}

impl Call {
    pub fn new(method: Method, path: &str, body: impl Into<Bytes>) -> Call {
        Call {
            method,
            uri: uri(path),
            body: body.into(),
            headers: Arc::new([]),
            expect: StatusCode::OK,
        }
    }

    pub fn get(path: &str) -> Call {
        Call::new(Method::GET, path, Bytes::new())
    }

    pub fn post(path: &str, body: impl Into<Bytes>) -> Call {
        Call::new(Method::POST, path, body)
    }

    pub fn put(path: &str, body: impl Into<Bytes>) -> Call {
        Call::new(Method::PUT, path, body)
    }

    /// The same call with these headers too (for a WebDAV method: its
    /// Content-Type, Depth).
    pub fn with_headers(self, headers: &[(HeaderName, &'static str)]) -> Call {
        let headers = self
            .headers
            .iter()
            .cloned()
            .chain(
                headers
                    .iter()
                    .map(|(name, value)| (name.clone(), HeaderValue::from_static(value))),
            )
            .collect();
        Call { headers, ..self }
    }

    /// The same call, answered as asked with `status` instead of 200.
    pub fn expecting(self, status: StatusCode) -> Call {
        Call {
            expect: status,
            ..self
        }
    }

    fn describe(&self) -> String {
        format!("{} {}", self.method, self.uri)
    }
}

/// Every path the bench builds is ASCII ids joined by slashes.
fn uri(path: &str) -> Uri {
    path.parse()
        .unwrap_or_else(|e| panic!("bad request path {path:?}: {e}"))
}

/// One keep-alive connection; a new one when the server closed it.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    target: Arc<Target>,
    /// Whether the server said it closes the connection after its last
    /// answer.
    closed: bool,
}

impl Conn {
    pub async fn open(target: Arc<Target>) -> Result<Conn, String> {
        let stream = TcpStream::connect(target.addr)
            .await
            .map_err(|e| format!("connect {}: {e}", target.addr))?;
        // Requests are small and answered one at a time; Nagle would only
        // add delay.
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {}: {e}", target.addr))?;
        // The connection task does the socket I/O. Its error, if any, also
        // fails the request in flight, which is where it gets reported.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn {
            sender,
            target,
            closed: false,
        })
    }

    /// Sends `call` and reads the whole answer, so that the connection is
    /// ready for the next request. A server that closes the connection
    /// after each answer (an HTTP/1.0 server, such as Radicale's own) gets a
    /// new one for the next request, inside that request's time, as any of
    /// its clients would.
    pub async fn send(&mut self, call: &Call) -> Result<(StatusCode, Bytes), String> {
        if self.closed {
            *self = Conn::open(self.target.clone()).await?;
        }
        let failed = |e: hyper::Error| format!("{}: {e}", call.describe());
        self.sender.ready().await.map_err(failed)?;
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(call.uri.clone())
            .header(HOST, self.target.host.clone());
        if let Some((name, value)) = &self.target.credentials {
            request = request.header(name, value.clone());
        }
        if !call.body.is_empty() && !call.headers.iter().any(|(name, _)| name == CONTENT_TYPE) {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in call.headers.iter() {
            request = request.header(name, value.clone());
        }
        let request = request
            .body(Full::new(call.body.clone()))
            .map_err(|e| format!("{}: {e}", call.describe()))?;
        let response = self.sender.send_request(request).await.map_err(failed)?;
        let status = response.status();
        self.closed = closes(response.version(), response.headers());
        let body = response.into_body().collect().await.map_err(failed)?;
        Ok((status, body.to_bytes()))
    }

    /// Sends `call` and insists on the status it expects (200 unless it
    /// says otherwise), for setting things up.
    pub async fn expect_ok(&mut self, call: &Call) -> Result<Bytes, String> {
        match self.send(call).await? {
            (status, body) if status == call.expect => Ok(body),
            (status, body) => Err(answer_error(call, status, &body)),
        }
    }
}

/// Whether an answer closes its connection: HTTP/1.1 keeps it open unless
/// told `close`; HTTP/1.0 closes it unless told `keep-alive`.
fn closes(version: Version, headers: &HeaderMap) -> bool {
    let says = |token: &str| {
        headers.get_all(CONNECTION).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if version == Version::HTTP_10 {
        !says("keep-alive")
    } else {
        says("close")
    }
}

pub fn answer_error(call: &Call, status: StatusCode, body: &[u8]) -> String {
    format!(
        "{} answered {status}: {}",
        call.describe(),
        String::from_utf8_lossy(body)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONNECTION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn an_http_1_0_answer_closes_unless_kept_alive() {
        assert!(closes(Version::HTTP_10, &HeaderMap::new()));
        assert!(!closes(Version::HTTP_10, &connection("Keep-Alive")));
    }

    #[test]
    fn an_http_1_1_answer_keeps_the_connection_unless_closed() {
        assert!(!closes(Version::HTTP_11, &HeaderMap::new()));
        assert!(closes(Version::HTTP_11, &connection("upgrade, close")));
    }

    #[test]
    fn basic_credentials_are_user_colon_password_in_base64() {
        let target = Target::new(SocketAddr::from(([127, 0, 0, 1], 1)))
            .with_basic("Aladdin", "open sesame")
            .unwrap();
        let (name, value) = target.credentials.unwrap();
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }
}
