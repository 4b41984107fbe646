-- GetEvent reads an event's header and its first attendees from indexes
-- alone: the event's body comes from the cache of decoded events, so the
-- table rows (a body is most of a page) are read only when it misses.
-- Positions stay unique as the writer hands them out from next_position.
DROP INDEX events_version;
CREATE INDEX events_version ON events (id, corp_id, deleted, seq, attendee_count);
DROP INDEX attendees_in_order;
CREATE INDEX attendees_in_order
    ON attendees (event_id, position, union_id, is_optional, response_status, is_organizer);
