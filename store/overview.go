package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"writ"
)

// DemandOverview says who asks, by when the customer must object, and
// where the demand's receipt sits in the audit log. For whoever may see
// the demand: a customer only once notice is due (ENOTFOUND before, as
// for any demand it may not see).
func (s *Store) DemandOverview(ctx context.Context, actor writ.Actor, demandID int64) (writ.DemandOverview, error) {
	var out writ.DemandOverview
	d, err := s.Demand(ctx, actor, demandID)
	if err != nil {
		return out, err
	}
	if err := s.read.QueryRowContext(ctx, `SELECT name, country FROM agencies WHERE id = $1`, d.AgencyID).Scan(&out.Authority, &out.AuthorityCountry); err != nil {
		return out, fmt.Errorf("store: overview: %w", err)
	}
	var given sql.NullTime
	if err := s.read.QueryRowContext(ctx, `SELECT given_at FROM notices WHERE demand_id = $1`, demandID).Scan(&given); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("store: overview: %w", err)
	}
	if given.Valid {
		a, err := s.currentAssessment(ctx, demandID)
		if err != nil {
			return out, err
		}
		end := s.objectionWindowEnds(a, timePtr(given))
		out.ObjectionDeadline = &end
	}
	var index int64
	if err := s.read.QueryRowContext(ctx, `SELECT log_index FROM events WHERE demand_id = $1 AND kind = 'demand.received' ORDER BY id LIMIT 1`, demandID).Scan(&index); err != nil {
		return out, fmt.Errorf("store: overview: %w", err)
	}
	size, _, err := s.latestCheckpointSize(ctx)
	if err != nil {
		return out, err
	}
	if index < size {
		p, err := s.inclusion(ctx, index, size)
		if err != nil {
			return out, err
		}
		out.Received = &p
	}
	return out, nil
}
