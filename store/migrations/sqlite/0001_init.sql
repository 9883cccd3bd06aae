-- writ's schema on SQLite. Times are stored as text in UTC by the driver,
-- which sorts correctly; booleans are 0 and 1; lists are JSON text.

CREATE TABLE agencies (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    country       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('law_enforcement', 'national_security', 'regulator', 'court')),
    domains       TEXT NOT NULL DEFAULT '[]',
    phone         TEXT NOT NULL DEFAULT '',
    verified      INTEGER NOT NULL DEFAULT 0,
    verification  TEXT NOT NULL DEFAULT '',
    verified_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (name, country)
);

CREATE TABLE customers (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('enterprise', 'public_sector', 'consumer')),
    home_country   TEXT NOT NULL,
    us_person      INTEGER,
    legal_contact  TEXT NOT NULL DEFAULT '',
    key_custody    TEXT NOT NULL CHECK (key_custody IN ('provider_managed', 'customer_managed')),
    created_at     TIMESTAMP NOT NULL
);

CREATE TABLE data_locations (
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    position     INTEGER NOT NULL,
    region       TEXT NOT NULL,
    country      TEXT NOT NULL,
    PRIMARY KEY (customer_id, region)
);

CREATE TABLE accounts (
    identifier   TEXT PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id)
);
CREATE INDEX accounts_customer ON accounts (customer_id);

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'approver', 'auditor', 'agency', 'customer')),
    agency_id    INTEGER REFERENCES agencies (id),
    customer_id  INTEGER REFERENCES customers (id),
    created_at   TIMESTAMP NOT NULL,
    CHECK ((role = 'agency') = (agency_id IS NOT NULL)),
    CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);

CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    label       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE demands (
    id                        INTEGER PRIMARY KEY,
    group_id                  INTEGER NOT NULL,
    reference                 TEXT NOT NULL DEFAULT '',
    agency_id                 INTEGER NOT NULL REFERENCES agencies (id),
    customer_id               INTEGER NOT NULL REFERENCES customers (id),
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
    customer_visible          INTEGER NOT NULL DEFAULT 0,
    route                     TEXT NOT NULL DEFAULT '',
    next_deadline             TIMESTAMP,
    flags                     TEXT NOT NULL DEFAULT '[]',
    authority_country         TEXT NOT NULL,
    version                   INTEGER NOT NULL DEFAULT 1,
    updated_at                TIMESTAMP NOT NULL,
    CHECK ((state = 'closed') = (outcome IS NOT NULL)),
    CHECK (outcome IS NULL OR outcome IN ('content_disclosed', 'non_content_disclosed', 'no_data', 'rejected', 'redirected', 'withdrawn'))
);
CREATE INDEX demands_state ON demands (state, id);
CREATE INDEX demands_agency ON demands (agency_id, id);
CREATE INDEX demands_customer ON demands (customer_id, id);
CREATE INDEX demands_deadline ON demands (next_deadline, id);
CREATE INDEX demands_group ON demands (group_id);
CREATE INDEX demands_received ON demands (received_at);

CREATE TABLE demand_accounts (
    demand_id  INTEGER NOT NULL REFERENCES demands (id),
    account    TEXT NOT NULL,
    PRIMARY KEY (demand_id, account)
);
CREATE INDEX demand_accounts_account ON demand_accounts (account);

CREATE TABLE assessments (
    demand_id    INTEGER PRIMARY KEY REFERENCES demands (id),
    rulebook     TEXT NOT NULL,
    body         TEXT NOT NULL,
    computed_at  TIMESTAMP NOT NULL
);

CREATE TABLE deadlines (
    demand_id  INTEGER NOT NULL REFERENCES demands (id),
    code       TEXT NOT NULL,
    due        TIMESTAMP NOT NULL,
    PRIMARY KEY (demand_id, code)
);
CREATE INDEX deadlines_due ON deadlines (due);

CREATE TABLE documents (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    content       BLOB NOT NULL
);

CREATE TABLE demand_documents (
    demand_id    INTEGER NOT NULL REFERENCES demands (id),
    sha256       TEXT NOT NULL REFERENCES documents (sha256),
    name         TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (demand_id, sha256)
);

CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    demand_id    INTEGER NOT NULL REFERENCES demands (id),
    kind         TEXT NOT NULL,
    categories   TEXT NOT NULL DEFAULT '[]',
    rationale    TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    at           TIMESTAMP NOT NULL
);
CREATE INDEX decisions_demand ON decisions (demand_id);

CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    demand_id   INTEGER NOT NULL UNIQUE REFERENCES demands (id),
    timing      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('none', 'prohibited', 'scheduled', 'delayed', 'sent', 'delivered', 'acknowledged')),
    send_at     TIMESTAMP,
    until       TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE challenges (
    id         INTEGER PRIMARY KEY,
    demand_id  INTEGER NOT NULL REFERENCES demands (id),
    grounds    TEXT NOT NULL,
    forum      TEXT NOT NULL,
    filed_at   TIMESTAMP NOT NULL,
    deadline   TIMESTAMP,
    outcome    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX challenges_demand ON challenges (demand_id);

CREATE TABLE disclosures (
    id              INTEGER PRIMARY KEY,
    demand_id       INTEGER NOT NULL UNIQUE REFERENCES demands (id),
    categories      TEXT NOT NULL,
    accounts        INTEGER NOT NULL,
    records         INTEGER NOT NULL,
    package_sha256  TEXT NOT NULL DEFAULT '',
    disclosed_by    TEXT NOT NULL,
    at              TIMESTAMP NOT NULL
);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    demand_id  INTEGER REFERENCES demands (id),
    actor_id   INTEGER REFERENCES users (id),
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX events_demand ON events (demand_id, id);

CREATE TABLE idempotency_keys (
    user_id       INTEGER NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    response      TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
