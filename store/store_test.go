package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

func openSQLite(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "writ.db"), store.Options{Rules: rb, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
