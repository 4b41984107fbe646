-- Sign-ins and sign-outs (SignIn, CheckIn, SignOut): one per attendee,
-- kind and event, or occurrence of a series (by its instance id); the
-- first one's time is kept.
CREATE TABLE sign_ins (
    event_id TEXT NOT NULL,
    kind     TEXT NOT NULL, -- 'in' or 'out'
    union_id TEXT NOT NULL,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (event_id, kind, union_id)
) WITHOUT ROWID;
