-- The production delivered through writ: a package of files the legal
-- team uploads to an approved demand, its declared scope, how long and how
-- often the agency may download it, and every download.
CREATE TABLE productions (
    id              INTEGER PRIMARY KEY,
    demand_id       INTEGER NOT NULL UNIQUE REFERENCES demands (id),
    accounts        TEXT NOT NULL,
    categories      TEXT NOT NULL,
    date_from       TEXT NOT NULL DEFAULT '',
    date_to         TEXT NOT NULL DEFAULT '',
    expires_at      TIMESTAMP NOT NULL,
    download_limit  INTEGER NOT NULL,
    downloads       INTEGER NOT NULL DEFAULT 0,
    made_by         TEXT NOT NULL,
    made_at         TIMESTAMP NOT NULL
);

-- Each file, sealed with the documents key like the legal documents, and
-- the index of the log entry that commits to its SHA-256.
CREATE TABLE production_files (
    production_id  INTEGER NOT NULL REFERENCES productions (id),
    sha256         TEXT NOT NULL,
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    key_id         TEXT NOT NULL,
    content        BLOB NOT NULL,
    log_index      INTEGER NOT NULL,
    PRIMARY KEY (production_id, sha256)
);

-- The grounds of a challenge the legal team chose to tell the agency.
ALTER TABLE challenges ADD COLUMN shared_grounds TEXT NOT NULL DEFAULT '';
