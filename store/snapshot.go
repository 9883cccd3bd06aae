package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
)

// snapshot runs fn in a read-only transaction that sees one state of the
// database throughout.
func (s *Store) snapshot(ctx context.Context, fn func(*sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return unavailable(err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// alongside runs read on a second connection in the snapshot of tx
// (exported to it), at the same time as what the caller goes on to read on
// tx, and returns a function that waits for it and says whether it failed.
// That is on PostgreSQL; SQLite cannot share a snapshot between
// connections, so there read runs on tx before alongside returns.
func (s *Store) alongside(ctx context.Context, tx *sql.Tx, read func(querier) error) (wait func() error) {
	if !s.postgres {
		err := read(tx)
		return func() error { return err }
	}
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return func() error { return unavailableOr(err, "store: report snapshot") }
	}
	if !snapshotID.MatchString(snapshot) {
		err := fmt.Errorf("store: report: PostgreSQL exported a snapshot named %q, not of the form expected", snapshot)
		return func() error { return err }
	}
	done := make(chan error, 1)
	go func() {
		other, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		if err != nil {
			done <- unavailable(err)
			return
		}
		defer other.Rollback()
		if _, err := other.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
			done <- unavailableOr(err, "store: report snapshot")
			return
		}
		done <- read(other)
	}()
	return func() error { return <-done }
}

// snapshotID is the form of PostgreSQL's snapshot identifiers, which are
// written into SET TRANSACTION SNAPSHOT (it takes no parameters).
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$`)
