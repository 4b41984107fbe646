-- CalDAV: the accounts GenerateCaldavAccount hands out (one username per
-- user, one password per device, kept as a salted MAC), and the resource
-- names CalDAV clients gave the events they wrote, to find an event by
-- the path its client knows it under.
CREATE TABLE caldav_accounts (
    username      TEXT COLLATE "C" NOT NULL,
    device        TEXT NOT NULL,
    corp_id       TEXT NOT NULL,
    union_id      TEXT COLLATE "C" NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (username, device)
);
CREATE INDEX caldav_accounts_by_user ON caldav_accounts (union_id);
CREATE TABLE dav_resources (
    corp_id  TEXT NOT NULL,
    resource TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (corp_id, resource)
);
