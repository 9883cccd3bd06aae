package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
)

// The kinds of job writ runs by itself. Each is enqueued in the transaction
// of the change that causes it, unique per (kind, subject).
const (
	// JobNoticeEmail and JobNoticeWebhook send the notice letter to the
	// customer, one job per channel.
	JobNoticeEmail   = "notice.email"
	JobNoticeWebhook = "notice.webhook"
	// JobRedirectLetter sends the redirect letter to the agency once the
	// legal team has redirected the demand.
	JobRedirectLetter = "redirect.letter"
	// JobAuthorityNotice notifies an authority the assessment names.
	JobAuthorityNotice = "authority.notice"
	// JobDeadlineReminder reminds the assignee of a deadline before it
	// falls due; JobDeadlineEscalation tells the approvers and admins of
	// one that passed undone.
	JobDeadlineReminder   = "deadline.reminder"
	JobDeadlineEscalation = "deadline.escalation"
	// JobEmergencyAlert announces an emergency to the on-call address (or
	// the legal team) the moment it arrives.
	JobEmergencyAlert = "emergency.alert"
)

// JobKinds lists every kind of job.
func JobKinds() []string {
	return []string{JobNoticeEmail, JobNoticeWebhook, JobRedirectLetter, JobAuthorityNotice, JobDeadlineReminder, JobDeadlineEscalation, JobEmergencyAlert}
}

// Job is a claimed job: a worker holds it until LockedUntil and must
// complete, fail or release it by then, or another worker takes it over.
type Job struct {
	ID          int64
	Kind        string
	Subject     string
	DemandID    int64
	Payload     json.RawMessage
	Attempt     int // this attempt, from 1
	MaxAttempts int
	RunAt       time.Time
	Worker      string
	LockedUntil time.Time
}

// jobPayload is what every job carries: the moment it became due, which
// also dates its letter, so that every attempt and channel sends the same
// letter; and for deadline jobs the deadline.
type jobPayload struct {
	Due          time.Time `json:"due"`
	Code         string    `json:"code,omitempty"`
	DeadlineDue  time.Time `json:"deadline_due,omitzero"`
	Notification int64     `json:"notification,omitempty"`
}

func (j Job) payload() (jobPayload, error) {
	var p jobPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return p, fmt.Errorf("store: job %d payload: %w", j.ID, err)
	}
	return p, nil
}

// Due is when the job's business fell due (the notice's day, the deadline's
// reminder time); it dates the letters the job sends.
func (j Job) Due() time.Time {
	p, _ := j.payload()
	return p.Due
}

// maxAttempts is how often a job is tried before it fails for good.
func (s *Store) maxAttempts() int {
	if s.jobAttempts > 0 {
		return s.jobAttempts
	}
	return 8
}

// enqueue adds a job in tx, or re-arms the one with the same kind and
// subject if it has not run yet (or was cancelled): a job that is running,
// completed or failed for good is left alone, so a notice is sent once
// however often the change that causes it is made.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, kind, subject string, demandID int64, p jobPayload, runAt time.Time) error {
	_, err := s.armJob(ctx, tx, kind, subject, demandID, p, runAt, false)
	return err
}

// armJob adds a job in tx, or arms the one with the same kind and subject
// anew with fresh tries when it has not run yet, was cancelled, or (with
// failed) failed for good; it reports whether it did.
func (s *Store) armJob(ctx context.Context, tx *sql.Tx, kind, subject string, demandID int64, p jobPayload, runAt time.Time, failed bool) (bool, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s: %w", kind, err)
	}
	states := `'available', 'cancelled'`
	if failed {
		states += `, 'failed'`
	}
	now := s.nowUTC()
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO jobs (kind, subject, demand_id, payload, state, run_at, max_attempts, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'available', ?, ?, ?, ?)
		ON CONFLICT (kind, subject) DO UPDATE SET payload = excluded.payload, run_at = excluded.run_at, state = 'available',
			attempts = 0, last_error = '', updated_at = excluded.updated_at
		WHERE jobs.state IN (`+states+`)`),
		kind, subject, nullIfZero(demandID), string(body), runAt.UTC(), s.maxAttempts(), now, now)
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// cancelJob cancels a job that has not run yet.
func (s *Store) cancelJob(ctx context.Context, tx *sql.Tx, kind, subject string) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE kind = ? AND subject = ? AND state = 'available'`),
		s.nowUTC(), kind, subject)
	if err != nil {
		return fmt.Errorf("store: cancel %s: %w", kind, err)
	}
	return nil
}

// skipLocked is the clause that lets several servers claim jobs at once on
// PostgreSQL without waiting on each other's rows. SQLite's one writer
// serialises claims whole.
func (s *Store) skipLocked() string {
	if s.postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ClaimJobs claims up to n due jobs of the given kinds for worker, holding
// each for lease. A job whose holder's lease ran out (the server died) is
// due again: that is how a crash between sending and recording leads to a
// second send rather than none.
func (s *Store) ClaimJobs(ctx context.Context, worker string, kinds []string, n int, lease time.Duration) ([]Job, error) {
	if len(kinds) == 0 || n <= 0 {
		return nil, nil
	}
	now := s.nowUTC()
	// A cheap read first, so that idle servers do not take SQLite's one
	// writer every time they poll.
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	args := []any{}
	for _, k := range kinds {
		args = append(args, k)
	}
	due := `kind IN (` + marks + `) AND ((state = 'available' AND run_at <= ?) OR (state = 'running' AND locked_until < ?))`
	args = append(args, now, now)
	var one int
	err := s.read.QueryRowContext(ctx, s.q(`SELECT 1 FROM jobs WHERE `+due+` LIMIT 1`), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailableOr(err, "store: jobs")
	}
	var jobs []Job
	until := now.Add(lease)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		jobs = nil
		rows, err := tx.QueryContext(ctx, s.q(`UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ?
			WHERE id IN (SELECT id FROM jobs WHERE `+due+` ORDER BY run_at, id LIMIT ?`+s.skipLocked()+`)
			RETURNING id, kind, subject, demand_id, payload, attempts, max_attempts, run_at`),
			append(append([]any{worker, until, now}, args...), n)...)
		if err != nil {
			return fmt.Errorf("store: claim jobs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var j Job
			var demand sql.NullInt64
			var payload string
			if err := rows.Scan(&j.ID, &j.Kind, &j.Subject, &demand, &payload, &j.Attempt, &j.MaxAttempts, &j.RunAt); err != nil {
				return fmt.Errorf("store: claim jobs: %w", err)
			}
			j.DemandID, j.Payload, j.RunAt = demand.Int64, json.RawMessage(payload), j.RunAt.UTC()
			j.Worker, j.LockedUntil = worker, until
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	return jobs, err
}

// errLeaseLost means another worker took the job over (this one held it
// past its lease); the other worker records the outcome.
var errLeaseLost = writ.Errorf(writ.ECONFLICT, "the job's lease ran out and another worker took it over")

// finishJob ends a claimed job in tx with the given state, if the worker
// still holds it.
func (s *Store) finishJob(ctx context.Context, tx *sql.Tx, j Job, state, lastError string) error {
	now := s.nowUTC()
	var completed any
	if state == "completed" {
		completed = now
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE jobs SET state = ?, last_error = ?, locked_by = '', locked_until = NULL, updated_at = ?, completed_at = ?
		WHERE id = ? AND state = 'running' AND locked_by = ?`), state, lastError, now, completed, j.ID, j.Worker)
	if err != nil {
		return fmt.Errorf("store: finish job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLeaseLost
	}
	return nil
}

// ReleaseJob gives a claimed job back without counting the attempt, due at
// runAt: the job was claimed before its business was due.
func (s *Store) ReleaseJob(ctx context.Context, j Job, runAt time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE jobs SET state = 'available', attempts = attempts - 1, run_at = ?, locked_by = '', locked_until = NULL, updated_at = ?
			WHERE id = ? AND state = 'running' AND locked_by = ?`), runAt.UTC(), s.nowUTC(), j.ID, j.Worker)
		if err != nil {
			return fmt.Errorf("store: release job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errLeaseLost
		}
		return nil
	})
}

// DropJob ends a claimed job whose business is no longer due (the order was
// extended while it waited, the deadline was met): nothing is sent.
func (s *Store) DropJob(ctx context.Context, j Job, why string) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.finishJob(ctx, tx, j, "cancelled", why) })
}

// JobRecord is a job as the legal team sees it.
type JobRecord struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Subject     string     `json:"subject"`
	State       string     `json:"state"`
	RunAt       time.Time  `json:"run_at"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error"`
	CompletedAt *time.Time `json:"completed_at"`
}

// DemandJobs lists the jobs of a demand, oldest first. The legal team and
// auditors only.
func (s *Store) DemandJobs(ctx context.Context, actor writ.Actor, demandID int64) ([]JobRecord, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read a demand's jobs")
	}
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id, kind, subject, state, run_at, attempts, max_attempts, last_error, completed_at
		FROM jobs WHERE demand_id = ? ORDER BY id`), demandID)
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	defer rows.Close()
	out := []JobRecord{}
	for rows.Next() {
		var r JobRecord
		var completed sql.NullTime
		if err := rows.Scan(&r.ID, &r.Kind, &r.Subject, &r.State, &r.RunAt, &r.Attempts, &r.MaxAttempts, &r.LastError, &completed); err != nil {
			return nil, fmt.Errorf("store: jobs: %w", err)
		}
		r.RunAt, r.CompletedAt = r.RunAt.UTC(), timePtr(completed)
		out = append(out, r)
	}
	return out, rows.Err()
}
