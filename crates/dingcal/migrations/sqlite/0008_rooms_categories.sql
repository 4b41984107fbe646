-- The directory's meeting rooms and event types (categories), upserted
-- from the directory file like its users. `position` keeps the file's
-- order of an org's categories.
CREATE TABLE rooms (
    room_id        TEXT PRIMARY KEY,
    corp_id        TEXT NOT NULL REFERENCES orgs (corp_id),
    name           TEXT NOT NULL,
    capacity       INTEGER,
    needs_approval INTEGER NOT NULL
);
CREATE TABLE categories (
    corp_id     TEXT NOT NULL REFERENCES orgs (corp_id),
    category_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (corp_id, category_id)
);
