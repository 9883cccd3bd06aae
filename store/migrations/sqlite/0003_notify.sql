-- Notices, letters and deadlines that happen by themselves: a durable job
-- queue in the same database, the channels a customer is told through, the
-- delivery record of each notice, the customer's answers, and the
-- notifications of authorities.

-- Where a customer is told: an e-mail address for notices (the legal
-- contact when empty) and a webhook signed with the customer's own secret.
ALTER TABLE customers ADD COLUMN notice_email TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

-- The notice gains the states of its delivery (failed) and the record of
-- what went out. SQLite cannot change a CHECK constraint in place, so the
-- table is rebuilt with every row and column it had; nothing references it.
CREATE TABLE notices_v3 (
    id               INTEGER PRIMARY KEY,
    demand_id        INTEGER NOT NULL UNIQUE REFERENCES demands (id),
    timing           TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('none', 'prohibited', 'scheduled', 'delayed', 'sent', 'delivered', 'failed', 'acknowledged')),
    send_at          TIMESTAMP,
    until            TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    updated_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    acknowledged_at  TIMESTAMP,
    last_error       TEXT NOT NULL DEFAULT ''
);
INSERT INTO notices_v3 (id, demand_id, timing, state, send_at, until, reason, updated_at)
    SELECT id, demand_id, timing, state, send_at, until, reason, updated_at FROM notices;
DROP TABLE notices;
ALTER TABLE notices_v3 RENAME TO notices;
CREATE INDEX notices_state ON notices (state, until);

-- One row per channel a notice goes out on.
CREATE TABLE notice_deliveries (
    demand_id     INTEGER NOT NULL REFERENCES demands (id),
    channel       TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient     TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'cancelled')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    letter_sha256 TEXT NOT NULL DEFAULT '',
    sent_at       TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (demand_id, channel)
);

-- The durable job queue. A job is enqueued in the transaction of the change
-- that causes it and is unique per (kind, subject), so a notice is enqueued
-- once however often its demand changes. Completed jobs are kept for the
-- record.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    demand_id     INTEGER REFERENCES demands (id),
    payload       TEXT NOT NULL DEFAULT '{}',
    state         TEXT NOT NULL CHECK (state IN ('available', 'running', 'completed', 'failed', 'cancelled')),
    run_at        TIMESTAMP NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    last_error    TEXT NOT NULL DEFAULT '',
    locked_by     TEXT NOT NULL DEFAULT '',
    locked_until  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    completed_at  TIMESTAMP,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_demand ON jobs (demand_id);

-- What the customer answered: acknowledge, object (with grounds), or that
-- it will answer the agency itself; an objection waits for the legal team's
-- decision.
CREATE TABLE customer_responses (
    id                  INTEGER PRIMARY KEY,
    demand_id           INTEGER NOT NULL REFERENCES demands (id),
    kind                TEXT NOT NULL CHECK (kind IN ('acknowledge', 'object', 'will_answer_agency')),
    grounds             TEXT NOT NULL DEFAULT '',
    by_user             INTEGER NOT NULL REFERENCES users (id),
    by_name             TEXT NOT NULL,
    at                  TIMESTAMP NOT NULL,
    decision            TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'upheld', 'overruled')),
    decision_rationale  TEXT NOT NULL DEFAULT '',
    decided_by          TEXT NOT NULL DEFAULT '',
    decided_at          TIMESTAMP
);
CREATE INDEX customer_responses_demand ON customer_responses (demand_id, id);

-- Notifications of authorities the assessment asks for (the data
-- protection authority), drafted from the rulebook's directory.
CREATE TABLE authority_notifications (
    id          INTEGER PRIMARY KEY,
    demand_id   INTEGER NOT NULL REFERENCES demands (id),
    code        TEXT NOT NULL,
    country     TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ('drafted', 'sent', 'failed', 'withdrawn')),
    last_error  TEXT NOT NULL DEFAULT '',
    drafted_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    UNIQUE (demand_id, code, country)
);
