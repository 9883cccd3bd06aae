package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"writ"
)

// Jobs are the jobs writ runs by itself (notices, letters, reminders),
// which a change of a demand sets in motion in the change's own
// transaction, so that a job exists exactly when its change was committed.
// notify implements them on River, whose tables live in the store's
// database. Every method works in tx; a job armed again for the same
// business is left alone, so it runs once however often the change is
// made.
type Jobs interface {
	// Notice arms the job that sends a demand's notice on channel (email
	// or webhook) at at, or with at nil cancels it if it has not run.
	Notice(ctx context.Context, tx *sql.Tx, demandID int64, channel string, at *time.Time) error
	// RetryNotice arms the notice's job on channel anew at at, with fresh
	// tries, unless it completed; running says it is being tried this
	// moment.
	RetryNotice(ctx context.Context, tx *sql.Tx, demandID int64, channel string, at time.Time) (armed, running bool, err error)
	// RedirectLetter enqueues the letter that tells the agency its demand
	// was redirected; EmergencyAlert the announcement of an emergency.
	RedirectLetter(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time) error
	EmergencyAlert(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time) error
	// MessagePosted enqueues the e-mail that tells the other side of a
	// thread that side posted a message (its id) on it: a pointer to the
	// demand's page, never the message.
	MessagePosted(ctx context.Context, tx *sql.Tx, demandID, messageID int64, thread, side string, at time.Time) error
	// AuthorityNotice arms the job that sends the notification (its id)
	// of an authority, or with at nil cancels it if it has not run.
	AuthorityNotice(ctx context.Context, tx *sql.Tx, demandID, notification int64, code, country string, at *time.Time) error
	// Deadlines keeps the reminders and escalations of a demand's
	// deadlines: those given are armed, the others that have not run are
	// cancelled.
	Deadlines(ctx context.Context, tx *sql.Tx, demandID int64, reminders []writ.Reminder) error
	// NewDemand arms, in one insert, the jobs of a demand just taken in:
	// its notice's on each of channels, due at noticeAt, and the
	// reminders and escalations of its deadlines.
	NewDemand(ctx context.Context, tx *sql.Tx, demandID int64, channels []string, noticeAt time.Time, reminders []writ.Reminder) error
	// DemandJobs lists a demand's jobs, oldest first.
	DemandJobs(ctx context.Context, tx *sql.Tx, demandID int64) ([]writ.Job, error)
	// CarryOver moves a job of writ's own former queue into the new one,
	// keeping its id (migration 0013).
	CarryOver(ctx context.Context, tx *sql.Tx, old writ.Job, demandID int64, payload json.RawMessage, updatedAt time.Time) error
}

// DemandJobs lists the jobs of a demand, oldest first. The legal team and
// auditors only.
func (s *Store) DemandJobs(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.Job, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read a demand's jobs")
	}
	t, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, unavailable(err)
	}
	defer t.Rollback()
	return s.jobs.DemandJobs(ctx, t, demandID)
}

// carryOverJobs moves every job of writ's own former queue into River's,
// in the transaction of migration 0013, which then drops the old table:
// the jobs that waited or were running run as they would have, the
// finished ones stay on record. River's ids continue after the old ones,
// so that no Message-ID ever names two jobs.
func (s *Store) carryOverJobs(ctx context.Context, tx *sql.Tx) error {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM jobs`).Scan(&last); err != nil {
		return fmt.Errorf("store: carry over jobs: %w", err)
	}
	if !last.Valid {
		return nil
	}
	moveIDs := `UPDATE sqlite_sequence SET seq = max(seq, $1) WHERE name = 'river_job'`
	if s.postgres {
		moveIDs = `SELECT setval('river_job_id_seq', GREATEST($1, (SELECT last_value FROM river_job_id_seq)))`
	}
	res, err := tx.ExecContext(ctx, moveIDs, last.Int64)
	if err != nil {
		return fmt.Errorf("store: carry over jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 && !s.postgres {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES ('river_job', $1)`, last.Int64); err != nil {
			return fmt.Errorf("store: carry over jobs: %w", err)
		}
	}
	type oldJob struct {
		job       writ.Job
		demandID  int64
		payload   string
		updatedAt time.Time
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, subject, demand_id, payload, state, run_at, attempts, max_attempts, last_error, completed_at, updated_at
		FROM jobs ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: carry over jobs: %w", err)
	}
	var old []oldJob
	for rows.Next() {
		var o oldJob
		var demand sql.NullInt64
		var completed sql.NullTime
		j := &o.job
		if err := rows.Scan(&j.ID, &j.Kind, &j.Subject, &demand, &o.payload, &j.State, &j.RunAt, &j.Attempts, &j.MaxAttempts, &j.LastError,
			&completed, &o.updatedAt); err != nil {
			rows.Close()
			return fmt.Errorf("store: carry over jobs: %w", err)
		}
		o.demandID, j.CompletedAt = demand.Int64, timePtr(completed)
		old = append(old, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: carry over jobs: %w", err)
	}
	for _, o := range old {
		if err := s.jobs.CarryOver(ctx, tx, o.job, o.demandID, json.RawMessage(o.payload), o.updatedAt); err != nil {
			return err
		}
	}
	return nil
}
