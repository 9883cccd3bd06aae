-- Transparency reports and warrant canaries.
--
-- A report counts a half-year's demands with one GROUP BY over the rows
-- received in it. demands_report holds every column and expression that
-- query reads — the number of accounts a demand names included, so that
-- the JSON list is not parsed for every row — and so it is answered from
-- the index alone, in receipt order, without visiting the table.

CREATE INDEX demands_report ON demands (received_at, authority_country, outcome, instrument, data_categories, flags,
    emergency, ndo, ndo_until, json_array_length(accounts));

-- The enterprise customers a period's demands name are counted from those
-- customers' demands, which this index leads to.
CREATE INDEX demands_enterprise ON demands (customer_id, received_at, authority_country, outcome, flags);

-- And the demands of national-security authorities, which no exact figure
-- may count, from those authorities.
CREATE INDEX demands_authority ON demands (agency_id, received_at, instrument, flags);

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
