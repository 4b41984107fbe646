-- The names CalDAV clients gave the events they wrote, now per calendar
-- owner: two users' clients may each write an object of one name (a UID
-- both imported), and neither takes it from the other.
CREATE TABLE calendar_resources (
    corp_id  TEXT NOT NULL,
    owner    TEXT NOT NULL,
    resource TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (corp_id, resource, owner)
) WITHOUT ROWID;
INSERT INTO calendar_resources (corp_id, owner, resource, event_id)
    SELECT r.corp_id, e.organizer, r.resource, r.event_id
    FROM dav_resources r JOIN events e ON e.id = r.event_id;
DROP TABLE dav_resources;
