use reqwest::Method;
use serde_json::{Value, json};

use dingcal::store::{SyncPoint, SyncToken};

use crate::common::*;

/// Lists the whole calendar and returns the syncToken of its last page.
async fn full_sync(api: &Api<'_>, user: &str) -> String {
    let mut path = format!("{}?maxResults=2", events_path(user));
    loop {
        let (status, page) = api.call(Method::GET, &path, None).await;
        assert_eq!(status.as_u16(), 200, "{page}");
        match page["nextToken"].as_str() {
            Some(next) => {
                assert!(
                    page["syncToken"].is_null(),
                    "a syncToken before the last page"
                );
                path = format!("{}?maxResults=2&nextToken={next}", events_path(user));
            }
            None => {
                return page["syncToken"]
                    .as_str()
                    .expect("the last page has a syncToken")
                    .to_string();
            }
        }
    }
}

/// Follows a sync to its end: (id, status, summary) of each change, and the next token.
async fn sync(api: &Api<'_>, user: &str, token: &str) -> (Vec<(String, String, String)>, String) {
    let path = format!("{}?maxResults=1&syncToken={token}", events_path(user));
    let mut seen = Vec::new();
    let mut url = path.clone();
    loop {
        let (status, page) = api.call(Method::GET, &url, None).await;
        assert_eq!(status.as_u16(), 200, "{page}");
        for e in page["events"].as_array().unwrap() {
            seen.push((
                id_of(e),
                e["status"].as_str().unwrap().to_string(),
                e["summary"].as_str().unwrap().to_string(),
            ));
        }
        match page["nextToken"].as_str() {
            Some(next) => url = format!("{path}&nextToken={next}"),
            None => {
                return (
                    seen,
                    page["syncToken"].as_str().expect("syncToken").to_string(),
                );
            }
        }
    }
}

#[tokio::test]
async fn a_sync_returns_exactly_what_changed_since_its_token() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let a = id_of(
        &api.create("alice-union", meeting("A", &["bob-union"]))
            .await,
    );
    let b = id_of(&api.create("alice-union", meeting("B", &[])).await);
    let untouched = id_of(&api.create("alice-union", meeting("U", &[])).await);
    let token = full_sync(&api, "alice-union").await;

    api.call(
        Method::PUT,
        &event_path("alice-union", &a),
        Some(json!({"id": a, "summary": "A2"})),
    )
    .await;
    api.call(Method::DELETE, &event_path("alice-union", &b), None)
        .await;
    let c = id_of(&api.create("alice-union", meeting("C", &[])).await);

    let (changes, next) = sync(&api, "alice-union", &token).await;
    let expected = [
        (a.clone(), "confirmed".to_string(), "A2".to_string()),
        (b.clone(), "cancelled".to_string(), "B".to_string()),
        (c.clone(), "confirmed".to_string(), "C".to_string()),
    ];
    assert_eq!(changes, expected);
    assert!(changes.iter().all(|(id, _, _)| id != &untouched));

    let (nothing, again) = sync(&api, "alice-union", &next).await;
    assert!(nothing.is_empty(), "{nothing:?}");
    assert_eq!(again, next);
}

#[tokio::test]
async fn a_response_and_a_removal_reach_the_right_syncs() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("M", &["bob-union", "carol-union"]))
            .await,
    );
    let alice = full_sync(&api, "alice-union").await;
    let carol = full_sync(&api, "carol-union").await;
    api.respond("bob-union", &id, "accepted").await;
    let (changes, _) = sync(&api, "alice-union", &alice).await;
    assert_eq!(
        changes,
        [(id.clone(), "confirmed".to_string(), "M".to_string())]
    );

    let path = format!("{}/attendees/batchRemove", event_path("alice-union", &id));
    api.call(
        Method::POST,
        &path,
        Some(json!({"attendeesToRemove": [{"id": "carol-union"}]})),
    )
    .await;
    let (gone, _) = sync(&api, "carol-union", &carol).await;
    assert_eq!(
        gone,
        [(id.clone(), "cancelled".to_string(), "M".to_string())]
    );
}

#[tokio::test]
async fn an_unknown_or_malformed_sync_token_asks_for_a_full_sync() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let token = full_sync(&api, "alice-union").await;
    // A token from the future: past any change number a server hands out.
    let future = SyncToken(SyncPoint {
        upto: i64::MAX,
        pending: Vec::new(),
    })
    .encode();
    for bad in ["garbage".to_string(), future] {
        let answer = api
            .call(
                Method::GET,
                &format!("{}?syncToken={bad}", events_path("alice-union")),
                None,
            )
            .await;
        assert_error(&answer, 410, "invalidSyncToken", None);
    }
    let mixed = api
        .call(
            Method::GET,
            &format!(
                "{}?syncToken={token}&timeMin=2026-01-01T00%3A00%3A00Z",
                events_path("alice-union")
            ),
            None,
        )
        .await;
    assert_error(&mixed, 400, "invalidParameter", None);
}

#[tokio::test]
async fn an_exception_shows_its_series_in_the_sync() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let body: Value = json!({"summary": "Daily",
        "start": {"dateTime": "2026-11-02T09:00:00+08:00", "timeZone": "Asia/Shanghai"},
        "end": {"dateTime": "2026-11-02T09:30:00+08:00", "timeZone": "Asia/Shanghai"},
        "recurrence": {"pattern": {"type": "daily"}, "range": {"type": "noEnd"}}});
    let id = id_of(&api.create("alice-union", body).await);
    let token = full_sync(&api, "alice-union").await;
    api.call(
        Method::DELETE,
        &event_path("alice-union", &format!("{id}_20261103T010000Z")),
        None,
    )
    .await;
    let (changes, _) = sync(&api, "alice-union", &token).await;
    assert_eq!(
        changes,
        [(id, "confirmed".to_string(), "Daily".to_string())]
    );
}

#[tokio::test]
async fn a_sync_page_continues_from_its_next_token_alone() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let token = full_sync(&api, "alice-union").await;
    for name in ["one", "two", "three"] {
        api.create("alice-union", meeting(name, &[])).await;
    }
    let (_, first) = api
        .call(
            Method::GET,
            &format!(
                "{}?maxResults=2&syncToken={token}",
                events_path("alice-union")
            ),
            None,
        )
        .await;
    let next = first["nextToken"].as_str().expect("a second page");
    let (status, second) = api
        .call(
            Method::GET,
            &format!(
                "{}?maxResults=2&nextToken={next}",
                events_path("alice-union")
            ),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{second}");
    assert_eq!(second["events"][0]["summary"], "three");
    assert!(second["syncToken"].is_string());
}

#[tokio::test]
async fn an_event_changed_then_answered_comes_once_at_its_latest_change() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let one = id_of(
        &api.create("alice-union", meeting("one", &["bob-union"]))
            .await,
    );
    let two = id_of(&api.create("alice-union", meeting("two", &[])).await);
    let token = full_sync(&api, "alice-union").await;
    for (id, summary) in [(&one, "one'"), (&two, "two'")] {
        let (status, body) = api
            .call(
                Method::PUT,
                &event_path("alice-union", id),
                Some(json!({"id": id, "summary": summary})),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
    }
    // Bob's answer is the latest change of "one": it now comes after "two",
    // and only there, though it was patched before "two" was.
    api.respond("bob-union", &one, "accepted").await;
    let (changes, _) = sync(&api, "alice-union", &token).await;
    let ids: Vec<&str> = changes.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, [two.as_str(), one.as_str()]);
    let (bobs, _) = sync(&api, "bob-union", &token).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
}

#[tokio::test]
async fn an_event_changed_again_between_pages_is_not_placed_twice() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let e = id_of(
        &api.create("alice-union", meeting("E", &["bob-union", "carol-union"]))
            .await,
    );
    let token = full_sync(&api, "carol-union").await;
    let attendees = format!("{}/attendees", event_path("alice-union", &e));
    let remove = json!({"attendeesToRemove": [{"id": "carol-union"}]});
    api.call(
        Method::POST,
        &format!("{attendees}/batchRemove"),
        Some(remove),
    )
    .await;
    api.respond("bob-union", &e, "accepted").await;
    let f = id_of(
        &api.create("alice-union", meeting("F", &["carol-union"]))
            .await,
    );

    let page = |url: String| {
        let api = &api;
        async move {
            let (status, page) = api.call(Method::GET, &url, None).await;
            assert_eq!(status.as_u16(), 200, "{page}");
            page
        }
    };
    let base = format!("{}?maxResults=1", events_path("carol-union"));
    let first = page(format!("{base}&syncToken={token}")).await;
    assert_eq!(first["events"][0]["id"], e.as_str());
    assert_eq!(first["events"][0]["status"], "cancelled");
    // Carol is invited back while her sync is half read: its next page
    // must not bring E again (Bob's answer, older than the sync, now shows
    // in her calendar); her next sync brings it, back in.
    let add = json!({"attendeesToAdd": [{"id": "carol-union"}]});
    api.call(Method::POST, &attendees, Some(add)).await;
    let next = first["nextToken"].as_str().expect("a second page");
    let second = page(format!("{base}&nextToken={next}")).await;
    let ids: Vec<&Value> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, [&json!(f)]);
    let token = second["syncToken"].as_str().expect("the last page");
    let (changes, _) = sync(&api, "carol-union", token).await;
    assert_eq!(changes, [(e, "confirmed".to_string(), "E".to_string())]);
}
