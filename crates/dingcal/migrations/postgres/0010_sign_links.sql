-- The links an organizer hands out (GetSignInLink, GetSignOutLink): one per
-- event and kind, named by a random code, so that a link cannot be made
-- up from an event's id.
CREATE TABLE sign_links (
    code     TEXT COLLATE "C" PRIMARY KEY,
    corp_id  TEXT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    kind     TEXT NOT NULL, -- 'in' or 'out'
    UNIQUE (event_id, kind)
);
