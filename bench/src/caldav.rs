//! The caldav suite: a CalDAV REPORT (calendar-query) of one week over a
//! calendar of 1,000 events, on dingcal and on Radicale loaded with the same
//! events, the two taking turns in the same run.
//!
//! dingcal is loaded through its DingTalk API (CreateEvent), then read
//! through the CalDAV account GenerateCaldavAccount gives the organizer;
//! Radicale gets the same events as iCalendar objects, one PUT each, in a
//! calendar made with MKCALENDAR. The events are built in `calendar`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName};
use hyper::{Method, StatusCode, Uri};
use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;

use crate::calendar::{self, EVENTS, PER_WEEK, WEEKS};
use crate::client::{Call, Conn, Target};
use crate::load::{Generator, Measured, Until, drive};
use crate::phases::{ORGANIZER, Phase, Plan, events_path, field, take_turns_at, token};
use crate::procfs::CpuClocks;
use crate::radicale::{Python, Radicale};
use crate::report::{self, Check, Goal, figures, latency_table, object, round};
use crate::server::{Scratch, Server, with_server};

/// Radicale serves a few requests at a time (one Python process, eight
/// connections at most by default): both servers are loaded and read over
/// `--connections` connections, at most this many.
pub const CONNECTIONS_MAX: usize = 4;
/// The measured time of each phase unless `--duration` says otherwise:
/// Radicale answers three or four REPORTs a second here, so that its
/// figures rest on a hundred answers or so.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(30);
/// The weeks read, from the period's first (0): request n reads week n mod
/// 4 of these, on both servers alike. Week 5 is 7 to 14 December 2026.
const READ_WEEKS: [u64; 4] = [1, 5, 10, 15];
/// The target: dingcal's REPORT throughput at least 20 times Radicale's.
const SPEEDUP_MIN: f64 = 20.0;
/// Radicale's user and calendar: with `--auth-type none` it takes any
/// password, and a user owns the collections under its name.
const RADICALE_USER: &str = "bench";
const RADICALE_CALENDAR: &str = "/bench/calendar/";
/// The device named to GenerateCaldavAccount.
const DEVICE: &str = "bench";
const DEPTH: HeaderName = HeaderName::from_static("depth");

/// One read week's answers before timing: VEVENTs and bytes from each.
pub struct WeekCheck {
    pub week: u64,
    pub expected: usize,
    pub dingcal: (usize, usize),
    pub radicale: (usize, usize),
}

pub struct CaldavResults {
    pub connections: usize,
    pub python: Python,
    /// The collection read on dingcal, as GenerateCaldavAccount led to it.
    pub collection: String,
    pub dingcal_load: Duration,
    pub radicale_load: Duration,
    pub weeks: Vec<WeekCheck>,
    pub dingcal: Measured,
    pub radicale: Measured,
}

/// Connections of both servers' phases.
fn connections(plan: &Plan) -> usize {
    plan.connections.min(CONNECTIONS_MAX)
}

/// Finds or installs Radicale, starts it and dingcal, loads both and reads
/// them in turn. Neither server is left running.
pub fn run(
    runtime: &Runtime,
    generator: &Generator,
    binary: &Path,
    scratch: &Scratch,
    plan: &Plan,
) -> Result<CaldavResults, String> {
    let python = crate::radicale::python()?;
    let folder = scratch.path("radicale");
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let radicale = Radicale::start(&python, &folder, &scratch.path("radicale.log"))?;
    eprintln!(
        "Radicale {} (Python {}) pid {} on {}",
        python.radicale, python.version, radicale.pid, radicale.addr
    );
    with_server(
        binary,
        &scratch.sqlite_url(),
        &scratch.directory,
        |server| runtime.block_on(measure(server, &radicale, python, plan, generator)),
    )
}

async fn measure(
    server: &Server,
    radicale: &Radicale,
    python: Python,
    plan: &Plan,
    generator: &Generator,
) -> Result<CaldavResults, String> {
    let connections = connections(plan);
    let dingcal_clocks = CpuClocks::new(&[server.pid]);
    let radicale_clocks = CpuClocks::new(&[radicale.pid]);

    let anonymous = Arc::new(Target::new(server.addr));
    let api = Arc::new(anonymous.with_token(&token(anonymous.clone()).await?)?);
    eprintln!("phase: CreateEvent x {EVENTS} on dingcal");
    let path = events_path(ORGANIZER);
    let created = drive(
        generator,
        std::slice::from_ref(&api),
        &dingcal_clocks,
        plan.in_flight,
        Until::Count(EVENTS),
        move |n| Call::post(&path, calendar::create_event(n)),
    )
    .await?;
    loaded("dingcal", &created)?;
    let (dav, collection) = caldav_account(api, server).await?;

    let radicale_dav = Arc::new(Target::new(radicale.addr).with_basic(RADICALE_USER, "-")?);
    eprintln!("phase: MKCALENDAR and PUT x {EVENTS} on Radicale");
    let mkcalendar = Call::new(dav_method("MKCALENDAR"), RADICALE_CALENDAR, Bytes::new())
        .expecting(StatusCode::CREATED);
    let mut conn = Conn::open(radicale_dav.clone()).await?;
    conn.expect_ok(&mkcalendar)
        .await
        .map_err(|e| radicale.failed(e))?;
    let put = drive(
        generator,
        std::slice::from_ref(&radicale_dav),
        &radicale_clocks,
        connections,
        Until::Count(EVENTS),
        |n| {
            Call::put(&calendar::resource(RADICALE_CALENDAR, n), calendar::ical(n))
                .with_headers(&[(CONTENT_TYPE, "text/calendar; charset=utf-8")])
                .expecting(StatusCode::CREATED)
        },
    )
    .await?;
    loaded("Radicale", &put).map_err(|e| radicale.failed(e))?;

    let dingcal_reports = reports(&collection);
    let radicale_reports = reports(RADICALE_CALENDAR);
    let weeks = check_weeks(
        &mut Conn::open(dav.clone()).await?,
        &mut Conn::open(radicale_dav.clone()).await?,
        &dingcal_reports,
        &radicale_reports,
    )
    .await
    .map_err(|e| radicale.failed(e))?;

    let phase = |name, target: &Arc<Target>, calls: Vec<Call>| Phase {
        name,
        targets: vec![target.clone()],
        make: Arc::new(move |n| calls[(n % calls.len() as u64) as usize].clone()),
    };
    // Radicale's answers take seconds: every answer in a window counts.
    let slice = Until::Arrivals {
        warmup: plan.warmup,
        measure: plan.duration / plan.rounds as u32,
    };
    let timed = take_turns_at(
        plan,
        generator,
        connections,
        slice,
        [
            (
                phase("REPORT of a week, dingcal", &dav, dingcal_reports),
                &dingcal_clocks,
            ),
            (
                phase(
                    "REPORT of a week, Radicale",
                    &radicale_dav,
                    radicale_reports,
                ),
                &radicale_clocks,
            ),
        ],
    )
    .await?;
    let [dingcal, radicale] = timed;
    Ok(CaldavResults {
        connections,
        python,
        collection,
        dingcal_load: created.elapsed,
        radicale_load: put.elapsed,
        weeks,
        dingcal,
        radicale,
    })
}

/// Fails the run unless every event of a load was created.
fn loaded(server: &str, m: &Measured) -> Result<(), String> {
    match (m.errors, &m.first_error) {
        (0, _) => Ok(()),
        (errors, first) => Err(format!(
            "loading {server} failed {errors} times; first: {}",
            first.as_deref().unwrap_or("-")
        )),
    }
}

/// A WebDAV or CalDAV method.
fn dav_method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("a method name is a token")
}

/// Asks GenerateCaldavAccount for the organizer's CalDAV account; returns
/// the target carrying its credentials and the path of the organizer's
/// primary calendar collection under the server address it names. The
/// requests go to the server under test, whatever host that address names.
async fn caldav_account(
    api: Arc<Target>,
    server: &Server,
) -> Result<(Arc<Target>, String), String> {
    let mut conn = Conn::open(api).await?;
    let answer = conn
        .expect_ok(&Call::post(
            &format!("/v1.0/calendar/users/{ORGANIZER}/caldavAccounts"),
            json!({ "device": DEVICE }).to_string(),
        ))
        .await?;
    let username = field(&answer, "username")?;
    let password = field(&answer, "password")?;
    let address = field(&answer, "serverAddress")?;
    let root = address
        .parse::<Uri>()
        .map_err(|e| format!("serverAddress {address:?}: {e}"))?
        .path()
        .trim_end_matches('/')
        .to_string();
    // The name goes into the path as it is.
    if !username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~@".contains(&b))
    {
        return Err(format!(
            "the CalDAV username {username:?} needs percent-encoding, which the bench does not do"
        ));
    }
    let collection = format!("{root}/calendars/{username}/primary/");
    let dav = Target::new(server.addr).with_basic(&username, &password)?;
    Ok((Arc::new(dav), collection))
}

/// The REPORT of each read week on `collection`, in `READ_WEEKS`' order.
fn reports(collection: &str) -> Vec<Call> {
    READ_WEEKS
        .iter()
        .map(|&week| {
            Call::new(dav_method("REPORT"), collection, calendar::week_query(week))
                .with_headers(&[
                    (CONTENT_TYPE, "application/xml; charset=utf-8"),
                    (DEPTH, "1"),
                ])
                .expecting(StatusCode::MULTI_STATUS)
        })
        .collect()
}

/// Reads each week once from both servers before timing: both must answer
/// 207 with every event of the week, no more and no fewer.
async fn check_weeks(
    dingcal: &mut Conn,
    radicale: &mut Conn,
    dingcal_reports: &[Call],
    radicale_reports: &[Call],
) -> Result<Vec<WeekCheck>, String> {
    let mut checks = Vec::with_capacity(READ_WEEKS.len());
    for ((&week, d), r) in READ_WEEKS.iter().zip(dingcal_reports).zip(radicale_reports) {
        let d = dingcal.expect_ok(d).await?;
        let r = radicale.expect_ok(r).await?;
        let check = WeekCheck {
            week,
            expected: calendar::week_events(week),
            dingcal: (calendar::vevents(&d), d.len()),
            radicale: (calendar::vevents(&r), r.len()),
        };
        if check.dingcal.0 != check.expected || check.radicale.0 != check.expected {
            return Err(format!(
                "the REPORT of the week from {} holds {} VEVENTs on dingcal and {} on \
                 Radicale; {} were loaded in that week",
                calendar::week_start(week),
                check.dingcal.0,
                check.radicale.0,
                check.expected
            ));
        }
        checks.push(check);
    }
    Ok(checks)
}

pub fn errors(r: &CaldavResults) -> u64 {
    r.dingcal.errors + r.radicale.errors
}

fn checks(r: &CaldavResults) -> [Check; 3] {
    [
        Check {
            label: "req/s dingcal / Radicale",
            key: "report_rps_dingcal_over_radicale",
            value: r.dingcal.rate() / r.radicale.rate(),
            goal: Goal::AtLeast(SPEEDUP_MIN),
        },
        Check {
            label: "p99 dingcal / Radicale",
            key: "report_p99_dingcal_over_radicale",
            value: r.dingcal.quantile_ms(0.99) / r.radicale.quantile_ms(0.99),
            goal: Goal::None,
        },
        // The same, the other way up: the one above rounds to 0.01.
        Check {
            label: "p99 Radicale / dingcal",
            key: "report_p99_radicale_over_dingcal",
            value: r.radicale.quantile_ms(0.99) / r.dingcal.quantile_ms(0.99),
            goal: Goal::None,
        },
    ]
}

pub fn print(plan: &Plan, r: &CaldavResults) {
    println!(
        "dingcal-bench caldav: {} connections (--connections, at most {CONNECTIONS_MAX}) on {} \
         load threads; each phase measured {:.1} s in all, over {} rounds taken in turn, each \
         after a {:.1} s warm-up; every answer arriving in a measured window counts",
        r.connections,
        plan.threads,
        plan.duration.as_secs_f64(),
        plan.rounds,
        plan.warmup.as_secs_f64()
    );
    println!(
        "calendar: {EVENTS} events of one user over {WEEKS} weeks from {} (Asia/Shanghai), \
         {PER_WEEK} a week, 30 to 60 min, each with a summary, description, location and 2 \
         attendees",
        calendar::week_start(0)
    );
    println!(
        "dingcal: CreateEvent x {EVENTS} ({} in flight) in {:.1} s; read over CalDAV at {}",
        plan.in_flight,
        r.dingcal_load.as_secs_f64(),
        r.collection
    );
    println!(
        "Radicale {} on Python {} ({}): MKCALENDAR and PUT x {EVENTS} ({} connections) in \
         {:.1} s; its own HTTP/1.0 server closes every connection, so each of its requests \
         opens one, inside that request's time",
        r.python.radicale,
        r.python.version,
        r.python.path.display(),
        r.connections,
        r.radicale_load.as_secs_f64()
    );
    println!();
    println!(
        "REPORT calendar-query (Depth: 1, etag and calendar-data, a week's time-range); \
         request n reads the n mod {}-th of these weeks, checked once before timing:",
        READ_WEEKS.len()
    );
    println!(
        "{:<12} {:>8} {:>16} {:>14} {:>16} {:>14}",
        "week from",
        "loaded",
        "dingcal VEVENTs",
        "dingcal bytes",
        "Radicale VEVENTs",
        "Radicale bytes"
    );
    for w in &r.weeks {
        println!(
            "{:<12} {:>8} {:>16} {:>14} {:>16} {:>14}",
            calendar::week_start(w.week),
            w.expected,
            w.dingcal.0,
            w.dingcal.1,
            w.radicale.0,
            w.radicale.1
        );
    }
    println!();
    latency_table(&[
        ("REPORT of a week, dingcal", &r.dingcal),
        ("REPORT of a week, Radicale", &r.radicale),
    ]);
    println!("srv CPU/req: the CPU time of the server answering, dingcal's or Radicale's.");
    println!();
    report::print_checks(&checks(r));
    if let Some(e) = (r.dingcal.first_error.as_deref()).or(r.radicale.first_error.as_deref()) {
        println!();
        println!("ERRORS: {} requests failed; first: {e}", errors(r));
    }
    println!();
    println!("{}", json_line(plan, r));
}

fn json_line(plan: &Plan, r: &CaldavResults) -> Value {
    let ratios: Map<String, Value> = checks(r)
        .iter()
        .map(|c| (c.key.to_string(), json!(round(c.value))))
        .collect();
    let weeks: Vec<Value> = r
        .weeks
        .iter()
        .map(|w| {
            json!({
                "week_from": calendar::week_start(w.week),
                "loaded": w.expected,
                "dingcal_vevents": w.dingcal.0,
                "dingcal_bytes": w.dingcal.1,
                "radicale_vevents": w.radicale.0,
                "radicale_bytes": w.radicale.1,
            })
        })
        .collect();
    let mut line = report::plan_json(plan);
    line.extend(object([
        ("suite", json!("caldav")),
        ("connections", json!(r.connections)),
        ("events", json!(EVENTS)),
        ("weeks", json!(WEEKS)),
        (
            "load",
            json!({
                "dingcal_create_event_s": round(r.dingcal_load.as_secs_f64()),
                "dingcal_in_flight": plan.in_flight,
                "radicale_put_s": round(r.radicale_load.as_secs_f64()),
                "radicale_connections": r.connections,
            }),
        ),
        (
            "radicale",
            json!({"version": r.python.radicale, "python": r.python.version}),
        ),
        ("read_weeks", Value::Array(weeks)),
        (
            "phases",
            json!({
                "report_dingcal": figures(&r.dingcal),
                "report_radicale": figures(&r.radicale),
            }),
        ),
        ("ratios", Value::Object(ratios)),
        (
            "targets",
            json!({"report_rps_dingcal_over_radicale_at_least": SPEEDUP_MIN}),
        ),
        ("targets_met", json!(report::all_met(&checks(r)))),
        ("errors", json!(errors(r))),
    ]));
    Value::Object(line)
}
