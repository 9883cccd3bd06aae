-- Security, round two.
--
-- Who uploaded each document, so that an agency's uploads can be held to
-- its quota.
ALTER TABLE demand_documents ADD COLUMN uploader_id BIGINT REFERENCES users (id);
CREATE INDEX demand_documents_uploader ON demand_documents (uploader_id, uploaded_at);

-- Failed sign-ins per account and per client address, with the back-off
-- they earned: they replace the hard lock any stranger could trigger.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_throttles (
    scope            TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject          TEXT NOT NULL,
    failures         INTEGER NOT NULL,
    last_failure_at  TIMESTAMPTZ NOT NULL,
    blocked_until    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, subject)
);

-- Recovery codes of the second factor, kept as SHA-256 hashes; each is
-- good once.
CREATE TABLE recovery_codes (
    user_id  BIGINT NOT NULL REFERENCES users (id),
    hash     TEXT NOT NULL,
    used_at  TIMESTAMPTZ,
    PRIMARY KEY (user_id, hash)
);

-- A TOTP secret being enrolled, sealed, until the user confirms it with a
-- code.
ALTER TABLE sessions ADD COLUMN pending_totp TEXT NOT NULL DEFAULT '';
-- Every role that sees demands now signs in with a second factor:
-- sessions begun with a password alone end here.
DELETE FROM sessions;

-- Keys every server sharing the database uses alike (the key of the
-- sign-in form's token), sealed with the documents key.
CREATE TABLE server_secrets (
    name    TEXT PRIMARY KEY,
    sealed  TEXT NOT NULL
);
