package store

import (
	"context"
	"database/sql"

	"golang.org/x/mod/sumdb/tlog"

	"writ"
)

// ExecRaw runs SQL directly on a store's database, as someone with the
// database's password could: tests use it to tamper with the records.
func ExecRaw(s *Store, query string, args ...any) error {
	_, err := s.write.ExecContext(context.Background(), query, args...)
	return err
}

// QuickCheck runs SQLite's quick check of log entries [from, to) on a
// connection of the store's own.
func QuickCheck(s *Store, from, to int64) (hashes []tlog.Hash, ok bool, err error) {
	conn, err := s.read.Conn(context.Background())
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		quick, err := prepareQuick(context.Background(), dc)
		if err != nil {
			return err
		}
		defer quick.close()
		hashes, ok = quickCheck(context.Background(), quick, from, to)
		return nil
	})
	return hashes, ok, err
}

// QueryRaw reads one value directly from a store's database.
func QueryRaw(s *Store, query string, dest any, args ...any) error {
	return s.write.QueryRowContext(context.Background(), query, args...).Scan(dest)
}

// ReassessDemand assesses a stored demand again in a transaction of its
// own, as every change to it does, without changing it.
func ReassessDemand(s *Store, id int64) error {
	ctx := context.Background()
	return s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, writ.System(), id, s.forUpdate())
		if err != nil {
			return err
		}
		_, err = s.reassess(ctx, tx, &d)
		return err
	})
}

// LastRulebookEvent is the statement every server reads the latest
// rulebook event with as it starts.
const LastRulebookEvent = lastRulebookEvent
