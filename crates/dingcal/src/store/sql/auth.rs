//! Access tokens, authorization codes and refresh tokens, as rows: any node
//! reads what another issued. Rows hold their digests, never the tokens
//! (`domain::secret`).

use jiff::Timestamp;

use super::db::{Db, params, sql};
use crate::domain::limits::{
    ACCESS_TOKEN_TTL_SECONDS, AUTH_CODE_TTL_SECONDS, AUTH_CODES_PER_APP_MAX,
    REFRESH_TOKEN_TTL_SECONDS,
};
use crate::domain::{UnionId, random_token, secret};
use crate::error::{ApiError, ApiResult};
use crate::store::{IssuedToken, IssuedUserToken, TokenRecord, UserGrant, idempotency};

fn timestamp(seconds: i64) -> ApiResult<Timestamp> {
    Timestamp::from_second(seconds).map_err(ApiError::internal)
}

/// The app's valid token with its life renewed, or a new one. Only the
/// digest of a token is stored, and an app's token is made from its secret
/// and a stored salt: the app asking again gets the same token back. (If
/// the secret has changed since, a new token is issued.)
pub async fn issue_token(
    conn: &impl Db,
    app_key: &str,
    app_secret: &str,
    now: i64,
) -> ApiResult<IssuedToken> {
    let expires_at = now + ACCESS_TOKEN_TTL_SECONDS;
    let current: Option<(String, String)> = conn
        .query_opt(
            sql!(
                "SELECT token, salt FROM access_tokens
                 WHERE app_key = $1 AND union_id IS NULL AND expires_at > $2
                 ORDER BY expires_at DESC LIMIT 1"
            ),
            params![app_key, now],
            |r| {
                Ok((
                    r.get("token")?,
                    r.get::<Option<String>>("salt")?.unwrap_or_default(),
                ))
            },
        )
        .await?;
    let again = current.and_then(|(digest, salt)| {
        let token = secret::app_token(app_secret, &salt);
        (secret::digest(&token) == digest).then_some((digest, token))
    });
    let token = match again {
        Some((digest, token)) => {
            conn.execute(
                sql!("UPDATE access_tokens SET expires_at = $1 WHERE token = $2"),
                params![expires_at, digest],
            )
            .await?;
            token
        }
        None => {
            let salt = secret::new_salt();
            let token = secret::app_token(app_secret, &salt);
            conn.execute(
                sql!(
                    "INSERT INTO access_tokens (token, salt, app_key, expires_at) VALUES ($1, $2, $3, $4)"
                ),
                params![secret::digest(&token), salt, app_key, expires_at],
            )
            .await?;
            token
        }
    };
    Ok(IssuedToken {
        token,
        expires_at: timestamp(expires_at)?,
    })
}

pub async fn token(conn: &impl Db, token: &str) -> ApiResult<Option<TokenRecord>> {
    conn.query_opt(
        sql!("SELECT app_key, union_id, expires_at FROM access_tokens WHERE token = $1"),
        params![secret::digest(token)],
        |r| {
            Ok(TokenRecord {
                app_key: r.get("app_key")?,
                user: r.get::<Option<String>>("union_id")?.map(UnionId),
                expires_at: timestamp(r.get("expires_at")?)?,
            })
        },
    )
    .await
}

pub async fn issue_auth_code(
    conn: &impl Db,
    app_key: &str,
    user: &UnionId,
    now: i64,
) -> ApiResult<String> {
    let code = random_token(18);
    conn.execute(
        sql!(
            "INSERT INTO auth_codes (code, app_key, union_id, expires_at) VALUES ($1, $2, $3, $4)"
        ),
        params![
            secret::digest(&code),
            app_key,
            user.as_str(),
            now + AUTH_CODE_TTL_SECONDS
        ],
    )
    .await?;
    // Those that expired, and those past the most an app may have waiting.
    conn.execute(
        sql!(
            "DELETE FROM auth_codes WHERE app_key = $1 AND (expires_at <= $2 OR expires_at < (
               SELECT expires_at FROM auth_codes WHERE app_key = $1
               ORDER BY expires_at DESC LIMIT 1 OFFSET $3))"
        ),
        params![app_key, now, AUTH_CODES_PER_APP_MAX - 1],
    )
    .await?;
    Ok(code)
}

/// A new user token against a code (spent on use) or a refresh token
/// (replaced by a new one).
pub async fn issue_user_token(
    conn: &impl Db,
    app_key: &str,
    grant: &UserGrant,
    now: i64,
) -> ApiResult<Option<IssuedUserToken>> {
    let (key, spend) = match grant {
        UserGrant::AuthorizationCode(code) => (
            code,
            sql!(
                "DELETE FROM auth_codes WHERE code = $1 AND app_key = $2 AND expires_at > $3
                 RETURNING union_id"
            ),
        ),
        UserGrant::RefreshToken(token) => (
            token,
            sql!(
                "DELETE FROM refresh_tokens WHERE token = $1 AND app_key = $2 AND expires_at > $3
                 RETURNING union_id"
            ),
        ),
    };
    let user: Option<String> = conn
        .query_opt(spend, params![secret::digest(key), app_key, now], |r| {
            r.get("union_id")
        })
        .await?;
    let Some(user) = user else { return Ok(None) };
    let token = random_token(24);
    let refresh_token = random_token(24);
    let expires_at = now + ACCESS_TOKEN_TTL_SECONDS;
    conn.execute(
        sql!(
            "INSERT INTO access_tokens (token, app_key, union_id, expires_at) VALUES ($1, $2, $3, $4)"
        ),
        params![secret::digest(&token), app_key, user, expires_at],
    )
    .await?;
    conn.execute(
        sql!(
            "INSERT INTO refresh_tokens (token, app_key, union_id, expires_at) VALUES ($1, $2, $3, $4)"
        ),
        params![
            secret::digest(&refresh_token),
            app_key,
            user,
            now + REFRESH_TOKEN_TTL_SECONDS
        ],
    )
    .await?;
    Ok(Some(IssuedUserToken {
        token: IssuedToken {
            token,
            expires_at: timestamp(expires_at)?,
        },
        refresh_token,
        user: UnionId(user),
    }))
}

/// Forgets expired tokens, codes and x-client-tokens.
pub async fn purge_expired(conn: &impl Db, now: i64) -> ApiResult<()> {
    for statement in [
        sql!("DELETE FROM access_tokens WHERE expires_at <= $1"),
        sql!("DELETE FROM auth_codes WHERE expires_at <= $1"),
        sql!("DELETE FROM refresh_tokens WHERE expires_at <= $1"),
    ] {
        conn.execute(statement, params![now]).await?;
    }
    idempotency::forget_expired(conn, now).await
}
