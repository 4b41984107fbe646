//! The scale suite: ListEvents of one user's week on a store of `events` /
//! 20 events, then on a fresh server and store of `events` events with 20
//! times the users, so that every user's week holds as many events at both
//! sizes. What changes between the two is only how much else the store
//! holds: the figures say how reading a week grows with it, and how much
//! memory the server keeps for a big store.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Map, Value, json};
use tokio::runtime::Runtime;

use crate::client::{Call, Conn, Target};
use crate::load::{Generator, Measured, Until, drive};
use crate::phases::{Make, Phase, Plan, field, take_turns};
use crate::procfs::{self, CpuClocks};
use crate::report::{self, Check, Goal, figures, object, round};
use crate::server::{Scratch, Server, with_server};

/// The big store holds this many times the events and the users of the
/// small one.
pub const FACTOR: usize = 20;
pub const DEFAULT_EVENTS: u64 = 1_000_000;
const CORP_ID: &str = "scale-corp";
const APP_KEY: &str = "scale-app";
const APP_SECRET: &str = "scale-secret";
/// The events lie over eight weeks from Monday 2 November 2026 (Shanghai
/// time), an organizer's k-th event on day k mod 56.
const PERIOD_START: (i16, i8, i8) = (2026, 11, 2);
const PERIOD_DAYS: u64 = 56;
/// The week read: the period's second, Monday 9 to Monday 16 November.
const WEEK_FIRST_DAY: u64 = 7;
const MAX_RESULTS: usize = 100;
/// Targets: the big store's ListEvents throughput at least 1 / 1.5 of the
/// small one's, its p99 at most 1.5 times, and its server under 100 MB.
const SLOWDOWN_MAX: f64 = 1.5;
const RSS_MAX_MB: f64 = 100.0;

fn user(i: usize) -> String {
    format!("scale-user-{i:05}")
}

/// The directory: one org with `users` users and an app that may read and
/// write their events. Both stores' servers load the same one (the small
/// store's events use only its first users), so that the directory weighs
/// the same in both servers' memory.
pub fn directory(users: usize) -> String {
    let mut toml = format!(
        "[[orgs]]\ncorp_id = \"{CORP_ID}\"\nname = \"Scale\"\n\n\
         [[orgs.apps]]\napp_key = \"{APP_KEY}\"\napp_secret = \"{APP_SECRET}\"\n\
         permissions = [\"Calendar.Event.Read\", \"Calendar.Event.Write\"]\n"
    );
    for i in 0..users {
        toml.push_str(&format!(
            "\n[[orgs.users]]\nunion_id = \"{}\"\nname = \"Scale user {i}\"\n",
            user(i)
        ));
    }
    toml
}

/// Whether `events` events make two stores with as many events per user:
/// the small store gets `events` / 20 and `users`, so `events` must be a
/// multiple of 20 x `users`.
pub fn check(events: u64, users: usize) -> Result<(), String> {
    let per_store_user = (FACTOR * users) as u64;
    if users < 2 || !events.is_multiple_of(per_store_user) {
        return Err(format!(
            "scale needs --scale-users of at least 2 and --events a multiple of {FACTOR} x \
             --scale-users ({per_store_user}), so that every user organizes as many events in \
             both stores; got --events {events} --scale-users {users}"
        ));
    }
    Ok(())
}

/// A day of the period as a date, `day` days from its first.
fn date(day: u64) -> String {
    let (y, m, d) = PERIOD_START;
    jiff::civil::date(y, m, d)
        .checked_add(jiff::Span::new().days(day as i64))
        .expect("a day of the period")
        .to_string()
}

fn at(day: u64, hour: u64) -> Value {
    json!({
        "dateTime": format!("{}T{hour:02}:00:00+08:00", date(day)),
        "timeZone": "Asia/Shanghai",
    })
}

/// Where event n of a store of `users` users goes.
#[derive(Debug, PartialEq)]
struct Placement {
    organizer: usize,
    attendee: usize,
    /// Days from the period's first.
    day: u64,
    hour: u64,
}

/// Event n of a store of `users` users is organized by user n mod users, as
/// its k-th event (k = n / users) on day k mod 56, with one attendee: the
/// user k mod (users - 1) + 1 places after the organizer, so that each of an
/// organizer's events has another attendee and every user attends as many
/// events as it organizes, spread alike over the period, at both sizes.
fn placement(n: u64, users: usize) -> Placement {
    let u = users as u64;
    let organizer = n % u;
    let k = n / u;
    Placement {
        organizer: organizer as usize,
        attendee: ((organizer + 1 + k % (u - 1)) % u) as usize,
        day: k % PERIOD_DAYS,
        hour: 8 + k / PERIOD_DAYS % 10,
    }
}

/// The CreateEvent of event n.
fn event(n: u64, users: usize) -> Call {
    let p = placement(n, users);
    let body = json!({
        "summary": format!("scale event {n}"),
        "start": at(p.day, p.hour),
        "end": at(p.day, p.hour + 1),
        "attendees": [{ "id": user(p.attendee) }],
    });
    Call::post(
        &format!(
            "/v1.0/calendar/users/{}/calendars/primary/events",
            user(p.organizer)
        ),
        Bytes::from(body.to_string()),
    )
}

/// ListEvents of user `u`'s week.
fn list_week(u: usize) -> Call {
    let encode = |day| format!("{}T00:00:00%2B08:00", date(day)).replace(':', "%3A");
    Call::get(&format!(
        "/v1.0/calendar/users/{}/calendars/primary/events?timeMin={}&timeMax={}&maxResults={MAX_RESULTS}",
        user(u),
        encode(WEEK_FIRST_DAY),
        encode(WEEK_FIRST_DAY + 7)
    ))
}

/// What one store size measured.
pub struct SizeResults {
    pub events: u64,
    pub users: usize,
    pub fill: Measured,
    pub rss_filled_mib: f64,
    /// Events in the first user's week, and whether the page said more
    /// were left.
    pub week_events: usize,
    pub week_more: bool,
    pub healthz: Measured,
    pub list: Measured,
    pub rss_read_mib: f64,
}

pub struct ScaleResults {
    pub small: SizeResults,
    pub big: SizeResults,
}

/// Both sizes, each on a server and a SQLite store of its own.
pub fn run(
    runtime: &Runtime,
    generator: &Generator,
    binary: &Path,
    scratch: &Scratch,
    plan: &Plan,
    users: usize,
) -> Result<ScaleResults, String> {
    let mut sizes = Vec::with_capacity(2);
    for (events, users) in [
        (plan.events / FACTOR as u64, users),
        (plan.events, users * FACTOR),
    ] {
        eprintln!("scale: {events} events of {users} users");
        let db = format!(
            "sqlite://{}",
            scratch.path(&format!("scale-{events}.db")).display()
        );
        let size = with_server(binary, &db, &scratch.directory, |server| {
            runtime.block_on(one_size(server, plan, generator, events, users))
        })?;
        // The big store's file may be gigabytes: gone once measured.
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(scratch.path(&format!("scale-{events}.db{suffix}")));
        }
        sizes.push(size);
    }
    let big = sizes.pop().expect("two sizes");
    let small = sizes.pop().expect("two sizes");
    Ok(ScaleResults { small, big })
}

async fn one_size(
    server: &Server,
    plan: &Plan,
    generator: &Generator,
    events: u64,
    users: usize,
) -> Result<SizeResults, String> {
    let anonymous = Arc::new(Target::new(server.addr));
    let body = json!({ "appKey": APP_KEY, "appSecret": APP_SECRET }).to_string();
    let token = {
        let mut conn = Conn::open(anonymous.clone()).await?;
        let answer = conn
            .expect_ok(&Call::post("/v1.0/oauth2/accessToken", body))
            .await?;
        field(&answer, "accessToken")?
    };
    let target = Arc::new(anonymous.with_token(&token)?);
    let targets = std::slice::from_ref(&target);
    let clocks = CpuClocks::new(&[server.pid]);

    eprintln!("phase: CreateEvent x {events}, {users} users");
    let fill = drive(
        generator,
        targets,
        &clocks,
        plan.in_flight,
        Until::Count(events),
        move |n| event(n, users),
    )
    .await?;
    let rss_filled_mib = procfs::rss_mib(server.pid)?;

    let mut probe = Conn::open(target.clone()).await?;
    let page: Value = serde_json::from_slice(&probe.expect_ok(&list_week(0)).await?)
        .map_err(|e| format!("ListEvents: {e}"))?;
    drop(probe);
    let week_events = page["events"].as_array().map_or(0, Vec::len);
    let week_more = page["nextToken"].as_str().is_some_and(|t| !t.is_empty());

    let healthz = Call::get("/healthz");
    let weeks: Vec<Call> = (0..users).map(list_week).collect();
    let phase = |name, make: Make| Phase {
        name,
        targets: targets.to_vec(),
        make,
    };
    let [healthz, list] = take_turns(
        plan,
        generator,
        &clocks,
        [
            phase("healthz", Arc::new(move |_| healthz.clone())),
            phase(
                "ListEvents, one user's week",
                Arc::new(move |n| weeks[(n % weeks.len() as u64) as usize].clone()),
            ),
        ],
    )
    .await?;
    let rss_read_mib = procfs::rss_mib(server.pid)?;
    Ok(SizeResults {
        events,
        users,
        fill,
        rss_filled_mib,
        week_events,
        week_more,
        healthz,
        list,
        rss_read_mib,
    })
}

pub fn errors(r: &ScaleResults) -> u64 {
    [&r.small, &r.big]
        .iter()
        .map(|s| s.fill.errors + s.healthz.errors + s.list.errors)
        .sum()
}

fn first_error(r: &ScaleResults) -> Option<&str> {
    [&r.small, &r.big]
        .into_iter()
        .flat_map(|s| [&s.fill, &s.healthz, &s.list])
        .find_map(|m| m.first_error.as_deref())
}

/// The big store against the small one.
fn ratios(r: &ScaleResults) -> [Check; 3] {
    let (small, big) = (&r.small, &r.big);
    let per_healthz = |s: &SizeResults| s.list.rate() / s.healthz.rate();
    [
        Check {
            label: "ListEvents req/s big/small",
            key: "list_rps_big_over_small",
            value: big.list.rate() / small.list.rate(),
            goal: Goal::AtLeast(1.0 / SLOWDOWN_MAX),
        },
        Check {
            label: "ListEvents p99 big/small",
            key: "list_p99_big_over_small",
            value: big.list.quantile_ms(0.99) / small.list.quantile_ms(0.99),
            goal: Goal::AtMost(SLOWDOWN_MAX),
        },
        Check {
            label: "(List/healthz) big/small",
            key: "list_over_healthz_big_over_small",
            value: per_healthz(big) / per_healthz(small),
            goal: Goal::None,
        },
    ]
}

/// The ratios, then the big store's server memory.
fn checks(r: &ScaleResults) -> Vec<Check> {
    let rss = [
        Check {
            label: "RSS big, filled (MB)",
            key: "rss_big_filled_mb",
            value: r.big.rss_filled_mib,
            goal: Goal::Below(RSS_MAX_MB),
        },
        Check {
            label: "RSS big, after reads (MB)",
            key: "rss_big_read_mb",
            value: r.big.rss_read_mib,
            goal: Goal::Below(RSS_MAX_MB),
        },
    ];
    ratios(r).into_iter().chain(rss).collect()
}

pub fn print(plan: &Plan, users: usize, r: &ScaleResults) {
    println!(
        "dingcal-bench scale: {} connections on {} load threads; each phase measured {:.1} s in \
         all, over {} rounds taken in turn, each after a {:.1} s warm-up",
        plan.connections,
        plan.threads,
        plan.duration.as_secs_f64(),
        plan.rounds,
        plan.warmup.as_secs_f64()
    );
    println!(
        "stores of {} events of {users} users and {} events of {} users: every user organizes \
         {} events with 1 attendee over {PERIOD_DAYS} days from {}, and attends as many; \
         ListEvents of the week from {} (maxResults={MAX_RESULTS}), request n for user n mod users",
        r.small.events,
        r.big.events,
        r.big.users,
        r.small.events / r.small.users as u64,
        date(0),
        date(WEEK_FIRST_DAY)
    );
    println!();
    let mut rows = Vec::new();
    for s in [&r.small, &r.big] {
        rows.push((
            format!("CreateEvent x {} ({} in flight)", s.events, plan.in_flight),
            &s.fill,
        ));
        rows.push((format!("healthz, {} events", s.events), &s.healthz));
        rows.push((format!("ListEvents (week), {} events", s.events), &s.list));
    }
    report::print_table(&rows);
    println!();
    for s in [&r.small, &r.big] {
        println!(
            "{} events, {} users: filled in {:.1} s; the first user's week holds {} events{}; \
             server RSS {:.1} MB after the fill, {:.1} MB after the reads",
            s.events,
            s.users,
            s.fill.elapsed.as_secs_f64(),
            s.week_events,
            if s.week_more { " (and more pages)" } else { "" },
            s.rss_filled_mib,
            s.rss_read_mib
        );
    }
    println!();
    report::print_checks(&checks(r));
    if let Some(e) = first_error(r) {
        println!();
        println!("ERRORS: {} requests failed; first: {e}", errors(r));
    }
    println!();
    println!("{}", json_line(plan, r));
}

fn size_json(s: &SizeResults) -> Value {
    let mut fill = figures(&s.fill);
    fill["seconds"] = json!(round(s.fill.elapsed.as_secs_f64()));
    json!({
        "events": s.events,
        "users": s.users,
        "week_events": s.week_events,
        "week_more": s.week_more,
        "fill": fill,
        "healthz": figures(&s.healthz),
        "list_events": figures(&s.list),
        "rss_filled_mb": round(s.rss_filled_mib),
        "rss_read_mb": round(s.rss_read_mib),
    })
}

fn json_line(plan: &Plan, r: &ScaleResults) -> Value {
    let ratios: Map<String, Value> = ratios(r)
        .iter()
        .map(|c| (c.key.to_string(), json!(round(c.value))))
        .collect();
    let mut line = report::plan_json(plan);
    line.extend(object([
        ("suite", json!("scale")),
        ("in_flight", json!(plan.in_flight)),
        ("small", size_json(&r.small)),
        ("big", size_json(&r.big)),
        ("ratios", Value::Object(ratios)),
        ("targets_met", json!(report::all_met(&checks(r)))),
        ("errors", json!(errors(r))),
    ]));
    Value::Object(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events of user `u` (organized or attended) in the week read, in a
    /// store of `events` events of `users` users.
    fn week_of(u: usize, events: u64, users: usize) -> usize {
        (0..events)
            .map(|n| placement(n, users))
            .filter(|p| p.organizer == u || p.attendee == u)
            .filter(|p| (WEEK_FIRST_DAY..WEEK_FIRST_DAY + 7).contains(&p.day))
            .count()
    }

    #[test]
    fn every_user_organizes_and_attends_as_many_events() {
        let (events, users) = (2_000, 10);
        let mut organized = vec![0; users];
        let mut attended = vec![0; users];
        for n in 0..events {
            let p = placement(n, users);
            assert_ne!(p.organizer, p.attendee);
            organized[p.organizer] += 1;
            attended[p.attendee] += 1;
        }
        assert!(organized.iter().all(|&c| c == 200));
        assert!(attended.iter().all(|&c| c == 200));
    }

    #[test]
    fn a_week_holds_as_many_events_at_both_sizes() {
        let small = week_of(0, 2_000, 10);
        assert_eq!(small, 56);
        assert_eq!(week_of(0, 2_000 * FACTOR as u64, 10 * FACTOR), small);
        assert_eq!(week_of(123, 2_000 * FACTOR as u64, 10 * FACTOR), small);
    }

    #[test]
    fn sizes_must_give_every_user_as_many_events() {
        assert!(check(1_000_000, 250).is_ok());
        assert!(check(100_000, 250).is_ok());
        assert!(check(100_010, 250).is_err());
        assert!(check(1_000, 1).is_err());
    }
}
