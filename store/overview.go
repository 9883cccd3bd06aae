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
	// The receipt is the event that brought the demand in: "received"
	// through intake, "imported" through the bulk import. Its entry may
	// still be waiting for the sequencer (a NULL index): then, as before
	// the next checkpoint, there is no proof to show yet.
	var index sql.NullInt64
	err = s.read.QueryRowContext(ctx, `SELECT log_index FROM events WHERE demand_id = $1 AND kind IN ('demand.received', 'demand.imported') ORDER BY id LIMIT 1`, demandID).Scan(&index)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("store: overview: %w", err)
	}
	if !index.Valid {
		return out, nil
	}
	size, _, err := s.latestCheckpointSize(ctx)
	if err != nil {
		return out, err
	}
	if index.Int64 < size {
		p, err := s.inclusion(ctx, index.Int64, size)
		if err != nil {
			return out, err
		}
		out.Received = &p
	}
	return out, nil
}
