-- The same tables as on SQLite (see migrations/sqlite), in PostgreSQL's
-- types. Every text column sorts by byte ("C"), as SQLite does, so that
-- listings page in the same order on both backends.

CREATE TABLE orgs (
    corp_id TEXT COLLATE "C" PRIMARY KEY,
    name    TEXT NOT NULL
);

CREATE TABLE users (
    union_id TEXT COLLATE "C" PRIMARY KEY,
    corp_id  TEXT COLLATE "C" NOT NULL REFERENCES orgs (corp_id),
    user_id  TEXT,
    name     TEXT NOT NULL,
    email    TEXT
);

CREATE TABLE apps (
    app_key     TEXT COLLATE "C" PRIMARY KEY,
    corp_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs (corp_id),
    app_secret  TEXT NOT NULL,
    permissions TEXT NOT NULL -- JSON array of permission names
);

-- An app's token, or (with union_id) a user's token for the app.
CREATE TABLE access_tokens (
    token      TEXT COLLATE "C" PRIMARY KEY,
    app_key    TEXT COLLATE "C" NOT NULL,
    union_id   TEXT COLLATE "C",
    expires_at BIGINT NOT NULL -- unix seconds
);
CREATE INDEX access_tokens_by_app ON access_tokens (app_key, expires_at);

-- One-time authorization codes, and the refresh tokens of user tokens.
CREATE TABLE auth_codes (
    code       TEXT COLLATE "C" PRIMARY KEY,
    app_key    TEXT COLLATE "C" NOT NULL,
    union_id   TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE refresh_tokens (
    token      TEXT COLLATE "C" PRIMARY KEY,
    app_key    TEXT COLLATE "C" NOT NULL,
    union_id   TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL
);

-- One row per event; what is not filtered or sorted on lives in `body`, the
-- JSON of the domain's Event. `seq` is the id of the transaction that last
-- wrote it (see store/postgres.rs).
CREATE TABLE events (
    id               TEXT COLLATE "C" PRIMARY KEY,
    corp_id          TEXT COLLATE "C" NOT NULL,
    organizer        TEXT COLLATE "C" NOT NULL,
    all_day          BOOLEAN NOT NULL,
    start_key        BIGINT NOT NULL,
    end_key          BIGINT NOT NULL,
    attendee_count   BIGINT NOT NULL, -- attendees besides the organizer
    next_position    BIGINT NOT NULL, -- position the next attendee gets
    deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    seq              BIGINT NOT NULL,
    body             TEXT NOT NULL,
    recurring        BOOLEAN NOT NULL DEFAULT FALSE,
    series_start_key BIGINT NOT NULL,
    series_end_key   BIGINT NOT NULL
);
CREATE INDEX events_version ON events (id, corp_id, deleted, seq);

-- One row per (event, attendee), the organizer included: a response touches
-- one row, and numbers its change there. The placement columns repeat the event's so that a user's
-- calendar is one index range.
CREATE TABLE attendees (
    event_id         TEXT COLLATE "C" NOT NULL,
    union_id         TEXT COLLATE "C" NOT NULL,
    position         BIGINT NOT NULL,
    is_optional      BOOLEAN NOT NULL,
    is_organizer     BOOLEAN NOT NULL,
    response_status  TEXT NOT NULL,
    all_day          BOOLEAN NOT NULL,
    start_key        BIGINT NOT NULL,
    recurring        BOOLEAN NOT NULL,
    series_start_key BIGINT NOT NULL,
    series_end_key   BIGINT NOT NULL,
    changed          BIGINT NOT NULL DEFAULT 0, -- the last response's change number
    PRIMARY KEY (event_id, union_id)
);
CREATE UNIQUE INDEX attendees_in_order ON attendees (event_id, position);
CREATE INDEX attendees_calendar ON attendees (union_id, start_key, event_id, all_day);
CREATE INDEX attendees_series ON attendees (union_id, recurring, series_start_key, series_end_key, event_id);
CREATE INDEX attendees_changed ON attendees (event_id, changed);

CREATE TABLE idempotency (
    app_key    TEXT COLLATE "C" NOT NULL,
    token      TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    request    TEXT NOT NULL, -- method and path of the first request
    outcome    TEXT NOT NULL,
    PRIMARY KEY (app_key, token)
);

-- What differs in one occurrence of a series: the domain's Exception as JSON.
CREATE TABLE exceptions (
    series_id  TEXT COLLATE "C" NOT NULL,
    origin_key BIGINT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (series_id, origin_key)
);

-- Who left which event when: a sync tells them it is gone.
CREATE TABLE removals (
    union_id TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (union_id, event_id)
);
CREATE INDEX removals_by_seq ON removals (union_id, seq);

-- The change number a write stamps on what it changes: its transaction's
-- id (see store/postgres.rs). SQLite's writer defines the same function.
CREATE FUNCTION dingcal_seq() RETURNS BIGINT LANGUAGE sql VOLATILE
    AS 'SELECT pg_current_xact_id()::text::bigint';
