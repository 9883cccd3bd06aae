package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// DefaultPostgres is the server the tests use unless WRIT_TEST_POSTGRES
// names another: the machine's own, as .ci/run starts it.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresSchema creates an empty schema for one test on the test server
// and returns a URL that uses it; the schema is dropped when the test ends.
// Without a reachable server the test is skipped — except under CI=true,
// where a missing PostgreSQL is a failure, so a green CI means both
// databases passed.
func PostgresSchema(t *testing.T) string {
	t.Helper()
	base := postgresServer(t)
	ctx := context.Background()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := "writ_test_" + randomHex(6)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// postgresServer returns the test server's URL once it answers. Without
// one the test is skipped, except under CI=true, where a missing
// PostgreSQL is a failure.
func postgresServer(t *testing.T) string {
	t.Helper()
	base := os.Getenv("WRIT_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		err = db.PingContext(context.Background())
		db.Close()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s: %v", base, err)
		}
		t.Skipf("no PostgreSQL at %s (set WRIT_TEST_POSTGRES): %v", base, err)
	}
	return base
}
