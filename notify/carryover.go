package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river/rivertype"

	"writ"
)

// CarryOver moves one job of writ's own queue (before River ran its jobs)
// into River, in the transaction of the migration that drops the old
// queue: a job that waited, or was running when its server stopped, is
// due again as it was, with the tries it used; a finished one is kept as
// the record it was. It keeps its id, so that its letters keep their
// Message-ID (the caller has moved River's ids past the old ones).
func (q *Queue) CarryOver(ctx context.Context, tx *sql.Tx, old writ.Job, demandID int64, payload json.RawMessage, updatedAt time.Time) error {
	var a jobArgs
	if err := json.Unmarshal(payload, &a); err != nil {
		return fmt.Errorf("notify: job %d payload: %w", old.ID, err)
	}
	a.Subject, a.DemandID = old.Subject, demandID
	var state rivertype.JobState
	var finalized *time.Time
	at := old.RunAt
	switch old.State {
	case "available":
	case "running":
		// Its server stopped while it ran: due again now, as once its lease
		// had run out.
		at = q.now()
	case "completed":
		state, finalized = rivertype.JobStateCompleted, old.CompletedAt
	case "cancelled":
		state, finalized = rivertype.JobStateCancelled, &updatedAt
	case "failed":
		state, finalized = rivertype.JobStateDiscarded, &updatedAt
	default:
		return fmt.Errorf("notify: job %d: %w %q", old.ID, errUnknownState, old.State)
	}
	o := order{old.Kind, a, at}
	inserted, err := q.insert(ctx, tx, []order{o})
	if err != nil {
		return err
	}
	res := inserted[o.key()]
	if res == nil || res.UniqueSkippedAsDuplicate {
		return fmt.Errorf("notify: job %d: another job of %s %s is there already", old.ID, old.Kind, old.Subject)
	}
	var lastError string
	if old.LastError != "" {
		b, err := json.Marshal(rivertype.AttemptError{At: updatedAt.UTC(), Attempt: old.Attempts, Error: old.LastError})
		if err != nil {
			return err
		}
		lastError = string(b)
	}
	query := carryOverSQLite
	var stamp func(*time.Time) any = sqliteTime
	if q.postgres {
		query, stamp = carryOverPostgres, func(t *time.Time) any {
			if t == nil {
				return nil
			}
			return t.UTC()
		}
	}
	var st any
	if state != "" {
		st = string(state)
	}
	if _, err := tx.ExecContext(ctx, query, old.ID, old.Attempts, attempts(old.MaxAttempts), st, stamp(finalized), lastError, res.Job.ID); err != nil {
		return fmt.Errorf("notify: carry over job %d: %w", old.ID, err)
	}
	return nil
}

// errUnknownState is a job of writ's own queue in a state it never had.
var errUnknownState = errors.New("unknown state")

// The statements that give a carried-over job its id, tries, outcome and
// last error. River keeps a job's errors as a jsonb[] on PostgreSQL and a
// JSON array on SQLite, and SQLite's times as text in one exact format.
const (
	carryOverPostgres = `UPDATE river_job SET id = $1, attempt = $2, max_attempts = $3,
		state = COALESCE($4::text, state::text)::river_job_state, finalized_at = $5,
		errors = CASE WHEN $6::text = '' THEN NULL ELSE ARRAY[$6::jsonb] END
		WHERE id = $7`
	carryOverSQLite = `UPDATE river_job SET id = $1, attempt = $2, max_attempts = $3,
		state = COALESCE($4, state), finalized_at = $5,
		errors = CASE WHEN $6 = '' THEN NULL ELSE jsonb('[' || $6 || ']') END
		WHERE id = $7`
)

func sqliteTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
}
