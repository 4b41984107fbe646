-- Subscribed calendars (CreateSubscribedCalendar) and who subscribes to
-- them. Lists are JSON arrays of ids. A calendar's events stand in the
-- calendar's own name (its id) as organizer.
CREATE TABLE subscribed_calendars (
    calendar_id      TEXT PRIMARY KEY,
    corp_id          TEXT NOT NULL,
    author           TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    managers         TEXT NOT NULL,
    scope_union_ids  TEXT NOT NULL,
    scope_groups     TEXT NOT NULL,
    scope_corp_ids   TEXT NOT NULL
);
CREATE INDEX subscribed_calendars_by_author ON subscribed_calendars (author);
CREATE TABLE subscriptions (
    union_id    TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    PRIMARY KEY (union_id, calendar_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_by_calendar ON subscriptions (calendar_id);
