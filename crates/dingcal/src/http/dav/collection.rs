//! PROPFIND on every resource, and a calendar's REPORTs: calendar-query
//! (with time ranges and expanded occurrences), calendar-multiget and
//! sync-collection.

use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::ical::FLOATING_ZONE;
use super::xml::{self, CALDAV, CALSERVER, DAV, Element, Multistatus, PropName};
use super::{Dav, ROOT, Target, XML, answer, encode, ical, refuse, resource_of, shown};
use crate::domain::calendar::Privilege;
use crate::domain::event::EventView;
use crate::domain::limits::{ATTENDEES_PER_EVENT, LIST_WINDOW_MAX_SECONDS};
use crate::domain::series::Series;
use crate::domain::time::Window;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::CalendarAccess;
use crate::http::calendars::{Visible, visible_calendars};
use crate::store::{CalendarObject, ChangeCursor, EventCursor, ListChanges, ListEvents, SyncToken};

/// What a DAV:sync-token is made of: a URI (RFC 6578) around the API's
/// syncToken.
const SYNC_PREFIX: &str = "http://dingcal.invalid/sync/";

/// Events read per page when a calendar is read whole.
const PAGE: usize = 500;

/// The properties asked for: by name, or all (`allprop`); calendar-data
/// only when named.
struct Wanted(Option<Vec<PropName>>);

impl Wanted {
    fn wants(&self, ns: &str, name: &str) -> bool {
        match &self.0 {
            Some(list) => list.iter().any(|p| p.is(ns, name)),
            None => !(ns == CALDAV && name == "calendar-data"),
        }
    }

    /// Those of `found` asked for, and the names asked for not among them.
    fn answer(&self, ms: &mut Multistatus, path: &str, found: Vec<(PropName, String)>) {
        let missing: Vec<PropName> = match &self.0 {
            Some(list) => list
                .iter()
                .filter(|p| !found.iter().any(|(f, _)| f == *p))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let found: Vec<(PropName, String)> = found
            .into_iter()
            .filter(|(p, _)| self.wants(&p.ns, &p.name))
            .collect();
        ms.response(path, &found, &missing);
    }
}

fn prop(ns: &str, name: &str, value: String) -> (PropName, String) {
    (
        PropName {
            ns: ns.into(),
            name: name.into(),
        },
        value,
    )
}

fn bad_request(message: String) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        Some("text/plain; charset=utf-8"),
        message,
    )
}

fn multistatus(body: String) -> Response {
    answer(StatusCode::MULTI_STATUS, Some(XML), body)
}

/// A CalDAV UTC date-time (`20261207T000000Z`).
fn utc(value: Option<&str>) -> Option<Timestamp> {
    let v = value?.strip_suffix('Z')?;
    let at = DateTime::strptime("%Y%m%dT%H%M%S", v).ok()?;
    at.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// A time-range's window. All-day events are dated in the calendars' zone
/// (RFC 4791 9.9): their bounds are read as its wall clock.
fn window(start: Option<Timestamp>, end: Option<Timestamp>) -> Window {
    let zone = TimeZone::get(FLOATING_ZONE).unwrap_or(TimeZone::UTC);
    let wall = |t: Timestamp| t.as_second() + i64::from(zone.to_offset(t).seconds());
    Window {
        instant: (
            start.map_or(i64::MIN, |t| t.as_second()),
            end.map_or(i64::MAX, |t| t.as_second()),
        ),
        floating: (start.map_or(i64::MIN, wall), end.map_or(i64::MAX, wall)),
    }
}

/// A page of a calendar's events in a window, each with all its attendees.
fn page_query(window: Window, after: Option<EventCursor>) -> ListEvents {
    ListEvents {
        window,
        show_deleted: false,
        after,
        max_results: PAGE,
        max_attendees: ATTENDEES_PER_EVENT + 1,
    }
}

/// Whether any occurrence of the object overlaps the window.
fn overlaps(object: &CalendarObject, w: &Window) -> bool {
    let master = &object.event.event;
    match Series::of(master) {
        Ok(Some(series)) => {
            series.origins(w).next().is_some()
                || object.overrides.iter().any(|o| w.overlaps(&o.event.when))
        }
        _ => w.overlaps(&master.when),
    }
}

/// The occurrences of an object within the window, each as its own event.
fn occurrences(object: &CalendarObject, w: &Window) -> Vec<EventView> {
    let master = &object.event;
    let Ok(Some(series)) = Series::of(&master.event) else {
        return vec![master.clone()];
    };
    let mut list = Vec::new();
    for origin in series.origins(w) {
        if object.cancelled.contains(&origin) {
            continue;
        }
        if let Some(changed) = object
            .overrides
            .iter()
            .find(|o| o.series.as_ref().is_some_and(|(_, at)| *at == origin))
        {
            list.push(changed.clone());
        } else if let Some(instance) = series.instance(&master.event, origin, None) {
            list.push(EventView {
                event: instance.event.into(),
                attendees: master.attendees.clone(),
                series: Some((master.event.id.clone(), origin)),
            });
        }
    }
    list
}

impl Dav {
    pub(super) async fn propfind(
        &self,
        target: Target,
        deep: bool,
        body: &[u8],
    ) -> ApiResult<Response> {
        let root = match xml::parse(body) {
            Ok(root) => root,
            Err(e) => return Ok(bad_request(e)),
        };
        let wanted = Wanted(xml::requested(root.as_ref()));
        let mut ms = Multistatus::new();
        let principal = xml::href(&self.principal_path());
        let me = prop(DAV, "current-user-principal", principal.clone());
        match target {
            Target::Root => wanted.answer(
                &mut ms,
                ROOT,
                vec![
                    prop(DAV, "resourcetype", "<D:collection/>".into()),
                    me,
                    prop(
                        DAV,
                        "principal-collection-set",
                        xml::href(&format!("{ROOT}principals/")),
                    ),
                ],
            ),
            Target::Principal => {
                let directory = &self.state.directory;
                wanted.answer(
                    &mut ms,
                    &self.principal_path(),
                    vec![
                        prop(DAV, "resourcetype", "<D:collection/><D:principal/>".into()),
                        prop(
                            DAV,
                            "displayname",
                            xml::escape(directory.display_name(&self.user)),
                        ),
                        me,
                        prop(DAV, "principal-URL", principal),
                        prop(CALDAV, "calendar-home-set", xml::href(&self.home_path())),
                        prop(
                            CALDAV,
                            "calendar-user-address-set",
                            xml::href(&ical::address(directory, &self.user)),
                        ),
                        prop(CALDAV, "calendar-user-type", "INDIVIDUAL".into()),
                    ],
                );
            }
            Target::Home => {
                wanted.answer(
                    &mut ms,
                    &self.home_path(),
                    vec![
                        prop(DAV, "resourcetype", "<D:collection/>".into()),
                        prop(DAV, "displayname", "Calendars".into()),
                        me,
                    ],
                );
                if deep {
                    for calendar in
                        visible_calendars(&self.state, &self.corp_id, &self.user).await?
                    {
                        let props = self.calendar_props(&calendar, &wanted).await?;
                        wanted.answer(&mut ms, &self.calendar_path(&calendar.id), props);
                    }
                }
            }
            Target::Calendar(cal) => {
                let visible = visible_calendars(&self.state, &self.corp_id, &self.user).await?;
                let Some(calendar) = visible.into_iter().find(|c| c.id == cal) else {
                    return Ok(answer(StatusCode::NOT_FOUND, None, String::new()));
                };
                let props = self.calendar_props(&calendar, &wanted).await?;
                wanted.answer(&mut ms, &self.calendar_path(&cal), props);
                if deep {
                    let access = self.calendar(&cal, Privilege::FreeBusyReader).await?;
                    let (objects, _) = self.all_objects(&access).await?;
                    for object in &objects {
                        self.object_response(&mut ms, &cal, object, &wanted, None);
                    }
                }
            }
            Target::Object(cal, res) => {
                let access = self.calendar(&cal, Privilege::FreeBusyReader).await?;
                let object = self.object_at(&access, &res).await?;
                self.object_response(&mut ms, &cal, &object, &wanted, None);
            }
        }
        Ok(multistatus(ms.finish(None)))
    }

    async fn calendar_props(
        &self,
        c: &Visible,
        wanted: &Wanted,
    ) -> ApiResult<Vec<(PropName, String)>> {
        let mut privileges = String::from("<D:privilege><D:read/></D:privilege>");
        if c.privilege >= Privilege::Writer {
            for p in ["write", "write-content", "bind", "unbind"] {
                privileges.push_str(&format!("<D:privilege><D:{p}/></D:privilege>"));
            }
        }
        let mut props = vec![
            prop(DAV, "resourcetype", "<D:collection/><C:calendar/>".into()),
            prop(DAV, "displayname", xml::escape(&c.summary)),
            prop(
                DAV,
                "current-user-principal",
                xml::href(&self.principal_path()),
            ),
            prop(
                CALDAV,
                "supported-calendar-component-set",
                "<C:comp name=\"VEVENT\"/>".into(),
            ),
            prop(CALSERVER, "getctag", xml::escape(&c.e_tag)),
            prop(DAV, "current-user-privilege-set", privileges),
            prop(
                DAV,
                "supported-report-set",
                [
                    "C:calendar-query",
                    "C:calendar-multiget",
                    "D:sync-collection",
                ]
                .iter()
                .map(|r| {
                    format!("<D:supported-report><D:report><{r}/></D:report></D:supported-report>")
                })
                .collect(),
            ),
        ];
        if let Some(d) = &c.description {
            props.push(prop(CALDAV, "calendar-description", xml::escape(d)));
        }
        if wanted.wants(DAV, "sync-token") {
            let token = self.state.store.sync_token().await?;
            props.push(prop(
                DAV,
                "sync-token",
                xml::escape(&format!("{SYNC_PREFIX}{token}")),
            ));
        }
        Ok(props)
    }

    /// One object's response: its ETag, type and (when asked) its data, or
    /// the occurrences within `expand`, each on its own.
    fn object_response(
        &self,
        ms: &mut Multistatus,
        cal: &str,
        object: &CalendarObject,
        wanted: &Wanted,
        expand: Option<&Window>,
    ) {
        let (text, tag) = self.text(object);
        let mut props = vec![
            prop(DAV, "getetag", xml::escape(&tag)),
            prop(
                DAV,
                "getcontenttype",
                "text/calendar; charset=utf-8; component=VEVENT".into(),
            ),
            prop(DAV, "resourcetype", String::new()),
        ];
        if wanted.wants(CALDAV, "calendar-data") {
            let data = match expand {
                Some(w) => {
                    ical::render_occurrences(&self.state.directory, object, &occurrences(object, w))
                }
                None => text,
            };
            props.push(prop(CALDAV, "calendar-data", xml::escape(&data)));
        }
        let path = format!(
            "{}{}",
            self.calendar_path(cal),
            encode(&resource_of(&object.event.event))
        );
        wanted.answer(ms, &path, props);
    }

    /// An event as a whole object: a series with its exceptions.
    async fn whole(&self, calendar: &CalendarAccess, view: EventView) -> ApiResult<CalendarObject> {
        if view.event.recurrence.is_some() {
            return self.object(calendar, view.event.id.clone()).await;
        }
        let object = CalendarObject {
            event: view,
            overrides: Vec::new(),
            cancelled: Vec::new(),
        };
        Ok(shown(object, calendar.privilege))
    }

    /// Every object of a calendar, and the syncToken of that reading.
    async fn all_objects(
        &self,
        calendar: &CalendarAccess,
    ) -> ApiResult<(Vec<CalendarObject>, String)> {
        let mut objects = Vec::new();
        let mut after = None;
        loop {
            let query = page_query(window(None, None), after);
            let page = self
                .state
                .store
                .list_events(self.corp_id.clone(), calendar.owner.clone(), query)
                .await?;
            for listed in page.items {
                objects.push(self.whole(calendar, listed.view).await?);
            }
            match page.next {
                Some(next) => after = Some(EventCursor::decode(&next)?),
                None => return Ok((objects, page.sync_token.unwrap_or_default())),
            }
        }
    }

    /// The objects with an occurrence in the window: from the calendar's
    /// view of the window when it is at most a year, else from all.
    async fn objects_in(
        &self,
        calendar: &CalendarAccess,
        w: Window,
    ) -> ApiResult<Vec<CalendarObject>> {
        let bounded = w.instant.0 > i64::MIN
            && w.instant.1 < i64::MAX
            && w.instant.1 - w.instant.0 <= LIST_WINDOW_MAX_SECONDS;
        if !bounded {
            let (all, _) = self.all_objects(calendar).await?;
            return Ok(all.into_iter().filter(|o| overlaps(o, &w)).collect());
        }
        let mut objects = Vec::new();
        let mut series_seen = Vec::new();
        let mut after = None;
        loop {
            let query = page_query(w, after);
            let page = self
                .state
                .store
                .list_view(self.corp_id.clone(), calendar.owner.clone(), query)
                .await?;
            for view in page.items {
                match &view.series {
                    None => objects.push(self.whole(calendar, view).await?),
                    Some((id, _)) if !series_seen.contains(id) => {
                        series_seen.push(id.clone());
                        objects.push(self.object(calendar, id.clone()).await?);
                    }
                    Some(_) => {}
                }
            }
            match page.next {
                Some(next) => after = Some(EventCursor::decode(&next)?),
                None => return Ok(objects),
            }
        }
    }

    pub(super) async fn report(&self, cal: &str, body: &[u8]) -> ApiResult<Response> {
        let root = match xml::parse(body) {
            Ok(Some(root)) => root,
            Ok(None) => return Ok(bad_request("a REPORT needs a body".into())),
            Err(e) => return Ok(bad_request(e)),
        };
        let calendar = self.calendar(cal, Privilege::FreeBusyReader).await?;
        let wanted = Wanted(xml::requested(Some(&root)));
        let mut ms = Multistatus::new();
        if root.is(CALDAV, "calendar-query") {
            return match self
                .calendar_query(&mut ms, cal, &calendar, &root, &wanted)
                .await
            {
                Ok(()) => Ok(multistatus(ms.finish(None))),
                Err(e) if e.status as u16 == 400 => Ok(bad_request(e.message.into_owned())),
                Err(e) => Err(e),
            };
        }
        if root.is(CALDAV, "calendar-multiget") {
            for href in root.children.iter().filter(|c| c.is(DAV, "href")) {
                let path = href.text.trim();
                let res = path.rsplit('/').next().unwrap_or_default();
                let res = percent_encoding::percent_decode_str(res).decode_utf8_lossy();
                let object = self.object_at(&calendar, &res).await.ok();
                match object {
                    Some(o) => self.object_response(&mut ms, cal, &o, &wanted, None),
                    None => ms.gone(path),
                }
            }
            return Ok(multistatus(ms.finish(None)));
        }
        if root.is(DAV, "sync-collection") {
            return self
                .sync_collection(ms, cal, &calendar, &root, &wanted)
                .await;
        }
        Ok(refuse(
            StatusCode::FORBIDDEN,
            (DAV, "supported-report"),
            "dingcal answers calendar-query, calendar-multiget and sync-collection",
        ))
    }

    async fn calendar_query(
        &self,
        ms: &mut Multistatus,
        cal: &str,
        calendar: &CalendarAccess,
        root: &Element,
        wanted: &Wanted,
    ) -> ApiResult<()> {
        let filter = root.child(CALDAV, "filter");
        // Only events are kept: a query for to-dos or journals finds none.
        let other = filter
            .and_then(|f| f.find(CALDAV, "comp-filter"))
            .and_then(|c| {
                c.children
                    .iter()
                    .find(|x| x.is(CALDAV, "comp-filter"))
                    .and_then(|x| x.attr("name"))
                    .filter(|n| !n.eq_ignore_ascii_case("VEVENT"))
            });
        if other.is_some() {
            return Ok(());
        }
        let range = filter.and_then(|f| f.find(CALDAV, "time-range"));
        let expand = match root
            .find(CALDAV, "calendar-data")
            .and_then(|d| d.child(CALDAV, "expand"))
        {
            None => None,
            // Each occurrence is written out: the span must be bounded.
            Some(e) => match (utc(e.attr("start")), utc(e.attr("end"))) {
                (Some(s), Some(end))
                    if end > s && end.as_second() - s.as_second() <= LIST_WINDOW_MAX_SECONDS =>
                {
                    Some(window(Some(s), Some(end)))
                }
                _ => {
                    return Err(ApiError::invalid_parameter(
                        "expand needs a start and an end in UTC, at most a year apart",
                    ));
                }
            },
        };
        let objects = match range {
            Some(r) => {
                self.objects_in(calendar, window(utc(r.attr("start")), utc(r.attr("end"))))
                    .await?
            }
            None => self.all_objects(calendar).await?.0,
        };
        for object in &objects {
            self.object_response(ms, cal, object, wanted, expand.as_ref());
        }
        Ok(())
    }

    /// RFC 6578: every member at first, then what changed since a token;
    /// a member gone is answered 404.
    async fn sync_collection(
        &self,
        mut ms: Multistatus,
        cal: &str,
        calendar: &CalendarAccess,
        root: &Element,
        wanted: &Wanted,
    ) -> ApiResult<Response> {
        let given = root
            .child(DAV, "sync-token")
            .map(|t| t.text.trim())
            .filter(|t| !t.is_empty());
        let Some(given) = given else {
            let (objects, token) = self.all_objects(calendar).await?;
            for object in &objects {
                self.object_response(&mut ms, cal, object, wanted, None);
            }
            return Ok(multistatus(
                ms.finish(Some(&format!("{SYNC_PREFIX}{token}"))),
            ));
        };
        let Some(since) = given
            .strip_prefix(SYNC_PREFIX)
            .and_then(|t| SyncToken::decode(t).ok())
        else {
            return Ok(refuse(
                StatusCode::FORBIDDEN,
                (DAV, "valid-sync-token"),
                "the sync-token is not one this calendar gave",
            ));
        };
        let mut after = None;
        loop {
            let query = ListChanges {
                since: since.clone(),
                after,
                max_results: PAGE,
                max_attendees: ATTENDEES_PER_EVENT + 1,
            };
            let page = match self
                .state
                .store
                .list_changes(self.corp_id.clone(), calendar.owner.clone(), query)
                .await
            {
                Ok(page) => page,
                Err(e) if e.status as u16 == 400 => {
                    return Ok(refuse(
                        StatusCode::FORBIDDEN,
                        (DAV, "valid-sync-token"),
                        &e.message,
                    ));
                }
                Err(e) => return Err(e),
            };
            for listed in page.items {
                if listed.cancelled {
                    let path = format!(
                        "{}{}",
                        self.calendar_path(cal),
                        encode(&resource_of(&listed.view.event))
                    );
                    ms.gone(&path);
                } else {
                    let object = self.whole(calendar, listed.view).await?;
                    self.object_response(&mut ms, cal, &object, wanted, None);
                }
            }
            match page.next {
                Some(next) => after = Some(ChangeCursor::decode(&next)?),
                None => {
                    let token = page.sync_token.unwrap_or_default();
                    return Ok(multistatus(
                        ms.finish(Some(&format!("{SYNC_PREFIX}{token}"))),
                    ));
                }
            }
        }
    }
}
