//! The people and events the benchmark uses, and its phases in order: the
//! timed request mixes, then the memory measurement.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::client::{Call, Conn, Target};
use crate::load::{Generator, Measured, Until, drive, drive_keeping};
use crate::procfs::{self, CpuClocks};
use crate::server::Server;

pub const CORP_ID: &str = "bench-corp";
pub const APP_KEY: &str = "bench-app";
pub const APP_SECRET: &str = "bench-secret";
pub const ORGANIZER: &str = "bench-organizer";
/// Users besides the organizer: enough for the 5,000-attendee event and one
/// more.
pub const USERS: usize = 5_001;
/// The largest event the API allows (attendees besides the organizer).
const BIG_EVENT_ATTENDEES: usize = 5_000;
/// The most attendees CreateEvent and AddAttendee take per call.
const ATTENDEES_PER_CALL: usize = 500;
/// GetEvent over many events reads this many of the fill's events in turn.
pub const SPREAD_EVENTS: usize = 2_000;
/// GetEvent over those events has its target only once the fill has put at
/// least this many events in the store: the figure is about a big store.
pub const SPREAD_STORE_MIN: u64 = 50_000;
/// The fill must create enough 2-attendee events (every other one) to pick
/// `SPREAD_EVENTS` of them.
pub const FILL_MIN: u64 = 2 * SPREAD_EVENTS as u64;

/// Which benchmark a run is.
pub enum Suite {
    Lifecycle,
    Recurrence,
    /// GetMeetingRoomsSchedule over 10,000 bookings; a shared calendar's
    /// ListEvents against the owner's.
    Rooms,
    /// ListEvents of one user's week on a store of `events` / 20 events,
    /// then on a store of `events` with 20 times the users.
    Scale {
        users: usize,
    },
    /// The lifecycle suite on SQLite and on the PostgreSQL server at `url`,
    /// RespondEvent against pgbench, and one node against two.
    Postgres {
        url: String,
    },
    /// A CalDAV REPORT of a week over 1,000 events, against Radicale.
    Caldav,
}

/// How a run is shaped.
pub struct Plan {
    pub suite: Suite,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// How many times the timed phases take turns.
    pub rounds: usize,
    pub events: u64,
    pub in_flight: usize,
    /// Threads of the load generator, each owning its share of the
    /// connections.
    pub threads: usize,
}

/// Every figure of one run.
pub struct Results {
    pub healthz: Measured,
    pub get_event: Measured,
    pub respond_2: Measured,
    pub patch_event: Measured,
    pub respond_5000: Measured,
    pub create_events: Measured,
    pub rss_before_mib: f64,
    pub rss_after_mib: f64,
    /// Events the fill created (`plan.events`).
    pub filled: u64,
    /// After the fill, taking turns: healthz again, GetEvent over 2,000 of
    /// the fill's events, and CreateEvent with 2 attendees.
    pub healthz_filled: Measured,
    pub get_event_spread: Measured,
    pub create_event: Measured,
    /// The server's RSS at the end, after those phases.
    pub rss_end_mib: f64,
}

pub fn user(i: usize) -> String {
    format!("bench-user-{i:04}")
}

/// The meeting rooms of the directory.
pub const ROOMS: usize = 20;

pub fn room(i: usize) -> String {
    format!("bench-room-{i:02}")
}

/// The directory file: one org, the organizer and `USERS` others, `ROOMS`
/// rooms, one app that may read and write events and share calendars.
pub fn directory() -> String {
    let mut toml = format!(
        "[[orgs]]\ncorp_id = \"{CORP_ID}\"\nname = \"Bench\"\n\n\
         [[orgs.apps]]\napp_key = \"{APP_KEY}\"\napp_secret = \"{APP_SECRET}\"\n\
         permissions = [\"Calendar.Event.Read\", \"Calendar.Event.Write\", \"Calendar.EventSchedule.Read\", \
         \"Calendar.Acl.Read\", \"Calendar.Acl.Write\"]\n\n\
         [[orgs.users]]\nunion_id = \"{ORGANIZER}\"\nname = \"Organizer\"\n"
    );
    for i in 0..ROOMS {
        toml.push_str(&format!(
            "\n[[orgs.rooms]]\nroom_id = \"{}\"\nname = \"Room {i}\"\n",
            room(i)
        ));
    }
    for i in 0..USERS {
        toml.push_str(&format!(
            "\n[[orgs.users]]\nunion_id = \"{}\"\nname = \"User {i}\"\n",
            user(i)
        ));
    }
    toml
}

pub fn events_path(owner: &str) -> String {
    format!("/v1.0/calendar/users/{owner}/calendars/primary/events")
}

pub fn event_path(owner: &str, event: &str) -> String {
    format!("{}/{event}", events_path(owner))
}

/// A CreateEvent body: a one-hour event on `day` of December 2026.
fn new_event(summary: &str, day: u64, hour: u64, attendees: &[String]) -> Bytes {
    let at = |h: u64| {
        json!({
            "dateTime": format!("2026-12-{day:02}T{h:02}:00:00+08:00"),
            "timeZone": "Asia/Shanghai",
        })
    };
    let attendees: Vec<Value> = attendees.iter().map(|id| json!({ "id": id })).collect();
    let body = json!({
        "summary": summary,
        "start": at(hour),
        "end": at(hour + 1),
        "attendees": attendees,
    });
    Bytes::from(body.to_string())
}

fn respond_body(accept: bool) -> Bytes {
    let status = if accept { "accepted" } else { "declined" };
    Bytes::from(json!({ "responseStatus": status }).to_string())
}

pub fn field(body: &[u8], name: &str) -> Result<String, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("{name}: {e}"))?;
    value[name]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no {name} in {}", String::from_utf8_lossy(body)))
}

/// Gets an access token for the bench app.
pub async fn token(target: Arc<Target>) -> Result<String, String> {
    let mut conn = Conn::open(target).await?;
    let body = json!({ "appKey": APP_KEY, "appSecret": APP_SECRET }).to_string();
    let answer = conn
        .expect_ok(&Call::post("/v1.0/oauth2/accessToken", body))
        .await?;
    field(&answer, "accessToken")
}

/// Creates an event organized by `ORGANIZER` with `attendees`, the first 500
/// in CreateEvent and the rest in AddAttendee batches of 500, as a client
/// must; returns its id.
pub async fn create_event(
    conn: &mut Conn,
    summary: &str,
    attendees: &[String],
) -> Result<String, String> {
    let mut batches = attendees.chunks(ATTENDEES_PER_CALL);
    let first = batches.next().unwrap_or_default();
    let created = conn
        .expect_ok(&Call::post(
            &events_path(ORGANIZER),
            new_event(summary, 1, 10, first),
        ))
        .await?;
    let id = field(&created, "id")?;
    for batch in batches {
        let add: Vec<Value> = batch.iter().map(|id| json!({ "id": id })).collect();
        let body = json!({ "attendeesToAdd": add }).to_string();
        let path = format!("{}/attendees", event_path(ORGANIZER, &id));
        conn.expect_ok(&Call::post(&path, body)).await?;
    }
    Ok(id)
}

/// Request n of a timed phase.
pub type Make = Arc<dyn Fn(u64) -> Call + Send + Sync>;

/// A timed phase: its name, where its connections go (spread evenly), and
/// its requests.
pub struct Phase {
    pub name: &'static str,
    pub targets: Vec<Arc<Target>>,
    pub make: Make,
}

/// Creates the 5,000-attendee event; returns its RespondEvent requests.
/// Request n comes from attendee n mod 5,000, so concurrent requests come
/// from different attendees; each attendee alternates its answer from one
/// pass over them to the next.
pub async fn respond_5000(setup: &mut Conn) -> Result<Make, String> {
    let attendees: Vec<String> = (0..BIG_EVENT_ATTENDEES).map(user).collect();
    let big = create_event(setup, "5,000 attendees", &attendees).await?;
    let accept = respond_body(true);
    let decline = respond_body(false);
    let responders: Vec<[Call; 2]> = attendees
        .iter()
        .map(|attendee| {
            let path = format!("{}/respond", event_path(attendee, &big));
            [
                Call::post(&path, accept.clone()),
                Call::post(&path, decline.clone()),
            ]
        })
        .collect();
    Ok(Arc::new(move |n| {
        let count = responders.len() as u64;
        responders[(n % count) as usize][(n / count % 2) as usize].clone()
    }))
}

/// Runs `phases` in turn, `rounds` times, each measured for its share of
/// `duration` after a warm-up, and adds each phase's windows up: what the
/// machine does meanwhile falls on all of them alike, so the ratios between
/// them hold better than from one long slice each.
pub async fn take_turns<const N: usize>(
    plan: &Plan,
    generator: &Generator,
    clocks: &CpuClocks,
    phases: [Phase; N],
) -> Result<[Measured; N], String> {
    let slice = Until::Measured {
        warmup: plan.warmup,
        measure: plan.duration / plan.rounds as u32,
    };
    let phases = phases.map(|phase| (phase, clocks));
    take_turns_at(plan, generator, plan.connections, slice, phases).await
}

/// `take_turns` with `connections` connections in each phase, each turn
/// `slice` (a warm-up and its share of the measured time), and each phase
/// read on its own clocks: those of the server it loads, when the phases
/// load different servers.
pub async fn take_turns_at<const N: usize>(
    plan: &Plan,
    generator: &Generator,
    connections: usize,
    slice: Until,
    phases: [(Phase, &CpuClocks); N],
) -> Result<[Measured; N], String> {
    let mut measured: [Option<Measured>; N] = std::array::from_fn(|_| None);
    for round in 0..plan.rounds {
        for ((phase, clocks), total) in phases.iter().zip(measured.iter_mut()) {
            eprintln!(
                "phase: {} (round {} of {})",
                phase.name,
                round + 1,
                plan.rounds
            );
            // Requests carry on numbering from round to round.
            let offset = round as u64 * 1_000_000_000;
            let make = phase.make.clone();
            let m = drive(
                generator,
                &phase.targets,
                clocks,
                connections,
                slice,
                move |n| make(offset + n),
            )
            .await?;
            *total = Some(match total.take() {
                Some(sum) => sum.merge(m),
                None => m,
            });
        }
    }
    Ok(measured.map(|m| m.expect("every phase ran at least once")))
}

/// The CreateEvent of fill request `n`: organizers round-robin over the
/// users, `attendees` (1 or 2) the users after the organizer, spread over a
/// month.
fn fill_event(n: u64, attendees: usize, summary: &str) -> Call {
    let u = n as usize;
    let attendees: Vec<String> = (1..=attendees).map(|k| user((u + k) % USERS)).collect();
    Call::post(
        &events_path(&user(u % USERS)),
        new_event(summary, 1 + n / 10 % 28, 8 + n % 10, &attendees),
    )
}

/// Runs every phase against `server` and collects the figures.
pub async fn run(server: &Server, plan: &Plan, generator: &Generator) -> Result<Results, String> {
    let anonymous = Arc::new(Target::new(server.addr));
    let target = Arc::new(anonymous.with_token(&token(anonymous.clone()).await?)?);
    let targets = std::slice::from_ref(&target);
    let clocks = CpuClocks::new(&[server.pid]);

    let mut setup = Conn::open(target.clone()).await?;
    let small_attendees = [user(0), user(1)];
    let small = create_event(&mut setup, "two attendees", &small_attendees).await?;
    let responders = respond_5000(&mut setup).await?;
    drop(setup);

    let healthz_call = Call::get("/healthz");
    let get_call = Call::get(&event_path(ORGANIZER, &small));
    // One attendee answers over and over, alternating, so every request
    // really changes the stored status.
    let respond_path = format!("{}/respond", event_path(&small_attendees[1], &small));
    let answers = [
        Call::post(&respond_path, respond_body(true)),
        Call::post(&respond_path, respond_body(false)),
    ];
    let patches = ["bench patch A", "bench patch B"]
        .map(|summary| json!({ "id": small, "summary": summary }).to_string())
        .map(|body| Call::put(&event_path(ORGANIZER, &small), body));
    let phase = |name, make: Make| Phase {
        name,
        targets: targets.to_vec(),
        make,
    };
    let healthz = healthz_call.clone();
    let [healthz, get_event, respond_2, patch_event, respond_5000] = take_turns(
        plan,
        generator,
        &clocks,
        [
            phase("healthz", Arc::new(move |_| healthz.clone())),
            phase("GetEvent, 2 attendees", Arc::new(move |_| get_call.clone())),
            phase(
                "RespondEvent, 2 attendees",
                Arc::new(move |n| answers[(n % 2) as usize].clone()),
            ),
            phase(
                "PatchEvent, 2 attendees",
                Arc::new(move |n| patches[(n % 2) as usize].clone()),
            ),
            phase("RespondEvent, 5,000 attendees", responders),
        ],
    )
    .await?;

    let rss_before_mib = procfs::rss_mib(server.pid)?;
    eprintln!("phase: CreateEvent x {}", plan.events);
    // Each event is organized by a different user (round robin) and has one
    // or two attendees (two when n is odd), spread over a month. The ids of
    // 2,000 two-attendee events spread over the fill are kept for GetEvent.
    let stride = ((plan.events / SPREAD_EVENTS as u64) & !1).max(2);
    let spread = move |n: u64| n % stride == 1 && n / stride < SPREAD_EVENTS as u64;
    let (create_events, kept) = drive_keeping(
        generator,
        targets,
        &clocks,
        plan.in_flight,
        Until::Count(plan.events),
        |n| fill_event(n, 1 + n as usize % 2, &format!("event {n}")),
        spread,
    )
    .await?;
    let rss_after_mib = procfs::rss_mib(server.pid)?;
    if kept.len() < SPREAD_EVENTS {
        return Err(format!(
            "the fill created {} of the {SPREAD_EVENTS} events GetEvent reads; first error: {}",
            kept.len(),
            create_events.first_error.as_deref().unwrap_or("none")
        ));
    }
    let mut spread_ids = kept
        .iter()
        .map(|(n, body)| Ok((*n, field(body, "id")?)))
        .collect::<Result<Vec<_>, String>>()?;
    spread_ids.sort_unstable();
    let spread_calls: Vec<Call> = spread_ids
        .iter()
        .map(|(n, id)| Call::get(&event_path(&user(*n as usize % USERS), id)))
        .collect();
    // One CreateEvent per organizer, built up front and sent in turn, with
    // the fill's round robin and always 2 attendees.
    let creates: Vec<Call> = (0..USERS as u64)
        .map(|n| fill_event(n, 2, &format!("timed event {n}")))
        .collect();
    let [healthz_filled, get_event_spread, create_event] = take_turns(
        plan,
        generator,
        &clocks,
        [
            phase(
                "healthz, after the fill",
                Arc::new(move |_| healthz_call.clone()),
            ),
            phase(
                "GetEvent over 2,000 events",
                Arc::new(move |n| spread_calls[(n % SPREAD_EVENTS as u64) as usize].clone()),
            ),
            phase(
                "CreateEvent, 2 attendees",
                Arc::new(move |n| creates[(n % USERS as u64) as usize].clone()),
            ),
        ],
    )
    .await?;
    let rss_end_mib = procfs::rss_mib(server.pid)?;

    Ok(Results {
        healthz,
        get_event,
        respond_2,
        patch_event,
        respond_5000,
        create_events,
        rss_before_mib,
        rss_after_mib,
        filled: plan.events,
        healthz_filled,
        get_event_spread,
        create_event,
        rss_end_mib,
    })
}
