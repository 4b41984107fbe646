-- A response is a change of the event for everyone's sync; it is numbered on
-- the attendee row itself (0: none yet), so that responses to one event do
-- not all write the event's row.
ALTER TABLE attendees ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX attendees_changed ON attendees (event_id, changed);
