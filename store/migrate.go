package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies the migrations not yet recorded in schema_migrations, in
// order, each in its own transaction, and River's own for its job tables.
// Migrations are forward-only. On PostgreSQL an advisory lock keeps two
// starting servers from applying the same migration twice. Then every open demand that an older rulebook
// version assessed is assessed again under the one in use (reassessStale),
// each an event in the log.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	if applied, err = s.applyMigrations(ctx); err != nil {
		return applied, err
	}
	// Events committed before the log existed, or by a server that
	// stopped before appending them, are appended before anything is
	// served.
	if err := s.SequenceLog(ctx); err != nil {
		return applied, err
	}
	if _, err := s.ResealSecrets(ctx); err != nil {
		return applied, err
	}
	return applied, s.reassessStale(ctx)
}

// migrationFiles names writ's migrations for the database in use, in
// order.
func (s *Store) migrationFiles() ([]string, error) {
	dir := "migrations/sqlite"
	if s.postgres {
		dir = "migrations/postgres"
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	sort.Strings(names)
	return names, err
}

// carryOverVersion is the migration that moves writ's own queue into
// River's: River's schema is migrated just before it.
const carryOverVersion = 13

// applyMigrations applies the migrations the database lacks, and River's
// own (its job tables) before migration 0013, which needs them. On
// PostgreSQL the migration lock is held until it is done, so that several
// servers starting at once apply each migration once.
func (s *Store) applyMigrations(ctx context.Context) (applied []string, err error) {
	names, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	if s.postgres {
		lock, err := s.write.Conn(ctx)
		if err != nil {
			return nil, unavailable(err)
		}
		defer lock.Close()
		// Another server's migrations may take longer than lock_timeout:
		// this wait has none.
		if _, err := lock.ExecContext(ctx, `SET lock_timeout = 0; SET statement_timeout = 0`); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer lock.ExecContext(context.WithoutCancel(ctx), `RESET lock_timeout; RESET statement_timeout`)
		if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock(7412051)`); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer lock.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7412051)`)
	}
	var before, after []string
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with its number", path.Base(name))
		}
		if version < carryOverVersion {
			before = append(before, name)
		} else {
			after = append(after, name)
		}
	}
	if applied, err = s.applyOwn(ctx, before); err != nil {
		return applied, err
	}
	river, err := s.migrateRiver(ctx)
	applied = append(applied, river...)
	if err != nil {
		return applied, err
	}
	more, err := s.applyOwn(ctx, after)
	return append(applied, more...), err
}

// applyOwn applies those of writ's migrations named that the database
// lacks, in order, through one connection (on SQLite the one writer, which
// it gives back when done).
func (s *Store) applyOwn(ctx context.Context, names []string) (applied []string, err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	for _, name := range names {
		base := path.Base(name)
		version, _ := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
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

// migrateRiver applies River's own migrations (its job tables, in the same
// database) that the database lacks, each in its transaction, and names
// them "river NNN_name".
func (s *Store) migrateRiver(ctx context.Context) ([]string, error) {
	var d riverdriver.Driver[*sql.Tx] = riversqlite.New(s.write)
	if s.postgres {
		d = riverdatabasesql.New(s.write)
	}
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("store: river migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("store: river migrations: %w", err)
	}
	var applied []string
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river %03d_%s", v.Version, v.Name))
	}
	if !s.postgres {
		// notify finds a subject's jobs and a demand's by these keys of
		// their args (PostgreSQL has River's index of args). They are made
		// here, after River's migrations, which may rebuild its table.
		if _, err := s.write.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS river_job_writ_subject ON river_job (json_extract(args, '$.subject'));
			CREATE INDEX IF NOT EXISTS river_job_writ_demand ON river_job (json_extract(args, '$.demand'))`); err != nil {
			return applied, fmt.Errorf("store: river job indexes: %w", err)
		}
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
	if s.postgres {
		// A migration rewrites whole tables: it may run longer than any
		// request's statement.
		if _, err := t.ExecContext(ctx, `SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0`); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	if version == carryOverVersion {
		if err := s.carryOverJobs(ctx, t); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	if _, err := t.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("store: migration %s: %w", name, err)
	}
	if keysOff {
		if err := checkForeignKeys(ctx, t); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, name); err != nil {
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
