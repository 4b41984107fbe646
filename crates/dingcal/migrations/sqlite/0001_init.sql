CREATE TABLE orgs (
    corp_id TEXT PRIMARY KEY,
    name    TEXT NOT NULL
);

CREATE TABLE users (
    union_id TEXT PRIMARY KEY,
    corp_id  TEXT NOT NULL REFERENCES orgs (corp_id),
    user_id  TEXT,
    name     TEXT NOT NULL,
    email    TEXT
);

CREATE TABLE apps (
    app_key     TEXT PRIMARY KEY,
    corp_id     TEXT NOT NULL REFERENCES orgs (corp_id),
    app_secret  TEXT NOT NULL,
    permissions TEXT NOT NULL -- JSON array of permission names
);

-- An app's token, or (with union_id) a user's token for the app.
CREATE TABLE access_tokens (
    token      TEXT PRIMARY KEY,
    app_key    TEXT NOT NULL,
    union_id   TEXT,
    expires_at INTEGER NOT NULL -- unix seconds
);
CREATE INDEX access_tokens_by_app ON access_tokens (app_key, expires_at);

-- One-time authorization codes, and the refresh tokens of user tokens.
CREATE TABLE auth_codes (
    code       TEXT PRIMARY KEY,
    app_key    TEXT NOT NULL,
    union_id   TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE refresh_tokens (
    token      TEXT PRIMARY KEY,
    app_key    TEXT NOT NULL,
    union_id   TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- One row per event; what is not filtered or sorted on lives in `body`, the
-- JSON of the domain's Event.
CREATE TABLE events (
    id             TEXT PRIMARY KEY,
    corp_id        TEXT NOT NULL,
    organizer      TEXT NOT NULL,
    all_day        INTEGER NOT NULL,
    start_key      INTEGER NOT NULL,
    end_key        INTEGER NOT NULL,
    attendee_count INTEGER NOT NULL, -- attendees besides the organizer
    next_position  INTEGER NOT NULL, -- position the next attendee gets
    deleted        INTEGER NOT NULL DEFAULT 0,
    seq            INTEGER NOT NULL, -- change sequence of the last write
    body           TEXT NOT NULL
);

-- One row per (event, attendee), the organizer included: a response touches
-- one row. start_key and all_day repeat the event's so that a user's
-- calendar is one index range.
CREATE TABLE attendees (
    event_id        TEXT NOT NULL,
    union_id        TEXT NOT NULL,
    position        INTEGER NOT NULL,
    is_optional     INTEGER NOT NULL,
    is_organizer    INTEGER NOT NULL,
    response_status TEXT NOT NULL,
    all_day         INTEGER NOT NULL,
    start_key       INTEGER NOT NULL,
    PRIMARY KEY (event_id, union_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX attendees_in_order ON attendees (event_id, position);
CREATE INDEX attendees_calendar ON attendees (union_id, start_key, event_id, all_day);

CREATE TABLE idempotency (
    app_key    TEXT NOT NULL,
    token      TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    request    TEXT NOT NULL, -- method and path of the first request
    outcome    TEXT NOT NULL,
    PRIMARY KEY (app_key, token)
) WITHOUT ROWID;

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change', 0);
