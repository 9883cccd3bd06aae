package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"writ"
)

// Backup writes a consistent copy of a SQLite database to path while writ
// keeps running: VACUUM INTO reads one snapshot of the database, so
// transactions committed during the copy are either wholly in it or not at
// all. PostgreSQL is backed up with its own tools (pg_dump; see README).
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.postgres {
		return writ.Errorf(writ.EINVALID, "back up PostgreSQL with pg_dump --format=custom; writ backup is for SQLite")
	}
	if _, err := os.Stat(path); err == nil {
		return writ.Errorf(writ.EINVALID, "%s exists: a backup never overwrites a file", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := path + ".partial"
	os.Remove(tmp)
	// VACUUM INTO writes into an empty file that exists, keeping its mode:
	// a backup holds every record and is its owner's alone.
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// A connection of its own: VACUUM INTO only reads the database, but
	// the read pool is query-only and the writer must stay free for writes.
	db, err := sql.Open("sqlite", "file:"+s.sqlitePath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", Classify(err))
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return os.Rename(tmp, path)
}

// Restore puts a backup in place of a SQLite database at dbPath, which no
// server may be using. It refuses to overwrite an existing database unless
// force is set, checks that the backup is a writ database first, and
// replaces the file in one rename, so an interrupted restore leaves the old
// database or the new one.
func Restore(ctx context.Context, backup, dbPath string, force bool) error {
	if strings.HasPrefix(dbPath, "postgres://") || strings.HasPrefix(dbPath, "postgresql://") {
		return writ.Errorf(writ.EINVALID, "restore PostgreSQL with pg_restore; writ restore is for SQLite")
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		return writ.Errorf(writ.EINVALID, "backup: %v", err)
	}
	if !strings.HasPrefix(string(data), "SQLite format 3\x00") {
		return writ.Errorf(writ.EINVALID, "%s is not a SQLite database", backup)
	}
	if _, err := os.Stat(dbPath); err == nil && !force {
		return writ.Errorf(writ.EINVALID, "%s exists; stop writ and give --force to replace it", dbPath)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return err
	}
	tmp := dbPath + ".restoring"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	// The old database's write-ahead log belongs to the old file.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	return os.Rename(tmp, dbPath)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
