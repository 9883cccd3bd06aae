package store_test

import (
	"context"
	"testing"
	"time"

	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

func TestPostgres(t *testing.T) {
	storetest.Run(t, openPostgres)
}

func openPostgres(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	dsn := storetest.PostgresSchema(t)
	st, err := store.Open(context.Background(), dsn, store.Options{Rules: rb, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
