//! The command line: `dingcal serve` and `dingcal migrate`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::server::{self, Config};
use crate::store::{self, DbUrl};

#[derive(Debug, Parser)]
#[command(
    name = "dingcal",
    version,
    about = "A calendar server that speaks the DingTalk Calendar v1.0 open API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
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
}

pub fn run(cli: Cli) -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, not for a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DINGCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => {
                let db = DbUrl::parse(&args.db)?;
                store::open(&db).await?;
                println!("database {} is up to date", args.db);
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("dingcal: {message}");
    ExitCode::FAILURE
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = Config {
        listen: args.listen,
        db: DbUrl::parse(&args.db.db)?,
        directory: args.directory,
    };
    // Signals are caught from before the address is printed, so a caller
    // that stops the server as soon as it is up still stops it cleanly.
    let stop = shutdown_signal()?;
    let running = server::start(config).await?;
    println!("listening on http://{}", running.addr);
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
