package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// Each failure is produced for real on its database and classified by its
// code: what the API answers depends on it (409, 503 with a retry, 507).

func openRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, source := "sqlite", "file:"+dsn
	if store.PostgresDSN(dsn) {
		driver, source = "pgx", dsn
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func wantClass(t *testing.T, err error, code, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	got := store.Classify(err)
	if writ.ErrorCode(got) != code || !strings.HasPrefix(writ.ErrorMessage(got), message) {
		t.Fatalf("Classify(%v) = %s %q, want %s %q…", err, writ.ErrorCode(got), writ.ErrorMessage(got), code, message)
	}
}

func TestClassifyUniqueViolation(t *testing.T) {
	for _, db := range storetest.Databases() {
		t.Run(db.Name, func(t *testing.T) {
			raw := openRaw(t, db.New(t))
			ctx := context.Background()
			if _, err := raw.ExecContext(ctx, `CREATE TABLE keys (name TEXT NOT NULL PRIMARY KEY, n INTEGER UNIQUE)`); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.ExecContext(ctx, `INSERT INTO keys (name, n) VALUES ($1, $2)`, "a", 1); err != nil {
				t.Fatal(err)
			}
			_, err := raw.ExecContext(ctx, `INSERT INTO keys (name, n) VALUES ($1, $2)`, "b", 1)
			wantClass(t, err, writ.ECONFLICT, "a record with the same key was saved at the same moment")
			_, err = raw.ExecContext(ctx, `INSERT INTO keys (name, n) VALUES ($1, $2)`, "a", 2)
			wantClass(t, err, writ.ECONFLICT, "a record with the same key was saved at the same moment")
			// Other constraints are writ's own faults, not conflicts.
			_, err = raw.ExecContext(ctx, `INSERT INTO keys (name, n) VALUES (NULL, 3)`)
			wantClass(t, err, writ.EINTERNAL, "")
		})
	}
}

// A backend the database terminates (an administrator, a fail-over) is an
// outage to the client, not a fault of writ.
func TestClassifyTerminatedBackend(t *testing.T) {
	raw := openRaw(t, storetest.PostgresSchema(t))
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	var done bool
	if err := raw.QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&done); err != nil || !done {
		t.Fatalf("terminate: %v %v", done, err)
	}
	_, err = conn.ExecContext(ctx, `SELECT 1`)
	wantClass(t, err, writ.EUNAVAILABLE, "the database is unavailable; try again shortly")
}

// Two transactions that change the same row: the later one's snapshot is
// stale, and PostgreSQL refuses it with a serialisation failure.
func TestClassifySerializationFailure(t *testing.T) {
	raw := openRaw(t, storetest.PostgresSchema(t))
	ctx := context.Background()
	if _, err := raw.ExecContext(ctx, `CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO counter VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	tx, err := raw.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE counter SET n = n + 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE counter SET n = n + 1 WHERE id = 1`)
	wantClass(t, err, writ.EUNAVAILABLE, "the database was busy with other changes")
}

// A SQLite database another connection holds the write lock of, with no
// time to wait, answers SQLITE_BUSY.
func TestClassifySQLiteBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, waiter := openRaw(t, path+"?_txlock=immediate"), openRaw(t, path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	ctx := context.Background()
	if _, err := holder.ExecContext(ctx, `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	tx, err := holder.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	_, err = waiter.ExecContext(ctx, `INSERT INTO t VALUES (2)`)
	wantClass(t, err, writ.EUNAVAILABLE, "the database was busy with other changes")
}

// No database listening: the connection is refused, which the client is
// told in words, without the address.
func TestClassifyConnectionRefused(t *testing.T) {
	raw := openRaw(t, "postgres://writ@127.0.0.1:1/writ?sslmode=disable&connect_timeout=5")
	err := raw.PingContext(context.Background())
	wantClass(t, err, writ.EUNAVAILABLE, "the database is unavailable; try again shortly: connection refused")
	if strings.Contains(writ.ErrorMessage(store.Classify(err)), "127.0.0.1") {
		t.Fatal("the message names the address")
	}
}

// A database this process has closed is writ's own fault (a request that
// outlived the server), not one to tell the client to retry; and errors
// already coded keep their code.
func TestClassifyLeavesOthersAlone(t *testing.T) {
	raw := openRaw(t, filepath.Join(t.TempDir(), "closed.db"))
	raw.Close()
	_, err := raw.ExecContext(context.Background(), `SELECT 1`)
	wantClass(t, err, writ.EINTERNAL, "")
	coded := writ.Errorf(writ.ENOTFOUND, "no demand 7")
	if got := store.Classify(coded); !errors.Is(got, coded) {
		t.Fatalf("Classify changed a coded error: %v", got)
	}
	if store.Classify(nil) != nil {
		t.Fatal("Classify(nil) is not nil")
	}
}
