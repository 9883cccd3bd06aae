-- Transparency reports and warrant canaries.
--
-- A report counts a half-year's demands with one GROUP BY over the rows
-- received in it. demands_report holds every column that query reads, so it
-- is answered from the index alone, in receipt order, without visiting the
-- table; account_count is the number of accounts a demand names, kept in
-- the index so that the JSON list is not parsed for every row.

ALTER TABLE demands ADD COLUMN account_count INTEGER GENERATED ALWAYS AS (json_array_length(accounts)) VIRTUAL;

CREATE INDEX demands_report ON demands (received_at, authority_country, state, outcome, instrument, data_categories,
    emergency, ndo, ndo_until, flags, agency_id, customer_id, account_count);

-- What was published: the exact bytes (a report's JSON, a canary's signed
-- note) whose SHA-256 the report.published or canary.published event
-- appended to the audit log at log_index.
CREATE TABLE publications (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('report', 'canary')),
    period           TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    body             TEXT NOT NULL,
    checkpoint_size  INTEGER NOT NULL,
    log_index        INTEGER NOT NULL,
    published_at     TIMESTAMP NOT NULL,
    UNIQUE (kind, sha256)
);
CREATE INDEX publications_period ON publications (kind, period, id);
