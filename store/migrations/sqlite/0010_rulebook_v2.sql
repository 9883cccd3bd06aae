-- writ: foreign keys off
-- Rulebook v2. Demands gain the facts v2 weighs; customers their home
-- subdivision and a third key custody; agencies the kind private_party.
--
-- v1's "customer_managed" meant "the provider cannot read content"; v2
-- calls that customer_held and gives customer_managed to a customer key the
-- provider's services use at run time (BYOK), whose content is accessible.
-- Stored v1 customers keep v1's meaning (customer_held) and are marked
-- unconfirmed until an admin confirms or reclassifies them, each mapping an
-- event in the log. Open demands are assessed again under v2 once every
-- migration is applied (store.Migrate); closed ones keep the assessment and
-- rulebook version that decided them.
--
-- SQLite cannot change a CHECK constraint in place, so customers and
-- agencies are rebuilt with every row and column they had. Other tables
-- reference them, so the runner turns foreign keys off for this migration
-- and checks them all before it commits (the first line above).

ALTER TABLE demands ADD COLUMN subject_location TEXT NOT NULL DEFAULT '';
ALTER TABLE demands ADD COLUMN subject_us_person INTEGER;
ALTER TABLE demands ADD COLUMN data_locations_sought TEXT NOT NULL DEFAULT '[]';
ALTER TABLE demands ADD COLUMN notice_permitted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE customers_v2 (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    kind                   TEXT NOT NULL CHECK (kind IN ('enterprise', 'public_sector', 'consumer')),
    home_country           TEXT NOT NULL,
    us_person              INTEGER,
    legal_contact          TEXT NOT NULL DEFAULT '',
    key_custody            TEXT NOT NULL CHECK (key_custody IN ('provider_managed', 'customer_managed', 'customer_held')),
    created_at             TIMESTAMP NOT NULL,
    notice_email           TEXT NOT NULL DEFAULT '',
    webhook_url            TEXT NOT NULL DEFAULT '',
    webhook_secret         TEXT NOT NULL DEFAULT '',
    home_subdivision       TEXT NOT NULL DEFAULT '',
    key_custody_confirmed  INTEGER NOT NULL DEFAULT 1
);
INSERT INTO customers_v2 (id, name, kind, home_country, us_person, legal_contact, key_custody, created_at,
        notice_email, webhook_url, webhook_secret, key_custody_confirmed)
    SELECT id, name, kind, home_country, us_person, legal_contact,
        CASE key_custody WHEN 'customer_managed' THEN 'customer_held' ELSE key_custody END,
        created_at, notice_email, webhook_url, webhook_secret,
        key_custody <> 'customer_managed'
    FROM customers;
INSERT INTO events (demand_id, actor_id, actor, kind, data, at)
    SELECT NULL, NULL, 'writ', 'customer.key_custody_migrated',
        json_object('customer_id', id, 'from', 'customer_managed', 'to', 'customer_held',
            'rulebook_from', 'v1', 'rulebook_to', 'v2', 'confirmed', json('false')),
        strftime('%Y-%m-%d %H:%M:%f', 'now') || ' +0000 UTC'
    FROM customers WHERE key_custody = 'customer_managed' ORDER BY id;
DROP TABLE customers;
ALTER TABLE customers_v2 RENAME TO customers;

CREATE TABLE agencies_v2 (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    country       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('law_enforcement', 'national_security', 'regulator', 'court', 'private_party')),
    domains       TEXT NOT NULL DEFAULT '[]',
    phone         TEXT NOT NULL DEFAULT '',
    verified      INTEGER NOT NULL DEFAULT 0,
    verification  TEXT NOT NULL DEFAULT '',
    verified_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (name, country)
);
INSERT INTO agencies_v2 (id, name, country, kind, domains, phone, verified, verification, verified_at, created_at)
    SELECT id, name, country, kind, domains, phone, verified, verification, verified_at, created_at FROM agencies;
DROP TABLE agencies;
ALTER TABLE agencies_v2 RENAME TO agencies;
