-- Recurring events: which rows are series masters, and the span from the
-- earliest start to the latest end of any of a series' occurrences (moved
-- ones included; the largest integer when it has no end), so that a window
-- query finds the series that may have occurrences in it.
ALTER TABLE events ADD COLUMN recurring INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN series_start_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN series_end_key INTEGER NOT NULL DEFAULT 0;
UPDATE events SET series_start_key = start_key, series_end_key = end_key;

ALTER TABLE attendees ADD COLUMN recurring INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attendees ADD COLUMN series_start_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attendees ADD COLUMN series_end_key INTEGER NOT NULL DEFAULT 0;
UPDATE attendees SET series_start_key = start_key,
    series_end_key = (SELECT e.end_key FROM events e WHERE e.id = attendees.event_id);
-- Covers the window queries of views and free/busy, which read thousands of
-- these entries and only a few rows.
CREATE INDEX attendees_series ON attendees (union_id, recurring, series_start_key, series_end_key, event_id);
CREATE INDEX events_version ON events (id, corp_id, deleted, seq);

-- What differs in one occurrence of a series: the domain's Exception as JSON.
CREATE TABLE exceptions (
    series_id  TEXT NOT NULL,
    origin_key INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (series_id, origin_key)
) WITHOUT ROWID;

-- Who left which event when: a sync tells them it is gone.
CREATE TABLE removals (
    union_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (union_id, event_id)
) WITHOUT ROWID;
