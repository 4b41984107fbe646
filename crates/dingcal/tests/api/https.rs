//! How clients reach the server: HTTPS with dingcal's own certificate
//! authority (an SDK drives it in sdk-tests/test_tls.py), and the address
//! answers give of the server.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::Method;

use crate::common::*;
use crate::process::{run_to_end, spawn};

/// `dingcal serve --tls` in `dir`, with a one-second header limit.
fn serve_tls(dir: &std::path::Path) -> crate::process::Process {
    std::fs::write(dir.join("dir.toml"), directory_toml()).unwrap();
    spawn(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite://t.db",
            "--directory",
            "dir.toml",
            "--tls",
            "--tls-dir",
            "ca",
            "--header-timeout",
            "1",
        ],
        &[],
        dir,
    )
}

#[tokio::test]
async fn over_tls_a_connection_that_never_shakes_hands_is_closed_and_holds_no_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let p = serve_tls(dir.path());
    let addr = p
        .base
        .strip_prefix("https://")
        .expect("it serves HTTPS")
        .to_string();
    assert!(p.printed("serving a certificate of dingcal's local authority"));
    assert!(dir.path().join("ca/ca.pem").exists());

    // Silent after connecting: closed once past the header limit, as an
    // idle connection is.
    let mut silent = TcpStream::connect(&addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        silent.read(&mut buf).unwrap_or(0),
        0,
        "closed by the server"
    );

    // One still in its handshake at SIGTERM does not hold the server for
    // the shutdown grace (10 s).
    let _half_open = TcpStream::connect(&addr).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let asked = Instant::now();
    assert!(p.terminate().success());
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
}

#[tokio::test]
async fn a_public_url_is_the_address_answers_give() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dir.toml"), directory_toml()).unwrap();
    let p = spawn(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite://p.db",
            "--directory",
            "dir.toml",
            "--public-url",
            "https://cal.example/",
        ],
        &[],
        dir.path(),
    );
    let server = TestServer::at(&p.base);
    let api = Api::new(&server).await;
    let (status, account) = api
        .call(
            Method::POST,
            "/v1.0/calendar/users/alice-union/caldavAccounts",
            Some(serde_json::json!({"device": "phone"})),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{account}");
    assert_eq!(account["serverAddress"], "https://cal.example/dav/");
    assert!(p.terminate().success());
}

#[test]
fn a_public_url_that_is_no_http_address_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "cal.example",
        "ftp://cal.example",
        "https://cal.example/?a=1",
    ] {
        let (ok, _) = run_to_end(
            &["serve", "--db", "sqlite::memory:", "--public-url", url],
            dir.path(),
        );
        assert!(!ok, "{url}");
    }
}

#[test]
fn names_for_the_local_authority_do_not_go_with_a_certificate_of_ones_own() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dingcal"))
        .args([
            "serve",
            "--db",
            "sqlite::memory:",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-name",
            "cal.example",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // Refused for what was asked, before any file is read.
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("cannot be used with"), "{said}");
}
