//! The recurrence suite: expanding a series in-process against
//! python-dateutil, then a calendar of 1,000 recurring series and 10,000
//! single events viewed a week at a time, and free/busy of 20 users.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dingcal_recur::{Pattern, Range, Rule, Start, occurrences};
use jiff::civil::date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::client::{Call, Conn, Target};
use crate::load::{Generator, Measured, Until, drive, drive_same};
use crate::phases::{ORGANIZER, Plan, event_path, events_path, field, token, user};
use crate::procfs::CpuClocks;
use crate::report::{figures, latency_table, pass, round};
use crate::server::Server;

const SERIES: u64 = 1_000;
const SINGLES: u64 = 10_000;
const SCHEDULE_USERS: usize = 20;
/// The viewed week: Monday 7 to Monday 14 December 2026, Shanghai time.
pub const WEEK_START: &str = "2026-12-07T00:00:00+08:00";
pub const WEEK_END: &str = "2026-12-14T00:00:00+08:00";
/// Latency is measured as users see it, a request or two at a time: one
/// connection per core, not a queue of 64.
pub const LATENCY_CONNECTIONS: usize = 2;
/// Targets: p99 of a week's ListEventsView, and of GetSchedule of 20 users
/// over that week, in milliseconds.
const VIEW_P99_MS: f64 = 5.0;
const SCHEDULE_P99_MS: f64 = 10.0;

/// The series expanded by both sides: daily at 09:00 New York time, with no
/// end, from 2026 over ten years.
const PYTHON_EXPANSION: &str = r#"
import sys, time
from datetime import datetime
from zoneinfo import ZoneInfo
from dateutil.rrule import rrule, DAILY
zone = ZoneInfo("America/New_York")
start = datetime(2026, 1, 1, 9, tzinfo=zone)
until = datetime(2036, 1, 1, tzinfo=zone)
runs = int(sys.argv[1])
times = []
for _ in range(runs):
    t = time.perf_counter()
    n = len([d.timestamp() for d in rrule(DAILY, dtstart=start, until=until)])
    times.append(time.perf_counter() - t)
times.sort()
print(n, times[len(times) // 2] * 1e6)
"#;

pub struct Expansion {
    pub occurrences: usize,
    pub rust_us: f64,
    pub python_us: f64,
}

pub struct RecurrenceResults {
    pub expansion: Expansion,
    pub seeding: Duration,
    pub view: Measured,
    pub view_events: usize,
    pub get_event: Measured,
    pub schedule: Measured,
}

/// The median time of `runs` expansions of the series in this process.
fn expand_in_rust(runs: usize) -> (usize, f64) {
    let rule = Rule::new(Pattern::Daily, 1, Range::NoEnd).expect("a valid rule");
    let zone = TimeZone::get("America/New_York").expect("the zone exists");
    let start = Start::Timed {
        at: date(2026, 1, 1).at(9, 0, 0, 0),
        zone,
    };
    let until = date(2036, 1, 1);
    let mut count = 0;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            count = occurrences(&rule, &start, date(2026, 1, 1))
                .take_while(|o| o.date < until)
                .filter_map(|o| o.instant)
                .count();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (count, times[runs / 2])
}

/// The same expansion by python-dateutil, in a child process.
fn expand_in_python(runs: usize) -> Result<(usize, f64), String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args(["-c", PYTHON_EXPANSION, &runs.to_string()])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{python} failed (is python-dateutil installed? pip install python-dateutil): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let count = parts.next().and_then(|n| n.parse().ok());
    let us = parts.next().and_then(|n| n.parse().ok());
    count
        .zip(us)
        .ok_or_else(|| format!("unexpected output from {python}: {text}"))
}

fn at(day: &str, hour: u64) -> Value {
    json!({"dateTime": format!("{day}T{hour:02}:00:00+08:00"), "timeZone": "Asia/Shanghai"})
}

/// Series n: a mix of the four kinds a calendar has most, started over the
/// two years before the viewed week, none ending.
fn series_body(n: u64) -> Bytes {
    let pattern = match n % 4 {
        0 => json!({"type": "daily", "interval": 1}),
        1 => json!({"type": "weekly", "daysOfWeek": "monday,wednesday,friday", "interval": 1}),
        2 => json!({"type": "absoluteMonthly", "dayOfMonth": 1 + n % 28, "interval": 1}),
        _ => {
            json!({"type": "relativeMonthly", "index": "second", "daysOfWeek": "tuesday", "interval": 1})
        }
    };
    let day = format!("20{}-{:02}-{:02}", 25 + n % 2, 1 + n % 11, 1 + n % 28);
    let hour = 7 + n % 12;
    let body = json!({
        "summary": format!("series {n}"),
        "start": at(&day, hour),
        "end": at(&day, hour + 1),
        "attendees": [{"id": user(n as usize % SCHEDULE_USERS)}],
        "recurrence": {"pattern": pattern, "range": {"type": "noEnd"}},
    });
    Bytes::from(body.to_string())
}

/// Single event n: spread over 2026, an hour long.
fn single_body(n: u64) -> Bytes {
    let day = jiff::civil::date(2026, 1, 1)
        .checked_add(jiff::Span::new().days((n % 365) as i64))
        .expect("a day of 2026");
    let hour = 8 + n % 10;
    let day = day.to_string();
    let body = json!({
        "summary": format!("single {n}"),
        "start": at(&day, hour),
        "end": at(&day, hour + 1),
        "attendees": [{"id": user(n as usize % SCHEDULE_USERS)}],
    });
    Bytes::from(body.to_string())
}

pub fn encode(value: &str) -> String {
    value.replace(':', "%3A").replace('+', "%2B")
}

pub async fn run(
    server: &Server,
    plan: &Plan,
    generator: &Generator,
) -> Result<RecurrenceResults, String> {
    let phase = |name: &str| eprintln!("phase: {name}");
    phase("expansion, in process and in python-dateutil");
    let (occurrences, rust_us) = expand_in_rust(201);
    let (python_count, python_us) = expand_in_python(31)?;
    if python_count != occurrences {
        return Err(format!(
            "the two expansions disagree: {occurrences} occurrences here, {python_count} in Python"
        ));
    }

    let anonymous = Arc::new(Target::new(server.addr));
    let target = Arc::new(anonymous.with_token(&token(anonymous.clone()).await?)?);
    let targets = std::slice::from_ref(&target);
    let clocks = CpuClocks::new(&[server.pid]);

    phase(&format!(
        "seeding {SERIES} series and {SINGLES} single events"
    ));
    let seeding = Instant::now();
    let organizer_events = events_path(ORGANIZER);
    let path = organizer_events.clone();
    let series = drive(
        generator,
        targets,
        &clocks,
        plan.in_flight,
        Until::Count(SERIES),
        move |n| Call::post(&path, series_body(n)),
    )
    .await?;
    let path = organizer_events.clone();
    let singles = drive(
        generator,
        targets,
        &clocks,
        plan.in_flight,
        Until::Count(SINGLES),
        move |n| Call::post(&path, single_body(n)),
    )
    .await?;
    if series.errors + singles.errors > 0 {
        return Err(format!(
            "seeding failed: {}",
            series
                .first_error
                .or(singles.first_error)
                .unwrap_or_default()
        ));
    }
    let seeding = seeding.elapsed();

    let timed = Until::Measured {
        warmup: plan.warmup,
        measure: plan.duration,
    };
    let window = format!(
        "timeMin={}&timeMax={}",
        encode(WEEK_START),
        encode(WEEK_END)
    );
    let view_path = format!(
        "/v1.0/calendar/users/{ORGANIZER}/calendars/primary/eventsview?{window}&maxResults=100"
    );
    let mut probe = Conn::open(target.clone()).await?;
    let first_page: Value = serde_json::from_slice(&probe.expect_ok(&Call::get(&view_path)).await?)
        .map_err(|e| format!("eventsview: {e}"))?;
    let view_events = first_page["events"].as_array().map_or(0, Vec::len);

    phase("ListEventsView, one week");
    let call = Call::get(&view_path);
    let view = drive_same(
        generator,
        targets,
        &clocks,
        LATENCY_CONNECTIONS,
        timed,
        call,
    )
    .await?;

    phase("GetEvent, same calendar");
    let created = probe
        .expect_ok(&Call::post(&organizer_events, single_body(SINGLES)))
        .await?;
    let call = Call::get(&event_path(ORGANIZER, &field(&created, "id")?));
    let get_event = drive_same(
        generator,
        targets,
        &clocks,
        LATENCY_CONNECTIONS,
        timed,
        call,
    )
    .await?;

    phase("GetSchedule, 20 users, one week");
    let users: Vec<String> = (0..SCHEDULE_USERS).map(user).collect();
    let body = json!({"userIds": users, "startTime": WEEK_START, "endTime": WEEK_END}).to_string();
    let call = Call::post(
        &format!("/v1.0/calendar/users/{ORGANIZER}/querySchedule"),
        body,
    );
    let schedule = drive_same(
        generator,
        targets,
        &clocks,
        LATENCY_CONNECTIONS,
        timed,
        call,
    )
    .await?;

    Ok(RecurrenceResults {
        expansion: Expansion {
            occurrences,
            rust_us,
            python_us,
        },
        seeding,
        view,
        view_events,
        get_event,
        schedule,
    })
}

pub fn errors(r: &RecurrenceResults) -> u64 {
    r.view.errors + r.get_event.errors + r.schedule.errors
}

pub fn print(plan: &Plan, r: &RecurrenceResults) {
    let e = &r.expansion;
    let speedup = e.python_us / e.rust_us;
    println!(
        "dingcal-bench recurrence: {LATENCY_CONNECTIONS} connections, {:.1} s warm-up + {:.1} s measured per phase",
        plan.warmup.as_secs_f64(),
        plan.duration.as_secs_f64()
    );
    println!();
    println!(
        "expansion: daily 09:00 America/New_York, no end, ten years = {} occurrences",
        e.occurrences
    );
    println!("  dingcal-recur   {:>10.1} us (median)", e.rust_us);
    println!("  python-dateutil {:>10.1} us (median)", e.python_us);
    println!();
    println!(
        "calendar: {SERIES} recurring series and {SINGLES} single events, seeded in {:.1} s; \
         the week's first page holds {} events",
        r.seeding.as_secs_f64(),
        r.view_events
    );
    latency_table(&[
        ("ListEventsView (1 week, 100)", &r.view),
        ("GetEvent", &r.get_event),
        ("GetSchedule (20 users, 1 week)", &r.schedule),
    ]);
    let view_p99 = r.view.quantile_ms(0.99);
    let schedule_p99 = r.schedule.quantile_ms(0.99);
    let view_over_get = r.view.quantile_ms(0.99) / r.get_event.quantile_ms(0.99);
    println!();
    println!("{:<34} {:>9} {:>9}  result", "check", "value", "target");
    println!(
        "{:<34} {:>9.1} {:>9}  {}",
        "expansion speed-up over dateutil",
        speedup,
        ">= 20",
        pass(speedup >= 20.0)
    );
    println!(
        "{:<34} {:>9.2} {:>9}  {}",
        "ListEventsView p99 (ms)",
        view_p99,
        format!("< {VIEW_P99_MS}"),
        pass(view_p99 < VIEW_P99_MS)
    );
    println!(
        "{:<34} {:>9.2} {:>9}  (no target)",
        "ListEventsView / GetEvent p99", view_over_get, "-"
    );
    println!(
        "{:<34} {:>9.2} {:>9}  {}",
        "GetSchedule p99 (ms)",
        schedule_p99,
        format!("< {SCHEDULE_P99_MS}"),
        pass(schedule_p99 < SCHEDULE_P99_MS)
    );
    let line = json!({
        "suite": "recurrence",
        "connections": LATENCY_CONNECTIONS,
        "threads": plan.threads,
        "duration_s": plan.duration.as_secs_f64(),
        "expansion": {
            "occurrences": e.occurrences,
            "dingcal_recur_us": round(e.rust_us),
            "python_dateutil_us": round(e.python_us),
            "speedup": round(speedup),
        },
        "calendar": {"series": SERIES, "singles": SINGLES, "seeding_s": round(r.seeding.as_secs_f64()), "first_page_events": r.view_events},
        "phases": {
            "list_events_view": figures(&r.view),
            "get_event": figures(&r.get_event),
            "get_schedule": figures(&r.schedule),
        },
        "ratios": {"view_p99_over_get_event_p99": round(view_over_get)},
        "targets": {"list_events_view_p99_ms_below": VIEW_P99_MS, "get_schedule_p99_ms_below": SCHEDULE_P99_MS},
        "targets_met": speedup >= 20.0 && view_p99 < VIEW_P99_MS && schedule_p99 < SCHEDULE_P99_MS,
        "errors": errors(r),
    });
    println!();
    println!("{line}");
}
