package store

import (
	"context"
	"fmt"

	"writ"
)

// Workload lists the active members of the legal team with how many open
// demands each holds, the least loaded first, for assigning demands. The
// legal team and auditors only (EFORBIDDEN).
func (s *Store) Workload(ctx context.Context, actor writ.Actor) ([]writ.Workload, error) {
	out := []writ.Workload{}
	if !actor.Role.SeesAll() {
		return out, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors see the team's workload")
	}
	rows, err := s.read.QueryContext(ctx, `SELECT u.id, u.name, u.role,
		(SELECT count(*) FROM demands d WHERE d.assignee_id = u.id AND d.state <> 'closed')
		FROM users u WHERE u.role IN ('reviewer', 'approver', 'admin') AND u.deactivated_at IS NULL ORDER BY 4, u.name`)
	if err != nil {
		return out, unavailableOr(err, "store: workload")
	}
	defer rows.Close()
	for rows.Next() {
		var w writ.Workload
		if err := rows.Scan(&w.UserID, &w.Name, &w.Role, &w.Open); err != nil {
			return out, fmt.Errorf("store: workload: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
