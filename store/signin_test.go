package store_test

import (
	"testing"

	"writ/store"
	"writ/store/storetest"
)

func TestSignInSQLite(t *testing.T) { storetest.RunSignIn(t, storetest.SQLite, store.QueryRaw) }

func TestSignInPostgres(t *testing.T) { storetest.RunSignIn(t, storetest.Postgres, store.QueryRaw) }
