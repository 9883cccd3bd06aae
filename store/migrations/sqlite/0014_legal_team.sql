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
