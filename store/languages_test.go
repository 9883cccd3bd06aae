package store_test

import (
	"testing"

	"writ/store/storetest"
)

func TestLanguagesSQLite(t *testing.T) { storetest.RunLanguages(t, storetest.SQLite) }

func TestLanguagesPostgres(t *testing.T) { storetest.RunLanguages(t, storetest.Postgres) }
