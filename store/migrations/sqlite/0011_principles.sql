-- writ: foreign keys off
--
-- The principles hold in every path: call-backs recorded by the legal
-- team, notices that count only once delivered, gags that end with a
-- person's check, tokens that expire and need a second admin, documents
-- with an audience, demands for accounts the provider does not hold, and
-- deadlines that are met, moot or open.
--
-- A demand for accounts the provider does not hold has no customer, so
-- demands.customer_id may be NULL. SQLite cannot drop a NOT NULL in place:
-- the table is rebuilt with every row, column, constraint and index it
-- had (the migration runner turns foreign keys off around this file and
-- checks them before it commits, as SQLite's own procedure for such
-- changes asks). customer_visible becomes customer_visible_from: a
-- customer sees its demand from its notice's send time on, never before.
CREATE TABLE demands_v11 (
    id                        INTEGER PRIMARY KEY,
    group_id                  INTEGER NOT NULL,
    reference                 TEXT NOT NULL DEFAULT '',
    agency_id                 INTEGER NOT NULL REFERENCES agencies (id),
    customer_id               INTEGER REFERENCES customers (id),
    submitted_by              INTEGER REFERENCES users (id),
    channel                   TEXT NOT NULL,
    received_at               TIMESTAMP NOT NULL,
    requester                 TEXT NOT NULL DEFAULT '',
    requester_verified        INTEGER NOT NULL DEFAULT 0,
    instrument                TEXT NOT NULL,
    citation                  TEXT NOT NULL DEFAULT '',
    issued_by                 TEXT NOT NULL,
    validated_by              TEXT NOT NULL DEFAULT '',
    offence_max_years         REAL,
    offence_listed            INTEGER NOT NULL DEFAULT 0,
    offence_in_issuing_state  INTEGER,
    subject_residence         TEXT NOT NULL DEFAULT '',
    data_categories           TEXT NOT NULL,
    accounts                  TEXT NOT NULL,
    range_from                TEXT NOT NULL DEFAULT '',
    range_to                  TEXT NOT NULL DEFAULT '',
    due                       TIMESTAMP,
    ndo                       INTEGER NOT NULL DEFAULT 0,
    ndo_basis                 TEXT NOT NULL DEFAULT '',
    ndo_until                 TEXT NOT NULL DEFAULT '',
    emergency                 INTEGER NOT NULL DEFAULT 0,
    emergency_justification   TEXT NOT NULL DEFAULT '',
    emergency_callback        INTEGER NOT NULL DEFAULT 0,
    customer_first_exception  TEXT NOT NULL DEFAULT '',
    state                     TEXT NOT NULL,
    outcome                   TEXT,
    assignee_id               INTEGER REFERENCES users (id),
    reviewer_id               INTEGER REFERENCES users (id),
    customer_visible_from     TIMESTAMP,
    route                     TEXT NOT NULL DEFAULT '',
    next_deadline             TIMESTAMP,
    flags                     TEXT NOT NULL DEFAULT '[]',
    authority_country         TEXT NOT NULL,
    version                   INTEGER NOT NULL DEFAULT 1,
    updated_at                TIMESTAMP NOT NULL,
    requester_check           TEXT NOT NULL DEFAULT '',
    callback_number           TEXT NOT NULL DEFAULT '',
    callback_by               TEXT NOT NULL DEFAULT '',
    callback_at               TIMESTAMP,
    half_year                 TEXT GENERATED ALWAYS AS (substr(received_at, 1, 4) || CASE WHEN substr(received_at, 6, 2) < '07' THEN '-H1' ELSE '-H2' END) VIRTUAL,
    -- The code of next_deadline: the soonest deadline still owed.
    next_deadline_code        TEXT NOT NULL DEFAULT '',
    -- An emergency whose response is still owed: first in every queue.
    urgent                    INTEGER NOT NULL DEFAULT 0,
    -- When an emergency must be answered: receipt plus the provider's
    -- response target.
    response_target           TIMESTAMP,
    subject_location          TEXT NOT NULL DEFAULT '',
    subject_us_person         INTEGER,
    data_locations_sought     TEXT NOT NULL DEFAULT '[]',
    notice_permitted          INTEGER NOT NULL DEFAULT 0,
    CHECK ((state = 'closed') = (outcome IS NOT NULL)),
    CHECK (outcome IS NULL OR outcome IN ('content_disclosed', 'non_content_disclosed', 'no_data', 'rejected', 'redirected', 'withdrawn'))
);
INSERT INTO demands_v11 (id, group_id, reference, agency_id, customer_id, submitted_by, channel, received_at, requester, requester_verified,
    instrument, citation, issued_by, validated_by, offence_max_years, offence_listed, offence_in_issuing_state, subject_residence,
    data_categories, accounts, range_from, range_to, due, ndo, ndo_basis, ndo_until, emergency, emergency_justification,
    emergency_callback, customer_first_exception, state, outcome, assignee_id, reviewer_id, customer_visible_from, route,
    next_deadline, flags, authority_country, version, updated_at, requester_check, callback_number, callback_by, callback_at,
    subject_location, subject_us_person, data_locations_sought, notice_permitted)
SELECT d.id, d.group_id, d.reference, d.agency_id, d.customer_id, d.submitted_by, d.channel, d.received_at, d.requester, d.requester_verified,
    d.instrument, d.citation, d.issued_by, d.validated_by, d.offence_max_years, d.offence_listed, d.offence_in_issuing_state, d.subject_residence,
    d.data_categories, d.accounts, d.range_from, d.range_to, d.due, d.ndo, d.ndo_basis, d.ndo_until, d.emergency, d.emergency_justification,
    d.emergency_callback, d.customer_first_exception, d.state, d.outcome, d.assignee_id, d.reviewer_id,
    CASE WHEN d.customer_visible THEN COALESCE((SELECT n.send_at FROM notices n WHERE n.demand_id = d.id), d.received_at) END,
    d.route, d.next_deadline, d.flags, d.authority_country, d.version, d.updated_at, d.requester_check, d.callback_number, d.callback_by, d.callback_at,
    d.subject_location, d.subject_us_person, d.data_locations_sought, d.notice_permitted
FROM demands d;
DROP TABLE demands;
ALTER TABLE demands_v11 RENAME TO demands;
CREATE INDEX demands_state ON demands (state, id);
CREATE INDEX demands_agency ON demands (agency_id, id);
CREATE INDEX demands_customer ON demands (customer_id, id);
CREATE INDEX demands_deadline ON demands (next_deadline, id);
CREATE INDEX demands_group ON demands (group_id);
CREATE INDEX demands_received ON demands (received_at);
CREATE INDEX demands_enterprise ON demands (customer_id, received_at, authority_country, outcome, flags);
CREATE INDEX demands_authority ON demands (agency_id, received_at, instrument, flags);
CREATE INDEX demands_state_deadline ON demands (state, next_deadline, id);
CREATE INDEX demands_half_year ON demands (half_year, authority_country, outcome, instrument, data_categories, flags,
    emergency, ndo, ndo_until, json_array_length(accounts));
-- The open emergencies, which every queue lists first.
CREATE INDEX demands_urgent ON demands (id) WHERE urgent;

-- Call-backs: each call the legal team made to an agency's registered
-- number about an emergency, with who called, when, and what came of it.
-- Only a confirmed call to the registered number verifies an emergency.
CREATE TABLE callbacks (
    id         INTEGER PRIMARY KEY,
    demand_id  INTEGER NOT NULL REFERENCES demands (id),
    number     TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('confirmed', 'not_confirmed', 'no_answer')),
    notes      TEXT NOT NULL DEFAULT '',
    by_user    INTEGER REFERENCES users (id),
    by_name    TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX callbacks_demand ON callbacks (demand_id, id);
INSERT INTO callbacks (demand_id, number, outcome, by_name, at)
    SELECT id, callback_number, 'confirmed', callback_by, callback_at FROM demands WHERE callback_at IS NOT NULL;

-- A deadline is open (still owed), met, moot (the demand ended without
-- it), or a "not before" date (the end of a window), which is never due.
ALTER TABLE deadlines ADD COLUMN status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'moot', 'not_before'));
UPDATE deadlines SET status = CASE
    WHEN code IN ('EARLIEST_DISCLOSURE', 'ENFORCING_AUTHORITY_WINDOW') THEN 'not_before'
    WHEN (SELECT d.state FROM demands d WHERE d.id = deadlines.demand_id) = 'closed' THEN
        CASE WHEN code IN ('RESPOND', 'OBJECTION') AND (SELECT d.outcome FROM demands d WHERE d.id = deadlines.demand_id) <> 'withdrawn' THEN 'met' ELSE 'moot' END
    WHEN code IN ('RESPOND', 'OBJECTION') AND (SELECT d.state FROM demands d WHERE d.id = deadlines.demand_id)
        IN ('redirected', 'rejected', 'no_data', 'challenged', 'disclosed') THEN 'met'
    WHEN code IN ('CONFLICT_OBJECTION', 'COMITY_MOTION') AND ((SELECT d.state FROM demands d WHERE d.id = deadlines.demand_id)
        IN ('redirected', 'rejected', 'no_data', 'challenged') OR EXISTS (SELECT 1 FROM challenges c WHERE c.demand_id = deadlines.demand_id)) THEN 'met'
    WHEN code IN ('CONFLICT_OBJECTION', 'COMITY_MOTION') AND (SELECT d.state FROM demands d WHERE d.id = deadlines.demand_id) = 'disclosed' THEN 'moot'
    ELSE 'open' END;
UPDATE demands SET
    next_deadline = (SELECT min(dl.due) FROM deadlines dl WHERE dl.demand_id = demands.id AND dl.status = 'open'),
    next_deadline_code = COALESCE((SELECT dl.code FROM deadlines dl WHERE dl.demand_id = demands.id AND dl.status = 'open' ORDER BY dl.due, dl.code LIMIT 1), '');

-- A notice counts as given only once a delivery succeeded: given_at is
-- that moment and given_via the way (email, webhook, portal, or a
-- delivery the legal team recorded). A notice the old transition marked
-- sent with no delivery behind it was never given: it is due again.
-- released_until is the end of the order whose lapse the legal team
-- confirmed (no extension served), which lets a delayed notice go.
ALTER TABLE notices ADD COLUMN given_at TIMESTAMP;
ALTER TABLE notices ADD COLUMN given_via TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN released_until TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN released_at TIMESTAMP;
UPDATE notices SET given_at = COALESCE(sent_at, acknowledged_at),
    given_via = CASE WHEN sent_at IS NULL AND acknowledged_at IS NULL THEN ''
        WHEN state = 'acknowledged' AND sent_at IS NULL THEN 'portal' WHEN state = 'delivered' THEN 'webhook' ELSE 'email' END
    WHERE state IN ('sent', 'delivered', 'acknowledged');
UPDATE notices SET state = 'scheduled' WHERE state = 'sent' AND given_at IS NULL;

-- A delivery the legal team made another way (a registered letter, a
-- call) is recorded beside the automatic ones, with its evidence. SQLite
-- cannot change the channel's CHECK in place; nothing refers to this table.
CREATE TABLE notice_deliveries_v11 (
    demand_id        INTEGER NOT NULL REFERENCES demands (id),
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'webhook', 'recorded')),
    recipient        TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    message_id       TEXT NOT NULL DEFAULT '',
    letter_sha256    TEXT NOT NULL DEFAULT '',
    sent_at          TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL,
    method           TEXT NOT NULL DEFAULT '',
    evidence         TEXT NOT NULL DEFAULT '',
    document_sha256  TEXT NOT NULL DEFAULT '',
    recorded_by      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (demand_id, channel)
);
INSERT INTO notice_deliveries_v11 (demand_id, channel, recipient, state, attempts, last_error, message_id, letter_sha256, sent_at, updated_at)
    SELECT demand_id, channel, recipient, state, attempts, last_error, message_id, letter_sha256, sent_at, updated_at FROM notice_deliveries;
DROP TABLE notice_deliveries;
ALTER TABLE notice_deliveries_v11 RENAME TO notice_deliveries;

-- API tokens get an id (to list and revoke them), an expiry and a
-- revocation. Tokens made before expire 90 days after they were made.
CREATE TABLE tokens_v11 (
    id             INTEGER PRIMARY KEY,
    hash           TEXT NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    label          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    created_by     TEXT NOT NULL DEFAULT '',
    expires_at     TIMESTAMP,
    revoked_at     TIMESTAMP,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoke_reason  TEXT NOT NULL DEFAULT ''
);
INSERT INTO tokens_v11 (hash, user_id, label, created_at) SELECT hash, user_id, label, created_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v11 RENAME TO tokens;
CREATE INDEX tokens_user ON tokens (user_id, id);

-- A token an admin asks for another user is issued only once a second
-- admin confirms the request.
CREATE TABLE token_requests (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    label              TEXT NOT NULL DEFAULT '',
    expires_in_days    INTEGER NOT NULL,
    requested_by       INTEGER NOT NULL REFERENCES users (id),
    requested_by_name  TEXT NOT NULL,
    requested_at       TIMESTAMP NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'issued')),
    confirmed_by       TEXT NOT NULL DEFAULT '',
    confirmed_at       TIMESTAMP,
    token_id           INTEGER REFERENCES tokens (id)
);
CREATE INDEX token_requests_state ON token_requests (state, id);

-- Users are deactivated, never deleted: the log names them.
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;
ALTER TABLE users ADD COLUMN deactivated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deactivation_reason TEXT NOT NULL DEFAULT '';

-- Every document has an audience: the legal team (legal), the legal team
-- and the agency (agency), the legal team and the customer (customer), or
-- everyone on the demand (all). Documents kept before are given the
-- narrowest one their origin allows: an agency user's upload its agency,
-- writ's letters their recipient, anything else the legal team.
ALTER TABLE demand_documents ADD COLUMN audience TEXT NOT NULL DEFAULT 'legal' CHECK (audience IN ('legal', 'agency', 'customer', 'all'));
UPDATE demand_documents SET audience = 'customer' WHERE uploaded_by = 'writ' AND name LIKE 'notice-letter%';
UPDATE demand_documents SET audience = 'agency' WHERE uploaded_by = 'writ' AND name LIKE 'redirect-letter%';
UPDATE demand_documents SET audience = 'agency' WHERE uploaded_by <> 'writ'
    AND uploaded_by IN (SELECT u.name FROM users u JOIN demands d ON d.agency_id = u.agency_id WHERE d.id = demand_documents.demand_id AND u.role = 'agency')
    AND uploaded_by NOT IN (SELECT name FROM users WHERE role <> 'agency');

-- A report or canary published again for the same period names the
-- publication it replaces.
ALTER TABLE publications ADD COLUMN replaces TEXT NOT NULL DEFAULT '';
