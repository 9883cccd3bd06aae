-- The audit log: every event is an entry of a Merkle tree. log_index is the
-- entry's position (0, 1, 2, … without gaps); log_hashes holds the tree's
-- hashes in tlog's stored-hash order; log_head the size, whose row every
-- append locks so that concurrent writers never fork or skip the log.

ALTER TABLE events ADD COLUMN log_index INTEGER;
CREATE UNIQUE INDEX events_log_index ON events (log_index);

CREATE TABLE log_hashes (
    idx   INTEGER PRIMARY KEY,
    hash  BLOB NOT NULL
);

CREATE TABLE log_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    size  INTEGER NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);

CREATE TABLE checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB NOT NULL,
    note       TEXT NOT NULL,
    issued_at  TIMESTAMP NOT NULL
);
