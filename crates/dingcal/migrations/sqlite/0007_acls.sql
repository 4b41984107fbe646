-- Access rules: `grantee` may use `owner`'s primary calendar at `privilege`
-- (CreateAcls). One rule per grantee of a calendar; `seq` is the change
-- that last set it, so a calendar's eTag moves with its sharing.
CREATE TABLE acls (
    acl_id    TEXT PRIMARY KEY,
    corp_id   TEXT NOT NULL,
    owner     TEXT NOT NULL,
    grantee   TEXT NOT NULL,
    privilege TEXT NOT NULL,
    send_msg  INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    UNIQUE (owner, grantee)
);
CREATE INDEX acls_by_grantee ON acls (grantee, owner);
