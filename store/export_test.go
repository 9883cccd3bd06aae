package store

import "context"

// ExecRaw runs SQL directly on a store's database, as someone with the
// database's password could: tests use it to tamper with the records.
func ExecRaw(s *Store, query string, args ...any) error {
	_, err := s.write.ExecContext(context.Background(), query, args...)
	return err
}

// QueryRaw reads one value directly from a store's database.
func QueryRaw(s *Store, query string, dest any, args ...any) error {
	return s.write.QueryRowContext(context.Background(), query, args...).Scan(dest)
}
