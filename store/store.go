// Package store keeps writ's records in SQLite (the default, one file on
// disk) or PostgreSQL (for several servers). Both share this Go code; the
// SQL that differs lives in per-database migrations and in the few
// dialect methods below. Every method that reads demands takes the caller's
// writ.Actor and confines its query to what that actor may see, so a
// forgotten check in a handler cannot leak another agency's or tenant's data.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"writ/rules"
)

// Options configure a Store.
type Options struct {
	// Rules is the rulebook in use: its version is recorded with every
	// assessment, and its registries (countries, categories, data
	// protection authorities) check input; required.
	Rules *rules.Rulebook
	// Assessor assesses demands (casework.NewAssessor(Rules)); required.
	Assessor Assessor
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ReminderLead is how long before a deadline falls due its reminder
	// goes to the assignee; 48 hours when zero.
	ReminderLead time.Duration
	// Jobs are where the jobs a change sets in motion are enqueued, in
	// its transaction (notify.Queue); required.
	Jobs Jobs
	// DocumentKeys seal legal documents and secrets at rest (package
	// sealing's Keys); required to store or read documents.
	DocumentKeys Sealer
	// DemandQuota is how many bytes of documents a demand may hold
	// (DefaultDemandQuota when zero); AgencyQuota how many an agency's
	// users may upload in AgencyQuotaWindow (DefaultAgencyQuota when zero).
	DemandQuota, AgencyQuota int64
	// EmergencyResponse is how soon after receipt an emergency is to be
	// answered; 4 hours when zero.
	EmergencyResponse time.Duration
	// IdempotencyTTL is how long an Idempotency-Key is remembered
	// (DefaultIdempotencyTTL when zero); PruneIdempotencyKeys forgets
	// older ones.
	IdempotencyTTL time.Duration
	// Timeouts bound each PostgreSQL connection (DefaultTimeouts when
	// nil); SQLite has none of them.
	Timeouts *Timeouts
	// Provider is the provider's name as a certificate of authenticity
	// gives it ("The provider" when empty).
	Provider string
}

// Store is writ's database. It is safe for concurrent use, and several
// processes may share one PostgreSQL database.
type Store struct {
	write    *sql.DB // SQLite: the one writer connection; PostgreSQL: the pool
	read     *sql.DB // SQLite: a pool of read-only connections; PostgreSQL: the pool
	postgres bool
	rules    *rules.Rulebook
	assessor Assessor
	now      func() time.Time
	// reminderLead configures the reminders; jobs takes the jobs writ
	// runs by itself.
	reminderLead time.Duration
	jobs         Jobs
	// documentKeys seal documents and secrets at rest.
	documentKeys Sealer
	// emergencyResponse is how soon an emergency is to be answered.
	emergencyResponse time.Duration
	// sqlitePath is the database file, for backups; "" on PostgreSQL.
	sqlitePath string
	// idempotencyTTL is how long an Idempotency-Key is remembered.
	idempotencyTTL time.Duration
	// demandQuota and agencyQuota bound uploads (see Options).
	demandQuota, agencyQuota int64
	// seq appends committed events to the audit log (sequencer.go).
	seq sequencer
	// provider names the provider on certificates of authenticity.
	provider string
	// readings keeps the legal team's banner and home for a moment
	// (readings.go).
	readings readings
}

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL, or else the path of a SQLite file (created, with its
// folder, if missing). It does not apply migrations; call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Rules == nil {
		return nil, errors.New("store: no rulebook")
	}
	if opts.Jobs == nil {
		return nil, errors.New("store: no job queue")
	}
	if opts.Assessor == nil {
		return nil, errors.New("store: no assessor")
	}
	s := &Store{rules: opts.Rules, assessor: opts.Assessor, now: opts.Now, reminderLead: opts.ReminderLead, jobs: opts.Jobs, documentKeys: opts.DocumentKeys,
		emergencyResponse: opts.EmergencyResponse, provider: cmp.Or(opts.Provider, "The provider")}
	if s.reminderLead <= 0 {
		s.reminderLead = 48 * time.Hour
	}
	if s.emergencyResponse <= 0 {
		s.emergencyResponse = defaultEmergencyResponse
	}
	s.idempotencyTTL = cmp.Or(opts.IdempotencyTTL, DefaultIdempotencyTTL)
	s.demandQuota, s.agencyQuota = cmp.Or(opts.DemandQuota, DefaultDemandQuota), cmp.Or(opts.AgencyQuota, DefaultAgencyQuota)
	if s.now == nil {
		s.now = time.Now
	}
	if PostgresDSN(dsn) {
		t := DefaultTimeouts
		if opts.Timeouts != nil {
			t = *opts.Timeouts
		}
		db, err := openPostgres(dsn, t)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.write, s.read, s.postgres = db, db, true
	} else {
		s.sqlitePath = dsn
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if err := ownerOnly(dsn); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// busy_timeout comes first so that every later pragma waits for a
		// lock instead of failing. synchronous(FULL) makes a commit durable
		// before writ answers: an acknowledged demand survives power loss.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
		w, err := sql.Open("sqlite", "file:"+dsn+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		r, err := sql.Open("sqlite", "file:"+dsn+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		r.SetMaxOpenConns(4)
		s.write, s.read = w, r
	}
	if err := s.write.PingContext(ctx); err != nil {
		s.Close()
		return nil, unavailable(err)
	}
	return s, nil
}

// PostgresDSN reports whether Open takes dsn for a PostgreSQL database.
func PostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// ownerOnly makes the SQLite database at path readable and writable by its
// owner only, whatever folder it is in and whatever the umask: it creates
// the file empty with mode 0600 when missing (SQLite then gives its -wal
// and -shm files the same mode) and narrows the mode of a database, and of
// its -wal and -shm, made before.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// DB is the database the store writes through (on SQLite its one writer
// connection). River works writ's jobs through it: its tables live in the
// same database, so that a job is enqueued and completed in the
// transaction of the records it belongs to.
func (s *Store) DB() *sql.DB { return s.write }

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// Rules returns the rulebook the store assesses demands with.
func (s *Store) Rules() *rules.Rulebook { return s.rules }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// forUpdate is the clause that locks a row read in a transaction. SQLite
// needs none: its write transactions are serialised whole.
func (s *Store) forUpdate() string {
	if s.postgres {
		return " FOR UPDATE"
	}
	return ""
}

// tx runs fn in a write transaction, committing when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(err)
	}
	if err := fn(t); err != nil {
		t.Rollback()
		s.committed(ctx, t, false)
		return err
	}
	if err := t.Commit(); err != nil {
		s.committed(ctx, t, false)
		return fmt.Errorf("store: commit: %w", err)
	}
	s.readings.changed()
	s.committed(ctx, t, true)
	return nil
}

// nowUTC is the store's clock in UTC, to the microsecond both databases keep.
func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Now is the store's clock (Options.Now) in UTC, to the microsecond both
// databases keep: services that keep their records here (identity) tell
// time by it, so that their records and the log's events agree.
func (s *Store) Now() time.Time { return s.nowUTC() }
