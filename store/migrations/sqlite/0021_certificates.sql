-- A production answering US legal process goes with a certificate of
-- authenticity, which the custodian signs before the package is made
-- available: until then the production waits (available_at NULL) with the
-- rationale and the record count of the disclosure it becomes. The
-- certificate is kept as the JSON served, its SHA-256 as the log binds it.
ALTER TABLE productions ADD COLUMN available_at TIMESTAMP;
ALTER TABLE productions ADD COLUMN rationale TEXT NOT NULL DEFAULT '';
ALTER TABLE productions ADD COLUMN records INTEGER NOT NULL DEFAULT 0;
ALTER TABLE productions ADD COLUMN certificate TEXT NOT NULL DEFAULT '';
ALTER TABLE productions ADD COLUMN certificate_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE productions ADD COLUMN certified_by TEXT NOT NULL DEFAULT '';
ALTER TABLE productions ADD COLUMN certified_at TIMESTAMP;
-- The productions made before were made available when they were made.
UPDATE productions SET available_at = made_at;
