//! The built binary, as users and outside tests start it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::Method;

use crate::common::*;

/// A running `dingcal` process and what it printed before its address.
pub struct Process {
    child: Child,
    pub base: String,
    stdout: Vec<String>,
}

/// A test that fails before stopping its server leaves no process behind.
impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn(args: &[&str], envs: &[(&str, &str)], cwd: &std::path::Path) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dingcal"))
        .args(args)
        .envs(envs.iter().copied())
        .env_remove("DINGCAL_DIRECTORY")
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dingcal starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = Vec::new();
    let base = loop {
        let line = lines
            .next()
            .expect("dingcal printed its address")
            .expect("stdout readable");
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_string();
        }
        stdout.push(line);
    };
    Process {
        child,
        base,
        stdout,
    }
}

/// `dingcal serve` in `dir`, on `db`, with the directory file `dir.toml`
/// there.
pub fn serve(dir: &std::path::Path, db: &TestDb) -> Process {
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        &db.url,
        "--directory",
        "dir.toml",
        "--admin-token",
        ADMIN_TOKEN,
    ];
    spawn(&args, &[], dir)
}

impl Process {
    /// Whether a line it printed before its address starts with `prefix`.
    pub fn printed(&self, prefix: &str) -> bool {
        self.stdout.iter().any(|l| l.starts_with(prefix))
    }

    /// The (appKey, appSecret) of the demo app it announced, if it did.
    pub fn demo_app(&self) -> Option<(String, String)> {
        let app = self
            .stdout
            .iter()
            .find_map(|l| l.strip_prefix("demo app: "))?;
        let field = |name: &str| {
            app.split(' ')
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_string)
        };
        Some((field("appKey=")?, field("appSecret=")?))
    }

    /// Sends `signal` (TERM, KILL) and waits for the process to end.
    pub fn signal(mut self, signal: &str) -> std::process::ExitStatus {
        Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        self.child.wait().expect("dingcal exits")
    }

    pub fn terminate(self) -> std::process::ExitStatus {
        self.signal("TERM")
    }
}

#[tokio::test]
async fn serve_prints_its_address_and_answers_healthz() {
    let dir = tempfile::tempdir().unwrap();
    let p = spawn(
        &["serve", "--listen", "127.0.0.1:0", "--db", "sqlite://c.db"],
        &[],
        dir.path(),
    );
    assert!(p.base.starts_with("http://127.0.0.1:"));
    let resp = reqwest::get(format!("{}/healthz", p.base)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // Without --admin-token the controls are no path at all.
    let resp = reqwest::Client::new()
        .post(format!("{}/_dingcal/minutes", p.base))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(p.terminate().success(), "SIGTERM is a clean exit");
    assert!(dir.path().join("c.db").exists());
}

/// `dingcal` run to its end in `dir`: its exit status and standard output.
pub fn run_to_end(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dingcal"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Whether `needle` appears in any file of `dir` (the database, its WAL).
fn stored_anywhere(dir: &std::path::Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|entry| {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    })
}

#[tokio::test]
async fn an_empty_database_without_directory_gets_a_working_demo_app() {
    let dir = tempfile::tempdir().unwrap();
    let p = spawn(
        &["serve"],
        &[
            ("DINGCAL_LISTEN", "127.0.0.1:0"),
            ("DINGCAL_DB", "sqlite://demo.db"),
        ],
        dir.path(),
    );
    let (key, secret) = p.demo_app().expect("demo app printed");
    let token = TestServer::at(&p.base).app_token(&key, &secret).await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}{}", p.base, events_path("alice-union")))
        .header("x-acs-dingtalk-access-token", &token)
        .json(&meeting("first", &["bob-union"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(p.terminate().success());
    // Neither the secret nor the token is written down.
    assert!(!stored_anywhere(dir.path(), &secret));
    assert!(!stored_anywhere(dir.path(), &token));

    // A second start finds the org, makes no new one, and names the app.
    let serve = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        "sqlite://demo.db",
    ];
    let again = spawn(&serve, &[], dir.path());
    assert!(!again.printed("created demo"));
    assert!(again.printed(&format!("demo app: appKey={key} ")));
    assert_eq!(again.demo_app(), None, "the secret is not known any more");
    again.terminate();

    // `dingcal apps` lists it; a lost secret is replaced.
    let (ok, listed) = run_to_end(&["apps", "--db", "sqlite://demo.db"], dir.path());
    assert!(ok && listed.contains(&format!("appKey={key} ")), "{listed}");
    let (ok, renewed) = run_to_end(
        &["apps", "--db", "sqlite://demo.db", "--new-secret", &key],
        dir.path(),
    );
    assert!(ok, "{renewed}");
    let new_secret = renewed
        .trim()
        .strip_prefix(&format!("appKey={key} appSecret="))
        .expect("the new secret printed")
        .to_string();
    assert_ne!(new_secret, secret);
    let (ok, _) = run_to_end(
        &[
            "apps",
            "--db",
            "sqlite://demo.db",
            "--new-secret",
            "no-such-app",
        ],
        dir.path(),
    );
    assert!(!ok);

    let renewed = spawn(&serve, &[], dir.path());
    let server = TestServer::at(&renewed.base);
    let ask = |secret: &str| {
        http.post(format!("{}/v1.0/oauth2/accessToken", renewed.base))
            .json(&serde_json::json!({"appKey": key, "appSecret": secret}))
            .send()
    };
    assert_eq!(ask(&secret).await.unwrap().status().as_u16(), 400);
    let old_token = http
        .get(format!("{}{}", renewed.base, events_path("alice-union")))
        .header("x-acs-dingtalk-access-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        old_token.status().as_u16(),
        400,
        "the old secret's token ended"
    );
    let fresh = server.app_token(&key, &new_secret).await;
    assert_eq!(
        fresh,
        server.app_token(&key, &new_secret).await,
        "asked again: the same"
    );
    renewed.terminate();
}

#[tokio::test]
async fn events_and_tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let directory = dir.path().join("dir.toml");
    std::fs::write(&directory, directory_toml()).unwrap();
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        "sqlite://r.db",
        "--directory",
        directory.to_str().unwrap(),
    ];
    let first = spawn(&args, &[], dir.path());
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/v1.0/oauth2/accessToken", first.base))
        .json(&serde_json::json!({"appKey": "acme-full", "appSecret": "full-secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["accessToken"].as_str().unwrap().to_string();
    let created: serde_json::Value = http
        .post(format!("{}{}", first.base, events_path("alice-union")))
        .header("x-acs-dingtalk-access-token", &token)
        .json(&meeting("durable", &["bob-union"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(first.terminate().success());

    let second = spawn(&args, &[], dir.path());
    let resp = http
        .request(
            Method::GET,
            format!(
                "{}{}",
                second.base,
                event_path("bob-union", &id_of(&created))
            ),
        )
        .header("x-acs-dingtalk-access-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "the token or the event was lost"
    );
    let event: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(event["summary"], "durable");
    second.terminate();
}

#[test]
fn a_bad_db_url_or_directory_stops_start_with_a_message() {
    for args in [
        vec!["serve", "--db", "mysql://nope"],
        vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite::memory:",
            "--directory",
            "/no/such/file.toml",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dingcal"))
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("dingcal:"),
            "{args:?}"
        );
    }
}

/// A time limit of 0 would close every connection at once: refused.
#[test]
fn a_zero_time_limit_is_refused() {
    for flag in ["--header-timeout", "--body-timeout", "--request-timeout"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dingcal"))
            .args(["serve", flag, "0"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }
}

#[test]
fn migrate_creates_the_schema_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dingcal"))
        .args(["migrate", "--db", "sqlite://m.db"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("m.db").exists());
}

#[test]
fn a_database_from_a_newer_dingcal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dingcal"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    assert!(
        run(&["migrate", "--db", "sqlite://new.db"])
            .status
            .success()
    );
    let conn = rusqlite_free_version_bump(&path);
    assert!(conn, "could not mark the database newer");
    let out = run(&["migrate", "--db", "sqlite://new.db"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Marks the database as migrated by a later version, with the sqlite3 tool
/// (the test fails, saying so, when it is not installed).
fn rusqlite_free_version_bump(path: &std::path::Path) -> bool {
    match Command::new("sqlite3")
        .arg(path)
        .arg("PRAGMA user_version = 999;")
        .status()
    {
        Ok(status) => status.success(),
        Err(e) => panic!("this test needs the sqlite3 command-line tool: {e}"),
    }
}

#[tokio::test]
async fn a_second_server_cannot_open_a_database_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite://one.db",
        ],
        &[],
        dir.path(),
    );
    let second = Command::new(env!("CARGO_BIN_EXE_dingcal"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite://one.db",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("locked"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(first.terminate().success());
}

/// SIGTERM lets requests in flight finish within the grace period, then
/// closes what is left: a client holding half a request does not keep the
/// process alive.
#[tokio::test]
async fn sigterm_ends_the_process_within_the_grace_period_despite_a_stuck_client() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let p = spawn(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite://g.db",
            "--shutdown-grace",
            "1",
            "--header-timeout",
            "60",
        ],
        &[],
        dir.path(),
    );
    let mut stuck = tokio::net::TcpStream::connect(p.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stuck
        .write_all(b"GET /healthz HTTP/1.1\r\nx-half: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let status = tokio::task::spawn_blocking(move || p.terminate())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    drop(stuck);
}

/// A small filesystem of the test's own, unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root");
        SmallDisk(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// A full disk answers a retryable error that says so, keeps what was
/// written, and a start on it says the disk is full.
#[tokio::test]
#[ignore = "needs root, to mount a 2 MB tmpfs; scripts/test.sh runs it with the PostgreSQL runs"]
async fn a_full_disk_is_answered_as_such_and_loses_nothing() {
    let disk = SmallDisk::mount(2);
    std::fs::write(disk.0.path().join("dir.toml"), directory_toml()).unwrap();
    let db = TestDb::sqlite_at(&disk.0.path().join("d.db"));
    let node = serve(disk.0.path(), &db);
    let server = TestServer::at(&node.base);
    let api = Api::new(&server).await;
    let big = "x".repeat(4_000);
    let mut kept = Vec::new();
    let refusal = loop {
        let mut body = meeting("filling", &["bob-union"]);
        body["description"] = big.clone().into();
        let (status, answer) = api
            .call(Method::POST, &events_path("alice-union"), Some(body))
            .await;
        match status.as_u16() {
            200 => kept.push(id_of(&answer)),
            _ => break (status, answer),
        }
        assert!(kept.len() < 10_000, "the disk never filled");
    };
    assert_error(&refusal, 503, "ServiceUnavailable", None);
    assert!(
        refusal.1["message"]
            .as_str()
            .unwrap()
            .contains("out of disk space"),
        "{}",
        refusal.1
    );
    for id in kept.iter().rev().take(20) {
        let (status, _) = api
            .call(Method::GET, &event_path("alice-union", id), None)
            .await;
        assert_eq!(status.as_u16(), 200);
    }
    assert!(node.terminate().success());

    // A start on the full disk, on a database of its own, says why it stops.
    let filler = disk.0.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 4 * 1024 * 1024]);
    let out = Command::new(env!("CARGO_BIN_EXE_dingcal"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(format!(
            "sqlite://{}",
            disk.0.path().join("new.db").display()
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("full") || said.contains("out of disk space"),
        "{said}"
    );
}

#[tokio::test]
async fn seed_loads_an_export_into_an_empty_database() {
    let first = TestServer::start().await;
    let api = Api::new(&first).await;
    let id = id_of(
        &api.create("alice-union", meeting("Seeded", &["bob-union"]))
            .await,
    );
    let (_, exported) = first
        .admin(reqwest::Method::GET, "/_dingcal/export", None)
        .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("seed.json"), exported.to_string()).unwrap();
    let p = spawn(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "sqlite://s.db",
            "--seed",
            "seed.json",
        ],
        &[],
        dir.path(),
    );
    assert!(
        !p.printed("created demo"),
        "a seeded database has its directory"
    );
    let seeded = TestServer::at(&p.base);
    let api = Api::new(&seeded).await;
    let event = api.get("bob-union", &id).await;
    assert_eq!(event["summary"], "Seeded");
    assert!(p.terminate().success());
}
