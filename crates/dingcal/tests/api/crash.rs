//! A server killed with SIGKILL in the middle of a write load loses no write
//! it acknowledged and leaves none half-applied. `DINGCAL_CRASH_ROUNDS` sets
//! how many kills (3 by default; the soak runs more). It runs on the suite's
//! backend (`DINGCAL_TEST_STORE`), so on SQLite and on PostgreSQL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;
use crate::process::serve;

const WRITERS: usize = 8;
const ATTENDEES: [&str; 3] = ["bob-union", "carol-union", "dave-union"];

/// What the writers were told, and what they had asked and not yet heard.
#[derive(Default)]
struct Ledger {
    created: Vec<String>,
    /// (event, attendee) -> the statuses the stored one may be: the last
    /// acknowledged, and one asked but unanswered when the server died.
    responses: HashMap<(String, String), Vec<String>>,
    /// Events whose second batch of attendees was acknowledged.
    grown: Vec<String>,
}

/// The batch of three directory users a writer adds to its i-th event.
fn added(n: usize, i: usize) -> [String; 3] {
    let first = 1 + ((n * 1_000 + i) * 3) % (EXTRA_USERS - 3);
    [0, 1, 2].map(|k| extra_user(first + k))
}

async fn writer(
    http: reqwest::Client,
    base: String,
    token: String,
    ledger: Arc<Mutex<Ledger>>,
    n: usize,
) {
    for i in 0.. {
        let body = json!({"summary": format!("w{n}-{i}"),
            "start": {"dateTime": "2026-12-01T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": "2026-12-01T11:00:00+08:00", "timeZone": "Asia/Shanghai"},
            "attendees": ATTENDEES.iter().map(|a| json!({"id": a})).collect::<Vec<_>>()});
        let Ok(resp) = http
            .post(format!("{base}{}", events_path("alice-union")))
            .header("x-acs-dingtalk-access-token", &token)
            .json(&body)
            .send()
            .await
        else {
            return;
        };
        let Ok(created) = resp.json::<Value>().await else {
            return;
        };
        let id = id_of(&created);
        ledger.lock().unwrap().created.push(id.clone());
        let more: Vec<Value> = added(n, i).iter().map(|a| json!({"id": a})).collect();
        let sent = http
            .post(format!(
                "{base}{}/attendees",
                event_path("alice-union", &id)
            ))
            .header("x-acs-dingtalk-access-token", &token)
            .json(&json!({"attendeesToAdd": more}))
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => ledger.lock().unwrap().grown.push(id.clone()),
            _ => return,
        }
        let attendee = ATTENDEES[i % ATTENDEES.len()];
        for status in ["accepted", "declined"] {
            let key = (id.clone(), attendee.to_string());
            ledger
                .lock()
                .unwrap()
                .responses
                .entry(key.clone())
                .or_insert_with(|| vec!["needsAction".into()])
                .push(status.into());
            let path = format!("{base}{}/respond", event_path(attendee, &id));
            let sent = http
                .post(path)
                .header("x-acs-dingtalk-access-token", &token)
                .json(&json!({"responseStatus": status}))
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {
                    // Acknowledged: nothing before it can be what is stored.
                    let mut ledger = ledger.lock().unwrap();
                    let allowed = ledger.responses.get_mut(&key).unwrap();
                    allowed.drain(..allowed.len() - 1);
                }
                _ => return,
            }
        }
    }
}

async fn crash_round(round: u64) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dir.toml"), directory_toml()).unwrap();
    let db = TestDb::for_suite(dir.path());
    let server = serve(dir.path(), &db);
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let token = TestServer::at(&base).token("acme-full").await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|n| {
            tokio::spawn(writer(
                http.clone(),
                base.clone(),
                token.clone(),
                ledger.clone(),
                n,
            ))
        })
        .collect();
    // A kill time that differs from round to round and run to run.
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    tokio::time::sleep(Duration::from_millis(300 + (jitter + round * 137) % 700)).await;
    server.signal("KILL");
    for task in tasks {
        task.await.unwrap();
    }

    let server = serve(dir.path(), &db);
    let base = server.base.clone();
    let api_token = token_after_restart(&base, &token).await;
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    assert!(
        !ledger.created.is_empty(),
        "round {round}: nothing was written before the kill"
    );
    let get = |path: String| {
        let http = http.clone();
        let api_token = api_token.clone();
        async move {
            let resp = http
                .get(path)
                .header("x-acs-dingtalk-access-token", api_token)
                .send()
                .await
                .unwrap();
            (
                resp.status().as_u16(),
                resp.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    for id in &ledger.created {
        let (status, event) = get(format!("{base}{}", event_path("alice-union", id))).await;
        assert_eq!(
            status, 200,
            "round {round}: acknowledged event {id} is lost: {event}"
        );
    }
    for ((id, attendee), allowed) in &ledger.responses {
        let (_, event) = get(format!("{base}{}", event_path("alice-union", id))).await;
        let stored = attendee_entry(&event, attendee);
        assert!(
            allowed.contains(&stored),
            "round {round}: {attendee} on {id} is {stored}, acknowledged {allowed:?}"
        );
    }
    for id in &ledger.grown {
        let (_, event) = get(format!("{base}{}", event_path("alice-union", id))).await;
        assert_eq!(
            event["attendees"].as_array().map(Vec::len),
            Some(1 + 2 * ATTENDEES.len()),
            "round {round}: acknowledged attendees of {id} are lost: {event}"
        );
    }
    // Every event there is whole: it and its first attendees, or nothing;
    // each batch added is all there, or none of it.
    let mut next = String::new();
    loop {
        let (_, page) = get(format!(
            "{base}{}?maxResults=100{next}",
            events_path("alice-union")
        ))
        .await;
        for event in page["events"].as_array().unwrap() {
            let count = event["attendees"].as_array().unwrap().len();
            assert!(
                count == 1 + ATTENDEES.len() || count == 1 + 2 * ATTENDEES.len(),
                "round {round}: a half-written event {event}"
            );
        }
        match page["nextToken"].as_str() {
            Some(t) => next = format!("&nextToken={t}"),
            None => break,
        }
    }
    assert!(server.terminate().success());
}

/// The token issued before the kill, which must have survived it too.
async fn token_after_restart(base: &str, before: &str) -> String {
    let again = TestServer::at(base).token("acme-full").await;
    assert_eq!(again, before, "the access token did not survive the kill");
    again
}

fn attendee_entry(event: &Value, id: &str) -> String {
    attendee(event, id)
        .and_then(|a| a["responseStatus"].as_str())
        .unwrap_or("missing")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_kill_and_none_is_half_applied() {
    let rounds: u64 = std::env::var("DINGCAL_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    for round in 0..rounds {
        crash_round(round).await;
    }
}
