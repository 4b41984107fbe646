//! The stored forms read back, rows of older builds included.

use super::*;

/// Rows as dingcal wrote them before the stored form had a version
/// (taken from a database of that build): they must read as version 1.
const FULL: &str = r#"{"id":"bzkhNGMO93J5HkVH6QwF8LVj","organizer":"bench-organizer","summary":"full","description":"d","when":{"kind":"allDay","start":"2026-12-01","end":"2026-12-02"},"location":{"displayName":"Room"},"reminders":[{"minutes":30}],"onlineMeeting":{"conferenceId":"472544286","url":"https://meeting.dingtalk.com/j/mbWDmgHdwB0"},"richText":{"text":"rich"},"uiConfigs":[{"uiName":"u","uiStatus":"hide"}],"categories":[{"categoryId":"c1","displayName":"Cat"}],"extra":{"k":"v"},"freeBusyStatus":"free","cardInstances":[{"outTrackId":"o","scenario":"s"}],"eventConfig":{"allowAttendeeAddConference":true},"created":"2026-12-02T16:01:02.015426898Z","updated":"2026-12-02T16:01:02.015426898Z"}"#;
const SERIES: &str = r#"{"id":"XMOA55Tuio83axyRpLpKElyZ","organizer":"bench-organizer","summary":"series","when":{"kind":"timed","start":"2026-12-07T02:00:00Z","end":"2026-12-07T03:00:00Z","time_zone":"Asia/Shanghai"},"recurrence":{"pattern":{"type":"weekly","daysOfWeek":"monday","firstDayOfWeek":"monday","interval":1},"range":{"type":"endDate","endDate":"2027-03-01T00:00:00+08:00"}},"created":"2026-12-02T16:01:02.039192257Z","updated":"2026-12-02T16:01:02.308053624Z"}"#;
const MOVED: &str = r#"{"cancelled":false,"event":{"id":"XMOA55Tuio83axyRpLpKElyZ_20261214T020000Z","organizer":"bench-organizer","summary":"moved","when":{"kind":"timed","start":"2026-12-14T02:00:00Z","end":"2026-12-14T03:00:00Z","time_zone":"Asia/Shanghai"},"created":"2026-12-02T16:01:02.039192257Z","updated":"2026-12-02T16:01:02.308053624Z"}}"#;
const ANSWERED: &str = r#"{"cancelled":false,"responses":{"bench-user-0002":"tentative"}}"#;
const REPLAY: &str = r#"{"event":{"event":{"id":"XMOA55Tuio83axyRpLpKElyZ_20261214T020000Z","organizer":"bench-organizer","summary":"moved","when":{"kind":"timed","start":"2026-12-14T02:00:00Z","end":"2026-12-14T03:00:00Z","time_zone":"Asia/Shanghai"},"created":"2026-12-02T16:01:02.039192257Z","updated":"2026-12-02T16:01:02.308053624Z"},"attendees":[{"id":"bench-organizer","isOptional":false,"responseStatus":"accepted","isOrganizer":true},{"id":"bench-user-0002","isOptional":false,"responseStatus":"needsAction","isOrganizer":false}],"series":["XMOA55Tuio83axyRpLpKElyZ",{"instant":"2026-12-14T02:00:00Z"}]}}"#;

#[test]
fn bodies_written_before_versions_read_as_version_1() {
    let full = decode_event(FULL).unwrap();
    assert!(full.when.is_all_day());
    assert_eq!(full.ui_configs[0].ui_status, "hide");
    assert!(full.is_free());
    let series = decode_event(SERIES).unwrap();
    let pattern = series.recurrence.unwrap().pattern.unwrap();
    assert_eq!(pattern.days_of_week.as_deref(), Some("monday"));
    assert!(
        matches!(series.when, When::Timed { ref time_zone, .. } if time_zone == "Asia/Shanghai")
    );
    assert_eq!(
        decode_exception(MOVED).unwrap().event.unwrap().summary,
        "moved"
    );
    let answered = decode_exception(ANSWERED).unwrap();
    assert_eq!(
        answered.responses[&UnionId("bench-user-0002".into())],
        ResponseStatus::Tentative
    );
    let Outcome::Event(view) = decode_outcome(REPLAY).unwrap() else {
        panic!("an event outcome");
    };
    assert_eq!(view.attendees.len(), 2);
    assert!(matches!(view.series, Some((_, Origin::Instant(_)))));
    assert_eq!(decode_outcome(r#""done""#).unwrap(), Outcome::Done);
}

#[test]
fn every_body_round_trips_and_is_written_with_its_version() {
    for body in [FULL, SERIES] {
        let event = decode_event(body).unwrap();
        let written = encode_event(&event).unwrap();
        assert!(written.starts_with(r#"{"v":1,"#), "{written}");
        assert_eq!(decode_event(&written).unwrap(), event);
    }
    for body in [MOVED, ANSWERED] {
        let exception = decode_exception(body).unwrap();
        let written = encode_exception(&exception).unwrap();
        assert_eq!(decode_exception(&written).unwrap(), exception);
    }
    let outcome = decode_outcome(REPLAY).unwrap();
    let written = encode_outcome(&outcome).unwrap();
    assert_eq!(decode_outcome(&written).unwrap(), outcome);
}

#[test]
fn a_version_from_a_newer_dingcal_is_refused() {
    let newer = FULL.replacen('{', r#"{"v":2,"#, 1);
    assert_eq!(decode_event(&newer).unwrap_err().code, "InternalError");
}
