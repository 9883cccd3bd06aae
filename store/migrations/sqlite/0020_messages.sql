-- Messages on a demand: the legal team writes with the agency on one
-- thread and with the customer on the other. The text is sealed with the
-- documents key like the other secrets; attachments are documents of the
-- demand whose audience is the thread's.
CREATE TABLE demand_messages (
    id          INTEGER PRIMARY KEY,
    demand_id   INTEGER NOT NULL REFERENCES demands (id),
    thread      TEXT NOT NULL CHECK (thread IN ('agency', 'customer')),
    side        TEXT NOT NULL CHECK (side IN ('legal', 'agency', 'customer')),
    author_id   INTEGER REFERENCES users (id),
    author      TEXT NOT NULL,
    posted_at   TIMESTAMP NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX demand_messages_thread ON demand_messages (demand_id, thread, id);

CREATE TABLE demand_message_attachments (
    message_id  INTEGER NOT NULL REFERENCES demand_messages (id),
    sha256      TEXT NOT NULL,
    PRIMARY KEY (message_id, sha256)
);
