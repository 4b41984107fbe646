-- Tokens, codes and refresh tokens are kept as digests from here on, and an
-- app's token is made from its secret and a salt. Those issued before were
-- kept as they are and cannot be turned into digests here: they are dropped,
-- and clients ask for new ones. App secrets become hashes when the directory
-- file is next loaded; the demo app's, saved only when it was made, is
-- replaced by `dingcal apps --new-secret APPKEY`.
DELETE FROM access_tokens;
DELETE FROM auth_codes;
DELETE FROM refresh_tokens;
ALTER TABLE access_tokens ADD COLUMN salt TEXT;
