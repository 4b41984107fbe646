//! Starting and stopping a server: store, directory, listener, and the
//! housekeeping task, wired together.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::directory::{Directory, DirectoryFile};
use crate::http::{self, AppState};
use crate::store::{self, DbUrl, Store};
use crate::tls::TlsSource;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub db: DbUrl,
    pub directory: Option<PathBuf>,
    pub limits: http::Limits,
    pub log_format: http::LogFormat,
    /// Turns the emulator controls under `/_dingcal/` on.
    pub admin_token: Option<String>,
    /// Throttles every app's calls per operation from the start.
    pub throttle_qps: Option<u32>,
    /// An export (`GET /_dingcal/export`) loaded at start into an empty
    /// database.
    pub seed: Option<PathBuf>,
    /// Serves HTTPS with this certificate rather than HTTP.
    pub tls: Option<TlsSource>,
    /// The address clients reach this server at, for the addresses its
    /// answers give (CalDAV's, sign-in links); by default the one each
    /// request was sent to.
    pub public_url: Option<String>,
}

/// A server accepting connections.
pub struct Running {
    pub addr: SocketAddr,
    /// `https` over TLS, else `http`.
    pub scheme: &'static str,
    /// The local certificate authority's certificate, for clients to trust.
    pub ca: Option<PathBuf>,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
    clock: JoinHandle<()>,
    store: Arc<dyn Store>,
}

/// How often expired tokens and x-client-tokens are forgotten.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// Opens the store, loads the directory (or makes the demo org on an empty
/// database) and starts serving.
pub async fn start(config: Config) -> Result<Running, String> {
    let tls = config.tls.as_ref().map(TlsSource::load).transpose()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let store = store::open(&config.db).await?;
    if let Some(path) = &config.seed {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read seed file {}: {e}", path.display()))?;
        let document = serde_json::from_str(&text)
            .map_err(|e| format!("seed file {}: {e}", path.display()))?;
        let seeded = store
            .seed(document)
            .await
            .map_err(|e| format!("seed file {}: {e}", path.display()))?;
        if !seeded {
            println!(
                "the database is not empty: {} was not loaded",
                path.display()
            );
        }
    }
    let seeded = match &config.directory {
        Some(path) => {
            let file = DirectoryFile::load(path)?;
            store
                .save_directory(file)
                .await
                .map_err(|e| e.to_string())?;
            None
        }
        None => {
            let demo = DirectoryFile::demo();
            let created = store
                .seed_directory(demo.clone())
                .await
                .map_err(|e| e.to_string())?;
            Some((demo, created))
        }
    };
    let file = store.load_directory().await.map_err(|e| e.to_string())?;
    if let Some((demo, created)) = seeded {
        // The secret is known only when the app is made: the store keeps
        // its hash. At later starts, the key and how to get a new secret.
        announce_demo(if created { &demo } else { &file }, created);
    }
    let state = Arc::new(
        AppState::new(
            store.clone(),
            Arc::new(Directory::from_file(&file)),
            config.limits,
            http::AccessLog::start(config.log_format),
        )
        .with_controls(config.admin_token, config.throttle_qps)
        .with_address(scheme, config.public_url),
    );

    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (shutdown, stop) = oneshot::channel::<()>();
    let clock = tokio::spawn(http::follow_clock(state.clone()));
    let housekeeping = tokio::spawn(purge_loop(state.clone()));
    let (acceptor, ca) = match tls {
        Some(tls) => (Some(tls.acceptor), tls.ca),
        None => (None, None),
    };
    let server = tokio::spawn(http::serve(listener, state, acceptor, async {
        let _ = stop.await;
    }));

    Ok(Running {
        addr,
        scheme,
        ca,
        shutdown,
        server,
        housekeeping,
        clock,
        store,
    })
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and closes the store
    /// once every acknowledged write is on disk.
    pub async fn stop(self) -> Result<(), String> {
        let _ = self.shutdown.send(());
        let served = self.server.await.map_err(|e| e.to_string())?;
        self.housekeeping.abort();
        let _ = self.housekeeping.await;
        self.clock.abort();
        let _ = self.clock.await;
        drop(self.store);
        served.map_err(|e| e.to_string())
    }
}

async fn purge_loop(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = state.store.purge_expired(state.clock.now()).await {
            tracing::warn!(%e, "purging expired tokens failed");
        }
    }
}

fn announce_demo(demo: &DirectoryFile, created: bool) {
    for org in &demo.orgs {
        if created {
            println!("created demo organization {} ({})", org.corp_id, org.name);
        }
        let users: Vec<&str> = org.users.iter().map(|u| u.union_id.as_str()).collect();
        println!("demo users (unionId): {}", users.join(", "));
        for app in &org.apps {
            if created {
                println!(
                    "demo app: appKey={} appSecret={}",
                    app.app_key, app.app_secret
                );
            } else {
                println!(
                    "demo app: appKey={} (its secret was printed when it was made; \
                     `dingcal apps --new-secret {}` replaces it)",
                    app.app_key, app.app_key
                );
            }
        }
    }
}
