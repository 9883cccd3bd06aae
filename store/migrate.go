package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies the migrations not yet recorded in schema_migrations, in
// order, each in its own transaction. Migrations are forward-only. On
// PostgreSQL an advisory lock keeps two starting servers from applying the
// same migration twice. Then every open demand that an older rulebook
// version assessed is assessed again under the one in use (reassessStale),
// each an event in the log.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	if applied, err = s.applyMigrations(ctx); err != nil {
		return applied, err
	}
	if err := s.backfillLog(ctx); err != nil {
		return applied, err
	}
	if _, err := s.ResealSecrets(ctx); err != nil {
		return applied, err
	}
	return applied, s.reassessStale(ctx)
}

// applyMigrations applies the migrations the database lacks, holding one
// connection (and on PostgreSQL the migration lock) until it is done.
func (s *Store) applyMigrations(ctx context.Context) (applied []string, err error) {
	dir := "migrations/sqlite"
	if s.postgres {
		dir = "migrations/postgres"
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	defer conn.Close()
	if s.postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7412051)`); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7412051)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	for _, name := range names {
		base := path.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with its number", base)
		}
		var n int
		if err := conn.QueryRowContext(ctx, s.q(`SELECT count(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := applyMigration(ctx, conn, s, version, base, string(body)); err != nil {
			return applied, err
		}
		applied = append(applied, base)
	}
	return applied, nil
}

// foreignKeysOff, as a migration's first line, runs it on SQLite with
// foreign keys off: the procedure SQLite prescribes for rebuilding a table
// that others reference (a CHECK constraint cannot change in place). Every
// foreign key is checked before the migration commits.
const foreignKeysOff = "-- writ: foreign keys off\n"

func applyMigration(ctx context.Context, conn *sql.Conn, s *Store, version int, name, body string) (err error) {
	keysOff := !s.postgres && strings.HasPrefix(body, foreignKeysOff)
	if keysOff {
		// The pragma has no effect inside a transaction.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		defer func() {
			if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
				err = fmt.Errorf("store: migration %s: %w", name, onErr)
			}
		}()
	}
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	if keysOff {
		if err := checkForeignKeys(ctx, t); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	if _, err := t.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name) VALUES (?, ?)`), version, name); err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	return nil
}

// checkForeignKeys fails when any row refers to a row that is not there.
func checkForeignKeys(ctx context.Context, t *sql.Tx) error {
	rows, err := t.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("row %d of %s refers to a missing row of %s", rowid.Int64, table, parent)
	}
	return rows.Err()
}
