-- Sign-ins and sign-outs (SignIn, CheckIn, SignOut): one per attendee,
-- kind and event, or occurrence of a series (by its instance id); the
-- first one's time is kept.
CREATE TABLE sign_ins (
    event_id TEXT COLLATE "C" NOT NULL,
    kind     TEXT NOT NULL, -- 'in' or 'out'
    union_id TEXT COLLATE "C" NOT NULL,
    at_ms    BIGINT NOT NULL,
    PRIMARY KEY (event_id, kind, union_id)
);
