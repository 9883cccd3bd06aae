package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"
	"testing"
)

// Migrating a database takes PostgreSQL most of a second, more than many
// tests take themselves; copying one (CREATE DATABASE … TEMPLATE) takes a
// tenth of that. So each test binary migrates one template database on
// the test server, the first time a test asks for a migrated database,
// and gives each such test a copy of it.
//
// The databases a binary makes are named writ_test_db_TOKEN_…, TOKEN its
// own, and it holds a connection named writ_test_db_TOKEN for as long as
// it runs. A binary that ends unexpectedly (killed, or stopped by its
// timeout) leaves its databases behind; the next binary to make a template
// drops those whose connection is gone.
var pgCopies struct {
	once   sync.Once
	built  bool
	admin  *sql.DB   // to the server's own database, for CREATE and DROP DATABASE
	holder *sql.Conn // held until the binary exits
	base   *url.URL
	prefix string // writ_test_db_TOKEN
}

// PostgresDatabase makes a database for one test on the test server, a
// copy of a database with writ's schema, and returns its URL; the database
// is dropped when the test ends. Without a reachable server the test is
// skipped, or fails under CI=true, as with PostgresSchema.
func PostgresDatabase(t *testing.T) string {
	t.Helper()
	base := postgresServer(t)
	pgCopies.once.Do(func() { buildPostgresTemplate(t, base) })
	if !pgCopies.built {
		t.Fatal("storetest: the template database could not be made (see the first test that asked for one)")
	}
	name := pgCopies.prefix + "_" + randomHex(6)
	ctx := context.Background()
	if _, err := pgCopies.admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+pgCopies.prefix+`_template`); err != nil {
		t.Fatalf("storetest: copy the template database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends the connections a test left open (a server it
		// started and abandoned, say).
		pgCopies.admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return databaseURL(pgCopies.base, name)
}

// buildPostgresTemplate makes and migrates this binary's template
// database, after dropping what binaries that have ended left behind.
func buildPostgresTemplate(t *testing.T, base string) {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "writ_test_db_" + randomHex(6)
	holding := *u
	q := holding.Query()
	q.Set("application_name", prefix)
	holding.RawQuery = q.Encode()
	hdb, err := sql.Open("pgx", holding.String())
	if err != nil {
		t.Fatal(err)
	}
	holder, err := hdb.Conn(ctx)
	if err != nil {
		t.Fatalf("storetest: connect to %s: %v", base, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	dropLeftovers(t, admin)
	template := prefix + "_template"
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+template); err != nil {
		t.Fatalf("storetest: make the template database: %v", err)
	}
	// A copy is made only of a database nobody is connected to: the store
	// that migrated it is closed at once.
	st := OpenAt(t, databaseURL(u, template), nil, nil)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	pgCopies.admin, pgCopies.holder, pgCopies.base, pgCopies.prefix = admin, holder, u, prefix
	pgCopies.built = true
}

// dropLeftovers drops the databases of test binaries that are no longer
// connected. A drop that fails (a copy being made from it) is left for the
// next binary.
func dropLeftovers(t *testing.T, admin *sql.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := admin.QueryContext(ctx, `SELECT datname FROM pg_database d
		WHERE datname ~ '^writ_test_db_[0-9a-f]{12}_'
		AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = substring(d.datname from '^writ_test_db_[0-9a-f]{12}'))`)
	if err != nil {
		t.Fatalf("storetest: find the databases of ended test binaries: %v", err)
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	}
}

// databaseURL is base with its database replaced by name.
func databaseURL(base *url.URL, name string) string {
	u := *base
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
