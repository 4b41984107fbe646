//! What a careless or hostile client may not do: hold a connection with a
//! header or a body that never ends, name an event with spaces around its
//! id, or slip a rule of the seeds by leaving a field out.

use std::time::{Duration, Instant};

use dingcal::http::Limits;
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

fn quick_limits() -> Limits {
    Limits {
        header_read: Duration::from_millis(500),
        body_idle: Duration::from_millis(500),
        ..Limits::default()
    }
}

fn addr(s: &TestServer) -> String {
    s.base.trim_start_matches("http://").to_string()
}

/// Reads what the server sends until it closes the connection, failing if
/// it has not within `within`.
async fn read_until_closed(conn: &mut TcpStream, within: Duration) -> String {
    let mut got = Vec::new();
    tokio::time::timeout(within, conn.read_to_end(&mut got))
        .await
        .expect("the server closed the connection in time")
        .expect("read");
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn a_header_sent_a_byte_at_a_time_is_cut_off() {
    let s = TestServer::start_with(quick_limits()).await;
    let mut conn = TcpStream::connect(addr(&s)).await.unwrap();
    let started = Instant::now();
    // Never ends its header: each byte comes before the limit, the whole
    // header never does.
    let writer = async {
        for b in b"GET /healthz HTTP/1.1\r\nx-slow: " {
            if conn.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(2), writer)
        .await
        .unwrap_or(());
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), conn.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(_)) | Ok(Err(_))),
        "the connection is closed"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    // Everyone else is still served.
    let (status, _) = s.send(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(status.as_u16(), 200);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let s = TestServer::start_with(quick_limits()).await;
    let mut conn = TcpStream::connect(addr(&s)).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut conn, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_stalled_body_is_cut_off_with_its_own_error_and_nothing_is_written() {
    let s = TestServer::start_with(quick_limits()).await;
    let token = s.token("acme-full").await;
    let body = meeting("stalled", &[]).to_string();
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         x-acs-dingtalk-access-token: {token}\r\ncontent-length: {}\r\n\r\n",
        events_path("alice-union"),
        body.len()
    );
    let mut conn = TcpStream::connect(addr(&s)).await.unwrap();
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body.as_bytes()[..body.len() / 2])
        .await
        .unwrap();
    let answer = read_until_closed(&mut conn, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"RequestTimeout\""), "{answer}");
    let api = Api::new(&s).await;
    let listed = all_pages(&api, &events_path("alice-union"), "events", 100).await;
    assert!(listed.is_empty(), "{listed:?}");
}

#[tokio::test]
async fn an_event_id_with_spaces_around_it_names_no_event() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("exact", &[])).await);
    for padded in [
        format!("{id}%20"),
        format!("%20{id}"),
        format!("{id}%09"),
        format!("{id}%0A"),
        format!("{id}%E3%80%80"),
        format!("{id}%C2%A0"),
    ] {
        let path = event_path("alice-union", &padded);
        let got = api.call(Method::GET, &path, None).await;
        assert_error(&got, 404, "itemNotFound", None);
        let deleted = api.call(Method::DELETE, &path, None).await;
        assert_error(&deleted, 404, "itemNotFound", None);
    }
    let (status, _) = api
        .call(Method::GET, &event_path("alice-union", &id), None)
        .await;
    assert_eq!(status.as_u16(), 200);
    let calendar = "/v1.0/calendar/users/alice-union/calendars/primary%20/events";
    let listed = api.call(Method::GET, calendar, None).await;
    assert_error(&listed, 404, "itemNotFound", None);
}

/// The seed: `date` "must be empty for a non-all-day event", and an omitted
/// isAllDay leaves a timed event timed.
#[tokio::test]
async fn patching_dates_onto_a_timed_event_without_is_all_day_is_refused() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("timed", &[])).await);
    let before = api.get("alice-union", &id).await;
    let patch = json!({
        "id": id,
        "start": {"date": "2026-12-05"},
        "end": {"date": "2026-12-06"},
    });
    let refused = api
        .call(Method::PUT, &event_path("alice-union", &id), Some(patch))
        .await;
    assert_error(&refused, 400, "invalidParameter", None);
    assert_eq!(stable(&api.get("alice-union", &id).await), stable(&before));
}

/// A dingcal process on a fresh PostgreSQL schema with the test directory:
/// the schema, its folder, the process and a client of it.
fn postgres_node() -> (
    TestDb,
    tempfile::TempDir,
    crate::process::Process,
    TestServer,
) {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dir.toml"), directory_toml()).unwrap();
    let node = crate::process::serve(dir.path(), &db);
    let server = TestServer::at(&node.base);
    (db, dir, node, server)
}

/// Connections PostgreSQL has dropped are never handed to a request as if
/// alive: after every connection of the server is terminated, requests get
/// their answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn connections_postgres_dropped_are_replaced_unnoticed() {
    let (db, _dir, node, server) = postgres_node();
    let api = Api::new(&server).await;
    let id = id_of(
        &api.create("alice-union", meeting("kept", &["bob-union"]))
            .await,
    );
    // Warm every pooled connection, so that all are there to be dropped.
    let path = event_path("alice-union", &id);
    join_all((0..16).map(|_| api.call(Method::GET, &path, None))).await;
    let terminate = || {
        db.run_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = current_schema() AND pid <> pg_backend_pid()",
        )
    };
    terminate();
    // At once, before the pool may have noticed: reads run again on a
    // fresh connection.
    for _ in 0..12 {
        let (status, body) = api.call(Method::GET, &path, None).await;
        assert_eq!(status.as_u16(), 200, "{body}");
    }
    // So does a transaction whose connection was lost before its COMMIT.
    join_all((0..16).map(|_| api.call(Method::GET, &path, None))).await;
    terminate();
    for _ in 0..4 {
        api.create("alice-union", meeting("after", &[])).await;
    }
    assert!(node.terminate().success());
}

/// `/metrics` counts requests by operation and status, and refusals by
/// code. (The counts are the process's, which other tests share: only
/// their growth is checked.)
#[tokio::test]
async fn metrics_count_requests_by_operation_and_refusals_by_code() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let count = |text: &str, series: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(0, |v| v as u64)
    };
    let scrape = || async {
        let resp = reqwest::get(format!("{}/metrics", s.base)).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.text().await.unwrap()
    };
    let ok = r#"dingcal_requests_total{operation="GetEvent",status="200"}"#;
    let missing = r#"dingcal_errors_total{code="itemNotFound"}"#;
    let before = scrape().await;
    let id = id_of(&api.create("alice-union", meeting("counted", &[])).await);
    api.get("alice-union", &id).await;
    let gone = api
        .call(
            Method::GET,
            &event_path("alice-union", "no-such-event"),
            None,
        )
        .await;
    assert_error(&gone, 404, "itemNotFound", None);
    let after = scrape().await;
    assert!(count(&after, ok) > count(&before, ok), "{after}");
    assert!(count(&after, missing) > count(&before, missing), "{after}");
    assert!(
        after.contains("dingcal_request_duration_seconds_bucket"),
        "{after}"
    );
}

/// A token removed from the database stops working within seconds, though
/// the server had checked it before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn a_token_removed_in_the_database_stops_working_within_seconds() {
    let (db, _dir, node, server) = postgres_node();
    let api = Api::new(&server).await;
    let (status, _) = api
        .call(Method::GET, &events_path("alice-union"), None)
        .await;
    assert_eq!(status.as_u16(), 200);
    db.run_sql("DELETE FROM access_tokens");
    let removed = Instant::now();
    loop {
        let answer = api
            .call(Method::GET, &events_path("alice-union"), None)
            .await;
        if answer.0.as_u16() == 400 {
            assert_error(&answer, 400, "InvalidAuthentication", None);
            break;
        }
        assert!(removed.elapsed() < Duration::from_secs(8), "still accepted");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(node.terminate().success());
}
