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
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"writ"
	"writ/rules"
)

// Options configure a Store.
type Options struct {
	// Rules assesses demands; required.
	Rules *rules.Rulebook
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
}

// Store is writ's database. It is safe for concurrent use, and several
// processes may share one PostgreSQL database.
type Store struct {
	write    *sql.DB // SQLite: the one writer connection; PostgreSQL: the pool
	read     *sql.DB // SQLite: a pool of read-only connections; PostgreSQL: the pool
	postgres bool
	rules    *rules.Rulebook
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
	s := &Store{rules: opts.Rules, now: opts.Now, reminderLead: opts.ReminderLead, jobs: opts.Jobs, documentKeys: opts.DocumentKeys,
		emergencyResponse: opts.EmergencyResponse}
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

// q rewrites a query written with ? placeholders for the database in use.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
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
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// nowUTC is the store's clock in UTC, to the microsecond both databases keep.
func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Now is the store's clock (Options.Now) in UTC, to the microsecond both
// databases keep: services that keep their records here (identity) tell
// time by it, so that their records and the log's events agree.
func (s *Store) Now() time.Time { return s.nowUTC() }

// unavailable marks a failure to reach the database, which the API answers
// with 503 and a retry hint.
func unavailable(err error) error {
	return &writ.Error{Code: writ.EUNAVAILABLE, Message: "the database is unavailable; try again shortly: " + shortCause(err)}
}

// shortCause gives the class of a connection failure without addresses or
// credentials.
func shortCause(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	case strings.Contains(msg, "timeout"):
		return "timed out"
	}
	return "no connection"
}

// Classify gives a coded error for failures of the database that a caller
// should understand: a lost or refused connection becomes EUNAVAILABLE (the
// API answers 503 and the client retries; database/sql reconnects by
// itself once the database is back) and a full disk ESTORAGE. Other errors
// are returned as they are.
func Classify(err error) error {
	if err == nil || writ.ErrorCode(err) != writ.EINTERNAL {
		return err
	}
	var netErr *net.OpError
	msg := err.Error()
	switch {
	case strings.Contains(msg, "database or disk is full"), strings.Contains(msg, "SQLITE_FULL"),
		strings.Contains(msg, "No space left on device"), strings.Contains(msg, "SQLSTATE 53100"):
		return &writ.Error{Code: writ.ESTORAGE, Message: "the server's storage is full; nothing was written"}
	case strings.Contains(msg, "SQLSTATE 55P03"), strings.Contains(msg, "SQLSTATE 57014"), strings.Contains(msg, "SQLSTATE 25P03"):
		// lock_timeout, statement_timeout, idle_in_transaction_session_timeout
		// (Timeouts): the transaction was rolled back.
		return &writ.Error{Code: writ.EUNAVAILABLE, Message: "the database is busy: a lock or a statement took longer than allowed; nothing was written; try again shortly"}
	case errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(msg, "failed to connect"), strings.Contains(msg, "connection refused"),
		strings.Contains(msg, "conn closed"), strings.Contains(msg, "broken pipe"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "SQLSTATE 57P01"), strings.Contains(msg, "SQLSTATE 57P03"), strings.Contains(msg, "the database system is"):
		return unavailable(err)
	}
	return err
}

// unavailableOr classifies a query error: a lost connection becomes
// EUNAVAILABLE, anything else an internal error with context.
func unavailableOr(err error, context string) error {
	if errors.Is(err, driver.ErrBadConn) || strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "failed to connect") || strings.Contains(err.Error(), "broken pipe") {
		return unavailable(err)
	}
	return fmt.Errorf("%s: %w", context, err)
}
