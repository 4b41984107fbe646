-- Access rules: `grantee` may use `owner`'s primary calendar at `privilege`
-- (CreateAcls). One rule per grantee of a calendar; `seq` is the change
-- that last set it, so a calendar's eTag moves with its sharing.
CREATE TABLE acls (
    acl_id    TEXT COLLATE "C" PRIMARY KEY,
    corp_id   TEXT COLLATE "C" NOT NULL,
    owner     TEXT COLLATE "C" NOT NULL,
    grantee   TEXT COLLATE "C" NOT NULL,
    privilege TEXT NOT NULL,
    send_msg  BOOLEAN NOT NULL,
    seq       BIGINT NOT NULL,
    UNIQUE (owner, grantee)
);
CREATE INDEX acls_by_grantee ON acls (grantee, owner);
