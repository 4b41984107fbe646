-- The URIs the stand-in sign-in may send an app's users back to (JSON).
ALTER TABLE apps ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';
