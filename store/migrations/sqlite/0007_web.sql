-- The web application: passwords (argon2id, in the PHC string form),
-- TOTP secrets for the second factor with the last time step used (a code
-- is accepted once), sessions kept only as hashes, the failed sign-ins
-- that lock an account for a while, and the agencies' replies to a
-- redirect or rejection.

ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sessions (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    -- stage is 'second_factor' between the password and the TOTP code,
    -- 'signed_in' after.
    stage       TEXT NOT NULL CHECK (stage IN ('second_factor', 'signed_in')),
    csrf        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    seen_at     TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE sign_in_failures (
    email  TEXT NOT NULL,
    at     TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);

CREATE TABLE agency_replies (
    id         INTEGER PRIMARY KEY,
    demand_id  INTEGER NOT NULL REFERENCES demands (id),
    message    TEXT NOT NULL,
    by_user    INTEGER REFERENCES users (id),
    by_name    TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX agency_replies_demand ON agency_replies (demand_id, id);
