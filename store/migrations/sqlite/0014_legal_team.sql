-- The legal team's day: the home's views, internal notes, saved filters
-- and search.
--
-- Indexes the home's counts and lists read: a person's open demands, the
-- new ones nobody holds, the demands in review by whom, and the
-- objections still to decide.
CREATE INDEX demands_assignee ON demands (assignee_id, next_deadline);
CREATE INDEX demands_state_assignee ON demands (state, assignee_id, next_deadline);
CREATE INDEX demands_state_reviewer ON demands (state, reviewer_id);
CREATE INDEX customer_responses_open_objections ON customer_responses (demand_id) WHERE kind = 'object' AND decision = '';

-- Internal notes: the legal team's own, never shown to the agency or the
-- customer. Each is also an event in the audit log.
CREATE TABLE demand_notes (
    id         INTEGER PRIMARY KEY,
    demand_id  INTEGER NOT NULL REFERENCES demands (id),
    body       TEXT NOT NULL,
    by_user    INTEGER NOT NULL REFERENCES users (id),
    by_name    TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX demand_notes_demand ON demand_notes (demand_id, id);

-- A user's named queue filters: the queue's query string.
CREATE TABLE saved_filters (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    name      TEXT NOT NULL,
    query     TEXT NOT NULL,
    UNIQUE (user_id, name)
);

-- Search. demand_facts holds each demand's own words (reference, agency,
-- customer, the authority's country, instrument, state, flags), its rowid
-- the demand's id; demand_words the words added to a demand over its
-- life (the accounts named, the rationale of each move, internal notes).
-- Triggers keep both in step with every write path, the bulk import's too.
CREATE VIRTUAL TABLE demand_facts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE demand_words USING fts5(demand_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER demand_facts_insert AFTER INSERT ON demands BEGIN
    INSERT INTO demand_facts (rowid, body) VALUES (new.id, new.reference || ' ' || new.instrument || ' ' || new.state || ' ' ||
        new.authority_country || ' ' || new.flags || ' ' || COALESCE((SELECT name FROM agencies WHERE id = new.agency_id), '') || ' ' ||
        COALESCE((SELECT name FROM customers WHERE id = new.customer_id), ''));
END;
CREATE TRIGGER demand_facts_update AFTER UPDATE OF reference, instrument, state, authority_country, flags, agency_id, customer_id ON demands BEGIN
    DELETE FROM demand_facts WHERE rowid = old.id;
    INSERT INTO demand_facts (rowid, body) VALUES (new.id, new.reference || ' ' || new.instrument || ' ' || new.state || ' ' ||
        new.authority_country || ' ' || new.flags || ' ' || COALESCE((SELECT name FROM agencies WHERE id = new.agency_id), '') || ' ' ||
        COALESCE((SELECT name FROM customers WHERE id = new.customer_id), ''));
END;
CREATE TRIGGER demand_words_account AFTER INSERT ON demand_accounts BEGIN
    INSERT INTO demand_words (demand_id, body) VALUES (new.demand_id, new.account);
END;
CREATE TRIGGER demand_words_rationale AFTER INSERT ON events WHEN new.demand_id IS NOT NULL AND new.kind = 'demand.transition' BEGIN
    INSERT INTO demand_words (demand_id, body) VALUES (new.demand_id, COALESCE(json_extract(new.data, '$.rationale'), ''));
END;
CREATE TRIGGER demand_words_note AFTER INSERT ON demand_notes BEGIN
    INSERT INTO demand_words (demand_id, body) VALUES (new.demand_id, new.body);
END;

INSERT INTO demand_facts (rowid, body)
    SELECT d.id, d.reference || ' ' || d.instrument || ' ' || d.state || ' ' || d.authority_country || ' ' || d.flags || ' ' ||
        COALESCE(a.name, '') || ' ' || COALESCE(c.name, '')
    FROM demands d LEFT JOIN agencies a ON a.id = d.agency_id LEFT JOIN customers c ON c.id = d.customer_id;
INSERT INTO demand_words (demand_id, body) SELECT demand_id, account FROM demand_accounts;
INSERT INTO demand_words (demand_id, body)
    SELECT demand_id, COALESCE(json_extract(data, '$.rationale'), '') FROM events WHERE demand_id IS NOT NULL AND kind = 'demand.transition';
