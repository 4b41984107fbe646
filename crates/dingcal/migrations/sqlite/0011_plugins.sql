-- The directory's calendar plugins. The file's subscribers are taken when a
-- plugin is first loaded; UpdateOrgPluginSubscribers replaces them after
-- (JSON arrays of ids). `position` keeps the file's order.
CREATE TABLE plugins (
    plugin_id      TEXT PRIMARY KEY,
    corp_id        TEXT NOT NULL REFERENCES orgs (corp_id),
    name           TEXT NOT NULL,
    logo           TEXT,
    classification TEXT,
    dept_ids       TEXT NOT NULL,
    union_ids      TEXT NOT NULL,
    position       INTEGER NOT NULL
);
