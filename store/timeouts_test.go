package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// A connection left idle inside a transaction (a server frozen mid-change)
// is ended by PostgreSQL after the idle_in_transaction timeout, its locks
// released; and a statement that waits for a lock longer than the lock
// timeout fails, as a busy database (503), instead of hanging.
func TestPostgresSessionTimeouts(t *testing.T) {
	dsn := storetest.PostgresSchema(t)
	timeouts := &store.Timeouts{Lock: 200 * time.Millisecond, Statement: 5 * time.Second, IdleInTransaction: 300 * time.Millisecond, Keepalive: 5 * time.Second}
	st := storetest.OpenAt(t, dsn, time.Now, func(o *store.Options) { o.Timeouts = timeouts })
	ctx := context.Background()
	for name, want := range map[string]string{"lock_timeout": "200ms", "statement_timeout": "5s", "idle_in_transaction_session_timeout": "300ms", "tcp_keepalives_idle": "5"} {
		var got string
		if err := st.DB().QueryRowContext(ctx, "SHOW "+name).Scan(&got); err != nil || got != want {
			t.Fatalf("SHOW %s = %q (%v), want %q", name, got, err, want)
		}
	}

	// Idle in a transaction holding the log's head: cut off.
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if _, err := tx.ExecContext(ctx, `SELECT 1`); err == nil {
		t.Fatal("a transaction idle for 1s with a 300ms idle_in_transaction timeout was not ended")
	}
	tx.Rollback()
	// Its lock is gone: another connection takes it at once.
	tx2, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx2.ExecContext(ctx, `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatalf("the cut-off session's lock was not released: %v", err)
	}
	// tx2 waits idle while the statement below waits for its lock: it must
	// outlast the lock timeout however slow the machine.
	if _, err := tx2.ExecContext(ctx, `SET LOCAL idle_in_transaction_session_timeout = '30s'`); err != nil {
		t.Fatal(err)
	}
	// Held by tx2, the lock makes another statement fail after 200ms.
	start := time.Now()
	_, err = st.DB().ExecContext(ctx, `UPDATE log_head SET size = size WHERE id = 1`)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("a statement waiting for a held lock: %v after %s", err, time.Since(start))
	}
	if err := store.Classify(err); writ.ErrorCode(err) != writ.EUNAVAILABLE || !strings.Contains(writ.ErrorMessage(err), "busy") {
		t.Fatalf("a lock timeout is classified as %v", err)
	}
	tx2.Rollback()
}
