package store

import (
	"context"
	"database/sql"

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
		rules.DeadlineValidation, rules.DeadlinePreserveUntil, rules.DeadlineNotice, writ.DeadlineEmergencyResponse:
		return true
	}
	return false
}

// scheduleDeadlineJobs keeps a reminder (the configured lead before each
// deadline falls due) and an escalation (when an obligation falls due) for
// every deadline of the assessment, and cancels those of deadlines the
// demand no longer has or of a closed demand. A deadline whose date moves
// is another deadline: its reminder is sent again for the new date.
func (s *Store) scheduleDeadlineJobs(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment) error {
	return s.jobs.Deadlines(ctx, tx, d.ID, s.reminders(d, a))
}

// reminders are the reminders and escalations a demand with assessment a
// keeps: none once it is closed.
func (s *Store) reminders(d *writ.Demand, a rules.Assessment) []writ.Reminder {
	now := s.nowUTC()
	var keep []writ.Reminder
	if d.State == writ.StateClosed {
		return keep
	}
	for _, dl := range s.demandDeadlines(d, a) {
		due := dl.Due.UTC()
		// An emergency is announced at once instead (notify's emergency
		// alert).
		if due.After(now) && dl.Code != writ.DeadlineEmergencyResponse {
			// A deadline closer than the lead is reminded of at once.
			remind := due.Add(-s.reminderLead)
			if remind.Before(now) {
				remind = now
			}
			keep = append(keep, writ.Reminder{Code: dl.Code, Due: due, At: remind})
		}
		if escalates(dl.Code) {
			keep = append(keep, writ.Reminder{Code: dl.Code, Due: due, At: due, Escalation: true})
		}
	}
	return keep
}
