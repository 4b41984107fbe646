//! dingcal-bench: starts a dingcal server, loads it from this process over
//! loopback with keep-alive HTTP/1.1 connections, measures its memory after
//! creating many events, and reports every figure, ending with one JSON line.
//! Its postgres suite does so on SQLite and on PostgreSQL, and sets dingcal
//! against pgbench and against a second node; its scale suite lists a
//! week's events on a small store and on one twenty times bigger; its caldav
//! suite reads a week over CalDAV from dingcal and from Radicale.
//!
//! Progress goes to stderr; the report, and only the report, to stdout.

mod backends;
mod caldav;
mod calendar;
mod client;
mod load;
mod phases;
mod postgres;
mod procfs;
mod radicale;
mod recurrence;
mod report;
mod rooms;
mod scale;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use load::Generator;
use phases::{Plan, Suite};
use server::{Scratch, with_server};

const USAGE: &str = "\
usage: dingcal-bench [lifecycle | recurrence | postgres | scale | rooms | caldav] [options]
  lifecycle           (default) healthz, GetEvent, RespondEvent, PatchEvent and
                      memory after many events, then GetEvent over 2,000 of
                      those events and CreateEvent
  recurrence          series expansion against python-dateutil ($PYTHON, else
                      python3), eventsview over a week of 1,000 series and
                      10,000 events, GetSchedule of 20 users
  postgres            lifecycle on SQLite and on PostgreSQL side by side,
                      RespondEvent against pgbench, and on one node against two;
                      needs psql and pgbench
  rooms               GetMeetingRoomsSchedule of 20 rooms over a week with
                      10,000 bookings, a grantee's ListEvents of a shared
                      calendar against the owner's own, GetSignInList of 500
  scale               ListEvents of one user's week on a store of --events / 20
                      events and --scale-users users, then on a store of
                      --events events and 20 times the users
  caldav              a CalDAV REPORT of one week over 1,000 events, on dingcal
                      and on Radicale with the same events, over --connections
                      connections but at most 4; Radicale from $PYTHON (else
                      python3) if it has it, else pip installs it once into
                      target/dingcal-bench-radicale (a virtualenv)
  --postgres URL      the PostgreSQL server of the postgres suite, as
                      postgres://USER@HOST:PORT/DB (default:
                      $DINGCAL_BENCH_POSTGRES); each part runs in a schema of
                      its own, dropped at the end
  --dingcal PATH      the dingcal binary (default: $DINGCAL_BIN, else `dingcal`
                      beside this binary)
  --connections N     concurrent keep-alive connections per timed phase (64)
  --warmup SECS       unmeasured warm-up before each timed phase (1)
  --duration SECS     measured time of each timed phase, over all rounds (6;
                      caldav: 30, for Radicale answers in seconds)
  --rounds N          times the timed phases take turns (3)
  --events N          events created before memory is read (100000; at least
                      4000); scale: events of the big store (1000000)
  --in-flight N       concurrent CreateEvent requests while creating them (64)
  --threads N         threads of the load generator, each owning its share of
                      the connections on a runtime of its own (2)
  --scale-users N     scale: users of the small store (250)";

fn main() -> ExitCode {
    let (binary, plan) = match parse(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("dingcal-bench: {e}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match run(&binary, &plan) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("dingcal-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark; true when every request was answered as asked (200,
/// or a WebDAV status where the caldav suite expects one). Missed
/// targets are reported but do not fail the run: they are findings.
fn run(binary: &std::path::Path, plan: &Plan) -> Result<bool, String> {
    // This thread sets things up and reads the clocks at the edges of each
    // measured window; the load itself comes from the generator's threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let generator = Generator::new(plan.threads)?;
    let directory = match plan.suite {
        Suite::Scale { users } => scale::directory(users * scale::FACTOR),
        Suite::Caldav => calendar::directory(),
        _ => phases::directory(),
    };
    let scratch = Scratch::new(&directory)?;
    let sqlite = scratch.sqlite_url();
    let errors = match &plan.suite {
        Suite::Lifecycle => {
            let results = with_server(binary, &sqlite, &scratch.directory, |server| {
                runtime.block_on(phases::run(server, plan, &generator))
            })?;
            report::print(plan, &results);
            report::errors(&results)
        }
        Suite::Recurrence => {
            let results = with_server(binary, &sqlite, &scratch.directory, |server| {
                runtime.block_on(recurrence::run(server, plan, &generator))
            })?;
            recurrence::print(plan, &results);
            recurrence::errors(&results)
        }
        Suite::Rooms => {
            let results = with_server(binary, &sqlite, &scratch.directory, |server| {
                runtime.block_on(rooms::run(server, plan, &generator))
            })?;
            rooms::print(plan, &results);
            rooms::errors(&results)
        }
        Suite::Postgres { url } => {
            let results = backends::run(&runtime, &generator, binary, &scratch, url, plan)?;
            backends::print(plan, url, &results);
            backends::errors(&results)
        }
        Suite::Scale { users } => {
            let results = scale::run(&runtime, &generator, binary, &scratch, plan, *users)?;
            scale::print(plan, *users, &results);
            scale::errors(&results)
        }
        Suite::Caldav => {
            let results = caldav::run(&runtime, &generator, binary, &scratch, plan)?;
            caldav::print(plan, &results);
            caldav::errors(&results)
        }
    };
    Ok(errors == 0)
}

/// The binary and the plan from the command line; `None` when help was asked.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<(PathBuf, Plan)>, String> {
    let mut binary = None;
    let mut suite = String::from("lifecycle");
    let mut postgres = None;
    let mut events = None;
    let mut scale_users = 250;
    let mut duration = None;
    let mut plan = Plan {
        connections: 64,
        warmup: Duration::from_secs(1),
        duration: Duration::from_secs(6),
        rounds: 3,
        events: 100_000,
        in_flight: 64,
        threads: 2,
        suite: Suite::Lifecycle,
    };
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if matches!(
            flag.as_str(),
            "lifecycle" | "recurrence" | "postgres" | "scale" | "rooms" | "caldav"
        ) {
            suite = flag;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dingcal" => binary = Some(PathBuf::from(value)),
            "--connections" => plan.connections = positive(&flag, &value)?,
            "--warmup" => plan.warmup = seconds(&flag, &value)?,
            "--duration" => duration = Some(seconds(&flag, &value)?),
            "--rounds" => plan.rounds = positive(&flag, &value)?,
            "--events" => events = Some(positive(&flag, &value)?),
            "--in-flight" => plan.in_flight = positive(&flag, &value)?,
            "--threads" => plan.threads = positive(&flag, &value)?,
            "--scale-users" => scale_users = positive(&flag, &value)?,
            "--postgres" => postgres = Some(value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    plan.duration = match (duration, suite.as_str()) {
        (Some(duration), _) => duration,
        (None, "caldav") => caldav::DEFAULT_DURATION,
        (None, _) => plan.duration,
    };
    if plan.duration.is_zero() {
        return Err("--duration must be more than 0".into());
    }
    let postgres = postgres.or_else(|| std::env::var("DINGCAL_BENCH_POSTGRES").ok());
    plan.suite = match (suite.as_str(), postgres) {
        ("postgres", Some(url)) => Suite::Postgres { url },
        ("postgres", None) => {
            return Err("postgres needs --postgres URL or DINGCAL_BENCH_POSTGRES".into());
        }
        ("recurrence", _) => Suite::Recurrence,
        ("rooms", _) => Suite::Rooms,
        ("caldav", _) => Suite::Caldav,
        ("scale", _) => Suite::Scale { users: scale_users },
        _ => Suite::Lifecycle,
    };
    match plan.suite {
        Suite::Scale { users } => {
            plan.events = events.unwrap_or(scale::DEFAULT_EVENTS);
            scale::check(plan.events, users)?;
        }
        Suite::Recurrence | Suite::Rooms | Suite::Caldav => {}
        Suite::Lifecycle | Suite::Postgres { .. } => {
            plan.events = events.unwrap_or(plan.events);
            if plan.events < phases::FILL_MIN {
                return Err(format!(
                    "--events must be at least {}: GetEvent over {} events reads two-attendee \
                     events of the fill",
                    phases::FILL_MIN,
                    phases::SPREAD_EVENTS
                ));
            }
        }
    }
    let binary = match binary.or_else(|| std::env::var_os("DINGCAL_BIN").map(PathBuf::from)) {
        Some(path) => path,
        // `cargo build --release` puts both binaries in the same folder.
        None => std::env::current_exe()
            .map_err(|e| format!("cannot locate this binary: {e}"))?
            .with_file_name("dingcal"),
    };
    Ok(Some((binary, plan)))
}

fn positive<T: std::str::FromStr + Default + PartialEq>(
    flag: &str,
    value: &str,
) -> Result<T, String> {
    value
        .parse()
        .ok()
        .filter(|n| *n != T::default())
        .ok_or_else(|| format!("{flag} takes a whole number above 0, got {value:?}"))
}

fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{flag} takes a number of seconds, got {value:?}"))
}
