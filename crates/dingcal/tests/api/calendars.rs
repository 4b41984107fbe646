//! ListCalendars, access rules (CreateAcls, ListAcls, DeleteAcl) and what
//! each privilege lets a grantee do, the `/me/` paths, and ListCategories.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn calendars_path(user: &str) -> String {
    format!("/v1.0/calendar/users/{user}/calendars")
}

fn acls_path(user: &str) -> String {
    format!("/v1.0/calendar/users/{user}/calendars/primary/acls")
}

fn share(grantee: &str, privilege: &str) -> Value {
    json!({"privilege": privilege, "sendMsg": false,
           "scope": {"scopeType": "user", "userId": grantee}})
}

/// Alice takes a share back.
async fn unshare(api: &Api<'_>, acl: &Value) {
    let path = format!(
        "{}/{}",
        acls_path("alice-union"),
        acl["aclId"].as_str().unwrap()
    );
    let (status, answer) = api.call(Method::DELETE, &path, None).await;
    assert_eq!(status.as_u16(), 200, "{answer}");
}

/// Alice shares her calendar with `grantee` at `privilege`: the rule.
async fn shared(api: &Api<'_>, grantee: &str, privilege: &str) -> Value {
    let (status, acl) = api
        .call(
            Method::POST,
            &acls_path("alice-union"),
            Some(share(grantee, privilege)),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{acl}");
    acl
}

#[tokio::test]
async fn list_calendars_shows_the_primary_and_moves_its_etag_with_each_change() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let list = |user: &'static str| {
        let api = &api;
        async move {
            let (status, body) = api.call(Method::GET, &calendars_path(user), None).await;
            assert_eq!(status.as_u16(), 200, "{body}");
            body["response"]["calendars"].as_array().unwrap().clone()
        }
    };
    let before = list("alice-union").await;
    assert_eq!(before.len(), 1);
    let primary = &before[0];
    assert_eq!(primary["id"], "primary");
    assert_eq!(primary["type"], "primary");
    assert_eq!(primary["privilege"], "owner");
    assert_eq!(primary["summary"], "Alice");
    assert_eq!(primary["timeZone"], "Asia/Shanghai");
    let tag = |list: &[Value]| list[0]["eTag"].as_str().unwrap().to_string();
    let first = tag(&before);
    assert_eq!(tag(&list("alice-union").await), first, "nothing changed");

    // An event she organizes, bob's answer to it, and a share each move it.
    let id = id_of(
        &api.create("alice-union", meeting("tagged", &["bob-union"]))
            .await,
    );
    let created = tag(&list("alice-union").await);
    assert_ne!(created, first);
    api.respond("bob-union", &id, "accepted").await;
    let answered = tag(&list("alice-union").await);
    assert_ne!(answered, created);
    let acl = shared(&api, "carol-union", "reader").await;
    let sharing = tag(&list("alice-union").await);
    assert_ne!(sharing, answered);
    unshare(&api, &acl).await;
    assert_ne!(tag(&list("alice-union").await), sharing);

    // A user outside the org does not exist for the app.
    let (status, _) = api
        .call(Method::GET, &calendars_path("eve-union"), None)
        .await;
    assert_eq!(status.as_u16(), 404);
}

#[tokio::test]
async fn acls_are_created_replaced_listed_bounded_and_deleted() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let acl = shared(&api, "bob-union", "reader").await;
    assert_eq!(acl["privilege"], "reader");
    assert_eq!(
        acl["scope"],
        json!({"scopeType": "user", "userId": "bob-union"})
    );
    let again = shared(&api, "bob-union", "writer").await;
    assert_eq!(again["aclId"], acl["aclId"], "one rule per grantee");
    shared(&api, "carol-union", "free_busy_reader").await;
    let (_, list) = api.call(Method::GET, &acls_path("alice-union"), None).await;
    let rules: Vec<(&str, &str)> = list["acls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["scope"]["userId"].as_str().unwrap(),
                a["privilege"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [("bob-union", "writer"), ("carol-union", "free_busy_reader")]
    );

    for (body, message) in [
        (share("dave-union", "owner"), "privilege must be one of"),
        (
            json!({"privilege": "reader", "scope": {"scopeType": "user", "userId": "dave-union"}}),
            "sendMsg is required",
        ),
        (
            json!({"privilege": "reader", "sendMsg": true, "scope": {"scopeType": "group", "userId": "dave-union"}}),
            "scopeType must be user",
        ),
        (
            share("alice-union", "reader"),
            "cannot be shared with its owner",
        ),
        (
            share("eve-union", "reader"),
            "is not a user of this organization",
        ),
    ] {
        let answer = api
            .call(Method::POST, &acls_path("alice-union"), Some(body))
            .await;
        assert_error(&answer, 400, "invalidParameter", None);
        assert!(
            answer.1["message"].as_str().unwrap().contains(message),
            "{}",
            answer.1
        );
    }
    let (_, unchanged) = api.call(Method::GET, &acls_path("alice-union"), None).await;
    assert_eq!(unchanged, list, "a refused rule changes nothing");

    let gone = api
        .call(
            Method::DELETE,
            &format!("{}/no-such-acl", acls_path("alice-union")),
            None,
        )
        .await;
    assert_error(&gone, 404, "itemNotFound", None);
    unshare(&api, &acl).await;
    let (_, after) = api.call(Method::GET, &acls_path("alice-union"), None).await;
    assert_eq!(after["acls"].as_array().unwrap().len(), 1);

    // The app needs the ACL permissions.
    let read_only = Api::with_app(&s, "acme-read").await;
    let refused = read_only
        .call(Method::GET, &acls_path("alice-union"), None)
        .await;
    assert_error(
        &refused,
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        None,
    );
}

#[tokio::test]
async fn a_calendar_is_shared_with_at_most_500_users() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    join_all((1..=500).map(|n| {
        let api = &api;
        async move {
            let body = share(&extra_user(n), "reader");
            let (status, acl) = api
                .call(Method::POST, &acls_path("alice-union"), Some(body))
                .await;
            assert_eq!(status.as_u16(), 200, "{acl}");
        }
    }))
    .await;
    let over = api
        .call(
            Method::POST,
            &acls_path("alice-union"),
            Some(share("bob-union", "reader")),
        )
        .await;
    assert_error(&over, 400, "invalidParameter", Some("shareExceedLimit"));
    // Changing a grantee's privilege is not a new share.
    shared(&api, &extra_user(1), "writer").await;
}

#[tokio::test]
async fn each_privilege_shows_and_allows_what_it_says_and_deletion_takes_it_back() {
    let s = TestServer::start().await;
    let app = Api::new(&s).await;
    let mut body = meeting("Board", &["dave-union"]);
    body["description"] = json!("secret agenda");
    let id = id_of(&app.create("alice-union", body).await);
    let bob = Api::as_user(&s, "bob-union").await;
    let alice_event = event_path("alice-union", &id);
    let view = "/v1.0/calendar/users/alice-union/calendars/primary/eventsview?timeMin=2026-11-30T00:00:00Z&timeMax=2026-12-07T00:00:00Z";

    // Nothing shared: bob's token does not reach alice's calendar.
    let refused = bob.call(Method::GET, &alice_event, None).await;
    assert_error(&refused, 403, "permissionDenied", Some("permission denied"));

    let acl = shared(&app, "bob-union", "free_busy_reader").await;
    let (status, seen) = bob.call(Method::GET, view, None).await;
    assert_eq!(status.as_u16(), 200, "{seen}");
    assert_eq!(seen["events"][0]["summary"], "", "times only");
    assert!(seen["events"][0].get("description").is_none());
    assert_error(
        &bob.call(Method::GET, &alice_event, None).await,
        403,
        "permissionDenied",
        None,
    );

    shared(&app, "bob-union", "title_reader").await;
    let (status, seen) = bob.call(Method::GET, &alice_event, None).await;
    assert_eq!(status.as_u16(), 200, "{seen}");
    assert_eq!(seen["summary"], "Board");
    assert!(seen.get("description").is_none(), "{seen}");
    assert!(attendee(&seen, "dave-union").is_none(), "{seen}");

    shared(&app, "bob-union", "reader").await;
    let seen = bob.call(Method::GET, &alice_event, None).await.1;
    assert_eq!(seen["description"], "secret agenda");
    assert!(attendee(&seen, "dave-union").is_some());
    let write = bob
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("by bob", &[])),
        )
        .await;
    assert_error(&write, 403, "permissionDenied", None);

    shared(&app, "bob-union", "writer").await;
    let (status, made) = bob
        .call(
            Method::POST,
            &events_path("alice-union"),
            Some(meeting("by bob", &[])),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{made}");
    assert_eq!(
        made["organizer"]["id"], "alice-union",
        "a writer acts as the owner"
    );
    // The shared calendar is also reached by its own id, from bob's path.
    let (_, calendars) = bob.call(Method::GET, &calendars_path("me"), None).await;
    let listed = calendars["response"]["calendars"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{calendars}");
    assert_eq!(listed[1]["type"], "shared");
    assert_eq!(listed[1]["privilege"], "writer");
    assert_eq!(listed[1]["summary"], "Alice");
    let by_id = format!(
        "/v1.0/calendar/users/me/calendars/{}/events/{id}",
        listed[1]["id"].as_str().unwrap()
    );
    assert_eq!(bob.call(Method::GET, &by_id, None).await.0.as_u16(), 200);
    // Bob may not manage alice's sharing.
    let manage = bob.call(Method::GET, &acls_path("alice-union"), None).await;
    assert_error(&manage, 403, "permissionDenied", None);

    unshare(&app, &acl).await;
    assert_error(
        &bob.call(Method::GET, &alice_event, None).await,
        403,
        "permissionDenied",
        None,
    );
    assert_error(
        &bob.call(Method::GET, &by_id, None).await,
        403,
        "permissionDenied",
        None,
    );
}

#[tokio::test]
async fn me_paths_act_as_the_user_of_a_user_token_only() {
    let s = TestServer::start().await;
    let bob = Api::as_user(&s, "bob-union").await;
    let (status, made) = bob
        .call(
            Method::POST,
            "/v1.0/calendar/me/calendars/primary/events",
            Some(meeting("mine", &["carol-union"])),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{made}");
    assert_eq!(made["organizer"]["id"], "bob-union");
    let (status, view) = bob
        .call(
            Method::GET,
            "/v1.0/calendar/me/calendars/primary/eventsview?timeMin=2026-11-30T00:00:00Z&timeMax=2026-12-07T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{view}");
    assert_eq!(view["events"][0]["id"], made["id"]);

    let app = Api::new(&s).await;
    let refused = app
        .call(
            Method::POST,
            "/v1.0/calendar/me/calendars/primary/events",
            Some(meeting("x", &[])),
        )
        .await;
    assert_error(&refused, 400, "InvalidAuthentication", None);
    let (_, listed) = app.call(Method::GET, &events_path("bob-union"), None).await;
    assert_eq!(
        listed["events"].as_array().unwrap().len(),
        1,
        "nothing made by the refusal"
    );
}

#[tokio::test]
async fn categories_come_from_the_directory_and_name_an_events_categories() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let (status, list) = api
        .call(Method::GET, "/v1.0/calendar/categories", None)
        .await;
    assert_eq!(status.as_u16(), 200, "{list}");
    assert_eq!(
        list,
        json!({"categories": [{"displayName": "Work", "openCategoryId": "c1"},
                              {"displayName": "Home", "openCategoryId": "c2"}]})
    );
    let other = Api::with_app(&s, "other-app").await;
    let (_, theirs) = other
        .call(Method::GET, "/v1.0/calendar/categories", None)
        .await;
    assert_eq!(theirs["categories"][0]["openCategoryId"], "c9");

    let mut body = meeting("typed", &[]);
    body["categories"] = json!([{"categoryId": "c2", "displayName": "whatever"}]);
    let made = api.create("alice-union", body).await;
    assert_eq!(
        made["categories"],
        json!([{"categoryId": "c2", "displayName": "Home"}])
    );
    let mut body = meeting("mistyped", &[]);
    body["categories"] = json!([{"categoryId": "c9"}]);
    let refused = api
        .call(Method::POST, &events_path("alice-union"), Some(body))
        .await;
    assert_error(&refused, 400, "invalidParameter", None);
}

/// Each new operation asks for its permission (README's table): an app
/// without any is told which one it lacks, and nothing happens.
#[tokio::test]
async fn each_new_operation_needs_its_permission() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let id = id_of(&api.create("alice-union", meeting("Guarded", &[])).await);
    let none = Api::with_app(&s, "acme-none").await;
    let event = event_path("alice-union", &id);
    let rooms = json!({"meetingRoomsToAdd": [{"roomId": "room-aurora"}]});
    let cases = [
        (
            Method::GET,
            calendars_path("alice-union"),
            None,
            "Calendar.Event.Read",
        ),
        (
            Method::GET,
            "/v1.0/calendar/categories".into(),
            None,
            "Calendar.Event.Read",
        ),
        (
            Method::GET,
            acls_path("alice-union"),
            None,
            "Calendar.Acl.Read",
        ),
        (
            Method::POST,
            acls_path("alice-union"),
            Some(share("bob-union", "reader")),
            "Calendar.Acl.Write",
        ),
        (
            Method::DELETE,
            format!("{}/x", acls_path("alice-union")),
            None,
            "Calendar.Acl.Write",
        ),
        (
            Method::POST,
            format!("{event}/cancel"),
            None,
            "Calendar.Event.Write",
        ),
        (
            Method::POST,
            format!("{event}/transfer"),
            Some(json!({"newOrganizerId": "bob-union"})),
            "Calendar.Event.Write",
        ),
        (
            Method::POST,
            format!("{event}/meetingRooms"),
            Some(rooms),
            "Calendar.Event.Write",
        ),
        (
            Method::POST,
            format!("{event}/meetingRooms/batchRemove"),
            Some(json!({})),
            "Calendar.Event.Write",
        ),
        (
            Method::POST,
            format!("{event}/meetingRooms/room-aurora/respond"),
            Some(json!({})),
            "Calendar.Event.Write",
        ),
        (
            Method::POST,
            "/v1.0/calendar/users/alice-union/meetingRooms/schedules/query".into(),
            Some(json!({})),
            "Calendar.Event.Read",
        ),
        (
            Method::POST,
            "/v1.0/calendar/me/calendars/primary/events".into(),
            Some(meeting("x", &[])),
            "Calendar.Event.Write",
        ),
        (
            Method::GET,
            "/v1.0/calendar/me/calendars/primary/eventsview".into(),
            None,
            "Calendar.Event.Read",
        ),
        (
            Method::POST,
            "/v1.0/calendar/users/alice-union/subscribedCalendars".into(),
            Some(json!({})),
            "Calendar.Calendar.Write",
        ),
        (
            Method::GET,
            "/v1.0/calendar/users/alice-union/subscribedCalendars/x".into(),
            None,
            "Calendar.Calendar.Read",
        ),
        (
            Method::POST,
            "/v1.0/calendar/users/alice-union/calendars/x/subscribe".into(),
            None,
            "Calendar.Calendar.Write",
        ),
        (
            Method::GET,
            "/v1.0/calendar/plugins".into(),
            None,
            "Calendar.Event.Read",
        ),
        (
            Method::POST,
            "/v1.0/calendar/plugins/p/subscribers".into(),
            Some(json!({})),
            "Calendar.Event.Write",
        ),
        (
            Method::POST,
            format!("{event}/signin"),
            None,
            "Calendar.Event.Write",
        ),
        (
            Method::GET,
            format!("{event}/signin?type=sign_in&maxResults=5"),
            None,
            "Calendar.Event.Read",
        ),
        (
            Method::GET,
            format!("{event}/signInLinks"),
            None,
            "Calendar.Event.Write",
        ),
    ];
    for (method, path, body, scope) in cases {
        let answer = none.call(method, &path, body).await;
        assert_error(
            &answer,
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            None,
        );
        assert_eq!(
            answer.1["accessdenieddetail"]["requiredScopes"],
            json!([scope]),
            "{path}"
        );
    }
    let after = api.get("alice-union", &id).await;
    assert_eq!(
        (after["status"].as_str(), after["organizer"]["id"].as_str()),
        (Some("confirmed"), Some("alice-union"))
    );
}

#[tokio::test]
async fn plugins_come_from_the_directory_and_their_subscribers_are_replaced() {
    let s = TestServer::start().await;
    let api = Api::new(&s).await;
    let (status, list) = api.call(Method::GET, "/v1.0/calendar/plugins", None).await;
    assert_eq!(status.as_u16(), 200, "{list}");
    assert_eq!(
        list,
        json!({"plugins": [
            {"pluginId": "plugin-notes", "name": "Notes", "logo": "https://notes.example/logo.png",
             "pluginClassification": "document",
             "subscribers": {"deptIds": [], "unionIds": ["alice-union"]}},
            {"pluginId": "plugin-poll", "name": "Poll",
             "subscribers": {"deptIds": [], "unionIds": []}}]})
    );
    let update = |plugin: &str, body: Value| {
        let path = format!("/v1.0/calendar/plugins/{plugin}/subscribers");
        let api = &api;
        async move { api.call(Method::POST, &path, Some(body)).await }
    };
    let (status, answer) = update(
        "plugin-poll",
        json!({"deptIds": ["d1"], "unionIds": ["bob-union"]}),
    )
    .await;
    assert_eq!((status.as_u16(), answer), (200, json!({"result": true})));
    let (_, list) = api.call(Method::GET, "/v1.0/calendar/plugins", None).await;
    assert_eq!(
        list["plugins"][1]["subscribers"],
        json!({"deptIds": ["d1"], "unionIds": ["bob-union"]})
    );

    assert_error(
        &update("plugin-poll", json!({"unionIds": ["eve-union"]})).await,
        400,
        "invalidParameter",
        None,
    );
    assert_error(
        &update("no-such-plugin", json!({"unionIds": []})).await,
        404,
        "itemNotFound",
        None,
    );
    let (_, unchanged) = api.call(Method::GET, "/v1.0/calendar/plugins", None).await;
    assert_eq!(unchanged, list, "refusals change nothing");
    // An org-wide setting: no user's token changes it.
    let bob = Api::as_user(&s, "bob-union").await;
    let by_user = bob
        .call(
            Method::POST,
            "/v1.0/calendar/plugins/plugin-poll/subscribers",
            Some(json!({"unionIds": []})),
        )
        .await;
    assert_error(&by_user, 403, "permissionDenied", None);
    // Another org's app sees its own plugins only, and cannot touch these.
    let other = Api::with_app(&s, "other-app").await;
    let (_, theirs) = other
        .call(Method::GET, "/v1.0/calendar/plugins", None)
        .await;
    assert_eq!(theirs, json!({"plugins": []}));
    let foreign = other
        .call(
            Method::POST,
            "/v1.0/calendar/plugins/plugin-poll/subscribers",
            Some(json!({"unionIds": []})),
        )
        .await;
    assert_error(&foreign, 404, "itemNotFound", None);
}
