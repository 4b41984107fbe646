//! The command line: `dingcal serve`, `dingcal migrate` and `dingcal apps`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::domain::random_token;
use crate::http::LogFormat;
use crate::server::{self, Config};
use crate::store::{self, DbUrl};
use crate::tls::TlsSource;

#[derive(Debug, Parser)]
#[command(
    name = "dingcal",
    version,
    about = "A calendar server that speaks the DingTalk Calendar v1.0 open API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How log lines are written to standard error: `text` for people,
    /// `json` (one object per line) for log collectors.
    #[arg(long, global = true, env = "DINGCAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    Serve(Box<ServeArgs>),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
    /// Print the apps of the directory with their keys (the demo app's
    /// among them), or give one a new secret; then exit.
    Apps(AppsArgs),
}

#[derive(Debug, Args)]
pub struct AppsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Give this app a new secret, print it, and end the app's tokens.
    /// Secrets are stored hashed, so a lost one is replaced, not shown. A
    /// server running on the database takes it at its next start; an app
    /// of a directory file takes the file's secret again when the file is
    /// next loaded.
    #[arg(long, value_name = "APPKEY")]
    pub new_secret: Option<String>,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// sqlite://PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB
    #[arg(long, env = "DINGCAL_DB", default_value = "sqlite://dingcal.db")]
    pub db: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve HTTP on; port 0 picks a free port.
    #[arg(long, env = "DINGCAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// TOML file of organisations, users and apps, upserted at start.
    #[arg(long, env = "DINGCAL_DIRECTORY")]
    pub directory: Option<PathBuf>,
    /// Turns on the emulator controls under /_dingcal/, for requests with
    /// `Authorization: Bearer TOKEN`.
    #[arg(long, env = "DINGCAL_ADMIN_TOKEN", value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// Refuses an app's calls of one operation beyond N a second, with the
    /// real service's 403 (also set by PUT /_dingcal/throttle).
    #[arg(long, env = "DINGCAL_THROTTLE_QPS", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub throttle_qps: Option<u32>,
    /// Loads an export of the emulator controls (GET /_dingcal/export) at
    /// start, into an empty database: known fixtures for a test suite.
    #[arg(long, env = "DINGCAL_SEED", value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// The address clients reach this server at (`https://cal.example`),
    /// for the addresses answers give: CalDAV's, sign-in links. By default,
    /// the one each request was sent to.
    #[arg(long, env = "DINGCAL_PUBLIC_URL", value_name = "URL", value_parser = public_url)]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// An address clients reach the server at: http or https, a host, and
/// perhaps a port and a path, with no query.
fn public_url(text: &str) -> Result<String, String> {
    let uri: axum::http::Uri = text.parse().map_err(|e| format!("{e}"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) || uri.query().is_some() {
        return Err("expected http://HOST[:PORT][/PATH] or https://...".into());
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// HTTPS (see the README's "HTTPS for clients whose host is fixed").
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Serves HTTPS, with a certificate from a local certificate authority
    /// that dingcal makes in --tls-dir on first use and prints the path of.
    #[arg(long, env = "DINGCAL_TLS")]
    pub tls: bool,
    /// Where the local certificate authority is kept.
    #[arg(
        long,
        env = "DINGCAL_TLS_DIR",
        value_name = "DIR",
        default_value = "dingcal-tls"
    )]
    pub tls_dir: PathBuf,
    /// More names (or IP addresses) for the local authority's certificate,
    /// beyond localhost, 127.0.0.1, ::1, api.dingtalk.com and
    /// oapi.dingtalk.com.
    #[arg(
        long = "tls-name",
        env = "DINGCAL_TLS_NAMES",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub tls_names: Vec<String>,
    /// Serves HTTPS with this PEM certificate chain instead (with --tls-key).
    #[arg(
        long,
        env = "DINGCAL_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with_all = ["tls_names", "tls_dir"]
    )]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert, in PEM.
    #[arg(
        long,
        env = "DINGCAL_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

impl TlsArgs {
    fn source(self) -> Option<TlsSource> {
        match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsSource::Files { cert, key }),
            _ if self.tls => Some(TlsSource::Local {
                dir: self.tls_dir,
                names: self.tls_names,
            }),
            _ => None,
        }
    }
}

/// What a client may hold of the server (see the README's "Limits"). A
/// time limit of 0 would close every connection at once: each is at least 1.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a request's headers, and the longest a
    /// kept-alive connection stays idle.
    #[arg(long, env = "DINGCAL_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request body may pause before it is cut off.
    #[arg(long, env = "DINGCAL_BODY_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
    /// Seconds a whole request may take once its headers are in.
    #[arg(long, env = "DINGCAL_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Connections open at once; more wait to be accepted.
    #[arg(long, env = "DINGCAL_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// MiB that the bodies of requests in flight may hold together (at
    /// least 4, the largest body).
    #[arg(long, env = "DINGCAL_BODY_MEMORY_MB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(4..=65_536))]
    pub body_memory_mb: u64,
    /// Seconds that requests in flight get to finish after SIGTERM.
    #[arg(long, env = "DINGCAL_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace: u64,
}

impl LimitArgs {
    fn limits(&self) -> crate::http::Limits {
        let secs = std::time::Duration::from_secs;
        crate::http::Limits {
            header_read: secs(self.header_timeout),
            body_idle: secs(self.body_timeout),
            request: secs(self.request_timeout),
            max_connections: self.max_connections.max(1),
            body_memory_mib: self.body_memory_mb as usize,
            shutdown_grace: secs(self.shutdown_grace),
        }
    }
}

pub fn run(cli: Cli) -> ExitCode {
    // Lines are written by a thread of their own, so that a request never
    // waits on standard error (the access log writes one per request).
    let (writer, _flush_at_exit) = tracing_appender::non_blocking(std::io::stderr());
    let filter = tracing_subscriber::EnvFilter::try_from_env("DINGCAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_env_filter(filter);
    match cli.log_format {
        // Colour only for a person at a terminal, not for a log file.
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(*args, cli.log_format).await,
            Command::Migrate(args) => {
                let db = DbUrl::parse(&args.db)?;
                store::open(&db).await?;
                println!("database {} is up to date", args.db);
                Ok(())
            }
            Command::Apps(args) => apps(&args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// One line per app: its org, key and permissions; or, with
/// `--new-secret`, the app's new secret.
async fn apps(args: &AppsArgs) -> Result<(), String> {
    let store = store::open(&DbUrl::parse(&args.db.db)?).await?;
    let mut out = std::io::stdout().lock();
    if let Some(app_key) = &args.new_secret {
        let secret = random_token(24);
        if !store
            .set_app_secret(app_key.clone(), secret.clone())
            .await
            .map_err(|e| e.to_string())?
        {
            return Err(format!("no app has the appKey {app_key:?}"));
        }
        return writeln!(out, "appKey={app_key} appSecret={secret}").map_err(|e| e.to_string());
    }
    let directory = store.load_directory().await.map_err(|e| e.to_string())?;
    for org in &directory.orgs {
        for app in &org.apps {
            writeln!(
                out,
                "corpId={} appKey={} permissions={}",
                org.corp_id,
                app.app_key,
                app.permissions.join(",")
            )
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn fail(message: String) -> ExitCode {
    eprintln!("dingcal: {message}");
    ExitCode::FAILURE
}

async fn serve(args: ServeArgs, log_format: LogFormat) -> Result<(), String> {
    let config = Config {
        listen: args.listen,
        db: DbUrl::parse(&args.db.db)?,
        directory: args.directory,
        limits: args.limits.limits(),
        log_format,
        admin_token: args.admin_token,
        throttle_qps: args.throttle_qps,
        seed: args.seed,
        tls: args.tls.source(),
        public_url: args.public_url,
    };
    // Signals are caught from before the address is printed, so a caller
    // that stops the server as soon as it is up still stops it cleanly.
    let stop = shutdown_signal()?;
    let running = server::start(config).await?;
    if let Some(ca) = &running.ca {
        println!(
            "serving a certificate of dingcal's local authority: clients trust it with {}",
            ca.display()
        );
    }
    println!("listening on {}://{}", running.scheme, running.addr);
    let _ = std::io::stdout().flush();
    stop.await;
    tracing::info!("shutting down");
    running.stop().await
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT); the handlers are in place once
/// this returns.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
