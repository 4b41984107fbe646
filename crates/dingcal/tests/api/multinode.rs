//! dingcal processes on one PostgreSQL database, as behind a load balancer:
//! every write acknowledged by either is kept, concurrent writes of one
//! event lose nothing, an x-client-token counts once across both, and the
//! schema is migrated once. Each needs the PostgreSQL server named by
//! DINGCAL_TEST_POSTGRES, so each is ignored unless asked for with
//! `--include-ignored` (scripts/test.sh does when the variable is set), and
//! fails without the variable.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::process::{Process, serve, spawn};

/// Two nodes on the test's own schema, sharing one directory.
fn two_nodes(db: &TestDb, dir: &std::path::Path) -> [Process; 2] {
    std::fs::write(dir.join("dir.toml"), directory_toml()).unwrap();
    [serve(dir, db), serve(dir, db)]
}

/// A caller bound to one node, owning what it needs so that it can be moved
/// into a task.
#[derive(Clone)]
struct Node {
    server: Arc<TestServer>,
    token: String,
}

impl Node {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        self.server
            .send(method, path, Some(&self.token), body, headers)
            .await
    }
}

/// Nodes A and B, calling with one app token: A's token works on B.
async fn callers(processes: &[Process; 2]) -> [Node; 2] {
    let token = TestServer::at(&processes[0].base).token("acme-full").await;
    [0, 1].map(|i| Node {
        server: Arc::new(TestServer::at(&processes[i].base)),
        token: token.clone(),
    })
}

fn users(range: std::ops::RangeInclusive<usize>) -> Vec<Value> {
    range.map(|n| json!({"id": extra_user(n)})).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn five_thousand_responses_split_across_two_nodes_are_all_recorded() {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let processes = two_nodes(&db, dir.path());
    let nodes = callers(&processes).await;

    let mut body = meeting("All hands", &[]);
    body["attendees"] = Value::Array(users(1..=500));
    let (status, event) = nodes[0]
        .call(Method::POST, &events_path("alice-union"), Some(body), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    let id = id_of(&event);
    let attendees = format!("{}/attendees", event_path("alice-union", &id));
    for batch in 1..10 {
        let from = batch * 500 + 1;
        let node = &nodes[batch % 2];
        let add = json!({"attendeesToAdd": users(from..=from + 499)});
        let (status, body) = node.call(Method::POST, &attendees, Some(add), &[]).await;
        assert_eq!(status, StatusCode::OK, "batch {batch}: {body}");
    }

    // Each attendee answers once, odd ones on A and even ones on B, 64 at a
    // time; the answer depends on the attendee so that each can be checked.
    let expected = |n: usize| if n % 3 == 0 { "declined" } else { "accepted" };
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let (nodes, next, id) = (nodes.clone(), next.clone(), id.clone());
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n > 5_000 {
                    return;
                }
                let path = format!("{}/respond", event_path(&extra_user(n), &id));
                let body = json!({"responseStatus": expected(n)});
                let (status, answer) = nodes[n % 2]
                    .call(Method::POST, &path, Some(body), &[])
                    .await;
                assert_eq!(status, StatusCode::OK, "attendee {n}: {answer}");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("responders finish");
    }

    for process in &processes {
        let server = TestServer::at(&process.base);
        let api = Api::new(&server).await;
        let path = format!("{attendees}?maxResults=500");
        let listed = all_pages(&api, &path, "attendees", 500).await;
        assert_eq!(listed.len(), 5_001, "5,000 attendees and the organizer");
        for n in 1..=5_000 {
            let entry = listed
                .iter()
                .find(|a| a["id"] == extra_user(n))
                .unwrap_or_else(|| panic!("attendee {n} listed"));
            assert_eq!(entry["responseStatus"], expected(n), "attendee {n}");
        }
    }
    for process in processes {
        assert!(process.terminate().success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn concurrent_changes_of_one_event_from_two_nodes_are_all_kept() {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let processes = two_nodes(&db, dir.path());
    let nodes = callers(&processes).await;
    let (status, event) = nodes[0]
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("Start", &["bob-union"])),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    let id = id_of(&event);
    let path = event_path("alice-union", &id);

    // Four writers at once, two per node, each changing only its own part
    // of the event: its summary, description, location, or attendee list.
    const ROUNDS: usize = 40;
    let change = |writer: usize, i: usize| match writer {
        0 => json!({"summary": format!("summary {i}")}),
        1 => json!({"description": format!("description {i}")}),
        2 => json!({"location": {"displayName": format!("room {i}")}}),
        _ => json!({"attendeesToAdd": [{"id": extra_user(i + 1)}]}),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..4 {
        let (node, path, id) = (nodes[writer % 2].clone(), path.clone(), id.clone());
        tasks.spawn(async move {
            for i in 0..ROUNDS {
                let (method, target, mut body) = match writer {
                    3 => (Method::POST, format!("{path}/attendees"), change(writer, i)),
                    _ => (Method::PUT, path.clone(), change(writer, i)),
                };
                if writer != 3 {
                    body["id"] = json!(id);
                }
                let (status, answer) = node.call(method, &target, Some(body), &[]).await;
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "writer {writer}, round {i}: {answer}"
                );
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("writers finish");
    }

    for node in &nodes {
        let (status, event) = node
            .call(Method::GET, &format!("{path}?maxAttendees=500"), None, &[])
            .await;
        assert_eq!(status, StatusCode::OK, "{event}");
        let last = ROUNDS - 1;
        assert_eq!(event["summary"], format!("summary {last}"));
        assert_eq!(event["description"], format!("description {last}"));
        assert_eq!(event["location"]["displayName"], format!("room {last}"));
        let attendees = event["attendees"].as_array().unwrap();
        for i in 0..ROUNDS {
            assert!(
                attendees.iter().any(|a| a["id"] == extra_user(i + 1)),
                "attendee {} added in round {i} is kept",
                extra_user(i + 1)
            );
        }
        assert!(attendees.iter().any(|a| a["id"] == "bob-union"));
    }
    for process in processes {
        assert!(process.terminate().success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn an_x_client_token_counts_once_across_nodes() {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let processes = two_nodes(&db, dir.path());
    let nodes = callers(&processes).await;
    let create = |summary: &str| {
        let body = Some(meeting(summary, &["bob-union"]));
        (Method::POST, events_path("alice-union"), body)
    };

    // A replay on the other node answers the first outcome.
    let (method, path, body) = create("Replayed");
    let headers = [("x-client-token", "replayed-on-b")];
    let (status, first) = nodes[0]
        .call(method.clone(), &path, body.clone(), &headers)
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = nodes[1].call(method, &path, body, &headers).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(id_of(&again), id_of(&first));

    // Sent to both at once: one applies it; the other replays it or is
    // told the first is still running.
    let (method, path, body) = create("Raced");
    let headers = [("x-client-token", "raced")];
    let (a, b) = tokio::join!(
        nodes[0].call(method.clone(), &path, body.clone(), &headers),
        nodes[1].call(method, &path, body, &headers),
    );
    let mut ids = Vec::new();
    for (status, answer) in [a, b] {
        match status.as_u16() {
            200 => ids.push(id_of(&answer)),
            400 => assert_eq!(answer["code"], "idempotencyProcessing", "{answer}"),
            other => panic!("unexpected {other}: {answer}"),
        }
    }
    assert!(!ids.is_empty());
    ids.dedup();
    assert_eq!(ids.len(), 1, "both answers name one event");

    let server = TestServer::at(&processes[1].base);
    let api = Api::new(&server).await;
    let listed = all_pages(
        &api,
        &format!(
            "{}?timeMin=2026-12-01T00:00:00Z&timeMax=2026-12-02T00:00:00Z&maxResults=100",
            events_path("alice-union")
        ),
        "events",
        100,
    )
    .await;
    for summary in ["Replayed", "Raced"] {
        let count = listed.iter().filter(|e| e["summary"] == summary).count();
        assert_eq!(count, 1, "one {summary} event");
    }
    for process in processes {
        assert!(process.terminate().success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn two_nodes_starting_on_an_empty_database_make_one_demo_app() {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let args = ["serve", "--listen", "127.0.0.1:0", "--db", &db.url];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn(&args, &[], dir.path()));
        let b = s.spawn(|| spawn(&args, &[], dir.path()));
        (a.join().unwrap(), b.join().unwrap())
    });
    let created = [&a, &b]
        .iter()
        .filter(|p| p.printed("created demo organization"))
        .count();
    assert_eq!(created, 1, "one node made the demo org");
    // The node that made it tells its secret; both name the same app.
    let announced: Vec<_> = [&a, &b].iter().filter_map(|p| p.demo_app()).collect();
    assert_eq!(announced.len(), 1);
    let (key, secret) = &announced[0];
    for node in [&a, &b] {
        assert!(node.printed(&format!("demo app: appKey={key} ")));
    }
    for node in [&a, &b] {
        let server = TestServer::at(&node.base);
        let token = server.app_token(key, secret).await;
        let (status, answer) = server
            .send(
                Method::POST,
                &events_path("alice-union"),
                Some(&token),
                Some(meeting("Demo", &["bob-union"])),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    for process in [a, b] {
        assert!(process.terminate().success());
    }
}

#[test]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
fn migrate_on_postgres_is_idempotent_and_refuses_a_newer_schema() {
    let db = TestDb::postgres();
    let migrate = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dingcal"))
            .args(["migrate", "--db", &db.url])
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let out = migrate();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    db.run_sql("UPDATE dingcal_schema SET version = 999");
    let out = migrate();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("newer"), "{stderr}");
}

/// Two nodes booking one room for the same hour at once, round after
/// round: each time exactly one booking holds it, and the other is refused
/// with `meetingRoomNotAvailable`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn two_nodes_booking_one_room_at_once_book_it_once() {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let processes = two_nodes(&db, dir.path());
    let nodes = callers(&processes).await;
    for round in 0..10 {
        let mut ids = Vec::new();
        for node in &nodes {
            let mut body = meeting("Contested", &[]);
            let hour = format!("2026-12-{:02}T10:00:00+08:00", round + 1);
            body["start"]["dateTime"] = json!(hour);
            body["end"]["dateTime"] = json!(hour.replace("T10", "T11"));
            let (status, event) = node
                .call(Method::POST, &events_path("alice-union"), Some(body), &[])
                .await;
            assert_eq!(status, StatusCode::OK, "{event}");
            ids.push(id_of(&event));
        }
        let tries = nodes.iter().zip(&ids).map(|(node, id)| {
            let node = node.clone();
            let path = format!("{}/meetingRooms", event_path("alice-union", id));
            async move {
                node.call(
                    Method::POST,
                    &path,
                    Some(json!({"meetingRoomsToAdd": [{"roomId": "room-aurora"}]})),
                    &[],
                )
                .await
            }
        });
        let answers = join_all(tries).await;
        let won = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {answers:?}");
        let lost = answers.iter().find(|(s, _)| *s != StatusCode::OK).unwrap();
        assert_eq!(lost.1["code"], "meetingRoomNotAvailable", "{lost:?}");
    }
    for process in processes {
        assert!(process.terminate().success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set DINGCAL_TEST_POSTGRES=postgres://USER@HOST:PORT/DB and run with --include-ignored"]
async fn a_clock_set_on_one_node_is_the_clock_of_both() {
    let db = TestDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let processes = two_nodes(&db, dir.path());
    let (status, _) = TestServer::at(&processes[0].base)
        .freeze_clock("2030-01-01T08:00:00Z")
        .await;
    assert_eq!(status, StatusCode::OK);
    // The other node reads the store's clock within a second or so.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // A token got from node A now is valid on the clock of node B.
    let nodes = callers(&processes).await;
    let (status, event) = nodes[1]
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("Later", &[])),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    assert_eq!(event["createTime"], "2030-01-01T08:00:00Z");
}
