package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"writ/rules"
	"writ/store"
)

// SQLite opens a migrated store in a new SQLite file under t.TempDir().
func SQLite(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	return openMigrated(t, filepath.Join(t.TempDir(), "writ.db"), now, nil)
}

// Postgres opens a migrated store in a new schema of the test server.
func Postgres(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	return openMigrated(t, PostgresSchema(t), now, nil)
}

// SQLiteWith and PostgresWith are SQLite and Postgres with the rulebook rb
// instead of the built-in one.
func SQLiteWith(rb *rules.Rulebook) Opener {
	return func(t *testing.T, now func() time.Time) *store.Store {
		t.Helper()
		return openMigrated(t, filepath.Join(t.TempDir(), "writ.db"), now, rb)
	}
}

// PostgresWith: see SQLiteWith.
func PostgresWith(rb *rules.Rulebook) Opener {
	return func(t *testing.T, now func() time.Time) *store.Store {
		t.Helper()
		return openMigrated(t, PostgresSchema(t), now, rb)
	}
}

func openMigrated(t *testing.T, dsn string, now func() time.Time, rb *rules.Rulebook) *store.Store {
	t.Helper()
	var err error
	if rb == nil {
		rb, err = rules.Default()
	}
	if err != nil {
		t.Fatal(err)
	}
	keys, err := store.LoadOrCreateDocumentKeys(filepath.Join(t.TempDir(), "documents.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), dsn, store.Options{Rules: rb, Now: now, DocumentKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
