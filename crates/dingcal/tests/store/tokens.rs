//! TokenStore: app tokens, authorization codes, user and refresh tokens,
//! and their purge. Every call is given its own "now".

use dingcal::store::{IssuedUserToken, UserGrant};

use crate::support::*;

/// A token's life, in seconds (`ACCESS_TOKEN_TTL_SECONDS`).
const TOKEN_LIFE: i64 = 7_200;
/// An authorization code's life (`AUTH_CODE_TTL_SECONDS`).
const CODE_LIFE: i64 = 300;

/// A user token for `who`, by a fresh authorization code, at `NOW`.
async fn user_token(f: &Fixture, who: &str) -> IssuedUserToken {
    let code = f
        .store
        .issue_auth_code(APP, user(who), at(NOW))
        .await
        .unwrap();
    f.store
        .issue_user_token(APP, UserGrant::AuthorizationCode(code), at(NOW))
        .await
        .unwrap()
        .expect("a fresh code gives a token")
}

async fn an_app_token_is_reissued_while_valid_with_its_life_renewed(f: Fixture) {
    let first = f.store.issue_token(APP, "secret", at(NOW)).await.unwrap();
    assert_eq!(first.expires_at, later(TOKEN_LIFE));
    let again = f
        .store
        .issue_token(APP, "secret", later(600))
        .await
        .unwrap();
    assert_eq!(again.token, first.token);
    assert_eq!(again.expires_at, later(600 + TOKEN_LIFE));

    let record = f.store.token(&first.token).await.unwrap().unwrap();
    assert_eq!(record.app_key, APP);
    assert_eq!(record.user, None);
    assert_eq!(record.expires_at, later(600 + TOKEN_LIFE));
    let other = f
        .store
        .issue_token(SECOND_APP, "secret", at(NOW))
        .await
        .unwrap();
    assert_ne!(other.token, first.token, "each app has its own token");
}

async fn a_changed_secret_gets_a_new_app_token(f: Fixture) {
    let first = f.store.issue_token(APP, "secret", at(NOW)).await.unwrap();
    let next = f
        .store
        .issue_token(APP, "changed", later(60))
        .await
        .unwrap();
    assert_ne!(next.token, first.token);
    let again = f
        .store
        .issue_token(APP, "changed", later(120))
        .await
        .unwrap();
    assert_eq!(again.token, next.token);
}

async fn an_expired_app_token_is_replaced_by_a_new_one(f: Fixture) {
    let first = f.store.issue_token(APP, "secret", at(NOW)).await.unwrap();
    let next = f
        .store
        .issue_token(APP, "secret", later(TOKEN_LIFE))
        .await
        .unwrap();
    assert_ne!(next.token, first.token);
    assert_eq!(next.expires_at, later(2 * TOKEN_LIFE));
}

async fn an_unknown_token_stands_for_nothing(f: Fixture) {
    assert!(f.store.token("no-such-token").await.unwrap().is_none());
}

async fn an_auth_code_gives_one_user_token_for_its_user(f: Fixture) {
    let code = f
        .store
        .issue_auth_code(APP, user(BOB), at(NOW))
        .await
        .unwrap();
    let grant = UserGrant::AuthorizationCode(code);
    let issued = f
        .store
        .issue_user_token(APP, grant.clone(), later(10))
        .await
        .unwrap()
        .expect("a user token");
    assert_eq!(issued.user, user(BOB));
    assert_eq!(issued.token.expires_at, later(10 + TOKEN_LIFE));
    let record = f.store.token(&issued.token.token).await.unwrap().unwrap();
    assert_eq!(
        (record.app_key.as_str(), record.user),
        (APP, Some(user(BOB)))
    );

    let reused = f.store.issue_user_token(APP, grant, later(20)).await;
    assert!(reused.unwrap().is_none(), "a code is good once");
}

async fn an_auth_code_is_refused_to_another_app_and_once_expired(f: Fixture) {
    let code = f
        .store
        .issue_auth_code(APP, user(BOB), at(NOW))
        .await
        .unwrap();
    let grant = UserGrant::AuthorizationCode(code);
    let by_other = f.store.issue_user_token(SECOND_APP, grant.clone(), at(NOW));
    assert!(by_other.await.unwrap().is_none());
    let by_owner = f.store.issue_user_token(APP, grant, later(CODE_LIFE - 1));
    assert!(
        by_owner.await.unwrap().is_some(),
        "the other app's try did not use the code up"
    );

    let late = f
        .store
        .issue_auth_code(APP, user(BOB), at(NOW))
        .await
        .unwrap();
    let expired =
        f.store
            .issue_user_token(APP, UserGrant::AuthorizationCode(late), later(CODE_LIFE));
    assert!(expired.await.unwrap().is_none());
}

async fn a_refresh_token_gives_a_new_user_token_once(f: Fixture) {
    let first = user_token(&f, CAROL).await;
    let grant = UserGrant::RefreshToken(first.refresh_token.clone());
    let second = f
        .store
        .issue_user_token(APP, grant.clone(), later(60))
        .await
        .unwrap()
        .expect("a refreshed token");
    assert_eq!(second.user, user(CAROL));
    assert_ne!(second.token.token, first.token.token);
    assert_ne!(second.refresh_token, first.refresh_token);
    assert!(
        f.store
            .issue_user_token(APP, grant, later(120))
            .await
            .unwrap()
            .is_none(),
        "a refresh token is good once"
    );
    let third = f.store.issue_user_token(
        APP,
        UserGrant::RefreshToken(second.refresh_token),
        later(180),
    );
    assert!(third.await.unwrap().is_some(), "its replacement works");
}

async fn purge_forgets_expired_tokens_and_keeps_valid_ones(f: Fixture) {
    let old = f.store.issue_token(APP, "secret", at(NOW)).await.unwrap();
    let fresh = f
        .store
        .issue_token(SECOND_APP, "secret", later(3_600))
        .await
        .unwrap();
    let mine = user_token(&f, BOB).await;
    assert!(
        f.store.token(&old.token).await.unwrap().is_some(),
        "an expired token is still a row until purged"
    );

    f.store.purge_expired(later(TOKEN_LIFE)).await.unwrap();
    assert!(f.store.token(&old.token).await.unwrap().is_none());
    assert!(f.store.token(&mine.token.token).await.unwrap().is_none());
    assert!(f.store.token(&fresh.token).await.unwrap().is_some());
    let refreshed = f.store.issue_user_token(
        APP,
        UserGrant::RefreshToken(mine.refresh_token),
        later(TOKEN_LIFE),
    );
    assert!(
        refreshed.await.unwrap().is_some(),
        "a refresh token outlives its access token"
    );
}

on_both_backends!(
    an_app_token_is_reissued_while_valid_with_its_life_renewed,
    a_changed_secret_gets_a_new_app_token,
    an_expired_app_token_is_replaced_by_a_new_one,
    an_unknown_token_stands_for_nothing,
    an_auth_code_gives_one_user_token_for_its_user,
    an_auth_code_is_refused_to_another_app_and_once_expired,
    a_refresh_token_gives_a_new_user_token_once,
    purge_forgets_expired_tokens_and_keeps_valid_ones,
);
