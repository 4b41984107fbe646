//! SignIn, CheckIn, SignOut, their lists, and the links an organizer hands
//! out, opened as a browser would.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn action(user: &str, id: &str, what: &str) -> String {
    format!("{}/{what}", event_path(user, id))
}

async fn signed(api: &Api<'_>, user: &str, id: &str, what: &str) -> Value {
    let (status, answer) = api.call(Method::POST, &action(user, id, what), None).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    answer
}

/// Every page of a list, as (userId, time) pairs.
async fn listed(
    api: &Api<'_>,
    id: &str,
    what: &str,
    kind: &str,
    page: usize,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let path = format!(
            "{}?type={kind}&maxResults={page}&nextToken={token}",
            action("alice-union", id, what)
        );
        let (status, body) = api.call(Method::GET, &path, None).await;
        assert_eq!(status.as_u16(), 200, "{body}");
        let users = body["users"].as_array().unwrap();
        assert!(users.len() <= page);
        for u in users {
            let time = u
                .get("checkInTime")
                .or(u.get("checkOutTime"))
                .cloned()
                .unwrap_or(Value::Null);
            out.push((u["userId"].as_str().unwrap().to_string(), time));
        }
        match body["nextToken"].as_str() {
            Some(next) => token = next.to_string(),
            None => return out,
        }
    }
}

#[tokio::test]
async fn attendees_sign_in_once_and_out_and_the_lists_say_who() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create(
            "alice-union",
            meeting("Standup", &["bob-union", "carol-union"]),
        )
        .await,
    );
    let first = signed(&api, "bob-union", &id, "signin").await["checkInTime"]
        .as_i64()
        .unwrap();
    assert!(first > 1_700_000_000_000, "milliseconds: {first}");
    assert_eq!(
        signed(&api, "bob-union", &id, "signin").await["checkInTime"],
        first,
        "the first time stays"
    );
    assert_eq!(
        signed(&api, "bob-union", &id, "checkIn").await["checkInTime"],
        first,
        "the legacy path, one record"
    );
    let out = signed(&api, "carol-union", &id, "signOut").await;
    assert!(out["checkOutTime"].as_i64().unwrap() >= first);

    let stranger = api
        .call(Method::POST, &action("dave-union", &id, "signin"), None)
        .await;
    assert_error(&stranger, 400, "notInEvent", Some("用户不在日程内"));
    let missing = api
        .call(
            Method::POST,
            &action("bob-union", "no-such-event", "signin"),
            None,
        )
        .await;
    assert_error(&missing, 404, "itemNotFound", None);

    assert_eq!(
        listed(&api, &id, "signin", "sign_in", 500).await,
        [("bob-union".to_string(), json!(first))]
    );
    let not_yet: Vec<String> = listed(&api, &id, "signin", "not_yet_sign_in", 1)
        .await
        .into_iter()
        .map(|(u, t)| {
            assert!(t.is_null());
            u
        })
        .collect();
    assert_eq!(
        not_yet,
        ["alice-union", "carol-union"],
        "in attendee order, paged one by one"
    );
    let outs = listed(&api, &id, "signOut", "sign_out", 10).await;
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].0, "carol-union");

    for query in [
        "type=sign_in",
        "type=sign_out&maxResults=10",
        "type=sign_in&maxResults=0",
        "type=sign_in&maxResults=501",
        "maxResults=10",
    ] {
        let answer = api
            .call(
                Method::GET,
                &format!("{}?{query}", action("alice-union", &id, "signin")),
                None,
            )
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
    }
    // Sign-ins are writes, the lists reads.
    let read_only = Api::with_app(&s, "acme-read").await;
    let refused = read_only
        .call(Method::POST, &action("bob-union", &id, "signin"), None)
        .await;
    assert_error(
        &refused,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        None,
    );
    let path = format!(
        "{}?type=sign_in&maxResults=5",
        action("alice-union", &id, "signin")
    );
    assert_eq!(
        read_only.call(Method::GET, &path, None).await.0.as_u16(),
        200
    );
}

#[tokio::test]
async fn each_occurrence_has_its_own_sign_ins() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let mut body = meeting("Daily", &["bob-union"]);
    body["recurrence"] = json!({"pattern": {"type": "daily", "interval": 1},
                                "range": {"type": "numbered", "numberOfOccurrences": 2}});
    let series = id_of(&api.create("alice-union", body).await);
    let view = "/v1.0/calendar/users/bob-union/calendars/primary/eventsview?timeMin=2026-11-30T00:00:00Z&timeMax=2026-12-07T00:00:00Z";
    let (_, occurrences) = api.call(Method::GET, view, None).await;
    let first = occurrences["events"][0]["id"].as_str().unwrap().to_string();
    let second = occurrences["events"][1]["id"].as_str().unwrap().to_string();
    signed(&api, "bob-union", &first, "signin").await;
    assert_eq!(listed(&api, &first, "signin", "sign_in", 10).await.len(), 1);
    assert!(
        listed(&api, &second, "signin", "sign_in", 10)
            .await
            .is_empty()
    );
    assert!(
        listed(&api, &series, "signin", "sign_in", 10)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_organizers_link_signs_a_visitor_in_from_a_browser() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(
        &api.create("alice-union", meeting("Linked", &["bob-union"]))
            .await,
    );
    let refused = api
        .call(Method::GET, &action("bob-union", &id, "signInLinks"), None)
        .await;
    assert_error(
        &refused,
        400,
        "permissionDenied",
        Some("Request user has no permission to launch check in"),
    );
    let refused = api
        .call(Method::GET, &action("bob-union", &id, "signOutLinks"), None)
        .await;
    assert_error(
        &refused,
        400,
        "permissionDenied",
        Some("Request user has no permission to launch sign out"),
    );
    let (status, answer) = api
        .call(
            Method::GET,
            &action("alice-union", &id, "signInLinks"),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let link = answer["signInLink"].as_str().unwrap().to_string();
    assert!(link.starts_with(&format!("{}/checkin/", s.base)), "{link}");
    let (_, again) = api
        .call(
            Method::GET,
            &action("alice-union", &id, "signInLinks"),
            None,
        )
        .await;
    assert_eq!(again["signInLink"], link.as_str(), "one link per event");

    let page = s.http.get(&link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let form = page.text().await.unwrap();
    assert!(form.contains("method=\"post\""), "{form}");
    assert!(form.contains("name=\"login_hint\""), "{form}");
    let post = |who: &str| {
        s.http
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("login_hint={who}"))
            .send()
    };
    // Opening the link signs no one; only the form, posted, does.
    let opened = s
        .http
        .get(format!("{link}?login_hint=bob-union"))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 200);
    assert!(listed(&api, &id, "signin", "sign_in", 10).await.is_empty());
    for stranger in ["dave-union", "eve-union"] {
        let refused = post(stranger).await.unwrap();
        assert_eq!(refused.status().as_u16(), 400, "{stranger}");
    }
    assert!(listed(&api, &id, "signin", "sign_in", 10).await.is_empty());
    let visit = post("bob-union").await.unwrap();
    assert_eq!(visit.status().as_u16(), 200);
    assert!(visit.text().await.unwrap().contains("Signed in"));
    let signers = listed(&api, &id, "signin", "sign_in", 10).await;
    assert_eq!(signers.len(), 1);
    assert_eq!(signers[0].0, "bob-union");
    // A link cannot be made up from the event's id.
    use base64::Engine;
    let made_up = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("in:{id}"));
    for code in ["not-a-code", made_up.as_str()] {
        let forged = s
            .http
            .get(format!("{}/checkin/{code}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 404, "{code}");
        // A browser is shown a page that says so, not the API's JSON.
        assert!(forged.text().await.unwrap().contains("No such link"));
        let forged = s
            .http
            .post(format!("{}/checkin/{code}", s.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("login_hint=carol-union")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 404, "{code}");
    }
}
