-- AI minutes (听记) attached to events, as ListAiMinutes lists them; put
-- there through the emulator controls (POST /_dingcal/minutes).
CREATE TABLE minutes (
    event_id   TEXT NOT NULL,
    minutes_id TEXT NOT NULL,
    corp_id    TEXT NOT NULL,
    creator    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (event_id, minutes_id)
) WITHOUT ROWID;
