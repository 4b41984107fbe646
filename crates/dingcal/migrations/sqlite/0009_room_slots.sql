-- The stretches of time each booked room is held for: one row per room and
-- occurrence (a single event is one occurrence). The rows of one room never
-- overlap, so a conflict check is two index seeks: a row starting inside
-- the stretch, or the last one starting before it, still running.
CREATE TABLE room_slots (
    room_id       TEXT NOT NULL,
    start_key     INTEGER NOT NULL,
    end_key       INTEGER NOT NULL,
    occurrence_id TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    organizer     TEXT NOT NULL,
    status        TEXT NOT NULL,
    all_day       INTEGER NOT NULL,
    time_zone     TEXT NOT NULL,
    PRIMARY KEY (room_id, start_key, occurrence_id)
) WITHOUT ROWID;
CREATE INDEX room_slots_by_event ON room_slots (event_id);
