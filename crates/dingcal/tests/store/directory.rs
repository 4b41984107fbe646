//! DirectoryStore: organisations, users and apps saved, loaded and seeded.

use dingcal::directory::{DirectoryFile, Org, User};
use dingcal::domain::secret::verify_secret;
use serde_json::Value;

use crate::support::*;

/// A directory in a form that compares: orgs, users and apps as loaded
/// (each list ordered by its key), app secrets left out.
fn comparable(file: &DirectoryFile) -> Value {
    let mut file = file.clone();
    file.orgs.sort_by(|a, b| a.corp_id.cmp(&b.corp_id));
    for org in &mut file.orgs {
        org.users.sort_by(|a, b| a.union_id.cmp(&b.union_id));
        org.apps.sort_by(|a, b| a.app_key.cmp(&b.app_key));
        for app in &mut org.apps {
            app.app_secret.clear();
        }
    }
    serde_json::to_value(&file).expect("a directory serialises")
}

/// The secret of app `key` as loaded: a hash of `secret`, not `secret`.
fn assert_kept_hashed(loaded: &DirectoryFile, key: &str, secret: &str) {
    let app = loaded
        .orgs
        .iter()
        .flat_map(|o| &o.apps)
        .find(|a| a.app_key == key)
        .expect("the app is loaded");
    assert_ne!(app.app_secret, secret);
    assert!(verify_secret(&app.app_secret, secret), "{}", app.app_secret);
}

fn small_org(corp_id: &str, name: &str, user: &str) -> DirectoryFile {
    DirectoryFile {
        orgs: vec![Org {
            corp_id: corp_id.into(),
            name: name.into(),
            users: vec![User {
                union_id: user.into(),
                user_id: None,
                name: user.into(),
                email: None,
            }],
            apps: Vec::new(),
            rooms: Vec::new(),
            categories: Vec::new(),
            plugins: Vec::new(),
        }],
    }
}

async fn a_saved_directory_loads_back_whole(f: Fixture) {
    let loaded = f.store.load_directory().await.unwrap();
    assert_eq!(comparable(&loaded), comparable(&directory()));
    for app in directory().orgs.iter().flat_map(|o| &o.apps) {
        assert_kept_hashed(&loaded, &app.app_key, &app.app_secret);
    }
}

async fn saving_again_updates_in_place_and_deletes_nothing(f: Fixture) {
    let mut changed = directory();
    let acme = &mut changed.orgs[0];
    acme.name = "Acme Renamed".into();
    acme.users.retain(|u| u.union_id != DAVE);
    acme.users[0].name = "Alice Renamed".into();
    acme.apps[0].app_secret = "rotated".into();
    acme.users.push(User {
        union_id: "frank-union".into(),
        user_id: None,
        name: "Frank".into(),
        email: None,
    });
    f.store.save_directory(changed).await.unwrap();

    let loaded = f.store.load_directory().await.unwrap();
    let acme = loaded.orgs.iter().find(|o| o.corp_id == ACME).unwrap();
    assert_eq!(acme.name, "Acme Renamed");
    let users: Vec<(&str, &str)> = acme
        .users
        .iter()
        .map(|u| (u.union_id.as_str(), u.name.as_str()))
        .collect();
    assert_eq!(
        users,
        [
            (ALICE, "Alice Renamed"),
            (BOB, "Bob"),
            (CAROL, "Carol"),
            (DAVE, "Dave"),
            ("frank-union", "Frank"),
        ],
        "dave, left out of the second file, is kept"
    );
    assert_kept_hashed(&loaded, APP, "rotated");
    assert!(loaded.orgs.iter().any(|o| o.corp_id == OTHER_ORG));
}

async fn seed_saves_only_into_an_empty_database(f: Fixture) {
    let empty = f.bare_like().await;
    let first = small_org("ding-first", "First", "first-union");
    assert!(empty.store.seed_directory(first.clone()).await.unwrap());
    let second = small_org("ding-second", "Second", "second-union");
    assert!(
        !empty.store.seed_directory(second).await.unwrap(),
        "a database with an org is not seeded again"
    );
    let loaded = empty.store.load_directory().await.unwrap();
    assert_eq!(comparable(&loaded), comparable(&first));
}

async fn seed_leaves_a_saved_directory_alone(f: Fixture) {
    let seeded = f
        .store
        .seed_directory(small_org("ding-demo", "Demo", "demo-union"))
        .await
        .unwrap();
    assert!(!seeded);
    let loaded = f.store.load_directory().await.unwrap();
    assert_eq!(comparable(&loaded), comparable(&directory()));
}

async fn a_new_app_secret_replaces_the_old_and_ends_its_tokens(f: Fixture) {
    let token = f.store.issue_token(APP, "secret", at(NOW)).await.unwrap();
    assert!(
        f.store
            .set_app_secret(APP.into(), "renewed".into())
            .await
            .unwrap()
    );
    let loaded = f.store.load_directory().await.unwrap();
    assert_kept_hashed(&loaded, APP, "renewed");
    assert!(f.store.token(&token.token).await.unwrap().is_none());
    assert!(
        !f.store
            .set_app_secret("no-such-app".into(), "x".into())
            .await
            .unwrap()
    );
}

on_both_backends!(
    a_new_app_secret_replaces_the_old_and_ends_its_tokens,
    a_saved_directory_loads_back_whole,
    saving_again_updates_in_place_and_deletes_nothing,
    seed_saves_only_into_an_empty_database,
    seed_leaves_a_saved_directory_alone,
);
