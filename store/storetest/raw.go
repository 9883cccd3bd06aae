package storetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Database is one of the databases writ runs on, for the suites of the
// packages that keep their records in the store (identity, sealing): New
// makes an empty one for a test and returns its data source name, for
// OpenAt and NewRaw; Migrated makes one with writ's schema already in
// place, a copy of one migrated once per test binary, which OpenAt finds
// with nothing to migrate.
type Database struct {
	Name     string
	New      func(t *testing.T) string
	Migrated func(t *testing.T) string
}

// Databases are SQLite, in a new file, and PostgreSQL, in a new schema of
// the test server (see PostgresSchema) or, migrated, a new database (see
// PostgresDatabase).
func Databases() []Database {
	return []Database{
		{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "writ.db") }, migrated.copy},
		{"Postgres", PostgresSchema, PostgresDatabase},
	}
}

// Raw is a connection of its own to a test's database, to read and change
// the records directly as someone with the database's password could:
// tests check with it what is stored (hashes, sealed secrets) and tamper
// with it. Queries are written with numbered placeholders ($1, $2, …), as the
// store's are.
type Raw struct {
	db       *sql.DB
	postgres bool
}

// NewRaw connects to the database dsn names; the connection is closed when
// the test ends.
func NewRaw(t *testing.T, dsn string) *Raw {
	t.Helper()
	r := &Raw{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	driver, source := "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	if r.postgres {
		driver, source = "pgx", dsn
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r.db = db
	return r
}

// Exec runs a statement.
func (r *Raw) Exec(query string, args ...any) error {
	_, err := r.db.ExecContext(context.Background(), query, args...)
	return err
}

// Query reads one value.
func (r *Raw) Query(query string, dest any, args ...any) error {
	return r.db.QueryRowContext(context.Background(), query, args...).Scan(dest)
}
