package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"writ"
	"writ/rules"
)

// defaultEmergencyResponse is the response target when none is set.
const defaultEmergencyResponse = 4 * time.Hour

// demandDeadlines are the deadlines a demand keeps: the assessment's, and
// for an emergency its response target.
func (s *Store) demandDeadlines(d *writ.Demand, a rules.Assessment) []rules.Deadline {
	out := slices.Clone(a.Deadlines)
	if d.Emergency != nil {
		out = append(out, rules.Deadline{Code: writ.DeadlineEmergencyResponse, Due: d.ReceivedAt.Add(s.emergencyResponse).UTC(),
			Message: fmt.Sprintf("An emergency is answered (the lawful data disclosed, or the request declined) within the provider's response target of %s from receipt.",
				s.emergencyResponse)})
	}
	return out
}

// deadlineFacts are what decide whether a demand still owes a deadline.
type deadlineFacts struct {
	state   writ.State
	outcome string
	// challenged is true once a challenge was filed.
	challenged bool
	// noticeSettled is true once a delayed notice was released by the
	// legal team or given.
	noticeSettled bool
}

// answered reports whether the demand has had its answer: a redirect, a
// rejection, no data, a challenge or a disclosure.
func (f deadlineFacts) answered() bool {
	switch f.state {
	case writ.StateRedirected, writ.StateRejected, writ.StateNoData, writ.StateChallenged, writ.StateDisclosed:
		return true
	}
	return false
}

// deadlineStatus is whether a deadline is still owed (open), met, moot
// (the demand ended without it), or a "not before" date — the end of a
// window, which is never due. A closed demand owes nothing: its answer
// deadlines were met (or are moot when the agency withdrew), the rest are
// moot; a delayed notice it still owes shows as the notice's own state.
func deadlineStatus(code string, f deadlineFacts) string {
	switch code {
	case rules.DeadlineEarliestDisclosure, rules.DeadlineEnforcingAuthorityWindow:
		return writ.DeadlineNotBefore
	case rules.DeadlineNotice:
		if f.noticeSettled {
			return writ.DeadlineMet
		}
		if f.state == writ.StateClosed {
			return writ.DeadlineMoot
		}
		return writ.DeadlineOpen
	}
	if f.state == writ.StateClosed {
		if answers(code) && f.outcome != writ.OutcomeWithdrawn {
			return writ.DeadlineMet
		}
		return writ.DeadlineMoot
	}
	switch code {
	case rules.DeadlineConflictObjection, rules.DeadlineComityMotion:
		switch {
		case f.challenged, f.state == writ.StateRedirected, f.state == writ.StateRejected, f.state == writ.StateNoData:
			return writ.DeadlineMet
		case f.state == writ.StateDisclosed:
			return writ.DeadlineMoot
		}
	case rules.DeadlineValidation:
		if f.state == writ.StateRedirected || f.state == writ.StateRejected || f.state == writ.StateNoData {
			return writ.DeadlineMoot
		}
	case rules.DeadlinePreserveUntil:
		// The data is kept until the demand is closed, whatever its answer.
	default:
		// RESPOND, the emergency's response target, and any deadline a
		// later rulebook adds (OBJECTION): owed until the demand is
		// answered.
		if f.answered() {
			return writ.DeadlineMet
		}
	}
	return writ.DeadlineOpen
}

// answers reports whether meeting a deadline means answering the demand.
func answers(code string) bool {
	switch code {
	case rules.DeadlineConflictObjection, rules.DeadlineComityMotion, rules.DeadlineValidation, rules.DeadlinePreserveUntil:
		return false
	}
	return true
}

// nextDeadline is the soonest open deadline of a demand with its code,
// and whether its emergency's response is still owed.
func nextDeadline(dls []rules.Deadline, status []string) (next *time.Time, code string, urgent bool) {
	for i, dl := range dls {
		if status[i] != writ.DeadlineOpen {
			continue
		}
		due := dl.Due.UTC()
		if next == nil || due.Before(*next) || due.Equal(*next) && dl.Code < code {
			next, code = &due, dl.Code
		}
		urgent = urgent || dl.Code == writ.DeadlineEmergencyResponse
	}
	return next, code, urgent
}

// refreshDeadlines brings the status of a demand's deadlines, its next
// deadline and whether it is an urgent emergency up to date with the
// demand as it stands in tx. Every change to a demand, its notice or its
// challenges calls it in the same transaction.
func (s *Store) refreshDeadlines(ctx context.Context, tx *sql.Tx, d *writ.Demand) error {
	var f deadlineFacts
	var state string
	var outcome sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT state, outcome FROM demands WHERE id = $1`, d.ID).Scan(&state, &outcome); err != nil {
		return fmt.Errorf("store: deadlines: %w", err)
	}
	f.state, f.outcome = writ.State(state), outcome.String
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM challenges WHERE demand_id = $1`, d.ID).Scan(&n); err != nil {
		return fmt.Errorf("store: deadlines: %w", err)
	}
	f.challenged = n > 0
	err := tx.QueryRowContext(ctx, `SELECT given_at IS NOT NULL OR released_until <> '' FROM notices WHERE demand_id = $1`, d.ID).Scan(&f.noticeSettled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: deadlines: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT code, due, status FROM deadlines WHERE demand_id = $1 ORDER BY due, code`, d.ID)
	if err != nil {
		return fmt.Errorf("store: deadlines: %w", err)
	}
	var dls []rules.Deadline
	var was, status []string
	for rows.Next() {
		var dl rules.Deadline
		var st string
		if err := rows.Scan(&dl.Code, &dl.Due, &st); err != nil {
			rows.Close()
			return fmt.Errorf("store: deadlines: %w", err)
		}
		dls, was, status = append(dls, dl), append(was, st), append(status, deadlineStatus(dl.Code, f))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: deadlines: %w", err)
	}
	for i, dl := range dls {
		if status[i] != was[i] {
			if _, err := tx.ExecContext(ctx, `UPDATE deadlines SET status = $1 WHERE demand_id = $2 AND code = $3`, status[i], d.ID, dl.Code); err != nil {
				return fmt.Errorf("store: deadlines: %w", err)
			}
		}
	}
	next, code, urgent := nextDeadline(dls, status)
	d.NextDeadline, d.NextDeadlineCode = next, code
	if _, err := tx.ExecContext(ctx, `UPDATE demands SET next_deadline = $1, next_deadline_code = $2, urgent = $3 WHERE id = $4`,
		nullTime(next), code, urgent, d.ID); err != nil {
		return fmt.Errorf("store: deadlines: %w", err)
	}
	return nil
}

// Deadlines lists the deadlines due in [from, to) that are owed (open) or
// mark the end of a window ("not before" dates), soonest first, for the
// legal team's calendar: the legal team and auditors only (EFORBIDDEN for
// others). Met and moot deadlines are left out. At most 2000 are listed.
func (s *Store) Deadlines(ctx context.Context, actor writ.Actor, from, to time.Time) ([]writ.DeadlineEntry, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors see the deadline calendar")
	}
	return s.deadlineEntries(ctx, `dl.status IN ('open', 'not_before') AND dl.due >= $1 AND dl.due < $2 ORDER BY dl.due, d.id, dl.code LIMIT 2000`,
		from.UTC(), to.UTC())
}

// DemandDeadlines lists every deadline of a demand with its status,
// soonest first. The legal team and auditors only; ENOTFOUND for a demand
// the actor may not see.
func (s *Store) DemandDeadlines(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.DeadlineEntry, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors read a demand's deadlines")
	}
	return s.deadlineEntries(ctx, `d.id = $1 ORDER BY dl.due, dl.code`, demandID)
}

func (s *Store) deadlineEntries(ctx context.Context, where string, args ...any) ([]writ.DeadlineEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT d.id, d.reference, d.state, dl.code, dl.due, dl.status FROM deadlines dl
		JOIN demands d ON d.id = dl.demand_id WHERE `+where, args...)
	if err != nil {
		return nil, unavailableOr(err, "store: deadlines")
	}
	defer rows.Close()
	out := []writ.DeadlineEntry{}
	for rows.Next() {
		var e writ.DeadlineEntry
		var state string
		if err := rows.Scan(&e.DemandID, &e.Reference, &state, &e.Code, &e.Due, &e.Status); err != nil {
			return nil, fmt.Errorf("store: deadlines: %w", err)
		}
		e.State, e.Due = writ.State(state), e.Due.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
