//! Secrets as the store keeps them: never as given. An app's secret is kept
//! as a salted HMAC, checked in constant time. Tokens, authorization codes
//! and refresh tokens are random and long, so their SHA-256 digest is
//! enough, and it is what rows are looked up by. An app's token is derived
//! from its secret and a stored salt, so that asking again while it is
//! valid gives the same token back (as DingTalk does) without the token
//! being stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::random_token;

/// How a stored app secret begins: the scheme, then the salt and the MAC.
const SCHEME: &str = "hmac-sha256";

fn mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length")
}

/// What the store keeps of an app's secret.
pub fn hash_secret(secret: &str) -> String {
    let salt = random_token(16);
    let mut m = mac(salt.as_bytes());
    m.update(secret.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{SCHEME}${salt}${tag}")
}

/// Whether `presented` is the secret that `stored` was made from.
pub fn verify_secret(stored: &str, presented: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(SCHEME), Some(salt), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    let mut m = mac(salt.as_bytes());
    m.update(presented.as_bytes());
    m.verify_slice(&tag).is_ok()
}

/// Whether two secrets are the same, in time that does not depend on
/// where they first differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// What the store keeps of a token or code, and looks it up by.
pub fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A keyed MAC of `message`: for a value the server hands out and takes
/// back (the console's session), which only the key's holder can make.
pub fn sign(key: &[u8], message: &str) -> String {
    let mut m = mac(key);
    m.update(message.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// A new salt for an app's token.
pub fn new_salt() -> String {
    random_token(16)
}

/// The app token that `secret` and `salt` make: only the app, which knows
/// its secret, can have it made again.
pub fn app_token(secret: &str, salt: &str) -> String {
    let mut m = mac(secret.as_bytes());
    m.update(b"dingcal app token\n");
    m.update(salt.as_bytes());
    URL_SAFE_NO_PAD.encode(&m.finalize().into_bytes()[..24])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_secret_checks_only_the_secret_it_was_made_from() {
        let stored = hash_secret("acme-secret");
        assert!(!stored.contains("acme-secret"));
        assert!(verify_secret(&stored, "acme-secret"));
        assert!(!verify_secret(&stored, "acme-secret "));
        assert!(!verify_secret(&stored, ""));
        // Salted: the same secret is kept differently each time.
        assert_ne!(stored, hash_secret("acme-secret"));
        assert!(
            !verify_secret("acme-secret", "acme-secret"),
            "plain text is no hash"
        );
    }

    #[test]
    fn an_app_token_is_made_again_only_from_the_same_secret_and_salt() {
        let salt = new_salt();
        let token = app_token("s", &salt);
        assert_eq!(token, app_token("s", &salt));
        assert_ne!(token, app_token("t", &salt));
        assert_ne!(token, app_token("s", &new_salt()));
        assert_eq!(token.len(), 32);
        assert_ne!(digest(&token), token);
    }
}
