//! One calendar object: GET, PUT and DELETE with ETags and `If-Match`.
//!
//! A PUT is read whole and checked against the API's rules before anything
//! is written; then it goes through the API's own writes. The organizer's
//! calendar (or a writer of it) changes the event: CreateEvent for a new
//! object, PatchEvent for what differs, a cancelled occurrence for a new
//! EXDATE, a changed one for an overriding VEVENT. An attendee's calendar
//! changes only the attendee's PARTSTAT, which is a RespondEvent; the rest
//! of what an attendee's client writes is not theirs to change and is left
//! as it was.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use dingcal_recur::{Start, rfc5545};
use jiff::tz::TimeZone;

use super::parse::{self, Parsed, VEvent};
use super::xml::CALDAV;
use super::{Dav, answer, refuse};
use crate::domain::attendee::{Invitee, ResponseStatus};
use crate::domain::calendar::Privilege;
use crate::domain::event::{self, Event, EventChanges, IcalName, Location, Recurrence};
use crate::domain::series::{InstanceId, Origin, Series};
use crate::domain::time::TimeSpec;
use crate::domain::{EventId, UnionId};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::CalendarAccess;
use crate::http::controls::{Channels, others};

/// How a calendar app's changes are told: it sends no switches.
const BOTH: Channels = Channels {
    push: true,
    chat: true,
};
use crate::store::{CalendarObject, Outcome, WriteMeta};

/// Whether an `If-Match` value lets a write on `tag` go ahead.
fn matches(condition: &str, tag: &str) -> bool {
    condition
        .split(',')
        .map(|c| c.trim().trim_start_matches("W/"))
        .any(|c| c == "*" || c == tag)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn precondition_failed() -> Response {
    answer(StatusCode::PRECONDITION_FAILED, None, String::new())
}

/// Where an object's RRULE is read from: its DTSTART.
fn start_of(spec: &TimeSpec) -> ApiResult<Start> {
    Ok(match spec {
        TimeSpec::Date(d) => Start::AllDay(*d),
        TimeSpec::DateTime { at, time_zone } => {
            let zone = TimeZone::get(time_zone)
                .map_err(|_| ApiError::invalid_parameter("unknown time zone"))?;
            Start::Timed {
                at: at.to_zoned(zone.clone()).datetime(),
                zone,
            }
        }
    })
}

/// The fields of a VEVENT that differ from `current` (all of them for a
/// new event), each checked by the API's rule for it. `series` also reads
/// the recurrence, which an occurrence has none of.
fn changes_of(v: &VEvent, current: Option<&Event>, series: bool) -> ApiResult<EventChanges> {
    let mut c = EventChanges::default();
    let summary = v.summary.clone().unwrap_or_default();
    if current.is_none_or(|e| e.summary != summary) {
        c.summary = Some(event::summary(summary)?);
    }
    let description = v.description.clone().unwrap_or_default();
    if current.is_none_or(|e| e.description.as_deref().unwrap_or("") != description) {
        c.description = Some(event::description(description)?);
    }
    let location = v.location.clone().filter(|l| !l.is_empty());
    let now_at = current.and_then(|e| e.location.as_ref().and_then(|l| l.display_name.clone()));
    if location.is_some() && (current.is_none() || now_at != location)
        || current.is_some() && location.is_none() && now_at.is_some()
    {
        c.location = Some(event::location(Location {
            display_name: location,
        })?);
    }
    let (start, end) = (v.start.clone(), v.end.clone());
    let when = current.map(|e| (e.when.start_spec(), e.when.end_spec()));
    if when
        .as_ref()
        .is_none_or(|(s, e)| Some(s) != start.as_ref() || Some(e) != end.as_ref())
    {
        c.is_all_day = Some(matches!(start, Some(TimeSpec::Date(_))));
        c.start = start;
        c.end = end;
    }
    let alarms: Vec<i64> = v.alarms.clone();
    let now_alarms: Option<Vec<i64>> =
        current.map(|e| e.effective_reminders().iter().map(|r| r.minutes).collect());
    if now_alarms.as_ref() != Some(&alarms) {
        let list: Vec<(Option<&str>, Option<i64>)> = alarms
            .iter()
            .map(|m| (Some("dingtalk"), Some(*m)))
            .collect();
        c.reminders = Some(event::reminders(&list)?);
    }
    let free = v.transparent;
    // A new event is busy unless it says otherwise, as through the API.
    if current.map_or(free, |e| {
        (e.free_busy_status.as_deref() == Some("free")) != free
    }) {
        let status = if free { "free" } else { "busy" };
        c.free_busy_status = Some(event::free_busy_status(status.into())?);
    }
    if series {
        c.recurrence = recurrence_of(v, current)?;
    }
    Ok(c)
}

/// The recurrence a VEVENT's RRULE stands for, if it differs from the
/// event's; a series cannot become a single event through the API.
fn recurrence_of(v: &VEvent, current: Option<&Event>) -> ApiResult<Option<Recurrence>> {
    let now = current.and_then(|e| e.recurrence.as_ref());
    let Some(text) = &v.rrule else {
        return match now {
            None => Ok(None),
            Some(_) => Err(ApiError::invalid_parameter(
                "A series cannot lose its RRULE: delete it and write a single event",
            )),
        };
    };
    let start = start_of(
        v.start
            .as_ref()
            .ok_or_else(|| ApiError::invalid_parameter("DTSTART is required"))?,
    )?;
    let rule = rfc5545::from_rrule(text, &start)
        .map_err(|e| ApiError::invalid_parameter(format!("RRULE {text:?}: {e}")))?;
    let recurrence = Recurrence::from_rule(&rule);
    recurrence.validate()?;
    if now.and_then(|r| r.rule().ok()) == Some(rule) {
        return Ok(None);
    }
    Ok(Some(recurrence))
}

fn has_changes(c: &EventChanges) -> bool {
    c.summary.is_some()
        || c.description.is_some()
        || c.location.is_some()
        || c.start.is_some()
        || c.reminders.is_some()
        || c.free_busy_status.is_some()
        || c.recurrence.is_some()
        || c.attendees.is_some()
}

impl Dav {
    pub(super) async fn get(&self, cal: &str, res: &str) -> ApiResult<Response> {
        let calendar = self.calendar(cal, Privilege::FreeBusyReader).await?;
        let object = self.object_at(&calendar, res).await?;
        let (text, tag) = self.text(&object);
        let mut response = answer(StatusCode::OK, Some("text/calendar; charset=utf-8"), text);
        if let Ok(v) = HeaderValue::from_str(&tag) {
            response.headers_mut().insert(header::ETAG, v);
        }
        Ok(response)
    }

    pub(super) async fn delete(
        &self,
        cal: &str,
        res: &str,
        headers: &HeaderMap,
    ) -> ApiResult<Response> {
        let calendar = self.calendar(cal, Privilege::FreeBusyReader).await?;
        let object = self.object_at(&calendar, res).await?;
        let id = object.event.event.id.clone();
        if let Some(condition) = header(headers, "if-match") {
            if !matches(condition, &self.text(&object).1) {
                return Ok(precondition_failed());
            }
        }
        calendar.privilege.require(Privilege::Writer)?;
        // The organizer deletes the event (and its attendees are told); an
        // attendee leaves it.
        let told = if object.event.event.organizer == calendar.owner {
            others(&object.event, &calendar.owner)
        } else {
            Vec::new()
        };
        self.state
            .store
            .delete_event(self.meta(&calendar), id.clone())
            .await?;
        self.state.notify("cancellation", &id, told, BOTH, "");
        Ok(answer(StatusCode::NO_CONTENT, None, String::new()))
    }

    pub(super) async fn put(
        &self,
        cal: &str,
        res: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ApiResult<Response> {
        let calendar = self.calendar(cal, Privilege::FreeBusyReader).await?;
        let existing = match self.object_at(&calendar, res).await {
            Ok(object) => Some(object),
            Err(e) if e.status as u16 == 404 => None,
            Err(e) => return Err(e),
        };
        let tag = existing.as_ref().map(|o| self.text(o).1);
        if let Some(condition) = header(headers, "if-match") {
            if !tag.as_deref().is_some_and(|t| matches(condition, t)) {
                return Ok(precondition_failed());
            }
        }
        if header(headers, "if-none-match").is_some_and(|v| v.trim() == "*") && existing.is_some() {
            return Ok(precondition_failed());
        }
        calendar.privilege.require(Privilege::Writer)?;
        let parsed = match std::str::from_utf8(body)
            .map_err(|_| "the body is not UTF-8".to_string())
            .and_then(parse::parse)
        {
            Ok(p) => p,
            Err(message) => {
                return Ok(refuse(
                    StatusCode::FORBIDDEN,
                    (CALDAV, "valid-calendar-data"),
                    &message,
                ));
            }
        };
        let status = match existing {
            None => {
                self.create(&calendar, res, parsed).await?;
                StatusCode::CREATED
            }
            Some(object) => {
                if object
                    .event
                    .event
                    .ical
                    .as_ref()
                    .map_or(object.event.event.id.as_str(), |n| n.uid.as_str())
                    != parsed.uid
                {
                    return Ok(refuse(
                        StatusCode::CONFLICT,
                        (CALDAV, "no-uid-conflict"),
                        "the object at this name has another UID",
                    ));
                }
                self.update(&calendar, object, parsed).await?;
                StatusCode::NO_CONTENT
            }
        };
        // The object as it now stands carries what dingcal adds (the
        // organizer, DTSTAMP); its ETag is given all the same, so that a
        // client's next write can be conditional.
        let mut response = answer(status, None, String::new());
        if let Ok(object) = self.object_at(&calendar, res).await {
            if let Ok(v) = HeaderValue::from_str(&self.text(&object).1) {
                response.headers_mut().insert(header::ETAG, v);
            }
        }
        Ok(response)
    }

    /// A write as the calendar's owner, as the API's writes to that
    /// calendar are.
    fn meta(&self, calendar: &CalendarAccess) -> WriteMeta {
        self.access.plain_write_meta(calendar.owner.clone())
    }

    /// Those an object invites: its ATTENDEEs but the organizer, each a
    /// user of the org.
    fn invitees(&self, v: &VEvent, organizer: &UnionId) -> ApiResult<Vec<Invitee>> {
        let mut list: Vec<Invitee> = Vec::new();
        for (address, _, optional) in &v.attendees {
            let id =
                parse::user_at(&self.state.directory, &self.corp_id, address).ok_or_else(|| {
                    ApiError::invalid_parameter(format!(
                        "ATTENDEE {address} is no user of this organization"
                    ))
                })?;
            if &id != organizer && !list.iter().any(|i| i.id == id) {
                list.push(Invitee {
                    id,
                    is_optional: *optional,
                });
            }
        }
        Ok(list)
    }

    /// The PARTSTAT the object gives the calendar's owner, if any.
    fn my_status(&self, v: &VEvent, me: &UnionId) -> Option<ResponseStatus> {
        v.attendees.iter().find_map(|(address, status, _)| {
            let id = parse::user_at(&self.state.directory, &self.corp_id, address)?;
            if &id == me { *status } else { None }
        })
    }

    /// Checks that every EXDATE and RECURRENCE-ID names an occurrence of
    /// the series the master makes.
    fn check_occurrences(parsed: &Parsed, master: &Event) -> ApiResult<()> {
        let wanted: Vec<Origin> = parsed
            .master
            .exdates
            .iter()
            .copied()
            .chain(parsed.overrides.iter().filter_map(|o| o.recurrence_id))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let series = Series::of(master)?.ok_or_else(|| {
            ApiError::invalid_parameter("EXDATE and RECURRENCE-ID need a series (an RRULE)")
        })?;
        match wanted.into_iter().find(|o| !series.has(*o)) {
            Some(_) => Err(ApiError::invalid_parameter(
                "an EXDATE or RECURRENCE-ID names no occurrence of the series",
            )),
            None => Ok(()),
        }
    }

    async fn create(&self, calendar: &CalendarAccess, res: &str, parsed: Parsed) -> ApiResult<()> {
        let owner = calendar.owner.clone();
        // A new object is an event the calendar's owner organizes: one
        // organized by someone else is theirs to make (it reaches this
        // calendar as their invitation).
        if let Some(organizer) = &parsed.master.organizer {
            if parse::user_at(&self.state.directory, &self.corp_id, organizer).as_ref()
                != Some(&owner)
            {
                return Err(ApiError::invalid_parameter(
                    "ORGANIZER must be the calendar's owner: an event organized by someone else comes to this calendar as their invitation",
                ));
            }
        }
        let mut changes = changes_of(&parsed.master, None, true)?;
        let invitees = self.invitees(&parsed.master, &owner)?;
        let meta = self.meta(calendar);
        changes.attendees = None;
        let mut event = changes.create(EventId::generate(meta.now), owner, meta.now)?;
        event.ical = Some(IcalName {
            uid: parsed.uid.clone(),
            resource: res.to_string(),
        });
        Self::check_occurrences(&parsed, &event)?;
        let occurrences = self.occurrence_writes(&parsed, &event, None)?;
        let id = event.id.clone();
        let summary = event.summary.clone();
        let invited: Vec<UnionId> = invitees.iter().map(|i| i.id.clone()).collect();
        self.state.store.create_event(meta, event, invitees).await?;
        // A calendar app sends no switches: people are told both ways.
        self.state
            .notify("invitation", &id, invited, BOTH, &summary);
        self.apply_occurrences(calendar, &id, &parsed, occurrences)
            .await
    }

    /// The changes of each overriding VEVENT against the occurrence as it
    /// stands (as the series makes it, or as last changed).
    fn occurrence_writes(
        &self,
        parsed: &Parsed,
        master: &Event,
        object: Option<&CalendarObject>,
    ) -> ApiResult<Vec<(Origin, EventChanges)>> {
        let Some(series) = Series::of(master)? else {
            return Ok(Vec::new());
        };
        let mut writes = Vec::new();
        for o in &parsed.overrides {
            let Some(origin) = o.recurrence_id else {
                continue;
            };
            let changed = object.and_then(|obj| {
                obj.overrides
                    .iter()
                    .find(|v| v.series.as_ref().is_some_and(|(_, at)| *at == origin))
            });
            let base = match changed {
                Some(view) => (*view.event).clone(),
                None => match series.instance(master, origin, None) {
                    Some(instance) => instance.event,
                    None => continue,
                },
            };
            let changes = changes_of(o, Some(&base), false)?;
            if has_changes(&changes) {
                writes.push((origin, changes));
            }
        }
        Ok(writes)
    }

    /// Cancels the occurrences newly excluded and changes those overridden.
    async fn apply_occurrences(
        &self,
        calendar: &CalendarAccess,
        id: &EventId,
        parsed: &Parsed,
        writes: Vec<(Origin, EventChanges)>,
    ) -> ApiResult<()> {
        let instance = |origin| {
            InstanceId {
                master: id.clone(),
                origin,
            }
            .id()
        };
        for origin in &parsed.master.exdates {
            self.state
                .store
                .delete_event(self.meta(calendar), instance(*origin))
                .await?;
        }
        for (origin, changes) in writes {
            self.state
                .store
                .patch_event(self.meta(calendar), instance(origin), changes)
                .await?;
        }
        Ok(())
    }

    async fn update(
        &self,
        calendar: &CalendarAccess,
        object: CalendarObject,
        parsed: Parsed,
    ) -> ApiResult<()> {
        let current = object.event.event.clone();
        let id = current.id.clone();
        if current.organizer != calendar.owner {
            return self.respond(calendar, &object, &parsed).await;
        }
        let mut changes = changes_of(&parsed.master, Some(&current), true)?;
        let invitees = self.invitees(&parsed.master, &current.organizer)?;
        let now: Vec<&UnionId> = object
            .event
            .attendees
            .iter()
            .filter(|a| !a.is_organizer)
            .map(|a| &a.id)
            .collect();
        let same = now.len() == invitees.len() && invitees.iter().all(|i| now.contains(&&i.id));
        if !same {
            changes.attendees = Some(invitees);
        }
        // What the master will be, to check the occurrences against.
        let mut next = (*current).clone();
        changes.clone().apply(&mut next, self.meta(calendar).now)?;
        let moved = changes.start.is_some() || changes.recurrence.is_some();
        let mut pending = parsed.clone();
        if !moved {
            // Only what is new: EXDATEs already there stay as they are.
            pending
                .master
                .exdates
                .retain(|o| !object.cancelled.contains(o));
        }
        Self::check_occurrences(&pending, &next)?;
        let occurrences = self.occurrence_writes(&pending, &next, (!moved).then_some(&object))?;
        if has_changes(&changes) {
            let outcome = self
                .state
                .store
                .patch_event(self.meta(calendar), id.clone(), changes)
                .await?;
            if let Outcome::Event(view) = &outcome {
                let told = others(view, &calendar.owner);
                self.state
                    .notify("update", &id, told, BOTH, &view.event.summary);
            }
        }
        self.apply_occurrences(calendar, &id, &pending, occurrences)
            .await
    }

    /// An attendee's client writes the event back: their PARTSTAT, for the
    /// series and for each occurrence, is their answer.
    async fn respond(
        &self,
        calendar: &CalendarAccess,
        object: &CalendarObject,
        parsed: &Parsed,
    ) -> ApiResult<()> {
        let me = &calendar.owner;
        let status_in = |view: &crate::domain::event::EventView| {
            view.attendees
                .iter()
                .find(|a| &a.id == me)
                .map(|a| a.response_status)
        };
        let id = object.event.event.id.clone();
        let mut answers = Vec::new();
        if let Some(status) = self.my_status(&parsed.master, me) {
            if status_in(&object.event) != Some(status) {
                answers.push((id.clone(), status));
            }
        }
        for o in &parsed.overrides {
            let (Some(origin), Some(status)) = (o.recurrence_id, self.my_status(o, me)) else {
                continue;
            };
            let now = object
                .overrides
                .iter()
                .find(|v| v.series.as_ref().is_some_and(|(_, at)| *at == origin))
                .map_or_else(|| status_in(&object.event), status_in);
            if now != Some(status) {
                answers.push((
                    InstanceId {
                        master: id.clone(),
                        origin,
                    }
                    .id(),
                    status,
                ));
            }
        }
        for (event_id, status) in answers {
            self.state
                .store
                .respond(self.meta(calendar), event_id, status)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_lists_weak_tags_and_any() {
        assert!(matches("\"a\"", "\"a\""));
        assert!(matches("\"b\", W/\"a\"", "\"a\""));
        assert!(matches("*", "\"a\""));
        assert!(!matches("\"b\"", "\"a\""));
    }

    #[test]
    fn an_unchanged_event_has_no_changes() {
        let v = VEvent {
            summary: Some("s".into()),
            start: Some(TimeSpec::Date(jiff::civil::date(2026, 12, 7))),
            end: Some(TimeSpec::Date(jiff::civil::date(2026, 12, 8))),
            alarms: vec![15 * 60],
            ..VEvent::default()
        };
        let created = changes_of(&v, None, true)
            .unwrap()
            .create(
                EventId("e".into()),
                UnionId("u".into()),
                jiff::Timestamp::UNIX_EPOCH,
            )
            .unwrap();
        assert!(created.when.is_all_day());
        let again = changes_of(&v, Some(&created), true).unwrap();
        assert!(!has_changes(&again), "{again:?}");
    }
}
