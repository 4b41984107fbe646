-- CalDAV: the accounts GenerateCaldavAccount hands out (one username per
-- user, one password per device, kept as a salted MAC), and the resource
-- names CalDAV clients gave the events they wrote, to find an event by
-- the path its client knows it under.
CREATE TABLE caldav_accounts (
    username      TEXT NOT NULL,
    device        TEXT NOT NULL,
    corp_id       TEXT NOT NULL,
    union_id      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (username, device)
) WITHOUT ROWID;
CREATE INDEX caldav_accounts_by_user ON caldav_accounts (union_id);
CREATE TABLE dav_resources (
    corp_id  TEXT NOT NULL,
    resource TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (corp_id, resource)
) WITHOUT ROWID;
