package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"writ/casework"
	"writ/notify"
	"writ/rules"
	"writ/sealing"
	"writ/store"
)

// SQLite opens a migrated store in a new SQLite file under t.TempDir(): a
// copy of one migrated once per test binary.
func SQLite(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	return migrated.open(t, now, nil)
}

// OpenSQLiteAt opens a migrated store in the SQLite file at path.
func OpenSQLiteAt(t *testing.T, path string) *store.Store {
	t.Helper()
	return openMigrated(t, path, nil)
}

// Postgres opens a migrated store in a new database of the test server: a
// copy of one migrated once per test binary (see PostgresDatabase).
func Postgres(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	return openMigrated(t, PostgresDatabase(t), now)
}

// SQLiteWith is SQLite with the options configure sets (small upload
// quotas, say).
func SQLiteWith(configure func(*store.Options)) Opener {
	return func(t *testing.T, now func() time.Time) *store.Store {
		t.Helper()
		return migrated.open(t, now, configure)
	}
}

// PostgresWith is Postgres with the options configure sets.
func PostgresWith(configure func(*store.Options)) Opener {
	return func(t *testing.T, now func() time.Time) *store.Store {
		t.Helper()
		return OpenAt(t, PostgresDatabase(t), now, configure)
	}
}

func openMigrated(t *testing.T, dsn string, now func() time.Time) *store.Store {
	t.Helper()
	return OpenAt(t, dsn, now, nil)
}

// OpenAt opens a migrated store in the database dsn names (a SQLite file's
// path or a postgres:// URL, see Databases), with the options configure
// sets; it is closed when the test ends. Its documents keys are new ones
// in t.TempDir() unless configure gives others.
func OpenAt(t *testing.T, dsn string, now func() time.Time, configure func(*store.Options)) *store.Store {
	t.Helper()
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sealing.LoadOrCreateKeys(filepath.Join(t.TempDir(), "documents.key"))
	if err != nil {
		t.Fatal(err)
	}
	opts := store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Now: now, DocumentKeys: keys, Jobs: Jobs(t, dsn, now)}
	if configure != nil {
		configure(&opts)
	}
	st, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// Jobs is the job queue (notify's, on River) for a store opened on dsn
// with the clock now (time.Now when nil).
func Jobs(t testing.TB, dsn string, now func() time.Time) store.Jobs {
	t.Helper()
	jobs, err := notify.NewQueue(notify.QueueOptions{Postgres: store.PostgresDSN(dsn), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}
