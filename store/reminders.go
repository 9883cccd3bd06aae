package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"writ"
	"writ/rules"
)

// escalates reports whether a deadline is something the provider must do
// by its date, so that passing it undone is escalated. The others are
// windows (the earliest disclosure, the enforcing authority's window): they
// get a reminder, and nothing is missed when they end.
func escalates(code string) bool {
	switch code {
	case rules.DeadlineRespond, rules.DeadlineConflictObjection, rules.DeadlineComityMotion,
		rules.DeadlineValidation, rules.DeadlinePreserveUntil, rules.DeadlineNotice, DeadlineEmergencyResponse:
		return true
	}
	return false
}

// deadlineSubject names one deadline of one demand; a deadline whose date
// moves is a new subject, so its reminder is sent again for the new date.
func deadlineSubject(demandID int64, code string, due time.Time) string {
	return fmt.Sprintf("demand:%d:%s:%d", demandID, code, due.Unix())
}

// scheduleDeadlineJobs keeps a reminder (the configured lead before each
// deadline falls due) and an escalation (when an obligation falls due) for
// every deadline of the assessment, and cancels those of deadlines the
// demand no longer has or of a closed demand.
func (s *Store) scheduleDeadlineJobs(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment) error {
	now := s.nowUTC()
	keep := []any{}
	if d.State != writ.StateClosed {
		for _, dl := range s.demandDeadlines(d, a) {
			due := dl.Due.UTC()
			subject := deadlineSubject(d.ID, dl.Code, due)
			keep = append(keep, subject)
			// An emergency is announced at once instead (JobEmergencyAlert).
			if due.After(now) && dl.Code != DeadlineEmergencyResponse {
				// A deadline closer than the lead is reminded of at once.
				remind := due.Add(-s.reminderLead)
				if remind.Before(now) {
					remind = now
				}
				if err := s.enqueue(ctx, tx, JobDeadlineReminder, subject, d.ID, jobPayload{Due: remind, Code: dl.Code, DeadlineDue: due}, remind); err != nil {
					return err
				}
			}
			if escalates(dl.Code) {
				if err := s.enqueue(ctx, tx, JobDeadlineEscalation, subject, d.ID, jobPayload{Due: due, Code: dl.Code, DeadlineDue: due}, due); err != nil {
					return err
				}
			}
		}
	}
	query := `UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE demand_id = ? AND kind IN (?, ?) AND state = 'available'`
	args := []any{now, d.ID, JobDeadlineReminder, JobDeadlineEscalation}
	if len(keep) > 0 {
		query += ` AND subject NOT IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(keep)), ", ") + `)`
		args = append(args, keep...)
	}
	if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
		return fmt.Errorf("store: deadline jobs: %w", err)
	}
	return nil
}
