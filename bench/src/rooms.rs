//! The rooms suite: GetMeetingRoomsSchedule of 20 rooms over a week with
//! 10,000 bookings in the store, a grantee's ListEvents of a shared
//! calendar against the owner's own, taking turns, and GetSignInList of
//! 500 users.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::client::{Call, Conn, Target};
use crate::load::{Generator, Measured, Until, drive, drive_same};
use crate::phases::{
    Phase, Plan, ROOMS, create_event, event_path, events_path, field, room, take_turns, token, user,
};
use crate::procfs::CpuClocks;
// The recurrence suite's week (the bookings run from 1 November 2026).
use crate::recurrence::{LATENCY_CONNECTIONS, WEEK_END, WEEK_START, encode};
use crate::report::{figures, latency_table, pass, round};
use crate::server::Server;

/// Bookings made before measuring: one room each, every room alike.
const BOOKINGS: u64 = 10_000;
/// Organizers of those events, round-robin.
const ORGANIZERS: usize = 200;
/// Bookings a room takes per day, an hour each from 08:00.
const PER_DAY: u64 = 10;
/// Targets: p99 of the 20-room schedule, in ms; the grantee's ListEvents
/// time over the owner's.
const SCHEDULE_P99_MS: f64 = 20.0;
const SHARED_OVER_OWN_MAX: f64 = 1.2;
/// The signed-in event: this many attendees, every other one signed in;
/// each list is one page of 500.
const SIGN_ATTENDEES: usize = 1_000;
const SIGN_LIST_P99_MS: f64 = 20.0;

pub struct RoomsResults {
    pub seeding: Duration,
    pub schedule: Measured,
    pub schedule_items: usize,
    pub own: Measured,
    pub shared: Measured,
    pub listed: usize,
    pub signed_list: Measured,
    pub not_yet_list: Measured,
}

/// Booking n: room n mod 20, the (n / 20)-th hour of that room from 1
/// November 2026, ten a day; organized by one of 200 users.
fn booking(n: u64) -> (String, Bytes, String) {
    let k = n / ROOMS as u64;
    let day = jiff::civil::date(2026, 11, 1)
        .checked_add(jiff::Span::new().days((k / PER_DAY) as i64))
        .expect("a day of 2026")
        .to_string();
    let hour = 8 + k % PER_DAY;
    let at = |h: u64| json!({"dateTime": format!("{day}T{h:02}:00:00+08:00"), "timeZone": "Asia/Shanghai"});
    let body = json!({"summary": format!("booking {n}"), "start": at(hour), "end": at(hour + 1)});
    (
        user(n as usize % ORGANIZERS),
        Bytes::from(body.to_string()),
        room(n as usize % ROOMS),
    )
}

pub async fn run(
    server: &Server,
    plan: &Plan,
    generator: &Generator,
) -> Result<RoomsResults, String> {
    let phase = |name: &str| eprintln!("phase: {name}");
    let anonymous = Arc::new(Target::new(server.addr));
    let target = Arc::new(anonymous.with_token(&token(anonymous.clone()).await?)?);
    let targets = std::slice::from_ref(&target);
    let clocks = CpuClocks::new(&[server.pid]);

    phase(&format!("seeding {BOOKINGS} events, each booking a room"));
    let seeding = Instant::now();
    let calls = Arc::new(create_bookings(generator, targets, &clocks, plan).await?);
    let booked = drive(
        generator,
        targets,
        &clocks,
        plan.in_flight,
        Until::Count(BOOKINGS),
        move |n| {
            let (path, room) = &calls[n as usize];
            Call::post(
                path,
                json!({"meetingRoomsToAdd": [{"roomId": room}]}).to_string(),
            )
        },
    )
    .await?;
    if booked.errors > 0 {
        return Err(format!(
            "booking failed: {}",
            booked.first_error.unwrap_or_default()
        ));
    }
    let seeding = seeding.elapsed();

    let timed = Until::Measured {
        warmup: plan.warmup,
        measure: plan.duration,
    };
    let rooms: Vec<String> = (0..ROOMS).map(room).collect();
    let body = json!({"roomIds": rooms, "startTime": WEEK_START, "endTime": WEEK_END}).to_string();
    let schedule_path = format!(
        "/v1.0/calendar/users/{}/meetingRooms/schedules/query",
        user(0)
    );
    let call = Call::post(&schedule_path, body);
    let mut probe = Conn::open(target.clone()).await?;
    let answer: Value = serde_json::from_slice(&probe.expect_ok(&call).await?)
        .map_err(|e| format!("schedule: {e}"))?;
    let schedule_items = answer["scheduleInformation"].as_array().map_or(0, |rooms| {
        rooms
            .iter()
            .map(|r| r["scheduleItems"].as_array().map_or(0, Vec::len))
            .sum()
    });
    phase("GetMeetingRoomsSchedule, 20 rooms, one week");
    let schedule = drive_same(
        generator,
        targets,
        &clocks,
        LATENCY_CONNECTIONS,
        timed,
        call,
    )
    .await?;

    // user 0 shares their calendar with user 1, as a reader; the app acts
    // as user 1 on the shared calendar's own id, as user 1's client would.
    let (owner, grantee) = (user(0), user(1));
    let share = json!({"privilege": "reader", "sendMsg": false,
                       "scope": {"scopeType": "user", "userId": grantee}});
    probe
        .expect_ok(&Call::post(
            &format!("/v1.0/calendar/users/{owner}/calendars/primary/acls"),
            share.to_string(),
        ))
        .await?;
    let calendars: Value = serde_json::from_slice(
        &probe
            .expect_ok(&Call::get(&format!(
                "/v1.0/calendar/users/{grantee}/calendars"
            )))
            .await?,
    )
    .map_err(|e| format!("ListCalendars: {e}"))?;
    let shared_id = calendars["response"]["calendars"][1]["id"]
        .as_str()
        .ok_or_else(|| format!("no shared calendar in {calendars}"))?
        .to_string();
    let window = format!(
        "timeMin={}&timeMax={}",
        encode(WEEK_START),
        encode(WEEK_END)
    );
    let own_path = format!("/v1.0/calendar/users/{owner}/calendars/primary/events?{window}");
    let shared_path =
        format!("/v1.0/calendar/users/{grantee}/calendars/{shared_id}/events?{window}");
    let own_page: Value = serde_json::from_slice(&probe.expect_ok(&Call::get(&own_path)).await?)
        .map_err(|e| format!("ListEvents: {e}"))?;
    let shared_page: Value =
        serde_json::from_slice(&probe.expect_ok(&Call::get(&shared_path)).await?)
            .map_err(|e| format!("ListEvents: {e}"))?;
    if own_page["events"] != shared_page["events"] {
        return Err("the grantee's listing differs from the owner's".into());
    }
    let listed = own_page["events"].as_array().map_or(0, Vec::len);
    let (own_call, shared_call) = (Call::get(&own_path), Call::get(&shared_path));
    let [own, shared] = take_turns(
        plan,
        generator,
        &clocks,
        [
            Phase {
                name: "ListEvents, the owner's week",
                targets: vec![target.clone()],
                make: Arc::new(move |_| own_call.clone()),
            },
            Phase {
                name: "ListEvents, the same week shared (reader)",
                targets: vec![target.clone()],
                make: Arc::new(move |_| shared_call.clone()),
            },
        ],
    )
    .await?;

    phase(&format!(
        "an event of {SIGN_ATTENDEES} attendees, every other one signing in"
    ));
    let attendees: Vec<String> = (0..SIGN_ATTENDEES).map(user).collect();
    // A new connection: the server has closed the probe's, idle meanwhile.
    let mut probe = Conn::open(target.clone()).await?;
    let event = create_event(&mut probe, "signed in", &attendees).await?;
    let signers = Arc::new(attendees);
    let sign_event = event.clone();
    let signing = drive(
        generator,
        targets,
        &clocks,
        plan.in_flight,
        Until::Count(SIGN_ATTENDEES as u64 / 2),
        move |n| {
            let who = &signers[2 * n as usize];
            Call::post(
                &format!("{}/signin", event_path(who, &sign_event)),
                Bytes::new(),
            )
        },
    )
    .await?;
    if signing.errors > 0 {
        return Err(format!(
            "signing in failed: {}",
            signing.first_error.unwrap_or_default()
        ));
    }
    let list = |kind: &str| {
        Call::get(&format!(
            "{}/signin?type={kind}&maxResults=500",
            event_path(&user(0), &event)
        ))
    };
    let page: Value = serde_json::from_slice(&probe.expect_ok(&list("sign_in")).await?)
        .map_err(|e| format!("GetSignInList: {e}"))?;
    if page["users"].as_array().map_or(0, Vec::len) != 500 {
        return Err(format!("GetSignInList did not list 500 users: {page}"));
    }
    phase("GetSignInList, 500 signed in");
    let call = list("sign_in");
    let signed_list = drive_same(
        generator,
        targets,
        &clocks,
        LATENCY_CONNECTIONS,
        timed,
        call,
    )
    .await?;
    phase("GetSignInList, 500 not yet");
    let call = list("not_yet_sign_in");
    let not_yet_list = drive_same(
        generator,
        targets,
        &clocks,
        LATENCY_CONNECTIONS,
        timed,
        call,
    )
    .await?;
    Ok(RoomsResults {
        seeding,
        schedule,
        schedule_items,
        own,
        shared,
        listed,
        signed_list,
        not_yet_list,
    })
}

/// Creates the booking events; returns for each, in order, its
/// AddMeetingRooms path and its room.
async fn create_bookings(
    generator: &Generator,
    targets: &[Arc<Target>],
    clocks: &CpuClocks,
    plan: &Plan,
) -> Result<Vec<(String, String)>, String> {
    let (created, bodies) = crate::load::drive_keeping(
        generator,
        targets,
        clocks,
        plan.in_flight,
        Until::Count(BOOKINGS),
        |n| {
            let (organizer, body, _) = booking(n);
            Call::post(&events_path(&organizer), body)
        },
        |_| true,
    )
    .await?;
    if created.errors > 0 {
        return Err(format!(
            "seeding failed: {}",
            created.first_error.unwrap_or_default()
        ));
    }
    let mut out = bodies
        .into_iter()
        .map(|(n, body)| {
            let (organizer, _, room) = booking(n);
            let id = field(&body, "id")?;
            Ok((
                n,
                format!("{}/{id}/meetingRooms", events_path(&organizer)),
                room,
            ))
        })
        .collect::<Result<Vec<_>, String>>()?;
    out.sort_by_key(|(n, _, _)| *n);
    Ok(out
        .into_iter()
        .map(|(_, path, room)| (path, room))
        .collect())
}

pub fn errors(r: &RoomsResults) -> u64 {
    r.schedule.errors
        + r.own.errors
        + r.shared.errors
        + r.signed_list.errors
        + r.not_yet_list.errors
}

pub fn print(plan: &Plan, r: &RoomsResults) {
    println!(
        "dingcal-bench rooms: schedule at {LATENCY_CONNECTIONS} connections, listings at {} \
         taking turns {} times; {:.1} s warm-up, {:.1} s measured per phase",
        plan.connections,
        plan.rounds,
        plan.warmup.as_secs_f64(),
        plan.duration.as_secs_f64()
    );
    println!(
        "store: {BOOKINGS} events, each booking one of {ROOMS} rooms, seeded in {:.1} s; \
         the week's schedule holds {} items; the shared week lists {} events",
        r.seeding.as_secs_f64(),
        r.schedule_items,
        r.listed
    );
    latency_table(&[
        ("GetMeetingRoomsSchedule (20 rooms, 1 wk)", &r.schedule),
        ("ListEvents, owner's week", &r.own),
        ("ListEvents, shared week (reader)", &r.shared),
        ("GetSignInList, 500 signed in", &r.signed_list),
        ("GetSignInList, 500 not yet", &r.not_yet_list),
    ]);
    let schedule_p99 = r.schedule.quantile_ms(0.99);
    let sign_p99 = r
        .signed_list
        .quantile_ms(0.99)
        .max(r.not_yet_list.quantile_ms(0.99));
    // Time per request, shared over own: the throughputs' inverse ratio.
    let slower = r.own.rate() / r.shared.rate();
    println!();
    println!("{:<40} {:>9} {:>9}  result", "check", "value", "target");
    println!(
        "{:<40} {:>9.2} {:>9}  {}",
        "GetMeetingRoomsSchedule p99 (ms)",
        schedule_p99,
        format!("< {SCHEDULE_P99_MS}"),
        pass(schedule_p99 < SCHEDULE_P99_MS)
    );
    println!(
        "{:<40} {:>9.2} {:>9}  {}",
        "shared ListEvents time / owner's",
        slower,
        format!("<= {SHARED_OVER_OWN_MAX}"),
        pass(slower <= SHARED_OVER_OWN_MAX)
    );
    println!(
        "{:<40} {:>9.2} {:>9}  {}",
        "GetSignInList of 500 p99 (ms), worse",
        sign_p99,
        format!("< {SIGN_LIST_P99_MS}"),
        pass(sign_p99 < SIGN_LIST_P99_MS)
    );
    let line = json!({
        "suite": "rooms",
        "bookings": BOOKINGS,
        "rooms": ROOMS,
        "seeding_s": round(r.seeding.as_secs_f64()),
        "schedule_items": r.schedule_items,
        "phases": {
            "get_meeting_rooms_schedule": figures(&r.schedule),
            "list_events_own": figures(&r.own),
            "list_events_shared": figures(&r.shared),
            "get_sign_in_list_signed": figures(&r.signed_list),
            "get_sign_in_list_not_yet": figures(&r.not_yet_list),
        },
        "ratios": {"shared_time_over_own": round(slower)},
        "targets_met": schedule_p99 < SCHEDULE_P99_MS
            && slower <= SHARED_OVER_OWN_MAX
            && sign_p99 < SIGN_LIST_P99_MS,
        "errors": errors(r),
    });
    println!();
    println!("{line}");
}
