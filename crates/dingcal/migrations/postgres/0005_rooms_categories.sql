-- The directory's meeting rooms and event types (categories), upserted
-- from the directory file like its users. `position` keeps the file's
-- order of an org's categories.
CREATE TABLE rooms (
    room_id        TEXT COLLATE "C" PRIMARY KEY,
    corp_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs (corp_id),
    name           TEXT NOT NULL,
    capacity       BIGINT,
    needs_approval BOOLEAN NOT NULL
);
CREATE TABLE categories (
    corp_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs (corp_id),
    category_id TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (corp_id, category_id)
);
