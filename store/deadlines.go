package store

import (
	"context"
	"fmt"
	"time"

	"writ"
)

// Deadlines lists the deadlines due in [from, to) of demands that are not
// closed, soonest first, for the legal team's calendar: the legal team and
// auditors only (EFORBIDDEN for others). At most 2000 are listed.
func (s *Store) Deadlines(ctx context.Context, actor writ.Actor, from, to time.Time) ([]writ.DeadlineEntry, error) {
	if !actor.Role.SeesAll() {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors see the deadline calendar")
	}
	where, args := demandScope(actor)
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT d.id, d.reference, d.state, dl.code, dl.due FROM deadlines dl JOIN demands d ON d.id = dl.demand_id
		WHERE `+where+` AND d.state <> 'closed' AND dl.due >= ? AND dl.due < ? ORDER BY dl.due, d.id, dl.code LIMIT 2000`),
		append(args, from.UTC(), to.UTC())...)
	if err != nil {
		return nil, unavailableOr(err, "store: deadlines")
	}
	defer rows.Close()
	out := []writ.DeadlineEntry{}
	for rows.Next() {
		var e writ.DeadlineEntry
		var state string
		if err := rows.Scan(&e.DemandID, &e.Reference, &state, &e.Code, &e.Due); err != nil {
			return nil, fmt.Errorf("store: deadlines: %w", err)
		}
		e.State, e.Due = writ.State(state), e.Due.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
